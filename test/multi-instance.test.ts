// Two instances of the service behind one public address, on one PostgreSQL database and one Redis: what
// one does, the other sees. Runs in the PostgreSQL run of the suite (vitest.config.ts).
import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addClient } from '../src/apps/clients.ts';
import { withDatabase } from './support/accounts.ts';
import { CALLBACK } from './support/apps.ts';
import { TestBrowser } from './support/browser.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { killServiceProcesses, type ServiceProcess, startServiceProcess } from './support/process.ts';
import { freePort } from './support/service.ts';
import { resetLinkOf, type SmtpCapture, startSmtpCapture } from './support/smtp.ts';

const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `sc-multi:${Date.now().toString(36)}:`;
const password = 'Velvet-Otter-9';
let database: TestDatabase;
let smtp: SmtpCapture;
let a: string;
let b: string;
const instances: ServiceProcess[] = [];

async function startInstance(port: number, publicUrl: string): Promise<string> {
  const env = {
    PORT: String(port),
    PUBLIC_URL: publicUrl,
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: prefix,
    SMTP_URL: smtp.url.href,
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
  };
  const instance = await startServiceProcess({ env, stdio: ['ignore', 'ignore', 'inherit'], ready: true });
  instances.push(instance);
  return instance.url;
}

function addUser(email: string): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      [
        'src/cli/main.ts',
        'users',
        'add',
        '--email',
        email,
        '--name',
        'Ada Lovelace',
        '--locale',
        'en',
        '--password-stdin',
      ],
      {
        env: { PATH: process.env.PATH ?? '', DATABASE_URL: database.url, NODE_ENV: 'test' },
        stdio: ['pipe', 'ignore', 'inherit'],
      },
    );
    child.stdin.end(`${password}\n`);
    child.on('exit', (code) => (code === 0 ? done() : fail(new Error(`users add exited with ${code}`))));
  });
}

beforeAll(async () => {
  database = await createTestDatabase();
  smtp = await startSmtpCapture();
  const [portA, portB] = [await freePort(), await freePort()];
  // The public address is the load balancer's; here it is instance A's, and B answers for it too.
  const publicUrl = `http://127.0.0.1:${portA}`;
  // Started together: migrations run once, under the lock, whichever instance gets there first.
  [a, b] = await Promise.all([startInstance(portA, publicUrl), startInstance(portB, publicUrl)]);
  await Promise.all(['ada@example.com', 'bob@example.com', 'cy@example.com', 'di@example.com'].map(addUser));
}, 90_000);

