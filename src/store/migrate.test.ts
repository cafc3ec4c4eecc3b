// Upgrading a database that holds data: what a migration must never lose, on SQLite and PostgreSQL alike.
import { sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { parseConfig } from '../config.ts';
import { connect, isPostgres, type Connection } from './connect.ts';
import { migrate, migrations } from './migrate.ts';

let database: TestDatabase;
let connection: Connection;

beforeEach(async () => {
  database = await createTestDatabase();
  const parsed = parseConfig({ NODE_ENV: 'test', DATABASE_URL: database.url });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  connection = connect(parsed.config.database);
});
afterEach(async () => {
  await connection.close();
  await database.drop();
});

/** The database as a build that knew only the migrations up to `last` left it. */
async function migrateUpTo(last: string): Promise<void> {
  const { db } = connection;
  const known = Object.fromEntries(Object.entries(migrations).filter(([name]) => name <= last));
  const schema = isPostgres(db) ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]!.schema : undefined;
  const result = await new Migrator({ db, provider: { getMigrations: async () => known }, ...(schema ? { migrationTableSchema: schema } : {}) }).migrateToLatest();
  if (result.error) throw result.error;
}

describe('0005: events of no account', () => {
  it('keeps every event recorded before, and from then on takes events tied to no account', async () => {
    const { db } = connection;
    await migrateUpTo('0004-known-devices');
    await db.insertInto('users').values({ id: 'u1', email: 'ada@example.com', name: 'Ada', locale: 'en', password_hash: null, created_at: 1, updated_at: 1, disabled_at: null }).execute();
    await db.insertInto('security_events').values({ id: 'e1', user_id: 'u1', kind: 'sign-in-succeeded', at: 5, client_address: '203.0.113.7', user_agent: 'Firefox' }).execute();

    expect(await migrate(db)).toEqual(['0005-events-of-no-account']);
    await db.insertInto('security_events').values({ id: 'e2', user_id: null, kind: 'sign-in-failed', at: 6, client_address: '198.51.100.1', user_agent: 'curl' }).execute();
    expect(await db.selectFrom('security_events').selectAll().orderBy('at').execute()).toEqual([
      { id: 'e1', user_id: 'u1', kind: 'sign-in-succeeded', at: 5, client_address: '203.0.113.7', user_agent: 'Firefox' },
      { id: 'e2', user_id: null, kind: 'sign-in-failed', at: 6, client_address: '198.51.100.1', user_agent: 'curl' },
    ]);
    // The account's events still go with it.
    await db.deleteFrom('users').where('id', '=', 'u1').execute();
    expect((await db.selectFrom('security_events').select('id').execute()).map((event) => event.id)).toEqual(['e2']);
  });
});
