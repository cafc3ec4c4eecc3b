// Migrations are listed here, in order, rather than found by scanning a folder: the build cannot drop one.
// Kysely's migrator takes a lock in the database, so instances starting together apply each migration once.
import { Migrator, type Migration, type MigrationResultSet } from 'kysely/migration';
import type { Db } from './database.ts';
import * as initial from './migrations/0001-initial.ts';
import * as resetAndOutbox from './migrations/0002-reset-and-outbox.ts';

const migrations: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-reset-and-outbox': resetAndOutbox,
};

export async function migrate(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) throw result.error;
  return (result.results ?? []).filter((step) => step.status === 'Success').map((step) => step.migrationName);
}
