// The apps of issue 14 beside the e2e service: the demo app of examples/sales-connect-app, registered through
// the admin CLI exactly as an administrator would (`npm run cli -- clients add …`, its client_id: and
// client_secret: lines read back) and started in the worker's own process on a free port, one per worker:
//   - `salesApp`, the company's own Sales Connect app (--first-party: no consent page);
//   - `partnerApp`, a third party's app (no --first-party: the user is asked first).
// The apps live at http://localhost:<port> while the service is at http://127.0.0.1:<port>: cookies ignore
// ports, so on one host name the app's cookie and the service's would reach each other; on two, each site
// keeps its own, as an app and the account service do in production.
// `otherAddress` is for the user's second device: see startOtherAddress.

import { execFile } from 'node:child_process';
import { createServer, request as forward, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { expect, type Page } from '@playwright/test';
import { startDemoApp } from '../../../examples/sales-connect-app/app.ts';
import { appCopy } from './app-copy.ts';
import { copy, type Lang } from './copy.ts';
import { baseURL, serviceEnv } from './environment.ts';
import { test as base } from './fixtures.ts';
import { submitLogIn } from './steps.ts';

export { expect } from '@playwright/test';

export interface RunningApp {
  /** The name it was registered with: the one our pages show. */
  name: string;
  /** Its origin, as the browser reaches it. */
  url: string;
  clientId: string;
}

const run = promisify(execFile);

/** The admin CLI on the e2e service's database; its stdout. */
async function cli(args: string[]): Promise<string> {
  const { stdout } = await run(resolve('node_modules/.bin/node'), ['src/cli/main.ts', ...args], {
    env: { ...process.env, ...serviceEnv },
  });
  return stdout;
}

function printed(output: string, name: string): string {
  const value = new RegExp(`^${name}: (\\S+)$`, 'm').exec(output)?.[1];
  if (!value) throw new Error(`clients add printed no ${name}: ${output}`);
  return value;
}

/** A port of 127.0.0.1 nobody listens on now. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createNetServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/** Registers the demo app as `name` and starts it; `close` stops it. */
async function startApp(name: string, firstParty: boolean): Promise<RunningApp & { close(): Promise<void> }> {
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const added = await cli([
    'clients',
    'add',
    '--name',
    name,
    '--redirect-uri',
    `${url}/callback`,
    '--post-logout-redirect-uri',
    `${url}/`,
    '--backchannel-logout-uri',
    `${url}/backchannel-logout`,
    ...(firstParty ? ['--first-party'] : []),
  ]);
  const clientId = printed(added, 'client_id');
  const app = await startDemoApp({
    issuer: baseURL,
    clientId,
    clientSecret: printed(added, 'client_secret'),
    appUrl: url,
    port,
    log: (line) => process.stderr.write(`${name} | ${line}\n`),
  });
  return { name, url: app.url, clientId, close: () => app.close() };
}

// Connection-level headers belong to one hop: the proxy's, not the service's.
const hopByHop = ['connection', 'proxy-connection', 'keep-alive', 'proxy-authorization', 'te', 'trailer', 'upgrade'];

/**
 * The user's second device (their phone), at a network address of its own: an HTTP proxy for the browser whose
 * connections to the service leave from 127.0.0.2. The service counts some requests per address (reset
 * emails: see the budget in steps.ts, sendResetEmail); the reset done from this "phone" spends the phone's
 * budget, not the one every other test spends from 127.0.0.1. Only the service is reached through it.
 */
function startOtherAddress(localAddress: string): Promise<{ server: string; close(): Promise<void> }> {
  const service = new URL(baseURL);
  const proxy: Server = createServer((incoming, outgoing) => {
    const target = URL.canParse(incoming.url ?? '') ? new URL(incoming.url!) : undefined;
    if (target?.origin !== service.origin) {
      outgoing.writeHead(403).end();
      return;
    }
    const headers: IncomingHttpHeaders = { ...incoming.headers };
    for (const name of hopByHop) delete headers[name];
    const onward = forward(
      {
        host: service.hostname,
        port: service.port,
        localAddress,
        method: incoming.method,
        path: `${target.pathname}${target.search}`,
        headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
        answer.pipe(outgoing);
      },
    );
    onward.on('error', () => outgoing.destroy());
    incoming.pipe(onward);
  });
  return new Promise((done, fail) => {
    proxy.once('error', fail);
    proxy.listen(0, '127.0.0.1', () => {
      const { port } = proxy.address() as { port: number };
      done({
        server: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((closed) => {
            proxy.close(() => closed());
            proxy.closeAllConnections();
          }),
      });
    });
  });
}

export const test = base.extend<
  Record<never, never>,
  { salesApp: RunningApp; partnerApp: RunningApp; otherAddress: { proxy: { server: string; bypass: string } } }
>({
  salesApp: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright reads the fixtures a fixture needs from this pattern
    async ({}, use) => {
      const app = await startApp('Sales Connect', true);
      await use(app);
      await app.close();
    },
    { scope: 'worker' },
  ],
  partnerApp: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright reads the fixtures a fixture needs from this pattern
    async ({}, use) => {
      const app = await startApp('Forecast Hub', false);
      await use(app);
      await app.close();
    },
    { scope: 'worker' },
  ],
  otherAddress: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright reads the fixtures a fixture needs from this pattern
    async ({}, use) => {
      const proxy = await startOtherAddress('127.0.0.2');
      // Chromium never sends loopback addresses to a proxy unless told to (<-loopback>).
      await use({ proxy: { server: proxy.server, bypass: '<-loopback>' } });
      await proxy.close();
    },
    { scope: 'worker' },
  ],
});

