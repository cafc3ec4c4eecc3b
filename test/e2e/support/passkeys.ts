// Passkeys need a service of their own: WebAuthn refuses an IP address ("invalid domain"), and the shared e2e
// service lives at http://127.0.0.1 (environment.ts). This one is the same built dist/main.js, one per worker,
// at http://localhost:<port> with PUBLIC_URL saying so (its host is the relying party ID), on a SQLite file
// of its own in the run's folder; `addUser` adds accounts to it through the admin CLI, as fixtures.ts does for
// the shared one. `baseURL` points the pages at it, so the steps of steps.ts work unchanged.
// The user's device is Chromium's virtual authenticator (CDP WebAuthn): a platform authenticator with
// discoverable credentials and user verification, which answers at once, as a fingerprint would.

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { CDPSession, Page } from '@playwright/test';
import { freePort } from './apps.ts';
import type { Lang } from './copy.ts';
import { folder, serviceEnv } from './environment.ts';
import { type Account, test as base, newAddress, passwords } from './fixtures.ts';

export { expect } from '@playwright/test';

const node = resolve('node_modules/.bin/node');
const run = promisify(execFile);
const names: Record<Lang, string> = { en: 'Grace Hopper', fr: 'Marie Curie' };

interface PasskeyService {
  url: string;
  addUser(lang: Lang): Promise<Account>;
}

/** Starts the service at http://localhost:<port> and waits for /healthz (answered once it is migrated). */
async function startService(): Promise<PasskeyService & { close(): Promise<void> }> {
  const port = String(await freePort());
  const url = `http://localhost:${port}`;
  const dir = join(folder, `passkeys-${port}`);
  mkdirSync(dir, { recursive: true });
  const env = {
    ...serviceEnv,
    PORT: port,
    PUBLIC_URL: url,
    DATABASE_URL: `sqlite:${join(dir, 'e2e.db')}`,
    ALLOWED_APP_ORIGINS: '',
  };
  const child: ChildProcess = spawn(node, ['dist/main.js'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const deadline = Date.now() + 30_000;
  // The service listens on 127.0.0.1 (HOST), where "localhost" takes the browser; any other spelling of the
  // address is sent to PUBLIC_URL's (canonical-host.ts), so it is asked by that name too.
  while (
    (await fetch(`${url}/healthz`, { redirect: 'manual' }).then(
      (r) => r.status,
      () => 0,
    )) !== 200
  ) {
    if (child.exitCode !== null) throw new Error(`the passkeys service exited before it was ready:\n${errors}`);
    if (Date.now() > deadline) throw new Error(`the passkeys service did not answer at ${url}:\n${errors}`);
    await new Promise((done) => setTimeout(done, 100));
  }
  return {
    url,
    async addUser(lang) {
      const email = newAddress(lang);
      const name = names[lang];
      const cli = run(
        node,
        ['src/cli/main.ts', 'users', 'add', '--email', email, '--name', name, '--locale', lang, '--password-stdin'],
        {
          env: { ...process.env, ...env },
        },
      );
      cli.child.stdin?.end(`${passwords.first}\n`);
      await cli;
      return { email, name, password: passwords.first, lang };
    },
    async close() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The virtual authenticator of the page's browser, and what it holds. */
export interface Authenticator {
  cdp: CDPSession;
  id: string;
  /** The passkeys it holds: a removed one stays on the device, as a real phone keeps it. */
  credentials(): Promise<{ credentialId: string; isResidentCredential: boolean; signCount: number }[]>;
  /** false: the fingerprint is not recognised, and the browser's WebAuthn call fails as when cancelled. */
  userVerifies(ok: boolean): Promise<void>;
}

export async function addAuthenticator(page: Page): Promise<Authenticator> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    cdp,
    id: authenticatorId,
    credentials: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials,
    userVerifies: async (ok) => {
      await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: ok });
    },
  };
}

export const test = base.extend<{ authenticator: Authenticator }, { passkeyService: PasskeyService }>({
  passkeyService: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright reads the fixtures a fixture needs from this pattern
    async ({}, use) => {
      const service = await startService();
      await use(service);
      await service.close();
    },
    { scope: 'worker' },
  ],
  baseURL: async ({ passkeyService }, use) => use(passkeyService.url),
  addUser: async ({ passkeyService }, use) => use(passkeyService.addUser),
  authenticator: async ({ page }, use) => use(await addAuthenticator(page)),
});
