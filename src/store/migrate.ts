// Migrations are listed here, in order, rather than found by scanning a folder: the build cannot drop one.
import { type Kysely, sql } from 'kysely';
import { type Migration, Migrator } from 'kysely/migration';
import { isPostgres } from './connect.ts';
import type { Database, Db } from './database.ts';
import * as initial from './migrations/0001-initial.ts';
import * as resetAndOutbox from './migrations/0002-reset-and-outbox.ts';
import * as securityEvents from './migrations/0003-security-events.ts';
import * as knownDevices from './migrations/0004-known-devices.ts';
import * as eventsOfNoAccount from './migrations/0005-events-of-no-account.ts';
import * as outboxOfNoAccount from './migrations/0006-outbox-of-no-account.ts';
import * as outboxWorkers from './migrations/0007-outbox-workers.ts';
import * as localeChosen from './migrations/0008-locale-chosen.ts';
import * as apps from './migrations/0009-apps.ts';
import * as returnTo from './migrations/0010-return-to.ts';
import * as twoStep from './migrations/0011-two-step.ts';
import * as passkeys from './migrations/0012-passkeys.ts';
import * as accountAtRisk from './migrations/0013-account-at-risk.ts';

export const migrations: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-reset-and-outbox': resetAndOutbox,
  '0003-security-events': securityEvents,
  '0004-known-devices': knownDevices,
  '0005-events-of-no-account': eventsOfNoAccount,
  '0006-outbox-of-no-account': outboxOfNoAccount,
  '0007-outbox-workers': outboxWorkers,
  '0008-locale-chosen': localeChosen,
  '0009-apps': apps,
  '0010-return-to': returnTo,
  '0011-two-step': twoStep,
  '0012-passkeys': passkeys,
  '0013-account-at-risk': accountAtRisk,
};

// Any constant shared by every instance: the key of the PostgreSQL advisory lock held while migrating.
const MIGRATION_LOCK_KEY = 7_310_412_227;

/** Applies what is missing and returns the names applied. Instances starting together apply each once. */
export async function migrate(db: Db): Promise<string[]> {
  if (!isPostgres(db)) return run(db, undefined);
  // Kysely's own lock lives in a table it first has to create, which two instances can race to do; a
  // session-level advisory lock on one connection serialises the whole of it.
  return db.connection().execute(async (connection) => {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(connection);
    try {
      return await run(connection, await currentSchema(connection));
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(connection);
    }
  });
}

// On PostgreSQL, the schema of the connection's search_path: Kysely would otherwise look for its own
// tables in any schema of the database.
function migrator(db: Kysely<Database>, schema: string | undefined): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
}

async function currentSchema(db: Kysely<Database>): Promise<string | undefined> {
  if (!isPostgres(db)) return undefined;
  return (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema;
}

async function run(db: Kysely<Database>, schema: string | undefined): Promise<string[]> {
  const result = await migrator(db, schema).migrateToLatest();
  if (result.error) throw result.error;
  return (result.results ?? []).filter((step) => step.status === 'Success').map((step) => step.migrationName);
}

/** Migrations known to this build that the database has not applied yet (for /readyz). */
export async function pendingMigrations(db: Db): Promise<string[]> {
  return (await migrator(db, await currentSchema(db)).getMigrations())
    .filter((migration) => migration.executedAt === undefined)
    .map((migration) => migration.name);
}
