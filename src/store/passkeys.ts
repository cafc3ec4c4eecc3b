// The passkeys and spent_challenges tables (flows/passkeys.ts).
import type { Selectable } from 'kysely';
import type { Executor, PasskeysTable } from './database.ts';

export type PasskeyRow = Selectable<PasskeysTable>;

export function passkeysOfUser(db: Executor, userId: string): Promise<PasskeyRow[]> {
  return db.selectFrom('passkeys').selectAll().where('user_id', '=', userId).orderBy('created_at').execute();
}

export function findPasskey(db: Executor, credentialId: string): Promise<PasskeyRow | undefined> {
  return db.selectFrom('passkeys').selectAll().where('credential_id', '=', credentialId).executeTakeFirst();
}

export async function insertPasskey(db: Executor, passkey: PasskeyRow): Promise<void> {
  await db.insertInto('passkeys').values(passkey).execute();
}

/** After an assertion: its counter and backup state, unless another one moved the counter meanwhile. */
export async function recordPasskeyUse(
  db: Executor,
  credentialId: string,
  use: { from: number; counter: number; backedUp: boolean; now: number },
): Promise<boolean> {
  const result = await db
    .updateTable('passkeys')
    .set({ counter: use.counter, backed_up: use.backedUp ? 1 : 0, last_used_at: use.now })
    .where('credential_id', '=', credentialId)
    .where('counter', '=', use.from)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function renamePasskey(db: Executor, userId: string, credentialId: string, name: string) {
  const result = await db
    .updateTable('passkeys')
    .set({ name })
    .where('user_id', '=', userId)
    .where('credential_id', '=', credentialId)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function deletePasskey(
  db: Executor,
  userId: string,
  credentialId: string,
): Promise<PasskeyRow | undefined> {
  const row = await db
    .selectFrom('passkeys')
    .selectAll()
    .where('user_id', '=', userId)
    .where('credential_id', '=', credentialId)
    .executeTakeFirst();
  if (!row) return undefined;
  await db.deleteFrom('passkeys').where('credential_id', '=', credentialId).execute();
  return row;
}

/** Spends a challenge: true the first time, false ever after (until it expired and was swept). */
export async function spendChallenge(db: Executor, challengeHash: string, expiresAt: number): Promise<boolean> {
  const result = await db
    .insertInto('spent_challenges')
    .values({ challenge_hash: challengeHash, expires_at: expiresAt })
    .onConflict((conflict) => conflict.column('challenge_hash').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export async function deleteSpentChallengesBefore(db: Executor, now: number): Promise<void> {
  await db.deleteFrom('spent_challenges').where('expires_at', '<', now).execute();
}
