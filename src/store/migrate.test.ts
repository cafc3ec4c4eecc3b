// Upgrading a database that holds data: what a migration must never lose, on SQLite and PostgreSQL alike.
import { sql } from 'kysely';
import { type Migration, Migrator } from 'kysely/migration';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { parseConfig } from '../config.ts';
import { type Connection, connect, isPostgres } from './connect.ts';
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

/** What a build that knew `known` would do to the database at start-up. */
async function migrateWith(known: Record<string, Migration>): Promise<{ error?: unknown }> {
  const { db } = connection;
  const schema = isPostgres(db)
    ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]!.schema
    : undefined;
  return new Migrator({
    db,
    provider: { getMigrations: async () => known },
    ...(schema ? { migrationTableSchema: schema } : {}),
  }).migrateToLatest();
}

/** What a start-up applies to a database left by a build that knew the migrations up to `last`. */
const migrationsAfter = (last: string) => Object.keys(migrations).filter((name) => name > last);

/** The database as a build that knew only the migrations up to `last` left it. */
async function migrateUpTo(last: string): Promise<void> {
  const result = await migrateWith(Object.fromEntries(Object.entries(migrations).filter(([name]) => name <= last)));
  if (result.error) throw result.error;
}

async function applied(): Promise<string[]> {
  return (await sql<{ name: string }>`select name from kysely_migration order by name`.execute(connection.db)).rows.map(
    (row) => row.name,
  );
}

async function indexesOf(table: string): Promise<string[]> {
  const { db } = connection;
  const { rows } = isPostgres(db)
    ? await sql<{
        name: string;
      }>`select indexname as name from pg_indexes where schemaname = current_schema() and tablename = ${table} order by name`.execute(
        db,
      )
    : await sql<{
        name: string;
      }>`select name from sqlite_master where type = 'index' and tbl_name = ${table} and name not like 'sqlite_%' order by name`.execute(
        db,
      );
  return rows.map((row) => row.name);
}

async function columnsOf(
  table: string,
): Promise<Array<{ name: string; type: string; nullable: boolean; default: string | null }>> {
  const { db } = connection;
  if (isPostgres(db)) {
    const { rows } = await sql<{ name: string; type: string; nullable: string; default: string | null }>`
      select column_name as name, data_type as type, is_nullable as nullable, column_default as default
      from information_schema.columns where table_schema = current_schema() and table_name = ${table} order by ordinal_position`.execute(
      db,
    );
    return rows.map((column) => ({ ...column, nullable: column.nullable === 'YES' }));
  }
  const { rows } = await sql<{
    name: string;
    type: string;
    notnull: number;
    dflt_value: string | null;
  }>`select * from pragma_table_info(${table})`.execute(db);
  return rows.map((column) => ({
    name: column.name,
    type: column.type,
    nullable: column.notnull === 0,
    default: column.dflt_value,
  }));
}

/** The index as the database itself would create it again (SQLite's statement, PostgreSQL's definition). */
async function indexDefinition(name: string): Promise<string | undefined> {
  const { db } = connection;
  const { rows } = isPostgres(db)
    ? await sql<{
        definition: string;
      }>`select indexdef as definition from pg_indexes where schemaname = current_schema() and indexname = ${name}`.execute(
        db,
      )
    : await sql<{
        definition: string;
      }>`select sql as definition from sqlite_master where type = 'index' and name = ${name}`.execute(db);
  return rows[0]?.definition;
}

/** What migration 0013 adds to every account from before: no breach check yet, none known. */
const noBreachKnown = { breach_checked_at: null, password_breached_at: null };