afterAll(async () => {
  await Promise.all(
    instances.map((instance) => {
      instance.child.kill('SIGTERM');
      return instance.exited();
    }),
  );
  await killServiceProcesses();
  await smtp.close();
  await database.drop();
  const redis = new Redis(redisUrl);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

/** A browser behind the load balancer: each request may land on either instance. */
const onA = (path: string) => `${a}${path}`;
const onB = (path: string) => `${b}${path}`;

describe('two instances on one PostgreSQL and one Redis', () => {
  it('started together and both applied the migrations once', async () => {
    for (const url of [a, b]) expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });

  it('share sessions: made on one, valid on the other, and a sign-out on either ends it on both', async () => {
    const browser = new TestBrowser(a);
    await browser.get(onA('/login'));
    expect((await browser.post(onA('/login'), { email: 'ada@example.com', password })).location).toBe('/settings');
    expect((await browser.get(onB('/settings/profile'))).status).toBe(200);
    await browser.get(onB('/settings/profile'));
    const cookie = browser.cookieHeader();
    expect((await browser.post(onB('/logout'), {})).location).toBe('/login?notice=signed-out');
    const replay = await fetch(onA('/settings/profile'), { headers: { cookie }, redirect: 'manual' });
    expect(replay.status).toBe(303);
  });

  it('count sign-in failures across both instances (Redis)', async () => {
    const browser = new TestBrowser(a);
    const fail = async (on: (path: string) => string) => {
      await browser.get(on('/login'));
      return browser.post(on('/login'), { email: 'bob@example.com', password: 'Wrong-Otter-9' });
    };
    for (let i = 0; i < 3; i++) expect((await fail(onA)).status).toBe(401);
    for (let i = 0; i < 3; i++) expect((await fail(onB)).status).toBe(401);
    const throttled = await fail(onA);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).not.toBeNull();
    const redis = new Redis(redisUrl);
    expect((await redis.keys(`${prefix}sign-in:*`)).length).toBeGreaterThan(0);
    redis.disconnect();
  });

  it('send each email once, and a link issued by one is used on the other, once', async () => {
    const browser = new TestBrowser(a);
    for (const [on, email] of [
      [onA, 'cy@example.com'],
      [onB, 'di@example.com'],
      [onB, 'cy@example.com'],
    ] as const) {
      await browser.get(on('/forgot-password'));
      expect((await browser.post(on('/forgot-password'), { email })).status).toBe(200);
    }
    await expect
      .poll(() => smtp.received.filter((email) => email.subject.startsWith('Reset')).length, { timeout: 20_000 })
      .toBe(3);
    // The sign-ins of the other tests, from browsers the accounts had not seen, were announced too.
    const notices = (email: { subject: string }) => email.subject.startsWith('New sign-in');
    const recipients = smtp.received
      .filter((email) => !notices(email))
      .map((email) => email.envelope.to.join())
      .sort();
    expect(recipients).toEqual(['cy@example.com', 'cy@example.com', 'di@example.com']);

    const link = resetLinkOf(smtp.received.find((email) => email.envelope.to[0] === 'di@example.com')!);
    const user = new TestBrowser(a);
    await user.get(onB(link.pathname + link.search));
    await user.get(onB('/reset-password'));
    expect(
      (
        await user.post(onB('/reset-password'), {
          new_password: 'Amber-Heron-27!',
          confirm_password: 'Amber-Heron-27!',
        })
      ).status,
    ).toBe(303);
    const again = new TestBrowser(a);
    await again.get(onA(link.pathname + link.search));
    expect((await again.get(onA('/reset-password'))).status).toBe(410);

    await expect
      .poll(() => smtp.received.filter((email) => email.subject.includes('was changed')).length, { timeout: 20_000 })
      .toBe(1);
    expect(smtp.received.filter((email) => !notices(email))).toHaveLength(4);
  });

  it('share the OpenID Connect provider: one JWKS, a sign-in across both, a code redeemed once across both', async () => {
    const added = await withDatabase(database.url, (deps) =>
      addClient(deps, { name: 'Sales Connect', redirectUris: [CALLBACK], firstParty: true }),
    );
    if (!added.ok) throw new Error(added.problem);
    const jwks = await Promise.all([a, b].map(async (url) => (await fetch(`${url}/oidc/jwks`)).json()));
    expect(jwks[0]).toEqual(jwks[1]);

    const browser = new TestBrowser(a);
    await browser.get(onA('/login'));
    await browser.post(onA('/login'), { email: 'ada@example.com', password });
    const verifier = oidc.randomPKCECodeVerifier();
    const query = new URLSearchParams({
      client_id: added.clientId,
      response_type: 'code',
      redirect_uri: CALLBACK,
      scope: 'openid email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 'multi',
    });
    // Each hop on the other instance: the provider's sign-in is shared through the database.
    let page = await browser.get(onA(`/oidc/auth?${query}`));
    for (let hop = 0; page.location && !page.location.startsWith(CALLBACK) && hop < 6; hop += 1) {
      const next = new URL(page.location, a);
      page = await browser.get((hop % 2 === 0 ? onB : onA)(next.pathname + next.search));
    }
    const code = new URL(page.location!).searchParams.get('code')!;
    expect(code).toBeTruthy();

    const basic = `Basic ${Buffer.from(`${added.clientId}:${added.clientSecret}`).toString('base64')}`;
    const redeem = (url: string) =>
      fetch(`${url}/oidc/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: CALLBACK,
          code_verifier: verifier,
        }),
      });
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => redeem(i % 2 === 0 ? a : b)));
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 200).length).toBeLessThanOrEqual(1);
    expect(statuses.every((status) => status === 200 || status === 400)).toBe(true);
    for (const answer of answers.filter((one) => one.status === 400)) {
      expect(((await answer.json()) as { error: string }).error).toBe('invalid_grant');
    }
  });
});
