// The reset_tokens table: the SHA-256 of each reset link's token, its owner, purpose and lifetime.
import type { Selectable } from 'kysely';
import type { Executor, ResetTokensTable } from './database.ts';

export type ResetTokenRow = Selectable<ResetTokensTable>;
export type TokenPurpose = ResetTokensTable['purpose'];

export async function insertResetToken(db: Executor, row: ResetTokenRow): Promise<void> {
  await db.insertInto('reset_tokens').values(row).execute();
}

export function findResetToken(db: Executor, tokenHash: string, purpose: TokenPurpose): Promise<ResetTokenRow | undefined> {
  return db.selectFrom('reset_tokens').selectAll().where('token_hash', '=', tokenHash).where('purpose', '=', purpose).executeTakeFirst();
}

/**
 * SECURITY 38: one conditional UPDATE marks the token used only if it is still unused and unexpired; of any
 * number of concurrent submissions exactly one sees a row change.
 */
export async function consumeResetToken(db: Executor, tokenHash: string, purpose: TokenPurpose, now: number): Promise<boolean> {
  const result = await db
    .updateTable('reset_tokens')
    .set({ used_at: now })
    .where('token_hash', '=', tokenHash)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/**
 * Kills every outstanding link of a user, or, with `only`, the other links of one purpose once a new one is
 * sent (a reset request must not kill an invitation). Used links stay, so that opening one again can say
 * "already used".
 */
export async function deleteUnusedResetTokens(db: Executor, userId: string, only?: { purpose: TokenPurpose; keep: string }): Promise<void> {
  let query = db.deleteFrom('reset_tokens').where('user_id', '=', userId).where('used_at', 'is', null);
  if (only !== undefined) query = query.where('purpose', '=', only.purpose).where('token_hash', '!=', only.keep);
  await query.execute();
}

export async function deleteResetToken(db: Executor, tokenHash: string): Promise<void> {
  await db.deleteFrom('reset_tokens').where('token_hash', '=', tokenHash).execute();
}

export async function deleteExpiredResetTokens(db: Executor, before: number): Promise<void> {
  await db.deleteFrom('reset_tokens').where('expires_at', '<', before).execute();
}