describe('an upgrade that fails halfway', () => {
  it('leaves the database as it was, and the next start applies it whole', async () => {
    const { db } = connection;
    await migrateUpTo('0004-known-devices');
    await db
      .insertInto('users')
      .values({
        id: 'u1',
        email: 'ada@example.com',
        name: 'Ada',
        locale: 'en',
        password_hash: null,
        created_at: 1,
        updated_at: 1,
        disabled_at: null,
      })
      .execute();
    await db
      .insertInto('security_events')
      .values({
        id: 'e1',
        user_id: 'u1',
        kind: 'sign-in-succeeded',
        at: 5,
        client_address: '203.0.113.7',
        user_agent: 'Firefox',
      })
      .execute();
    // A later migration that writes, then fails (a disk full, a constraint it did not expect).
    let failing = true;
    const breaking: Migration = {
      async up(db) {
        await db.schema
          .createTable('half_done')
          .addColumn('id', 'text', (col) => col.primaryKey())
          .execute();
        if (failing) throw new Error('the disk is full');
      },
    };

    const failed = await migrateWith({ ...migrations, '0099-breaking': breaking });
    expect(String(failed.error)).toContain('the disk is full');
    // Neither 0005 (a table rebuilt) nor the failing one left anything behind, nor a record of either.
    expect(await applied()).toEqual([
      '0001-initial',
      '0002-reset-and-outbox',
      '0003-security-events',
      '0004-known-devices',
    ]);
    expect(await db.selectFrom('security_events').select(['id', 'user_id']).execute()).toEqual([
      { id: 'e1', user_id: 'u1' },
    ]);
    await expect(
      db
        .insertInto('security_events')
        .values({
          id: 'e2',
          user_id: null,
          kind: 'sign-in-failed',
          at: 6,
          client_address: '198.51.100.1',
          user_agent: 'curl',
        })
        .execute(),
    ).rejects.toThrow();
    await expect(sql`select id from half_done`.execute(db)).rejects.toThrow();

    failing = false;
    expect((await migrateWith({ ...migrations, '0099-breaking': breaking })).error).toBeUndefined();
    expect(await applied()).toEqual([...Object.keys(migrations), '0099-breaking']);
    expect(await db.selectFrom('security_events').select(['id', 'user_id']).execute()).toEqual([
      { id: 'e1', user_id: 'u1' },
    ]);
  });
});

describe('0005: events of no account', () => {
  it('keeps every event recorded before, and from then on takes events tied to no account', async () => {
    const { db } = connection;
    await migrateUpTo('0004-known-devices');
    await db
      .insertInto('users')
      .values({
        id: 'u1',
        email: 'ada@example.com',
        name: 'Ada',
        locale: 'en',
        password_hash: null,
        created_at: 1,
        updated_at: 1,
        disabled_at: null,
      })
      .execute();
    await db
      .insertInto('security_events')
      .values({
        id: 'e1',
        user_id: 'u1',
        kind: 'sign-in-succeeded',
        at: 5,
        client_address: '203.0.113.7',
        user_agent: 'Firefox',
      })
      .execute();

    expect(await migrate(db)).toEqual(migrationsAfter('0004-known-devices'));
    await db
      .insertInto('security_events')
      .values({
        id: 'e2',
        user_id: null,
        kind: 'sign-in-failed',
        at: 6,
        client_address: '198.51.100.1',
        user_agent: 'curl',
      })
      .execute();
    expect(await db.selectFrom('security_events').selectAll().orderBy('at').execute()).toEqual([
      {
        id: 'e1',
        user_id: 'u1',
        kind: 'sign-in-succeeded',
        at: 5,
        client_address: '203.0.113.7',
        user_agent: 'Firefox',
      },
      { id: 'e2', user_id: null, kind: 'sign-in-failed', at: 6, client_address: '198.51.100.1', user_agent: 'curl' },
    ]);
    // The account's events still go with it.
    await db.deleteFrom('users').where('id', '=', 'u1').execute();
    expect((await db.selectFrom('security_events').select('id').execute()).map((event) => event.id)).toEqual(['e2']);
  });

  it('keeps its index and its tie to the accounts', async () => {
    const { db } = connection;
    await migrateUpTo('0004-known-devices');
    await migrate(db);
    expect(await indexesOf('security_events')).toContain('security_events_user_at');
    await expect(
      db
        .insertInto('security_events')
        .values({
          id: 'e3',
          user_id: 'nobody',
          kind: 'sign-in-failed',
          at: 7,
          client_address: '198.51.100.1',
          user_agent: 'curl',
        })
        .execute(),
    ).rejects.toThrow();
  });

  it('upgrades a database holding an event whose account was deleted behind its back, and keeps that event', async () => {
    const { db } = connection;
    await migrateUpTo('0004-known-devices');
    // Someone deleted an account by hand with foreign keys off, as the sqlite3 shell leaves them.
    await db.connection().execute(async (one) => {
      await (isPostgres(one) ? sql`set session_replication_role = replica` : sql`pragma foreign_keys = off`).execute(
        one,
      );
      await one
        .insertInto('security_events')
        .values({
          id: 'orphan',
          user_id: 'deleted-by-hand',
          kind: 'sign-in-succeeded',
          at: 5,
          client_address: '203.0.113.7',
          user_agent: 'Firefox',
        })
        .execute();
      await (isPostgres(one) ? sql`set session_replication_role = origin` : sql`pragma foreign_keys = on`).execute(one);
    });

    expect(await migrate(db)).toEqual(migrationsAfter('0004-known-devices'));
    expect((await db.selectFrom('security_events').select('id').execute()).map((event) => event.id)).toEqual([
      'orphan',
    ]);
  });
});

