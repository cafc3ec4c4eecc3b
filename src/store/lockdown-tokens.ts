// The lockdown_tokens table: the "This wasn't me" links of the security emails (flows/lockdown.ts), as the
// SHA-256 of their tokens. Unlike reset links, a password change does not kill them: whoever changed the
// password behind the owner's back must not be able to take the owner's way back.
import type { Selectable } from 'kysely';
import type { Executor, LockdownTokensTable } from './database.ts';

export type LockdownTokenRow = Selectable<LockdownTokensTable>;

export async function insertLockdownToken(db: Executor, row: LockdownTokenRow): Promise<void> {
  await db.insertInto('lockdown_tokens').values(row).execute();
}

export function findLockdownToken(db: Executor, tokenHash: string): Promise<LockdownTokenRow | undefined> {
  return db.selectFrom('lockdown_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

/** One conditional UPDATE: of concurrent confirmations of one link, exactly one sees a row change. */
export async function consumeLockdownToken(db: Executor, tokenHash: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('lockdown_tokens')
    .set({ used_at: now })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** The account's other links of this kind, once one was used: used ones stay, to say "already used". */
export async function deleteUnusedLockdownTokens(db: Executor, userId: string): Promise<void> {
  await db.deleteFrom('lockdown_tokens').where('user_id', '=', userId).where('used_at', 'is', null).execute();
}

export async function deleteLockdownToken(db: Executor, tokenHash: string): Promise<void> {
  await db.deleteFrom('lockdown_tokens').where('token_hash', '=', tokenHash).execute();
}

export async function deleteExpiredLockdownTokens(db: Executor, before: number): Promise<void> {
  await db.deleteFrom('lockdown_tokens').where('expires_at', '<', before).execute();
}
