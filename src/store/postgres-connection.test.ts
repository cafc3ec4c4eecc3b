// PostgreSQL ending a connection that a transaction holds (a restart sends FATAL 57P01 to every backend,
// while the transaction awaits something else, such as Redis): the process lives, the transaction fails
// as an outage, and the next queries work on a new connection.

import { sql } from 'kysely';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { DatabaseUnavailable } from './availability.ts';
import { type Connection, connect } from './connect.ts';

let database: TestDatabase;
let connection: Connection;
beforeEach(async () => {
  database = await createTestDatabase();
  connection = connect({ kind: 'postgres', url: database.url });
});
afterEach(async () => {
  await connection.close();
  await database.drop();
});

describe('a PostgreSQL connection ended by the server', () => {
  it('fails the transaction that held it as an outage, and ends nothing else', async () => {
    const killer = new pg.Client({ connectionString: database.url });
    await killer.connect();
    try {
      const transaction = connection.db.transaction().execute(async (tx) => {
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(tx);
        // What a restart does to a backend while its transaction waits on something that is not the database.
        await killer.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
        await new Promise((resolve) => setTimeout(resolve, 300));
        await sql`select 1`.execute(tx);
      });
      await expect(transaction).rejects.toBeInstanceOf(DatabaseUnavailable);
    } finally {
      await killer.end();
    }
    // This process is still here to say so, and the database answers on a fresh connection.
    await expect.poll(() => connection.availability.isAvailable()).toBe(true);
    expect((await sql<{ one: number }>`select 1 as one`.execute(connection.db)).rows).toEqual([{ one: 1 }]);
  });
});
