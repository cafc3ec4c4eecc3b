// Is this instance able to serve? The database answers and has every migration this build expects.
import { sql } from 'kysely';
import type { Deps } from './deps.ts';
import { pendingMigrations } from './store/migrate.ts';

export type Readiness = { ready: true } | { ready: false; reason: 'database-unreachable' | 'migrations-pending' };

export async function checkReadiness(deps: Deps): Promise<Readiness> {
  if (!deps.database.isAvailable()) return { ready: false, reason: 'database-unreachable' };
  try {
    await sql`select 1`.execute(deps.db);
  } catch {
    return { ready: false, reason: 'database-unreachable' };
  }
  return (await pendingMigrations(deps.db)).length === 0
    ? { ready: true }
    : { ready: false, reason: 'migrations-pending' };
}
