// The service as an operator starts it: the built dist/main.js in its own process (npm test builds first).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestBrowser } from '../test/support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../test/support/database.ts';
import { freePort } from '../test/support/service.ts';

let folder: string;
let database: TestDatabase;
const running: ChildProcess[] = [];
beforeEach(async () => {
  folder = mkdtempSync(join(tmpdir(), 'sc-main-'));
  database = await createTestDatabase();
});
afterEach(async () => {
  const children = running.splice(0).filter((child) => child.exitCode === null);
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(children.map(exited));
  await database.drop();
  rmSync(folder, { recursive: true, force: true });
});

function environment(port: number, extra: Record<string, string> = {}) {
  return { PATH: process.env.PATH ?? '', PORT: String(port), DATABASE_URL: database.url, LOG_LEVEL: 'warn', ...extra };
}

/** Starts the service and resolves with everything it printed once /healthz answers. */
async function start(env: Record<string, string>): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [resolve('dist/main.js')], { env, cwd: folder, stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${env.PORT}/healthz`;
  await expect
    .poll(async () => (await fetch(url).catch(() => undefined))?.status, { timeout: 20_000, interval: 100 })
    .toBe(200);
  return { child, output: () => output };
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

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
    expect(await exited(first.child)).toBe(0);
    const second = await start(env);
    expect(second.output()).not.toContain('Demo account');
    expect(second.output()).not.toContain(printed![2]!);
    expect((await new TestBrowser(`http://127.0.0.1:${port}`).signIn(printed![1]!, printed![2]!)).location).toBe('/settings');
  });

  it('creates no demo account in production (SECURITY 26)', async () => {
    const port = await freePort();
    const service = await start(environment(port, { NODE_ENV: 'production', PUBLIC_URL: 'https://accounts.example.test', SMTP_URL: 'smtp://127.0.0.1:1' }));
    expect(service.output()).not.toContain('Demo account');
    expect(service.output()).not.toContain('/dev/mailbox');
    const browser = new TestBrowser(`http://127.0.0.1:${port}`);
    await browser.get('/login');
    const answer = await browser.post('/login', { email: 'demo@example.com', password: 'anything' }, { origin: 'https://accounts.example.test' });
    expect(answer.status).toBe(401);
  });
});