describe('0006: outbox rows of no account', () => {
  const row = (id: string, userId: string | null, sentAt: number | null) => ({
    id,
    kind: 'reset-email' as const,
    user_id: userId,
    data: '{}',
    created_at: 5,
    next_attempt_at: 5,
    claimed_by: null,
    claimed_until: null,
    sent_at: sentAt,
    abandoned_at: null,
    last_error: null,
  });

  it('keeps every email queued or sent before, tied to its account, and from then on takes rows tied to none', async () => {
    const { db } = connection;
    await migrateUpTo('0005-events-of-no-account');
    await db
      .insertInto('users')
      .values({
        id: 'u1',
        email: 'ada@example.com',
        name: 'Ada',
        locale: 'en',
        password_hash: null,
        created_at: 1,
        updated_at: 1,
        disabled_at: null,
      })
      .execute();
    await db
      .insertInto('outbox')
      .values([row('queued', 'u1', null), row('sent', 'u1', 6)])
      .execute();

    expect(await migrate(db)).toEqual(migrationsAfter('0005-events-of-no-account'));
    await db
      .insertInto('outbox')
      .values(row('no-account', null, null))
      .execute();
    expect(await db.selectFrom('outbox').selectAll().orderBy('id').execute()).toEqual([
      { ...row('no-account', null, null), attempts: 0 },
      { ...row('queued', 'u1', null), attempts: 0 },
      { ...row('sent', 'u1', 6), attempts: 0 },
    ]);
    // The account's emails still go with it.
    await db.deleteFrom('users').where('id', '=', 'u1').execute();
    expect((await db.selectFrom('outbox').select('id').execute()).map((email) => email.id)).toEqual(['no-account']);
  });

  it('changes nothing else: the same columns, defaults and index, and the tie to the accounts', async () => {
    const { db } = connection;
    await migrateUpTo('0005-events-of-no-account');
    const before = { columns: await columnsOf('outbox'), index: await indexDefinition('outbox_pending') };
    await migrate(db);
    expect(await indexDefinition('outbox_pending')).toBe(before.index);
    expect(await columnsOf('outbox')).toEqual(
      before.columns.map((column) => (column.name === 'user_id' ? { ...column, nullable: true } : column)),
    );
    await expect(
      db
        .insertInto('outbox')
        .values(row('stray', 'nobody', null))
        .execute(),
    ).rejects.toThrow();
  });

  it('upgrades a database holding an email whose account was deleted behind its back, and ties it to no account', async () => {
    const { db } = connection;
    await migrateUpTo('0005-events-of-no-account');
    await db.connection().execute(async (one) => {
      await (isPostgres(one) ? sql`set session_replication_role = replica` : sql`pragma foreign_keys = off`).execute(
        one,
      );
      await one
        .insertInto('outbox')
        .values(row('orphan', 'deleted-by-hand', null))
        .execute();
      await (isPostgres(one) ? sql`set session_replication_role = origin` : sql`pragma foreign_keys = on`).execute(one);
    });

    expect(await migrate(db)).toEqual(migrationsAfter('0005-events-of-no-account'));
    expect(await db.selectFrom('outbox').select(['id', 'user_id']).execute()).toEqual([
      { id: 'orphan', user_id: null },
    ]);
  });
});

