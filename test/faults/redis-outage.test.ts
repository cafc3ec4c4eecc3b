// Redis lost, then back: sign-ins go on working, guessing stays throttled in each instance's memory
// meanwhile, and the counters live in Redis again once it answers. A Redis of the test's own, on its own port.
import { type ChildProcess, spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAccounts } from '../support/accounts.ts';
import { TestBrowser } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { recordMeasurement } from '../support/measurements.ts';
import { killServiceProcesses, type ServiceProcess, startServiceProcess } from '../support/process.ts';
import { freePort } from '../support/service.ts';

const password = 'Velvet-Otter-9';
let database: TestDatabase;
let service: ServiceProcess;
let redisPort: number;
let redis: ChildProcess | undefined;

async function startRedis(): Promise<void> {
  redis = spawn(
    'redis-server',
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const client = new Redis({ port: redisPort, lazyConnect: true, retryStrategy: () => 50, maxRetriesPerRequest: null });
  // Refused until the server listens: retried, not reported.
  client.on('error', () => undefined);
  await client.ping();
  client.disconnect();
}

async function countersInRedis(): Promise<number> {
  const client = new Redis({ port: redisPort, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  try {
    return (await client.keys('sc-faults:*')).length;
  } finally {
    client.disconnect();
  }
}

beforeAll(async () => {
  database = await createTestDatabase();
  redisPort = await freePort();
  await startRedis();
  await addAccounts(
    database.url,
    ['ada', 'bob', 'eve', 'cy'].map((name) => ({ email: `${name}@example.com`, password })),
  );
  const port = await freePort();
  const env = {
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: database.url,
    SMTP_URL: 'smtp://127.0.0.1:1',
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    REDIS_KEY_PREFIX: 'sc-faults:',
  };
  service = await startServiceProcess({ env, ready: true });
});
afterAll(async () => {
  await killServiceProcesses();
  redis?.kill('SIGKILL');
  await database.drop();
});

const signIn = async (email: string, attempt: string) =>
  (await new TestBrowser(service.url).signIn(email, attempt)).status;

describe('losing Redis', () => {
  it('keeps sign-ins working and guessing throttled, and counts in Redis again once it is back', async () => {
    expect(await signIn('ada@example.com', 'Wrong-Otter-1')).toBe(401);
    expect(await countersInRedis()).toBeGreaterThan(0);

    redis!.kill('SIGKILL');
    await new Promise((resolve) => redis!.once('exit', resolve));
    expect(await signIn('bob@example.com', password)).toBe(303);
    // Five free mistakes per account and client, a sixth, then a wait: the same rule, counted in memory.
    for (let i = 0; i < 6; i++) expect(await signIn('eve@example.com', `Wrong-Otter-${i}`)).toBe(401);
    expect(await signIn('eve@example.com', 'Wrong-Otter-6')).toBe(429);
    expect(await signIn('eve@example.com', password)).toBe(429);

    await startRedis();
    const backAt = performance.now();
    expect(await countersInRedis()).toBe(0);
    // ioredis reconnects by itself; from then on the failures are Redis's to count again.
    await expect
      .poll(
        async () => {
          expect(await signIn('cy@example.com', 'Wrong-Otter-9')).toBe(401);
          return countersInRedis();
        },
        { timeout: 15_000, interval: 500 },
      )
      .toBeGreaterThan(0);
    recordMeasurement('Redis outage', 'from Redis back to counters in Redis again', performance.now() - backAt);
    expect(await signIn('bob@example.com', password)).toBe(303);
  });
});
