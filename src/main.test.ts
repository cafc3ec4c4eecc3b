// The service as an operator starts it: the built dist/main.js in its own process (npm test builds first).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestBrowser } from '../test/support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../test/support/database.ts';
import { killServiceProcesses, startServiceProcess } from '../test/support/process.ts';
import { freePort } from '../test/support/service.ts';

let folder: string;
let database: TestDatabase;
beforeEach(async () => {
  folder = mkdtempSync(join(tmpdir(), 'sc-main-'));
  database = await createTestDatabase();
});
afterEach(async () => {
  await killServiceProcesses();
  await database.drop();
  rmSync(folder, { recursive: true, force: true });
});

function environment(port: number, extra: Record<string, string> = {}) {
  return { PATH: process.env.PATH ?? '', PORT: String(port), DATABASE_URL: database.url, LOG_LEVEL: 'warn', ...extra };
}

/** Starts the service in its own folder; resolves once /healthz answers. */
const start = (env: Record<string, string>) => startServiceProcess({ env, cwd: folder });

describe('npm start', () => {
  it('refuses bad configuration with one line per problem and exit code 2, starting nothing', async () => {
    const port = await freePort();
    const result = spawnSync(process.execPath, ['dist/main.js'], {
      env: environment(port, { PORT: 'x', DEFAULT_LOCALE: 'de', PUBLIC_URL: 'ftp://nope' }),
      encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      'PORT must be a whole number from 1 to 65535 (got "x")',
      'DEFAULT_LOCALE must be one of en, fr (got "de")',
      'PUBLIC_URL must start with http:// or https:// (got "ftp://nope")',
    ]);
    expect(result.stdout).toBe('');
  });

  it('creates a demo account on an empty database, shows its password once, and it signs in', async () => {
    const port = await freePort();
    const env = environment(port, { PUBLIC_URL: `http://127.0.0.1:${port}` });
    const first = await start(env);
    const printed = /email: +(\S+)\n +password: +(\S+)/.exec(first.output());
    expect(printed?.[1]).toBe('demo@example.com');
    const browser = new TestBrowser(`http://127.0.0.1:${port}`);
    expect((await browser.signIn(printed![1]!, printed![2]!)).location).toBe('/settings');

    first.child.kill('SIGTERM');
    expect(await first.exited()).toBe(0);
    const second = await start(env);
    expect(second.output()).not.toContain('Demo account');
    expect(second.output()).not.toContain(printed![2]!);
    expect((await new TestBrowser(`http://127.0.0.1:${port}`).signIn(printed![1]!, printed![2]!)).location).toBe(
      '/settings',
    );
  });

  it('disables in production a demo account left by development (SECURITY 26)', async () => {
    const port = await freePort();
    const development = await start(environment(port, { PUBLIC_URL: `http://127.0.0.1:${port}` }));
    const password = /password: +(\S+)/.exec(development.output())![1]!;
    development.child.kill('SIGTERM');
    await development.exited();
    await start(
      environment(port, {
        NODE_ENV: 'production',
        PUBLIC_URL: 'https://accounts.example.test',
        SMTP_URL: 'smtp://127.0.0.1:1',
        ENCRYPTION_KEY: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
      }),
    );
    const browser = new TestBrowser(`http://127.0.0.1:${port}`);
    await browser.get('/login');
    expect(
      (
        await browser.post(
          '/login',
          { email: 'demo@example.com', password },
          { origin: 'https://accounts.example.test' },
        )
      ).status,
    ).toBe(401);
  });

  it('creates no demo account in production (SECURITY 26)', async () => {
    const port = await freePort();
    const service = await start(
      environment(port, {
        NODE_ENV: 'production',
        PUBLIC_URL: 'https://accounts.example.test',
        SMTP_URL: 'smtp://127.0.0.1:1',
        ENCRYPTION_KEY: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
      }),
    );
    expect(service.output()).not.toContain('Demo account');
    expect(service.output()).not.toContain('/dev/mailbox');
    const browser = new TestBrowser(`http://127.0.0.1:${port}`);
    await browser.get('/login');
    const answer = await browser.post(
      '/login',
      { email: 'demo@example.com', password: 'anything' },
      { origin: 'https://accounts.example.test' },
    );
    expect(answer.status).toBe(401);
  });
});

