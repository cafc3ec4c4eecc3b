// Where throttle counters live (throttles.ts decides what they mean): the database by default, Redis when
// REDIS_URL is set, so that limits hold across instances; and an in-memory store that stands in for Redis
// while it cannot be reached, so an outage never means no limits at all.

import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { MINUTE } from './core/duration.ts';
import type { FailureCount } from './core/throttle.ts';
import type { Database, Executor } from './store/database.ts';
import { clearFailures, clearFailuresByPrefix, readFailures, recordFailure } from './store/throttles.ts';

export interface ThrottleStore {
  read(keys: readonly string[], db?: Executor): Promise<Map<string, FailureCount>>;
  /** `db`: a transaction of the caller's that a database-backed store joins, so both commit together. */
  record(key: string, now: number, forgetAfterMs: number, db?: Executor): Promise<FailureCount>;
  clear(keys: readonly string[], db?: Executor): Promise<void>;
  /** Clears every counter whose key starts with the prefix. */
  clearPrefix(prefix: string): Promise<void>;
}

export function databaseThrottleStore(db: Kysely<Database>): ThrottleStore {
  return {
    read: (keys, tx) => readFailures(tx ?? db, keys),
    record: (key, now, forgetAfterMs, tx) => recordFailure(tx ?? db, key, now, forgetAfterMs),
    clear: (keys, tx) => clearFailures(tx ?? db, keys),
    clearPrefix: (prefix) => clearFailuresByPrefix(db, prefix),
  };
}

/** One process's counters; bounded, so a flood of distinct keys cannot grow it without end. */
export function memoryThrottleStore(maxKeys = 100_000): ThrottleStore {
  const counters = new Map<string, FailureCount>();
  return {
    async read(keys) {
      return new Map(
        keys.flatMap((key) => {
          const counter = counters.get(key);
          return counter ? [[key, { failures: counter.failures, lastFailureAt: counter.lastFailureAt }] as const] : [];
        }),
      );
    },
    async record(key, now, forgetAfterMs) {
      const previous = counters.get(key);
      const failures = previous && now - previous.lastFailureAt < forgetAfterMs ? previous.failures + 1 : 1;
      counters.delete(key);
      counters.set(key, { failures, lastFailureAt: now });
      // Maps keep insertion order: the first key is the one quiet for longest.
      if (counters.size > maxKeys) counters.delete(counters.keys().next().value!);
      return { failures, lastFailureAt: now };
    },
    async clear(keys) {
      for (const key of keys) counters.delete(key);
    },
    async clearPrefix(prefix) {
      for (const key of counters.keys()) if (key.startsWith(prefix)) counters.delete(key);
    },
  };
}

// SECURITY 20: the count and the time of the last failure change together, atomically, in Redis itself.
const RECORD = `
local last = tonumber(redis.call('HGET', KEYS[1], 'last') or '')
local failures = 1
if last and tonumber(ARGV[1]) - last < tonumber(ARGV[2]) then
  failures = tonumber(redis.call('HGET', KEYS[1], 'failures')) + 1
end
redis.call('HSET', KEYS[1], 'failures', failures, 'last', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return failures`;

/**
 * Counters in Redis under `prefix`. Every command that fails (Redis down, slow, restarting) falls back to
 * `insurance`, an in-memory store: limits then hold per instance until Redis is back.
 */
export function redisThrottleStore(
  redis: Redis,
  options: { prefix: string; insurance: ThrottleStore; log: Logger },
): ThrottleStore {
  const { prefix, insurance, log } = options;
  let warnedAt = 0;
  const fallback = async <T>(what: string, work: () => Promise<T>, instead: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      // One line a minute is enough to tell an operator; a flood of them would bury everything else.
      if (Date.now() - warnedAt > MINUTE) {
        warnedAt = Date.now();
        log.warn(
          { err: error, operation: what },
          'Redis unavailable: rate limits use this instance’s memory until it is back',
        );
      }
      return instead();
    }
  };
  return {
    read: (keys) =>
      fallback(
        'read',
        async () => {
          const pipeline = redis.pipeline();
          for (const key of keys) pipeline.hmget(prefix + key, 'failures', 'last');
          const results = (await pipeline.exec()) ?? [];
          const counts = new Map<string, FailureCount>();
          results.forEach(([error, value], index) => {
            if (error) throw error;
            const [failures, last] = value as [string | null, string | null];
            if (failures !== null && last !== null)
              counts.set(keys[index]!, { failures: Number(failures), lastFailureAt: Number(last) });
          });
          return counts;
        },
        () => insurance.read(keys),
      ),
    record: (key, now, forgetAfterMs) =>
      fallback(
        'record',
        async () => ({
          failures: Number(await redis.eval(RECORD, 1, prefix + key, now, forgetAfterMs)),
          lastFailureAt: now,
        }),
        () => insurance.record(key, now, forgetAfterMs),
      ),
    clear: async (keys) => {
      await insurance.clear(keys);
      if (keys.length > 0)
        await fallback(
          'clear',
          () => redis.del(...keys.map((key) => prefix + key)),
          async () => 0,
        );
    },
    clearPrefix: async (start) => {
      await insurance.clearPrefix(start);
      await fallback(
        'clear',
        async () => {
          let cursor = '0';
          do {
            const [next, found] = await redis.scan(cursor, 'MATCH', `${escapeGlob(prefix + start)}*`, 'COUNT', 200);
            if (found.length > 0) await redis.del(...found);
            cursor = next;
          } while (cursor !== '0');
        },
        async () => undefined,
      );
    },
  };
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
