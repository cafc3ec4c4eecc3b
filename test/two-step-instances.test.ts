// Two-step verification on two instances of the service behind one public address, on one PostgreSQL
// database and one Redis, sharing ENCRYPTION_KEY: a factor set up on one holds on the other, a code spent on
// one is spent on both, a sign-in begun on one finishes on the other, and wrong codes count on both
// (SECURITY 85, 86, 90). Runs in the PostgreSQL run of the suite (vitest.config.ts). The processes keep the
// real time, so the codes are the ones a phone shows now.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { newKeyText } from '../src/core/secret-box.ts';
import { currentCode } from '../src/factors/totp.ts';
import { addAccounts } from './support/accounts.ts';
import { type Page, TestBrowser } from './support/browser.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { killServiceProcesses, type ServiceProcess, startServiceProcess } from './support/process.ts';
import { freePort } from './support/service.ts';
import { type SmtpCapture, startSmtpCapture } from './support/smtp.ts';

const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `sc-two-step:${Date.now().toString(36)}:`;
const encryptionKey = newKeyText();
const password = 'Velvet-Otter-9';
const STEP_MS = 30_000;
const SETUP = '/settings/security/two-step/setup';
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
    ENCRYPTION_KEY: encryptionKey,
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
  };
  const instance = await startServiceProcess({ env, stdio: ['ignore', 'ignore', 'inherit'], ready: true });
  instances.push(instance);
  return instance.url;
}

const emails = ['ada@example.com', 'bob@example.com', 'cy@example.com', 'di@example.com'];

beforeAll(async () => {
  database = await createTestDatabase();
  smtp = await startSmtpCapture();
  const [portA, portB] = [await freePort(), await freePort()];
  // The public address is the load balancer's; here it is instance A's, and B answers for it too.
  const publicUrl = `http://127.0.0.1:${portA}`;
  [a, b] = await Promise.all([startInstance(portA, publicUrl), startInstance(portB, publicUrl)]);
  await addAccounts(
    database.url,
    emails.map((email) => ({ email, password })),
  );
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

/**
 * Each test uses the codes of three steps around now (the one before, this one, the next), which the service
 * accepts within a step of its clock: it starts with at least ten seconds left in the current step.
 */
beforeEach(async () => {
  const into = Date.now() % STEP_MS;
  if (into > STEP_MS - 10_000) await new Promise((done) => setTimeout(done, STEP_MS - into + 250));
}, 20 * 1000);

/** A browser behind the load balancer: each request may land on either instance. */
const onA = (path: string) => `${a}${path}`;
const onB = (path: string) => `${b}${path}`;
type On = typeof onA;

/** The phone's code of the step `offset` steps from now. */
const codeAt = (key: string, offset: number) => currentCode(key, Date.now() + offset * STEP_MS);

async function signIn(browser: TestBrowser, on: On, email: string): Promise<Page> {
  await browser.get(on('/login'));
  return browser.post(on('/login'), { email, password });
}

/** Settings → Security → Set up authenticator app on instance A, confirmed with the previous step's code. */
async function enrolOnA(email: string): Promise<string> {
  const browser = new TestBrowser(a);
  expect((await signIn(browser, onA, email)).location).toBe('/settings');
  const setup = await browser.get(onA(SETUP));
  expect(setup.status).toBe(200);
  const key = (/data-setup-key[^>]*>([^<]+)</.exec(setup.text)?.[1] ?? '').replace(/ /g, '');
  const sealed = /name="setup" value="([^"]+)"/.exec(setup.text)?.[1] ?? '';
  const done = await browser.post(onA(SETUP), { code: codeAt(key, -1), setup: sealed });
  expect(done.status).toBe(200);
  return key;
}

async function halfSignedIn(on: On, email: string): Promise<TestBrowser> {
  const browser = new TestBrowser(a);
  expect((await signIn(browser, on, email)).location).toBe('/login/verify');
  return browser;
}

async function verify(browser: TestBrowser, on: On, code: string): Promise<Page> {
  await browser.get(on('/login/verify'));
  return browser.post(on('/login/verify'), { code });
}

describe('two-step verification on two instances', () => {
  it('set up on A, is asked for by B, whose sign-in takes the code (SECURITY 85)', async () => {
    const key = await enrolOnA('ada@example.com');
    const browser = await halfSignedIn(onB, 'ada@example.com');
    expect((await browser.get(onB('/settings/profile'))).location).toBe('/login');
    expect((await verify(browser, onB, codeAt(key, 0))).location).toBe('/settings');
    expect((await browser.get(onA('/settings/profile'))).status).toBe(200);
    expect((await browser.get(onB('/api/session'))).status).toBe(200);
  });

  it('refuses on B a code accepted on A, one after the other or both at once (SECURITY 86)', async () => {
    const key = await enrolOnA('bob@example.com');
    const first = await halfSignedIn(onA, 'bob@example.com');
    const second = await halfSignedIn(onB, 'bob@example.com');
    const code = codeAt(key, 0);
    expect((await verify(first, onA, code)).location).toBe('/settings');
    const replay = await verify(second, onB, code);
    expect(replay.status).toBe(401);
    expect((await second.get(onB('/settings/profile'))).location).toBe('/login');

    // The next step's code sent to both at the same moment: one sign-in only.
    const racers = [
      { browser: second, on: onB },
      { browser: await halfSignedIn(onA, 'bob@example.com'), on: onA },
    ];
    for (const racer of racers) await racer.browser.get(racer.on('/login/verify'));
    const next = codeAt(key, 1);
    const answers = await Promise.all(
      racers.map((racer) => racer.browser.post(racer.on('/login/verify'), { code: next })),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([303, 401]);
  });

  it('finishes on B the second step begun on A (SECURITY 90)', async () => {
    const key = await enrolOnA('cy@example.com');
    const browser = await halfSignedIn(onA, 'cy@example.com');
    expect((await verify(browser, onB, codeAt(key, 0))).location).toBe('/settings');
    expect((await browser.get(onA('/settings/profile'))).status).toBe(200);
    // The half-finished sign-in is spent on both.
    expect((await browser.post(onA('/login/verify'), { code: codeAt(key, 1) })).location).toBe(
      '/login?notice=second-step-expired',
    );
  });

  it('counts wrong codes across both instances (Redis), then refuses even the right one (SECURITY 86)', async () => {
    const key = await enrolOnA('di@example.com');
    const browser = await halfSignedIn(onA, 'di@example.com');
    for (let i = 0; i < 3; i++) expect((await verify(browser, onA, '000000')).status).toBe(401);
    for (let i = 0; i < 3; i++) expect((await verify(browser, onB, '000000')).status).toBe(401);
    const throttled = await verify(browser, onA, '000000');
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).not.toBeNull();
    expect((await verify(browser, onB, codeAt(key, 0))).status).toBe(429);
    const redis = new Redis(redisUrl);
    expect((await redis.keys(`${prefix}second-factor:*`)).length).toBeGreaterThan(0);
    redis.disconnect();
  });
});
