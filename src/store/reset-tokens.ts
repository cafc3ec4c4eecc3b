// The reset_tokens table: the SHA-256 of each reset link's token, its owner, purpose and lifetime.
import type { Selectable } from 'kysely';
import type { Executor, ResetTokensTable } from './database.ts';

export type ResetTokenRow = Selectable<ResetTokensTable>;
export type TokenPurpose = ResetTokensTable['purpose'];

export async function insertResetToken(db: Executor, row: ResetTokenRow): Promise<void> {
  await db.insertInto('reset_tokens').values(row).execute();
}

export function findResetToken(
  db: Executor,
  tokenHash: string,
  purpose: TokenPurpose,
): Promise<ResetTokenRow | undefined> {
  return db
    .selectFrom('reset_tokens')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .where('purpose', '=', purpose)
    .executeTakeFirst();
}

/**
 * SECURITY 38: one conditional UPDATE marks the token used only if it is still unused and unexpired; of any
 * number of concurrent submissions exactly one sees a row change.
 */
export async function consumeResetToken(
  db: Executor,
  tokenHash: string,
  purpose: TokenPurpose,
  now: number,
): Promise<boolean> {
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

/** The other copies of the email that carried a link just used: "already used" too, not "not found". */
export async function useCopiesOf(db: Executor, tokenHash: string, now: number): Promise<void> {
  await db
    .updateTable('reset_tokens')
    .set({ used_at: now })
    .where(
      'outbox_id',
      'in',
      db
        .selectFrom('reset_tokens')
        .select('outbox_id')
        .where('token_hash', '=', tokenHash)
        .where('outbox_id', 'is not', null),
    )
    .where('used_at', 'is', null)
    .execute();
}

/**
 * Kills every outstanding link of a user, or, with `only`, the links of one purpose that other emails carried,
 * once a new email is sent (a reset request must not kill an invitation; the copies of one email all keep
 * theirs). Used links stay, so that opening one again can say "already used".
 */
export async function deleteUnusedResetTokens(
  db: Executor,
  userId: string,
  only?: { purpose: TokenPurpose; keepEmail: string },
): Promise<void> {
  let query = db.deleteFrom('reset_tokens').where('user_id', '=', userId).where('used_at', 'is', null);
  if (only !== undefined) {
    const { purpose, keepEmail } = only;
    query = query
      .where('purpose', '=', purpose)
      .where((eb) => eb.or([eb('outbox_id', 'is', null), eb('outbox_id', '!=', keepEmail)]));
  }
  await query.execute();
}

export async function deleteResetToken(db: Executor, tokenHash: string): Promise<void> {
  await db.deleteFrom('reset_tokens').where('token_hash', '=', tokenHash).execute();
}

export async function deleteExpiredResetTokens(db: Executor, before: number): Promise<void> {
  await db.deleteFrom('reset_tokens').where('expires_at', '<', before).execute();
}

/** Every link of the account, used ones too (an erased account leaves no trace of them). */
export async function deleteResetTokensOfUser(db: Executor, userId: string): Promise<void> {
  await db.deleteFrom('reset_tokens').where('user_id', '=', userId).execute();
}
