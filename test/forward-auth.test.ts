// Forward-auth through real proxies (SECURITY 81, 83): nginx's auth_request and Caddy's forward_auth, each
// configured with the README's snippet ("Apps behind a reverse proxy: forward-auth") with only the addresses
// changed, between a browser, the service and a small app that answers with the headers it received. What
// the browser sees is the proxy's answer; what the app sees is what it would trust.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../src/store/users.ts';
import { uniqueEmail } from './support/apps.ts';
import { type Page, TestBrowser } from './support/browser.ts';
import { freePort, startService, type TestService } from './support/service.ts';
import { password } from './support/web.ts';

const NGINX = '/usr/sbin/nginx';
const CADDY = '/usr/bin/caddy';
/** The longest a proxy may take to listen, or to stop. */
const PROXY_WAIT_MS = 10_000;
/** What a browser sends when it navigates. */
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

let service: TestService;
let app: UpstreamApp;
const ports = { nginx: 0, caddy: 0 };

beforeAll(async () => {
  ports.nginx = await freePort();
  ports.caddy = await freePort();
  app = await startUpstreamApp();
  service = await startService(
    {
      TRUST_PROXY: '127.0.0.1',
      ALLOWED_APP_ORIGINS: `http://127.0.0.1:${ports.nginx},http://127.0.0.1:${ports.caddy}`,
    },
    { clockStart: Date.now() },
  );
});
afterAll(async () => {
  await service?.close();
  await app?.close();
});

/** The app behind the proxy: it answers every request with the header lines it received, and counts them. */
interface UpstreamApp {
  address: string;
  requests: number;
  close(): Promise<void>;
}

async function startUpstreamApp(): Promise<UpstreamApp> {
  const port = await freePort();
  const counter = { requests: 0 };
  const server: Server = createServer((request, response) => {
    counter.requests += 1;
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ url: request.url, rawHeaders: request.rawHeaders }));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${port}`,
    get requests() {
      return counter.requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What the app received: the path, and every value of a header, one per header line. */
function received(page: Page): { url: string; values(name: string): string[] } {
  expect(page.status, page.text).toBe(200);
  const { url, rawHeaders } = JSON.parse(page.text) as { url: string; rawHeaders: string[] };
  return {
    url,
    values: (name) => rawHeaders.filter((_, i) => i % 2 === 1 && rawHeaders[i - 1]!.toLowerCase() === name),
  };
}

/** One fenced block of the README's forward-auth section, by its language. */
async function readmeSnippet(language: string): Promise<string> {
  const readme = await readFile('README.md', 'utf8');
  const section = readme.split(/^## /m).find((part) => part.startsWith('Apps behind a reverse proxy: forward-auth'));
  const block = section && new RegExp(`^\`\`\`${language}\\n([\\s\\S]*?)^\`\`\`$`, 'm').exec(section)?.[1];
  if (!block) throw new Error(`README.md has no \`\`\`${language} block under "Apps behind a reverse proxy"`);
  return block;
}

/** The README's addresses, `accounts:3000` and `app:8080`, made the test's. */
function addressed(snippet: string): string {
  expect(snippet).toContain('accounts:3000');
  expect(snippet).toContain('app:8080');
  return snippet.replaceAll('accounts:3000', new URL(service.url).host).replaceAll('app:8080', app.address);
}

/** A proxy the test started. */
interface RunningProxy {
  url: string;
  stop(): Promise<void>;
}

function requireInstalled(binary: string, install: string): void {
  // Never skipped: CI installs both (.ci/run), and a developer's machine needs them too.
  if (!existsSync(binary)) throw new Error(`${binary} is missing: ${install} (bash .ci/run installs it)`);
}

/**
 * Starts `command`, and waits until `port` accepts a connection, or fails with what it printed and what
 * `logFile` holds.
 */
async function startProxy(
  command: string,
  args: string[],
  options: { port: number; env?: Record<string, string>; logFile?: string },
): Promise<RunningProxy> {
  const child: ChildProcess = spawn(command, args, {
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const log = async () => `${output}${options.logFile ? await readFile(options.logFile, 'utf8').catch(() => '') : ''}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const stopped = await Promise.race([exited.then(() => true), sleep(PROXY_WAIT_MS).then(() => false)]);
    if (!stopped) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  const deadline = Date.now() + PROXY_WAIT_MS;
  while (!(await accepts(options.port))) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${command} exited before it listened:\n${await log()}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${command} did not listen on ${options.port} within ${PROXY_WAIT_MS} ms:\n${await log()}`);
    }
    await sleep(50);
  }
  return { url: `http://127.0.0.1:${options.port}`, stop };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A GET with a Host header of the client's choosing, which fetch would replace with the URL's. */