describe('0007: outbox workers, and the email of each link', () => {
  it('keeps every link and email, links from before belong to no email, and a worker can register', async () => {
    const { db } = connection;
    await migrateUpTo('0006-outbox-of-no-account');
    await db
      .insertInto('users')
      .values({
        id: 'u1',
        email: 'ada@example.com',
        name: 'Ada',
        locale: 'en',
        password_hash: null,
        created_at: 1,
        updated_at: 1,
        disabled_at: null,
      })
      .execute();
    const link = {
      token_hash: 'h1',
      user_id: 'u1',
      purpose: 'reset' as const,
      created_at: 2,
      expires_at: 3,
      used_at: null,
    };
    await db
      .insertInto('reset_tokens')
      .values(link as never)
      .execute();
    const before = await columnsOf('reset_tokens');

    expect(await migrate(db)).toEqual(migrationsAfter('0006-outbox-of-no-account'));
    expect(await db.selectFrom('reset_tokens').selectAll().execute()).toEqual([
      { ...link, outbox_id: null, return_to: null },
    ]);
    expect(await columnsOf('reset_tokens')).toEqual([
      ...before,
      expect.objectContaining({ name: 'outbox_id', nullable: true }),
      expect.objectContaining({ name: 'return_to', nullable: true }),
    ]);
    await db
      .insertInto('outbox_workers')
      .values({ id: 'w1', host: 'h', pid: 1, started_at: 4, heartbeat_at: 4 })
      .execute();
    await expect(
      db.insertInto('outbox_workers').values({ id: 'w1', host: 'h', pid: 2, started_at: 5, heartbeat_at: 5 }).execute(),
    ).rejects.toThrow();
  });
});

describe('0008: when the language was chosen', () => {
  it('counts every account from before as having chosen its language when it was created', async () => {
    const { db } = connection;
    await migrateUpTo('0007-outbox-workers');
    const ada = {
      id: 'u1',
      email: 'ada@example.com',
      name: 'Ada',
      locale: 'fr',
      password_hash: null,
      created_at: 7,
      updated_at: 9,
      disabled_at: null,
    };
    await db
      .insertInto('users')
      .values(ada as never)
      .execute();
    expect(await migrate(db)).toEqual(migrationsAfter('0007-outbox-workers'));
    expect(await db.selectFrom('users').selectAll().execute()).toEqual([
      { ...ada, locale_chosen_at: 7, email_verified_at: null, second_factor_at: null, ...noBreachKnown },
    ]);
  });
});

