// The two systems under test, started the same way: our service (built, production mode, SQLite or
// PostgreSQL) and Better Auth from bench/peers/better-auth, on the same Node.js.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { nextClient, request } from './load.ts';
import { freePort, type Running, startProcess } from './processes.ts';

export const PUBLIC_URL = 'https://accounts.bench.test';
export const PASSWORD = 'Velvet-Otter-9';
/** What seals the authenticator apps' keys in the benchmark's service (section 13 seals its own with it). */
export const BENCH_ENCRYPTION_KEY = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

export interface Ours extends Running {
  databaseUrl: string;
  /** Cookie and form fields a browser that opened the log-in page would send. */
  signInRequest(email: string): Promise<{ headers: Record<string, string>; body: string }>;
  /** A signed-in session's cookie header. */
  session(email: string): Promise<string>;
  /** Signed-in users who change their password again and again, one connection each: `run` for a while. */
  passwordChangers(emails: string[]): Promise<{ run(seconds: number): Promise<{ done: number; seconds: number }> }>;
}

/** The Node.js flags of `npm start` (package.json), so the benchmark runs the service exactly as operators do. */
function startFlags(): string[] {
  const start = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } }).scripts.start;
  return start.split(/\s+/).filter((word) => word.startsWith('--'));
}

export function sqliteUrl(): string {
  return `sqlite:${join(mkdtempSync(join(tmpdir(), 'sc-bench-')), 'app.db')}`;
}

/** What the admin command line runs with in the benchmark: the service's production configuration. */
export function cliEnvironment(databaseUrl: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    DATABASE_URL: databaseUrl,
    NODE_ENV: 'production',
    PUBLIC_URL,
    SMTP_URL: 'smtp://127.0.0.1:1',
    ENCRYPTION_KEY: BENCH_ENCRYPTION_KEY,
  };
}

export function addUsers(databaseUrl: string, emails: string[]): void {
  for (const email of emails) {
    const result = spawnSync(
      process.execPath,
      [
        'src/cli/main.ts',
        'users',
        'add',
        '--email',
        email,
        '--name',
        'Bench User',
        '--locale',
        'en',
        '--password-stdin',
      ],
      {
        input: `${PASSWORD}\n`,
        env: cliEnvironment(databaseUrl),
        encoding: 'utf8',
      },
    );
    if (result.status !== 0) throw new Error(`users add ${email}: ${result.stderr}`);
  }
}

export async function startOurs(options: {
  databaseUrl: string;
  smtpUrl: string;
  env?: Record<string, string>;
}): Promise<Ours> {
  const port = await freePort();
  const running = await startProcess({
    args: [...startFlags(), resolve('dist/main.js')],
    port,
    readyPath: '/healthz',
    env: {
      NODE_ENV: 'production',
      PUBLIC_URL,
      DATABASE_URL: options.databaseUrl,
      SMTP_URL: options.smtpUrl,
      ENCRYPTION_KEY: BENCH_ENCRYPTION_KEY,
      // Each benchmark request comes from a client address of its own, as real traffic does.
      TRUST_PROXY: '1',
      LOG_LEVEL: 'warn',
      ...options.env,
    },
  });
  const formFor = async () => {
    const page = await fetch(`${running.url}/login`);
    const cookie = page.headers
      .getSetCookie()
      .map((line) => line.split(';')[0])
      .join('; ');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
    return { cookie, csrf };
  };
  const signInRequest = async (email: string) => {
    const { cookie, csrf } = await formFor();
    // A returning user: the browser already carries its known-device cookie.
    const first = await fetch(`${running.url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, origin: PUBLIC_URL, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, email, password: PASSWORD }).toString(),
    });
    const device = first.headers
      .getSetCookie()
      .find((line) => line.startsWith('__Host-device='))
      ?.split(';')[0];
    return {
      headers: {
        cookie: [cookie, device].filter(Boolean).join('; '),
        origin: PUBLIC_URL,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ _csrf: csrf, email, password: PASSWORD }).toString(),
    };
  };
  const session = async (email: string) => {
    const request = await signInRequest(email);
    const response = await fetch(`${running.url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: request.headers,
      body: request.body,
    });
    if (response.status !== 303) throw new Error(`sign-in for the benchmark answered ${response.status}`);
    return response.headers
      .getSetCookie()
      .map((line) => line.split(';')[0])
      .join('; ');
  };
  return {
    ...running,
    databaseUrl: options.databaseUrl,
    signInRequest,
    session,
    async passwordChangers(emails) {
      const changers = await Promise.all(
        emails.map(async (email) => {
          let cookie = await session(email);
          const page = await fetch(`${running.url}/settings/profile`, { headers: { cookie } });
          const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
          cookie = [cookie, ...page.headers.getSetCookie().map((line) => line.split(';')[0])].join('; ');
          return { cookie, csrf, current: PASSWORD };
        }),
      );
      const run = async (seconds: number) => {
        let done = 0;
        const started = performance.now();
        const deadline = started + seconds * 1000;
        await Promise.all(
          changers.map(async (changer) => {
            while (performance.now() < deadline) {
              const next = changer.current === PASSWORD ? 'Amber-Heron-27!' : PASSWORD;
              const answer = await request(`${running.url}/settings/profile`, {
                method: 'POST',
                headers: {
                  cookie: changer.cookie,
                  origin: PUBLIC_URL,
                  'content-type': 'application/x-www-form-urlencoded',
                  ...nextClient(),
                },
                body: new URLSearchParams({
                  _csrf: changer.csrf,
                  name: 'Bench User',
                  locale: 'en',
                  change_password: 'on',
                  current_password: changer.current,
                  new_password: next,
                  confirm_password: next,
                }).toString(),
              });
              if (answer.status !== 303) throw new Error(`change password answered ${answer.status}`);
              // The session survives a change under a new id (SECURITY 56).
              const renewed = answer.headers['set-cookie']!.find((line) => /session=/.test(line))!.split(';')[0]!;
              changer.cookie = changer.cookie.replace(/__Host-session=[^;]+/, renewed);
              changer.current = next;
              done++;
            }
          }),
        );
        return { done, seconds: (performance.now() - started) / 1000 };
      };
      return { run };
    },
  };
}

export interface Peer extends Running {
  signInBody(email: string): string;
  session(email: string): Promise<string>;
}

export async function startPeer(users: number): Promise<Peer> {
  const port = await freePort();
  const running = await startProcess({
    args: [resolve('bench/peers/better-auth/server.mjs')],
    port,
    readyPath: '/api/auth/ok',
    env: {
      DB: join(mkdtempSync(join(tmpdir(), 'ba-bench-')), 'peer.db'),
      USERS: String(users),
      NODE_ENV: 'production',
    },
  });
  const signInBody = (email: string) => JSON.stringify({ email, password: PASSWORD });
  return {
    ...running,
    signInBody,
    async session(email) {
      const response = await fetch(`${running.url}/api/auth/sign-in/email`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: running.url },
        body: signInBody(email),
      });
      if (response.status !== 200)
        throw new Error(`Better Auth sign-in answered ${response.status}: ${await response.text()}`);
      return response.headers
        .getSetCookie()
        .map((line) => line.split(';')[0])
        .join('; ');
    },
  };
}