describe('npm start on a developer’s machine', () => {
  it('prints one address, and the other loopback spelling of it leads there: forms work from either', async () => {
    const port = await freePort();
    // PUBLIC_URL left to its default, http://localhost:PORT, while the server listens on 127.0.0.1.
    const service = await start(environment(port, { LOG_LEVEL: 'info' }));
    const printed = service.output().match(/https?:\/\/[\w.[\]:-]+:\d+/g) ?? [];
    expect(new Set(printed)).toEqual(new Set([`http://localhost:${port}`]));

    const other = await fetch(`http://127.0.0.1:${port}/login?notice=signed-out`, { redirect: 'manual' });
    expect(other.status).toBe(308);
    expect(other.headers.get('location')).toBe(`http://localhost:${port}/login?notice=signed-out`);
    // Followed, as a browser would: the log-in form of localhost takes the demo account.
    const password = /password: +(\S+)/.exec(service.output())![1]!;
    const browser = new TestBrowser(`http://localhost:${port}`);
    expect((await browser.signIn('demo@example.com', password)).location).toBe('/settings');
    // A form posted to the other spelling is sent on whole (308 keeps the method and the body).
    const posted = await fetch(`http://127.0.0.1:${port}/forgot-password`, { method: 'POST', redirect: 'manual' });
    expect(posted.status).toBe(308);
    // A path that looks like another host stays a path of ours.
    const scheme = await fetch(`http://127.0.0.1:${port}//evil.example/x`, { redirect: 'manual' });
    expect(scheme.headers.get('location')).toBe(`http://localhost:${port}//evil.example/x`);
    // A proxy's forward-auth check or an app's back end at the other spelling is answered where it asks:
    // neither follows redirects.
    for (const path of ['/auth/check', '/api/session']) {
      expect((await fetch(`http://127.0.0.1:${port}${path}`, { redirect: 'manual' })).status).toBe(401);
    }
  });
});

describe('operating the service', () => {
  it('finishes the requests in flight on SIGTERM, then exits with 0', async () => {
    const port = await freePort();
    const service = await start(environment(port, { PUBLIC_URL: `http://127.0.0.1:${port}`, HASH_CONCURRENCY: '1' }));
    const browser = new TestBrowser(`http://127.0.0.1:${port}`);
    await browser.get('/login');
    // One hash at a time, thirty sign-ins: most of them wait in the queue when the signal comes.
    const attempts = Array.from({ length: 30 }, (_, i) =>
      browser.post('/login', { email: `user${i}@example.com`, password: 'Wrong-Otter-9' }),
    );
    // Let the requests reach the server before asking it to stop.
    await expect
      .poll(async () =>
        (await fetch(`http://127.0.0.1:${port}/metrics`))
          .text()
          .then((text) => /hashing_queue\{state="waiting"\} [1-9]/.test(text)),
      )
      .toBe(true);
    service.child.kill('SIGTERM');
    const answers = await Promise.all(attempts);
    expect(answers.map((answer) => answer.status)).toEqual(Array(30).fill(401));
    expect(await service.exited()).toBe(0);
  });

  it('hashes on exactly HASH_CONCURRENCY threads, which give way to the event loop (SECURITY 15)', async () => {
    const port = await freePort();
    const service = await start(environment(port, { HASH_CONCURRENCY: '3' }));
    const threads = readdirSync(`/proc/${service.child.pid}/task`).map((id) => ({
      name: readFileSync(`/proc/${service.child.pid}/task/${id}/comm`, 'utf8').trim(),
      nice: Number(readFileSync(`/proc/${service.child.pid}/task/${id}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]),
    }));
    const hashing = threads.filter((thread) => thread.name === 'libuv-worker');
    expect(hashing.map((thread) => thread.nice)).toEqual([10, 10, 10]);
  });

  it('writes no password, cookie, token or token-bearing URL into its logs, through a whole run (SECURITY 46, 68)', async () => {
    const { startSmtpCapture, resetLinkOf } = await import('../test/support/smtp.ts');
    const smtp = await startSmtpCapture();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const service = await start(environment(port, { PUBLIC_URL: base, SMTP_URL: smtp.url.href, LOG_LEVEL: 'trace' }));
    const secrets: string[] = [];
    const remember = (browser: TestBrowser) => {
      secrets.push(...browser.cookies.values());
      if (browser.csrf) secrets.push(browser.csrf);
    };

    const password = /password: +(\S+)/.exec(service.output())![1]!;
    const browser = new TestBrowser(base);
    await browser.signIn('demo@example.com', password);
    remember(browser);
    await new TestBrowser(base).signIn('demo@example.com', 'Wrong-Otter-9');
    const changed = await browser.changePassword(password, 'Amber-Heron-27!');
    expect(changed.status).toBe(303);
    remember(browser);
    await browser.get('/forgot-password');
    await browser.post('/forgot-password', { email: 'demo@example.com' });
    await expect
      .poll(() => smtp.received.filter((email) => email.subject.startsWith('Reset')).length, { timeout: 20_000 })
      .toBe(1);
    const link = resetLinkOf(smtp.received.find((email) => email.subject.startsWith('Reset'))!);
    await browser.get(link.pathname + link.search);
    remember(browser);
    await browser.get('/reset-password');
    await browser.post('/reset-password', { new_password: 'Coral-Finch-31!', confirm_password: 'Coral-Finch-31!' });
    await browser.signIn('demo@example.com', 'Coral-Finch-31!');
    remember(browser);
    service.child.kill('SIGTERM');
    await service.exited();
    await smtp.close();

    const log = service.output().replace(/^[\s\S]*?password: +\S+\n/, '');
    expect(log).toContain('"event":"sign-in"');
    expect(log).toContain('"event":"reset-completed"');
    for (const secret of [
      password,
      'Wrong-Otter-9',
      'Amber-Heron-27!',
      'Coral-Finch-31!',
      link.searchParams.get('token')!,
      ...secrets,
    ]) {
      expect(log).not.toContain(secret);
    }
    expect(log).not.toMatch(/token=/);
  });
});