describe('0009: the apps', () => {
  it('counts an address as verified where a used mailed link is still on record, and no other', async () => {
    const { db } = connection;
    await migrateUpTo('0008-locale-chosen');
    const user = (id: string) => ({
      id,
      email: `${id}@example.com`,
      name: id,
      locale: 'en',
      locale_chosen_at: 1,
      password_hash: null,
      created_at: 1,
      updated_at: 5,
      disabled_at: null,
    });
    await db
      .insertInto('users')
      .values([user('used'), user('unused')] as never)
      .execute();
    const link = (token: string, userId: string, usedAt: number | null) => ({
      token_hash: token,
      user_id: userId,
      purpose: 'reset',
      created_at: 1,
      expires_at: 2,
      used_at: usedAt,
      outbox_id: null,
    });
    await db
      .insertInto('reset_tokens')
      .values([link('a', 'used', 3), link('b', 'unused', null)] as never)
      .execute();
    expect(await migrate(db)).toEqual(migrationsAfter('0008-locale-chosen'));
    const rows = await db.selectFrom('users').select(['id', 'email_verified_at']).orderBy('id').execute();
    expect(rows).toEqual([
      { id: 'unused', email_verified_at: null },
      { id: 'used', email_verified_at: 5 },
    ]);
    for (const table of ['oauth_clients', 'oidc_payloads', 'provider_keys'] as const) {
      expect(await db.selectFrom(table).selectAll().execute()).toEqual([]);
    }
  });
});

describe('0010: where a reset link leads back to', () => {
  it('keeps every link, leading back nowhere, and lets a new one remember an app', async () => {
    const { db } = connection;
    await migrateUpTo('0009-apps');
    const user = { id: 'u', email: 'u@example.com', name: 'u', locale: 'en', locale_chosen_at: 1 };
    await db
      .insertInto('users')
      .values({ ...user, password_hash: null, created_at: 1, updated_at: 1, disabled_at: null } as never)
      .execute();
    const link = { token_hash: 'a', user_id: 'u', purpose: 'reset', created_at: 1, expires_at: 2, used_at: null };
    await db
      .insertInto('reset_tokens')
      .values({ ...link, outbox_id: null } as never)
      .execute();
    expect(await migrate(db)).toEqual(migrationsAfter('0009-apps'));
    await db
      .insertInto('reset_tokens')
      .values({ ...link, token_hash: 'b', outbox_id: null, return_to: 'https://app.example.com/' } as never)
      .execute();
    const rows = await db
      .selectFrom('reset_tokens')
      .select(['token_hash', 'return_to'])
      .orderBy('token_hash')
      .execute();
    expect(rows).toEqual([
      { token_hash: 'a', return_to: null },
      { token_hash: 'b', return_to: 'https://app.example.com/' },
    ]);
  });
});

describe('0011: two-step verification', () => {
  it('leaves every account without a second factor and every session proven with the password only', async () => {
    const { db } = connection;
    await migrateUpTo('0010-return-to');
    const ada = {
      id: 'u',
      email: 'u@example.com',
      name: 'u',
      locale: 'en',
      locale_chosen_at: 1,
      email_verified_at: 2,
      password_hash: 'h',
      created_at: 1,
      updated_at: 3,
      disabled_at: null,
    };
    await db
      .insertInto('users')
      .values(ada as never)
      .execute();
    const session = {
      id_hash: 's',
      user_id: 'u',
      created_at: 4,
      last_seen_at: 5,
      client_address: '203.0.113.7',
      user_agent: 'test',
    };
    await db
      .insertInto('sessions')
      .values(session as never)
      .execute();

    expect(await migrate(db)).toEqual(migrationsAfter('0010-return-to'));
    expect(await db.selectFrom('users').selectAll().execute()).toEqual([
      { ...ada, second_factor_at: null, ...noBreachKnown },
    ]);
    expect(await db.selectFrom('sessions').selectAll().execute()).toEqual([
      { ...session, factors: 'pwd', proven_at: null },
    ]);
    for (const table of ['totp_factors', 'recovery_codes', 'pending_sign_ins'] as const) {
      expect(await db.selectFrom(table).selectAll().execute()).toEqual([]);
    }
    // A session written by a build that does not know the column is proven with the password only too.
    await db
      .insertInto('sessions')
      .values({ ...session, id_hash: 't' } as never)
      .execute();
    expect(await db.selectFrom('sessions').select('factors').where('id_hash', '=', 't').executeTakeFirst()).toEqual({
      factors: 'pwd',
    });
    // One set of recovery codes per account: the same digest twice is refused.
    const code = { user_id: 'u', code_digest: 'd', created_at: 6, used_at: null };
    await db.insertInto('recovery_codes').values(code).execute();
    await expect(db.insertInto('recovery_codes').values(code).execute()).rejects.toThrow();
  });
});

