// The users table. Plain reads and writes; the rules about who may do what live in flows/.
import type { Selectable } from 'kysely';
import { isPostgres } from './connect.ts';
import type { Executor, UsersTable } from './database.ts';

export type User = Selectable<UsersTable>;

export function findUserByEmail(db: Executor, normalisedEmail: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('email', '=', normalisedEmail).executeTakeFirst();
}

export function findUserById(db: Executor, id: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * The user, locked until the transaction ends (PostgreSQL; SQLite runs one writer at a time anyway), so a
 * password change or reset cannot slip between reading the credentials and acting on them.
 */
export function lockUser(tx: Executor, id: string): Promise<User | undefined> {
  const query = tx.selectFrom('users').selectAll().where('id', '=', id);
  return (isPostgres(tx) ? query.forUpdate() : query).executeTakeFirst();
}

export async function insertUser(db: Executor, user: User): Promise<void> {
  await db.insertInto('users').values(user).execute();
}

export async function updateProfile(
  db: Executor,
  id: string,
  profile: { name: string; locale: string },
  now: number,
): Promise<void> {
  await db
    .updateTable('users')
    .set({ ...profile, locale_chosen_at: now, updated_at: now })
    .where('id', '=', id)
    .execute();
}

export async function setLocale(db: Executor, id: string, locale: string, now: number): Promise<void> {
  await db.updateTable('users').set({ locale, locale_chosen_at: now, updated_at: now }).where('id', '=', id).execute();
}

/** An account whose language nobody chose takes the one of its first use; a chosen one stays. */
export async function adoptLocale(db: Executor, id: string, locale: string, now: number): Promise<void> {
  await db
    .updateTable('users')
    .set({ locale, locale_chosen_at: now, updated_at: now })
    .where('id', '=', id)
    .where('locale_chosen_at', 'is', null)
    .execute();
}

/** A link mailed to the address was used: whoever holds the account reads that mailbox. */
export async function markEmailVerified(db: Executor, id: string, now: number): Promise<void> {
  await db
    .updateTable('users')
    .set({ email_verified_at: now })
    .where('id', '=', id)
    .where('email_verified_at', 'is', null)
    .execute();
}

/** A password just chosen: it passed the breach check of its choice, so it is not known breached. */
export async function setPasswordHash(db: Executor, id: string, passwordHash: string, now: number): Promise<void> {
  await db
    .updateTable('users')
    .set({ password_hash: passwordHash, updated_at: now, breach_checked_at: now, password_breached_at: null })
    .where('id', '=', id)
    .execute();
}

/** "This wasn't me" (flows/lockdown.ts): no password works until a new one is chosen through a reset link. */
export async function clearPassword(db: Executor, id: string, now: number): Promise<void> {
  await db.updateTable('users').set({ password_hash: null, updated_at: now }).where('id', '=', id).execute();
}

/** A new address (normalised): not verified until a link mailed to it is used. */
export async function setEmail(db: Executor, id: string, email: string, now: number): Promise<void> {
  await db.updateTable('users').set({ email, email_verified_at: null, updated_at: now }).where('id', '=', id).execute();
}

/** The sign-in's daily breach check of the password (flows/sign-in.ts), if it is still the one checked. */
export async function recordBreachCheck(
  db: Executor,
  id: string,
  passwordHash: string,
  breached: boolean,
  now: number,
): Promise<void> {
  await db
    .updateTable('users')
    .set((eb) => ({
      breach_checked_at: now,
      password_breached_at: breached ? eb.fn.coalesce('password_breached_at', eb.val(now)) : null,
    }))
    .where('id', '=', id)
    .where('password_hash', '=', passwordHash)
    .execute();
}

/**
 * Replaces the hash only if it is still the one that was verified: a rehash after sign-in must never
 * overwrite a password changed in the meantime.
 */
/** The same password under today's parameters; a sign-in waiting for its second step keeps going. */
export async function upgradePasswordHash(db: Executor, id: string, from: string, to: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const result = await tx
      .updateTable('users')
      .set({ password_hash: to })
      .where('id', '=', id)
      .where('password_hash', '=', from)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) return;
    await tx
      .updateTable('pending_sign_ins')
      .set({ password_hash: to })
      .where('user_id', '=', id)
      .where('password_hash', '=', from)
      .execute();
  });
}

export function listUsers(db: Executor): Promise<User[]> {
  return db.selectFrom('users').selectAll().orderBy('created_at').orderBy('email').execute();
}

export async function countUsers(db: Executor): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function setDisabled(db: Executor, id: string, disabledAt: number | null, now: number): Promise<void> {
  await db.updateTable('users').set({ disabled_at: disabledAt, updated_at: now }).where('id', '=', id).execute();
}

/** The account's row itself; every table that refers to it cascades (flows/administer.ts empties them first). */
export async function deleteUser(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('users').where('id', '=', id).execute();
}
