// The second factors' tables: totp_factors, recovery_codes, pending_sign_ins, and users.second_factor_at.
import type { Selectable } from 'kysely';
import type { Executor, PendingSignInsTable } from './database.ts';

export type PendingSignIn = Selectable<PendingSignInsTable>;

export async function findTotpFactor(
  db: Executor,
  userId: string,
): Promise<{ secret: string; last_step: number } | undefined> {
  const row = await db
    .selectFrom('totp_factors')
    .select(['secret', 'last_step'])
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row && { secret: row.secret, last_step: Number(row.last_step) };
}

/** Records the step of an accepted code, unless a later or equal one was accepted meanwhile: false then. */
export async function advanceTotpStep(db: Executor, userId: string, step: number): Promise<boolean> {
  const result = await db
    .updateTable('totp_factors')
    .set({ last_step: step })
    .where('user_id', '=', userId)
    .where('last_step', '<', step)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** The account's factor and its recovery codes, written whole; the account is marked as having one. */
export async function insertTotpFactor(
  db: Executor,
  factor: { userId: string; secret: string; lastStep: number; codeDigests: string[] },
  now: number,
): Promise<void> {
  await db
    .insertInto('totp_factors')
    .values({ user_id: factor.userId, secret: factor.secret, last_step: factor.lastStep, created_at: now })
    .execute();
  if (factor.codeDigests.length > 0) await replaceRecoveryCodes(db, factor.userId, factor.codeDigests, now);
  await markSecondFactor(db, factor.userId, now);
}

/** Every factor (app and passkeys) and recovery code of the account gone: true if it had any. */
export async function deleteFactors(db: Executor, userId: string): Promise<boolean> {
  const app = await db.deleteFrom('totp_factors').where('user_id', '=', userId).executeTakeFirst();
  const passkeys = await db.deleteFrom('passkeys').where('user_id', '=', userId).executeTakeFirst();
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
  await db.updateTable('users').set({ second_factor_at: null }).where('id', '=', userId).execute();
  return app.numDeletedRows + passkeys.numDeletedRows > 0n;
}

/** Marks the account as having a second factor from now (its first: an app or a passkey). */
export async function markSecondFactor(db: Executor, userId: string, now: number): Promise<void> {
  await db.updateTable('users').set({ second_factor_at: now }).where('id', '=', userId).execute();
}

/** After a factor was removed: the account keeps its mark only while it has another. */
export async function hasAnyFactor(db: Executor, userId: string): Promise<boolean> {
  const app = await db.selectFrom('totp_factors').select('user_id').where('user_id', '=', userId).executeTakeFirst();
  if (app) return true;
  const passkey = await db.selectFrom('passkeys').select('user_id').where('user_id', '=', userId).executeTakeFirst();
  return passkey !== undefined;
}

export async function replaceRecoveryCodes(db: Executor, userId: string, digests: string[], now: number) {
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
  await db
    .insertInto('recovery_codes')
    .values(digests.map((code_digest) => ({ user_id: userId, code_digest, created_at: now, used_at: null })))
    .execute();
}

/** Spends one of the digests given (one per key), if it is an unused code of the account: true then. */
export async function spendRecoveryCode(db: Executor, userId: string, digests: string[], now: number) {
  const result = await db
    .updateTable('recovery_codes')
    .set({ used_at: now })
    .where('user_id', '=', userId)
    .where('code_digest', 'in', digests)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function countUnusedRecoveryCodes(db: Executor, userId: string): Promise<number> {
  const row = await db
    .selectFrom('recovery_codes')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function insertPendingSignIn(db: Executor, pending: PendingSignIn): Promise<void> {
  await db.insertInto('pending_sign_ins').values(pending).execute();
}

export function findPendingSignIn(db: Executor, tokenHash: string, now: number): Promise<PendingSignIn | undefined> {
  return db
    .selectFrom('pending_sign_ins')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .where('expires_at', '>', now)
    .executeTakeFirst();
}

/** Ends it: true if this call did (two tabs finishing the same sign-in open one session, not two). */
export async function deletePendingSignIn(db: Executor, tokenHash: string): Promise<boolean> {
  const result = await db.deleteFrom('pending_sign_ins').where('token_hash', '=', tokenHash).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function deleteExpiredPendingSignIns(db: Executor, now: number): Promise<void> {
  await db.deleteFrom('pending_sign_ins').where('expires_at', '<=', now).execute();
}