describe('0012: passkeys', () => {
  it('keeps every account and its authenticator app, adds no passkey, and keeps each passkey with its account', async () => {
    const { db } = connection;
    await migrateUpTo('0011-two-step');
    const ada = {
      id: 'u',
      email: 'u@example.com',
      name: 'u',
      locale: 'en',
      locale_chosen_at: 1,
      email_verified_at: 2,
      password_hash: 'h',
      created_at: 1,
      updated_at: 3,
      disabled_at: null,
      second_factor_at: 4,
    };
    await db
      .insertInto('users')
      .values(ada as never)
      .execute();
    const app = { user_id: 'u', secret: 'v1.sealed', last_step: 5, created_at: 4 };
    await db
      .insertInto('totp_factors')
      .values(app as never)
      .execute();

    expect(await migrate(db)).toEqual(migrationsAfter('0011-two-step'));
    expect(await db.selectFrom('users').selectAll().execute()).toEqual([{ ...ada, ...noBreachKnown }]);
    // 0013: no account is known breached or locked down, and none has a history yet.
    for (const table of ['lockdown_tokens', 'breached_hashes', 'password_history'] as const) {
      expect(await db.selectFrom(table).selectAll().execute()).toEqual([]);
    }
    expect(await db.selectFrom('totp_factors').selectAll().execute()).toEqual([app]);
    for (const table of ['passkeys', 'spent_challenges'] as const) {
      expect(await db.selectFrom(table).selectAll().execute()).toEqual([]);
    }
    expect(await indexesOf('passkeys')).toContain('passkeys_user_id');
    // SECURITY 88: the counter and the backup state are kept; a passkey is never used until it is.
    const columns = Object.fromEntries((await columnsOf('passkeys')).map((column) => [column.name, column.nullable]));
    // SQLite lets a text primary key be null (its own legacy): the primary key's uniqueness is checked below.
    expect(Object.keys(columns)[0]).toBe('credential_id');
    delete columns.credential_id;
    expect(columns).toEqual({
      user_id: false,
      name: false,
      public_key: false,
      counter: false,
      transports: false,
      device_type: false,
      backed_up: false,
      created_at: false,
      last_used_at: true,
    });

    const passkey = {
      credential_id: 'c',
      user_id: 'u',
      name: 'Work laptop',
      public_key: 'pk',
      counter: 7,
      transports: '["internal"]',
      device_type: 'singleDevice' as const,
      backed_up: 0,
      created_at: 6,
      last_used_at: null,
    };
    await db.insertInto('passkeys').values(passkey).execute();
    const stored = await db.selectFrom('passkeys').selectAll().executeTakeFirstOrThrow();
    expect({ ...stored, counter: Number(stored.counter), created_at: Number(stored.created_at) }).toEqual(passkey);
    // One account per credential; a passkey of no account is refused.
    await expect(db.insertInto('passkeys').values(passkey).execute()).rejects.toThrow();
    await expect(
      db
        .insertInto('passkeys')
        .values({ ...passkey, credential_id: 'd', user_id: 'nobody' })
        .execute(),
    ).rejects.toThrow();
    // A challenge is spent once.
    const spent = { challenge_hash: 'x', expires_at: 9 };
    await db.insertInto('spent_challenges').values(spent).execute();
    await expect(db.insertInto('spent_challenges').values(spent).execute()).rejects.toThrow();
    // An account deleted takes its passkeys with it.
    await db.deleteFrom('totp_factors').execute();
    await db.deleteFrom('users').where('id', '=', 'u').execute();
    expect(await db.selectFrom('passkeys').selectAll().execute()).toEqual([]);
  });
});
