// The sessions table: rows are keyed by the SHA-256 of the cookie value.
import type { Selectable } from 'kysely';
import type { Executor, SessionsTable } from './database.ts';
import type { User } from './users.ts';

export type SessionRow = Selectable<SessionsTable>;

export async function insertSession(db: Executor, session: SessionRow): Promise<void> {
  await db.insertInto('sessions').values(session).execute();
}

/** The session and its user in one query: this runs on every signed-in request. */
export async function findSessionWithUser(
  db: Executor,
  idHash: string,
): Promise<{ session: SessionRow; user: User } | undefined> {
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select([
      'sessions.id_hash',
      'sessions.user_id',
      'sessions.created_at as session_created_at',
      'sessions.last_seen_at',
      'sessions.client_address',
      'sessions.user_agent',
      'sessions.factors',
      'sessions.proven_at',
      'users.id',
      'users.email',
      'users.name',
      'users.locale',
      'users.locale_chosen_at',
      'users.password_hash',
      'users.disabled_at',
      'users.email_verified_at',
      'users.created_at',
      'users.updated_at',
      'users.second_factor_at',
      'users.breach_checked_at',
      'users.password_breached_at',
    ])
    .where('sessions.id_hash', '=', idHash)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    session: {
      id_hash: row.id_hash,
      user_id: row.user_id,
      created_at: row.session_created_at,
      last_seen_at: row.last_seen_at,
      client_address: row.client_address,
      user_agent: row.user_agent,
      factors: row.factors,
      proven_at: row.proven_at,
    },
    user: {
      id: row.id,
      email: row.email,
      name: row.name,
      locale: row.locale,
      locale_chosen_at: row.locale_chosen_at,
      password_hash: row.password_hash,
      disabled_at: row.disabled_at,
      email_verified_at: row.email_verified_at,
      created_at: row.created_at,
      updated_at: row.updated_at,
      second_factor_at: row.second_factor_at,
      breach_checked_at: row.breach_checked_at,
      password_breached_at: row.password_breached_at,
    },
  };
}

export async function touchSession(db: Executor, idHash: string, now: number): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: now }).where('id_hash', '=', idHash).execute();
}

/** Gives a session a new id, keeping its age: the absolute timeout still counts from the sign-in. */
export async function renameSession(db: Executor, fromHash: string, toHash: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('sessions')
    .set({ id_hash: toHash, last_seen_at: now })
    .where('id_hash', '=', fromHash)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** After a second factor was proven in the session: it counts as such from now on (amr, step-up). */
export async function markSessionProven(db: Executor, idHash: string, factors: string, now: number): Promise<void> {
  await db.updateTable('sessions').set({ factors, proven_at: now }).where('id_hash', '=', idHash).execute();
}

export async function deleteSession(db: Executor, idHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
}

/**
 * Every session but `except`, and every half-finished sign-in (flows/second-step.ts) but `except` with them
 * (a session's id hash, or a half-finished sign-in's token hash: digests of different tokens).
 */
export async function deleteSessionsOfUser(db: Executor, userId: string, except?: string): Promise<number> {
  let pending = db.deleteFrom('pending_sign_ins').where('user_id', '=', userId);
  if (except !== undefined) pending = pending.where('token_hash', '!=', except);
  await pending.execute();
  let query = db.deleteFrom('sessions').where('user_id', '=', userId);
  if (except !== undefined) query = query.where('id_hash', '!=', except);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function countSessionsOfUser(db: Executor, userId: string): Promise<number> {
  const row = await db
    .selectFrom('sessions')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export function sessionsOfUser(db: Executor, userId: string): Promise<SessionRow[]> {
  return db.selectFrom('sessions').selectAll().where('user_id', '=', userId).orderBy('last_seen_at', 'desc').execute();
}

/** Sessions past either limit: nobody can use them any more, so they need not be kept. */
export async function deleteExpiredSessions(
  db: Executor,
  limits: { idleBefore: number; createdBefore: number },
): Promise<void> {
  await db
    .deleteFrom('sessions')
    .where((eb) => eb.or([eb('last_seen_at', '<', limits.idleBefore), eb('created_at', '<', limits.createdBefore)]))
    .execute();
}
