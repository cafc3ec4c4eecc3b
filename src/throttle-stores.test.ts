// The three homes of throttle counters keep the same promises (SECURITY 20): the database, Redis, and the
// in-memory insurance that takes over while Redis is unreachable.
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestDeps, testDeps } from '../test/support/deps.ts';
import {
  databaseThrottleStore,
  memoryThrottleStore,
  redisThrottleStore,
  type ThrottleStore,
} from './throttle-stores.ts';
import { createThrottles } from './throttles.ts';

const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const silent = pino({ level: 'silent' });
let redis: Redis;
let t: TestDeps;

beforeAll(async () => {
  redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  t = await testDeps();
});
afterAll(async () => {
  redis.disconnect();
  await t.close();
});

const prefix = () => `sc-test:${Date.now().toString(36)}:${Math.random().toString(36).slice(2)}:`;

type Count = <T>(work: (db?: TestDeps['deps']['db']) => Promise<T>) => Promise<T>;
// The flows count in a transaction of their own where the counters live in the database; elsewhere the
// attempts run truly side by side.
const inTransaction: Count = (work) => t.deps.db.transaction().execute((tx) => work(tx));
const asIs: Count = (work) => work();

const stores: Array<[string, () => ThrottleStore, Count]> = [
  ['the database', () => databaseThrottleStore(t.deps.db), inTransaction],
  ['Redis', () => redisThrottleStore(redis, { prefix: prefix(), insurance: memoryThrottleStore(), log: silent }), asIs],
  ['memory', () => memoryThrottleStore(), asIs],
];

describe.each(stores)('counters in %s', (_name, makeStore, count) => {
  it('count every one of twenty concurrent failures', async () => {
    const store = makeStore();
    const key = `k-${Math.random()}`;
    await Promise.all(Array.from({ length: 20 }, () => store.record(key, 1000, 60_000)));
    expect((await store.read([key])).get(key)).toEqual({ failures: 20, lastFailureAt: 1000 });
  });

  it('start again from one after a quiet period, and forget on clear', async () => {
    const store = makeStore();
    await store.record('a', 1000, 60_000);
    await store.record('a', 2000, 60_000);
    expect(await store.record('a', 62_000, 60_000)).toEqual({ failures: 1, lastFailureAt: 62_000 });
    await store.record('b:1', 1000, 60_000);
    await store.record('b:2', 1000, 60_000);
    await store.clear(['a']);
    await store.clearPrefix('b:');
    expect((await store.read(['a', 'b:1', 'b:2'])).size).toBe(0);
  });

  it('throttle sign-in the same way', async () => {
    const throttles = createThrottles(makeStore());
    const account = `ada-${Math.random()}@example.com`;
    for (let i = 0; i < 6; i++) expect(await throttles.signIn.attempt(account, '203.0.113.7', 1000)).toBe(0);
    expect(await throttles.signIn.attempt(account, '203.0.113.7', 1000)).toBe(1000);
    expect(await throttles.signIn.attempt(account, '198.51.100.1', 1000)).toBe(0);
    await throttles.signIn.forgetAccount(account);
    expect(await throttles.signIn.attempt(account, '203.0.113.7', 1000)).toBe(0);
  });

  it('let through no more parallel attempts than the throttles allow (SECURITY 20)', async () => {
    const throttles = createThrottles(makeStore());
    const account = `ada-${Math.random()}@example.com`;
    // The account's two counters rank the attempts alike, so exactly the first six go ahead.
    const attempt = () => count((db) => throttles.signIn.attempt(account, '203.0.113.7', 1000, db ? { db } : {}));
    const waits = await Promise.all(Array.from({ length: 30 }, attempt));
    expect(waits.filter((wait) => wait === 0)).toHaveLength(6);
  });

  it('count only failures against the client, never a right password', async () => {
    const store = makeStore();
    const throttles = createThrottles(store);
    for (let i = 0; i < 60; i++) {
      expect(await throttles.signIn.attempt(`user${i}@example.com`, '203.0.113.9', 1000)).toBe(0);
      await throttles.signIn.succeed(`user${i}@example.com`, '203.0.113.9');
    }
    expect(await throttles.signIn.attempt('another@example.com', '203.0.113.9', 1000)).toBe(0);
  });
});

describe('when Redis cannot be reached', () => {
  it('keeps limiting, in memory, and answers at once', async () => {
    const down = new Redis('redis://127.0.0.1:1', {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      lazyConnect: true,
      retryStrategy: () => null,
    });
    const throttles = createThrottles(
      redisThrottleStore(down, { prefix: prefix(), insurance: memoryThrottleStore(), log: silent }),
    );
    for (let i = 0; i < 6; i++) await throttles.signIn.attempt('ada@example.com', '203.0.113.7', 1000);
    expect(await throttles.signIn.attempt('ada@example.com', '203.0.113.7', 1000)).toBe(1000);
    down.disconnect();
  });

  it('never keeps more keys in memory than its bound', async () => {
    const store = memoryThrottleStore(3);
    for (const key of ['a', 'b', 'c', 'd']) await store.record(key, 1000, 60_000);
    expect([...(await store.read(['a', 'b', 'c', 'd'])).keys()]).toEqual(['b', 'c', 'd']);
  });
});
