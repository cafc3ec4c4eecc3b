// A SQLite file that another process keeps locked past the busy timeout (a long CLI job, a backup tool
// holding a write transaction): requests wait without blocking the event loop, then fail with
// DatabaseUnavailable instead of hanging; the next ones fail at once; all works again once the lock goes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockSqliteFor } from '../../test/support/outage.ts';
import { DatabaseUnavailable } from './availability.ts';
import { asyncCommit, type Connection, connect } from './connect.ts';
import { SQLITE_BUSY_TIMEOUT_MS } from './guarded-dialect.ts';
import { migrate } from './migrate.ts';

let folder: string;
let path: string;
let connection: Connection;
const changes: boolean[] = [];

beforeEach(async () => {
  folder = mkdtempSync(join(tmpdir(), 'sc-lock-'));
  path = join(folder, 'app.db');
  changes.length = 0;
  connection = connect({ kind: 'sqlite', path }, { onAvailabilityChange: (change) => changes.push(change.available) });
  await migrate(connection.db);
});
afterEach(async () => {
  await connection.close();
  rmSync(folder, { recursive: true, force: true });
});

const lockFor = (ms: number) => lockSqliteFor(path, ms);

const write = (id: string) =>
  connection.db
    .insertInto('outbox_workers')
    .values({ id, host: 'h', pid: 1, started_at: 1, heartbeat_at: 1 })
    .execute();

/** The longest the event loop went without running a timer while `work` ran. */
async function longestStall<T>(work: () => Promise<T>): Promise<{ result: PromiseSettledResult<T>; stallMs: number }> {
  let last = performance.now();
  let stallMs = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    stallMs = Math.max(stallMs, now - last);
    last = now;
  }, 20);
  try {
    const [result] = await Promise.allSettled([work()]);
    return { result: result!, stallMs };
  } finally {
    clearInterval(ticker);
  }
}

describe('a SQLite file locked by another process', () => {
  it('waits for a short lock without holding the event loop, and the write goes through', async () => {
    const { released } = await lockFor(1000);
    const { result, stallMs } = await longestStall(() => write('after-a-short-lock'));
    expect(result.status).toBe('fulfilled');
    // SQLite's own busy handler slept on this thread for the whole second.
    expect(stallMs).toBeLessThan(500);
    await released;
    expect(changes).toEqual([]);
  });

  it('fails with DatabaseUnavailable past the busy timeout, then at once while locked, and recovers by itself', async () => {
    const { released } = await lockFor(SQLITE_BUSY_TIMEOUT_MS + 3000);
    const { result, stallMs } = await longestStall(() => write('during-the-lock'));
    expect(result.status === 'rejected' && result.reason).toBeInstanceOf(DatabaseUnavailable);
    expect(stallMs).toBeLessThan(500);
    await expect.poll(() => connection.availability.isAvailable()).toBe(false);
    // Known to be away: refused without waiting for the lock again, reads included.
    const started = performance.now();
    await expect(sql`select 1`.execute(connection.db)).rejects.toBeInstanceOf(DatabaseUnavailable);
    await expect(write('refused-at-once')).rejects.toBeInstanceOf(DatabaseUnavailable);
    expect(performance.now() - started).toBeLessThan(SQLITE_BUSY_TIMEOUT_MS / 2);

    await released;
    await expect.poll(() => connection.availability.isAvailable(), { timeout: 5000 }).toBe(true);
    await write('after-the-lock');
    const ids = (await connection.db.selectFrom('outbox_workers').select('id').orderBy('id').execute()).map(
      (row) => row.id,
    );
    expect(ids).toEqual(['after-the-lock']);
    expect(changes).toEqual([false, true]);
  });

  it('leaves no transaction open behind a refused one', async () => {
    const { released } = await lockFor(SQLITE_BUSY_TIMEOUT_MS + 1000);
    await expect(
      connection.db
        .transaction()
        .execute((tx) =>
          tx
            .insertInto('outbox_workers')
            .values({ id: 'in-a-transaction', host: 'h', pid: 1, started_at: 1, heartbeat_at: 1 })
            .execute(),
        ),
    ).rejects.toBeInstanceOf(DatabaseUnavailable);
    await released;
    await expect.poll(() => connection.availability.isAvailable(), { timeout: 5000 }).toBe(true);
    await connection.db
      .transaction()
      .execute((tx) =>
        tx
          .insertInto('outbox_workers')
          .values({ id: 'next', host: 'h', pid: 1, started_at: 1, heartbeat_at: 1 })
          .execute(),
      );
    expect((await connection.db.selectFrom('outbox_workers').select('id').execute()).map((row) => row.id)).toEqual([
      'next',
    ]);
  });

  it('keeps every commit after the outage waiting for the disk, a transaction that was refused midway included', async () => {
    const { released } = await lockFor(SQLITE_BUSY_TIMEOUT_MS + 3000);
    const synchronous = async () =>
      (await sql<{ synchronous: number }>`pragma synchronous`.execute(connection.db)).rows[0]!.synchronous;
    // A write meets the lock and times out; an asyncCommit (a claim, a throttle counter) waits behind it.
    const attempts = await Promise.allSettled([
      write('meets-the-lock'),
      asyncCommit(connection.db, (tx) =>
        tx
          .insertInto('outbox_workers')
          .values({ id: 'queued', host: 'h', pid: 1, started_at: 1, heartbeat_at: 1 })
          .execute(),
      ),
    ]);
    expect(attempts.map((attempt) => attempt.status)).toEqual(['rejected', 'rejected']);
    await released;
    await expect.poll(() => connection.availability.isAvailable(), { timeout: 5000 }).toBe(true);
    // FULL (2), as before: the asyncCommit set it back although its transaction was refused.
    expect(await synchronous()).toBe(2);
  });
});
