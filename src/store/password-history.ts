// The password_history table (PASSWORD_HISTORY): the hashes of the passwords an account had before.
import type { Executor } from './database.ts';

/** The newest first. */
export async function recentPasswordHashes(db: Executor, userId: string, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('password_history')
    .select('password_hash')
    .where('user_id', '=', userId)
    .orderBy('replaced_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((row) => row.password_hash);
}

/** Keeps the hash just replaced, and no more than `keep` of them. */
export async function rememberPasswordHash(
  db: Executor,
  userId: string,
  passwordHash: string,
  now: number,
  keep: number,
): Promise<void> {
  await db
    .insertInto('password_history')
    .values({ user_id: userId, password_hash: passwordHash, replaced_at: now })
    .execute();
  const kept = db
    .selectFrom('password_history')
    .select('replaced_at')
    .where('user_id', '=', userId)
    .orderBy('replaced_at', 'desc')
    .limit(1)
    .offset(keep - 1);
  await db.deleteFrom('password_history').where('user_id', '=', userId).where('replaced_at', '<', kept).execute();
}

export async function forgetPasswordHistory(db: Executor, userId: string): Promise<void> {
  await db.deleteFrom('password_history').where('user_id', '=', userId).execute();
}