/** The browser's language for `lang`, as an Accept-Language the app and the service both read. */
export const browserLocale = (lang: Lang) => (lang === 'fr' ? 'fr-FR' : 'en-US');

/** The app's home page, signed out: its welcome, and its "Sign in". */
export async function expectAppSignedOut(page: Page, lang: Lang, app: RunningApp): Promise<void> {
  const a = appCopy[lang];
  await expect(page).toHaveURL(`${app.url}/`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(a.appWelcome);
  await expect(page.getByRole('main').getByRole('link', { name: a.appSignIn, exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: copy[lang].accountMenu, exact: true })).toHaveCount(0);
}

/** The app's home page, signed in: it greets the user by name and has the gear icon. */
export async function expectAppSignedIn(page: Page, lang: Lang, app: RunningApp, name: string): Promise<void> {
  const a = appCopy[lang];
  await expect(page).toHaveURL(`${app.url}/`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(a.appWelcomeBack(name));
  await expect(page.getByRole('button', { name: copy[lang].accountMenu, exact: true })).toBeVisible();
  await expect(page.getByRole('link', { name: a.appSignIn, exact: true })).toHaveCount(0);
}

/**
 * The app learns of a sign-out elsewhere through a back-channel logout, which the service's outbox worker
 * delivers a moment after the event: the app's page is loaded again until it shows the user signed out.
 */
export async function expectAppSignsOut(page: Page, lang: Lang, app: RunningApp): Promise<void> {
  await expect(async () => {
    await page.goto(app.url);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(appCopy[lang].appWelcome, { timeout: 1_000 });
  }, 'the back-channel logout reaches the app').toPass({ intervals: [250, 500, 1_000], timeout: 15_000 });
  await expectAppSignedOut(page, lang, app);
}

/** "Sign in" on the app: our log-in page, in the browser's language, says which app the sign-in is for. */
export async function openAppSignIn(page: Page, lang: Lang, app: RunningApp): Promise<void> {
  const t = copy[lang];
  await page.goto(app.url);
  await expectAppSignedOut(page, lang, app);
  await page.getByRole('main').getByRole('link', { name: appCopy[lang].appSignIn, exact: true }).click();
  await expect(page).toHaveURL((url) => url.origin === baseURL && /^\/interaction\/[^/]+$/.test(url.pathname));
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(t.logInTitle);
  await expect(page.getByText(appCopy[lang].logInForApp(app.name), { exact: true })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', lang);
}

/** The whole sign-in through an app the user needs not allow (a first-party one), back on the app signed in. */
export async function signInThroughApp(
  page: Page,
  lang: Lang,
  app: RunningApp,
  user: { email: string; password: string; name: string },
): Promise<void> {
  await openAppSignIn(page, lang, app);
  await submitLogIn(page, lang, user.email, user.password);
  await expectAppSignedIn(page, lang, app, user.name);
}
