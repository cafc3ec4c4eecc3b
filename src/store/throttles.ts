// Failure counters for throttling (SECURITY 20): one atomic upsert per failure, so twenty concurrent wrong
// guesses count twenty, on SQLite and on PostgreSQL alike.
import { sql } from 'kysely';
import type { FailureCount } from '../core/throttle.ts';
import type { Executor } from './database.ts';

export async function readFailures(db: Executor, keys: readonly string[]): Promise<Map<string, FailureCount>> {
  if (keys.length === 0) return new Map();
  const rows = await db.selectFrom('throttles').selectAll().where('key', 'in', keys).execute();
  return new Map(rows.map((row) => [row.key, { failures: row.failures, lastFailureAt: row.last_failure_at }]));
}

/** Counts one more failure; a counter quiet for `forgetAfterMs` starts again at one. */
export async function recordFailure(
  db: Executor,
  key: string,
  now: number,
  forgetAfterMs: number,
): Promise<FailureCount> {
  const row = await db
    .insertInto('throttles')
    .values({ key, failures: 1, last_failure_at: now })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        failures: sql<number>`case when throttles.last_failure_at <= ${now - forgetAfterMs} then 1 else throttles.failures + 1 end`,
        last_failure_at: now,
      }),
    )
    .returning(['failures', 'last_failure_at'])
    .executeTakeFirstOrThrow();
  return { failures: row.failures, lastFailureAt: row.last_failure_at };
}

export async function clearFailures(db: Executor, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  await db.deleteFrom('throttles').where('key', 'in', keys).execute();
}

/** Prefixes are built by us from hex digests and fixed words, never from user input: no LIKE escaping needed. */
export async function clearFailuresByPrefix(db: Executor, prefix: string): Promise<void> {
  await db.deleteFrom('throttles').where('key', 'like', `${prefix}%`).execute();
}

export async function forgetQuietCounters(db: Executor, olderThan: number): Promise<void> {
  await db.deleteFrom('throttles').where('last_failure_at', '<', olderThan).execute();
}