function getWithHost(url: string, host: string): Promise<{ status: number; location?: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { headers: { host }, timeout: PROXY_WAIT_MS }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, location: response.headers.location }));
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer from ${url}`)));
    outgoing.on('error', reject);
    outgoing.end();
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A directory of the proxy's own, which the unprivileged workers nginx starts under root may enter. */
async function proxyDirectory(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `forward-auth-${name}-`));
  await chmod(dir, 0o755);
  return dir;
}

/** nginx with the README's locations in its one server, every path it writes inside `dir`. */
async function startNginx(dir: string): Promise<RunningProxy> {
  requireInstalled(NGINX, 'apt-get install nginx-light');
  const conf = join(dir, 'nginx.conf');
  const errorLog = join(dir, 'error.log');
  await writeFile(
    conf,
    `worker_processes 1;
error_log ${errorLog} warn;
pid ${join(dir, 'nginx.pid')};
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path ${join(dir, 'client-body')};
    proxy_temp_path ${join(dir, 'proxy')};
    fastcgi_temp_path ${join(dir, 'fastcgi')};
    uwsgi_temp_path ${join(dir, 'uwsgi')};
    scgi_temp_path ${join(dir, 'scgi')};
    server {
        listen 127.0.0.1:${ports.nginx};
${addressed(await readmeSnippet('nginx'))}
    }
}
`,
  );
  return startProxy(NGINX, ['-p', dir, '-e', errorLog, '-c', conf, '-g', 'daemon off;'], {
    port: ports.nginx,
    logFile: errorLog,
  });
}

/** Caddy with the README's site, on plain http, with no admin endpoint and every file it keeps inside `dir`. */
async function startCaddy(dir: string): Promise<RunningProxy> {
  requireInstalled(CADDY, 'apt-get install caddy');
  const caddyfile = join(dir, 'Caddyfile');
  const site = addressed(await readmeSnippet('caddyfile'));
  expect(site).toMatch(/^crm\.example\.com \{/);
  await writeFile(
    caddyfile,
    `{
	admin off
	auto_https off
	storage file_system ${join(dir, 'storage')}
}
${site.replace(/^crm\.example\.com/, `http://127.0.0.1:${ports.caddy}`)}`,
  );
  return startProxy(CADDY, ['run', '--config', caddyfile, '--adapter', 'caddyfile'], {
    port: ports.caddy,
    env: { HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), XDG_DATA_HOME: join(dir, 'data') },
  });
}

/** How a proxy sends a browser without a session to sign in, and what the browser reads there. */
type SentToSignIn = (page: Page, signInUrl: string) => void;

/** nginx turns the service's 401 into a redirect (error_page 401 =302). */
const redirected: SentToSignIn = (page, signInUrl) => {
  expect(page.status).toBe(302);
  expect(page.location).toBe(signInUrl);
};

/** Caddy hands the service's 401 over as it is: its Location, and a page that goes there by itself. */
const handedOver: SentToSignIn = (page, signInUrl) => {
  expect(page.status).toBe(401);
  expect(page.location).toBe(signInUrl);
  expect(page.text).toContain(`<meta http-equiv="refresh" content="0; url=${signInUrl}"/>`);
};

describe.each([
  { proxy: 'nginx', start: startNginx, sentToSignIn: redirected },
  { proxy: 'Caddy', start: startCaddy, sentToSignIn: handedOver },
])('an app behind $proxy with the README’s snippet', ({ proxy, start, sentToSignIn }) => {
  let dir: string;
  let running: RunningProxy;
  beforeAll(async () => {
    dir = await proxyDirectory(proxy.toLowerCase());
    running = await start(dir);
  });
  afterAll(async () => {
    await running?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** An account with a name that is not ASCII, and a browser that has not signed in yet. */
  async function visitor(): Promise<{ user: User; email: string; browser: TestBrowser }> {
    const email = uniqueEmail();
    const user = await service.addUser({ email, password, name: 'Zoë Martin', locale: 'fr' });
    return { user, email, browser: new TestBrowser(service.url, { accept: BROWSER_ACCEPT }) };
  }

  /** The log-in page the proxy sent the browser to, which carries the way back to `original`, then Log in. */
  async function signInFrom(browser: TestBrowser, email: string, sentTo: string, original: string): Promise<Page> {
    const login = await browser.get(sentTo);
    expect(login.status).toBe(200);
    expect(/name="return_to" value="([^"]+)"/.exec(login.text)?.[1]).toBe(original);
    return browser.post('/login', { email, password, return_to: original });
  }

  const signInUrl = (original: string) => `${service.url}/login?return_to=${encodeURIComponent(original)}`;

  it('sends a visitor to sign in with the way back, and back to the very page once signed in, where the app learns who', async () => {
    const { user, email, browser } = await visitor();
    const original = `${running.url}/some/page?x=1`;
    const before = app.requests;

    const first = await browser.get(original);
    sentToSignIn(first, signInUrl(original));
    expect(first.location).toBe(
      `${service.url}/login?return_to=http%3A%2F%2F127.0.0.1%3A${new URL(running.url).port}%2Fsome%2Fpage%3Fx%3D1`,
    );
    expect(app.requests, 'the app is never reached without a session').toBe(before);

    const signedIn = await signInFrom(browser, email, first.location!, original);
    expect(signedIn.status).toBe(303);
    expect(signedIn.location).toBe(original);

    const seen = received(await browser.get(signedIn.location!));
    expect(seen.url).toBe('/some/page?x=1');
    expect(seen.values('x-user-id')).toEqual([user.id]);
    expect(seen.values('x-user-email')).toEqual([email]);
    expect(seen.values('x-user-name')).toEqual(['Zo%C3%AB Martin']);
    expect(decodeURIComponent(seen.values('x-user-name')[0]!)).toBe('Zoë Martin');
    expect(seen.values('x-user-locale')).toEqual(['fr']);
    expect(app.requests).toBe(before + 1);
  });

  it('never lets a client name itself: signed out it is sent to sign in, signed in the app sees the real account', async () => {
    const { user, email, browser } = await visitor();
    const victim = await visitor();
    const forged = {
      'x-user-id': victim.user.id,
      'x-user-email': victim.email,
      'x-user-name': 'Admin',
      'x-user-locale': 'en',
    };
    const original = `${running.url}/admin`;
    const before = app.requests;

    const signedOut = await browser.get(original, forged);
    sentToSignIn(signedOut, signInUrl(original));
    expect(app.requests, 'the app is never reached without a session').toBe(before);

    expect((await signInFrom(browser, email, signedOut.location!, original)).location).toBe(original);
    const seen = received(await browser.get(original, forged));
    expect(seen.values('x-user-id')).toEqual([user.id]);
    expect(seen.values('x-user-email')).toEqual([email]);
    expect(seen.values('x-user-name')).toEqual(['Zo%C3%AB Martin']);
    expect(seen.values('x-user-locale')).toEqual(['fr']);
  });

  it('puts the app behind the sign-in again after signing out, for a copy of the old cookie too', async () => {
    const { email, browser } = await visitor();
    const original = `${running.url}/reports`;
    const sentTo = (await browser.get(original)).location!;
    await signInFrom(browser, email, sentTo, original);
    expect(received(await browser.get(original)).values('x-user-id')).toHaveLength(1);
    const copy = new TestBrowser(service.url, { accept: BROWSER_ACCEPT });
    for (const [name, value] of browser.cookies) copy.cookies.set(name, value);

    expect((await browser.get('/logout')).status).toBe(200);
    const out = await browser.post('/logout', {});
    expect(out.status).toBe(303);
    const before = app.requests;
    sentToSignIn(await browser.get(original), signInUrl(original));
    sentToSignIn(await copy.get(original), signInUrl(original));
    expect(app.requests, 'the app is never reached without a session').toBe(before);
  });

  it('ends the session for the app as well when it is ended through DELETE /api/session', async () => {
    const { email, browser } = await visitor();
    const original = `${running.url}/`;
    await signInFrom(browser, email, (await browser.get(original)).location!, original);
    expect(received(await browser.get(original)).values('x-user-id')).toHaveLength(1);

    const ended = await browser.request('/api/session', { method: 'DELETE', headers: { origin: service.url } });
    expect(ended.status).toBe(204);
    const before = app.requests;
    sentToSignIn(await browser.get(original), signInUrl(original));
    expect(app.requests).toBe(before);
  });

  // nginx serves any Host on its one server, and has a location of its own for the check.
  if (proxy === 'nginx')
    it('keeps the service’s answer to itself: the check location is internal, and a foreign Host is no way back', async () => {
      const before = app.requests;
      const internal = await fetch(`${running.url}/auth/check-internal`, { redirect: 'manual' });
      expect(internal.status).toBe(404);
      // The client writes Host; the allow-list, not the proxy, keeps it from becoming where users land.
      const foreign = await getWithHost(`${running.url}/inbox`, 'evil.example');
      expect(foreign.status).toBe(302);
      expect(foreign.location).toBe(`${service.url}/login`);
      expect(app.requests).toBe(before);
    });
});
