// Commits that wait for the disk and the few that need not (asyncCommit), on SQLite and PostgreSQL alike.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type TestDeps, testDeps } from '../../test/support/deps.ts';
import { asyncCommit, isPostgres } from './connect.ts';
import type { Executor } from './database.ts';
import { readFailures, recordFailure } from './throttles.ts';

let t: TestDeps;
beforeEach(async () => {
  t = await testDeps();
});
afterEach(() => t.close());

/** Whether a commit made here would wait for the disk: SQLite's synchronous=FULL, PostgreSQL's synchronous_commit=on. */
async function waitsForDisk(db: Executor): Promise<boolean> {
  if (isPostgres(db)) {
    const { rows } = await sql<{ synchronous_commit: string }>`show synchronous_commit`.execute(db);
    return rows[0]!.synchronous_commit === 'on';
  }
  const { rows } = await sql<{ synchronous: number }>`pragma synchronous`.execute(db);
  return rows[0]!.synchronous === 2;
}

describe('asyncCommit', () => {
  it('commits its work without waiting for the disk, and every other commit still waits for it', async () => {
    expect(await waitsForDisk(t.deps.db)).toBe(true);
    const during = await asyncCommit(t.deps.db, async (tx) => {
      await recordFailure(tx, 'sign-in:client:192.0.2.1', 1000, 60_000);
      return waitsForDisk(tx);
    });
    expect(during).toBe(false);
    expect(
      (await readFailures(t.deps.db, ['sign-in:client:192.0.2.1'])).get('sign-in:client:192.0.2.1')?.failures,
    ).toBe(1);
    expect(await waitsForDisk(t.deps.db)).toBe(true);
  });

  it('rolls back all of its work when it fails, and leaves later commits waiting for the disk', async () => {
    const failed = asyncCommit(t.deps.db, async (tx) => {
      await recordFailure(tx, 'sign-in:client:192.0.2.2', 1000, 60_000);
      throw new Error('the request was cut short');
    });
    await expect(failed).rejects.toThrow('the request was cut short');
    expect((await readFailures(t.deps.db, ['sign-in:client:192.0.2.2'])).size).toBe(0);
    expect(await waitsForDisk(t.deps.db)).toBe(true);
  });

  it('lets no other transaction commit under the lighter setting while it runs', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const light = asyncCommit(t.deps.db, async (tx) => {
      await recordFailure(tx, 'sign-in:client:192.0.2.3', 1000, 60_000);
      await held;
    });
    // Started while the light one is open: on SQLite it waits for the single connection, on PostgreSQL it has
    // a connection of its own; either way its commit waits for the disk.
    const durable = t.deps.db.transaction().execute((tx) => waitsForDisk(tx));
    setTimeout(release, 50);
    await light;
    expect(await durable).toBe(true);
  });
});

describe('another process writing at the same time (the CLI beside the service)', () => {
  it('waits for a transaction that has read and is about to write, and both writes land', async () => {
    // A second process with its own connection, as `npm run cli -- users add` is beside the service.
    const writer = `
      const { connect } = await import(${JSON.stringify(resolve('src/store/connect.ts'))});
      const { recordFailure } = await import(${JSON.stringify(resolve('src/store/throttles.ts'))});
      const connection = connect(JSON.parse(process.argv[1]));
      process.stdout.write('ready\\n');
      await recordFailure(connection.db, 'written-by-the-other-process', 1000, 60_000);
      await connection.close();
    `;
    const outcome = await t.deps.db.transaction().execute(async (tx) => {
      await readFailures(tx, ['written-in-the-transaction']);
      const other = spawn(
        process.execPath,
        ['--input-type=module', '-e', writer, JSON.stringify(t.deps.config.database)],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const exited = once(other, 'exit');
      await once(other.stdout, 'data');
      // Time for the other process to commit, were it allowed to (it takes a few milliseconds).
      await new Promise((done) => setTimeout(done, 300));
      await recordFailure(tx, 'written-in-the-transaction', 1000, 60_000);
      return { exited };
    });
    const [code] = await outcome.exited;
    expect(code).toBe(0);
    const counts = await readFailures(t.deps.db, ['written-in-the-transaction', 'written-by-the-other-process']);
    expect([...counts.keys()].sort()).toEqual(['written-by-the-other-process', 'written-in-the-transaction']);
  });
});
