// The oidc_payloads table: what oidc-provider keeps between requests (apps/adapter.ts), one row per model
// and id. Every row has an expiry; housekeeping deletes the rows past it.
import type { ExpressionBuilder, Selectable } from 'kysely';
import type { Database, Executor, OidcPayloadsTable } from './database.ts';

export type PayloadRow = Selectable<OidcPayloadsTable>;

export async function upsertPayload(db: Executor, row: PayloadRow): Promise<void> {
  const { model: _model, id: _id, session_hash, ...changed } = row;
  await db
    .insertInto('oidc_payloads')
    .values(row)
    // A row saved again outside the browser (a grant during a refresh) keeps the session it came from.
    .onConflict((oc) =>
      oc.columns(['model', 'id']).doUpdateSet(session_hash === null ? changed : { ...changed, session_hash }),
    )
    .execute();
}

/**
 * The row by its id or, for the provider's sessions, its uid, unless it has expired: an expired row is as
 * good as gone, whether or not it was swept.
 */
export function findPayload(
  db: Executor,
  model: string,
  by: 'id' | 'uid',
  value: string,
  now: number,
): Promise<PayloadRow | undefined> {
  return db
    .selectFrom('oidc_payloads')
    .selectAll()
    .where('model', '=', model)
    .where(by, '=', value)
    .where('expires_at', '>', now)
    .executeTakeFirst();
}

/** SECURITY 72, 74: true for one caller only, on every instance at once: the others see it consumed. */
export async function consumePayload(db: Executor, model: string, id: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('oidc_payloads')
    .set({ consumed_at: now })
    .where('model', '=', model)
    .where('id', '=', id)
    .where('consumed_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function deletePayload(db: Executor, model: string, id: string): Promise<void> {
  await db.deleteFrom('oidc_payloads').where('model', '=', model).where('id', '=', id).execute();
}

export interface GrantSummary {
  grantId: string;
  clientId: string;
  /** The grant's JSON: its scopes, when it was made. */
  payload: string;
}

/** Which grants of an account: all (or one app's), those made from one of our sessions, or from any other. */
export type GrantScope =
  | { accountId: string; client?: string }
  | { accountId: string; exceptSession: string }
  | { session: string };

/** The rows of `model` in the scope; the provider's sessions hold every app's authorizations, so no app's alone. */
function inScope(scope: GrantScope, model: 'Grant' | 'Session') {
  return (eb: ExpressionBuilder<Database, 'oidc_payloads'>) => {
    const conditions = [eb('model', '=', model)];
    if ('session' in scope) conditions.push(eb('session_hash', '=', scope.session));
    else {
      conditions.push(eb('account_id', '=', scope.accountId));
      if ('exceptSession' in scope)
        conditions.push(eb.or([eb('session_hash', 'is', null), eb('session_hash', '!=', scope.exceptSession)]));
      if (model === 'Grant' && 'client' in scope && scope.client !== undefined)
        conditions.push(eb('client_id', '=', scope.client));
    }
    return eb.and(conditions);
  };
}

export function liveGrants(db: Executor, scope: GrantScope, now: number): Promise<GrantSummary[]> {
  return db
    .selectFrom('oidc_payloads')
    .select(['grant_id as grantId', 'client_id as clientId', 'payload'])
    .where(inScope(scope, 'Grant'))
    .where('expires_at', '>', now)
    .orderBy('expires_at')
    .execute() as Promise<GrantSummary[]>;
}

/** The provider's sessions made from these browsers: the back-channel logout tokens name their sid. */
export function providerSessions(db: Executor, scope: GrantScope) {
  return db.selectFrom('oidc_payloads').select(['id', 'payload']).where(inScope(scope, 'Session')).execute();
}

export async function deleteRows(db: Executor, model: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.deleteFrom('oidc_payloads').where('model', '=', model).where('id', 'in', ids).execute();
}

/** Everything issued under these grants (their codes and tokens) and the grants, whose grant_id is their own. */
export async function deleteGrants(db: Executor, grantIds: string[]): Promise<void> {
  if (grantIds.length === 0) return;
  await db.deleteFrom('oidc_payloads').where('grant_id', 'in', grantIds).execute();
}

/** Our session got a new id (a privilege change): what the apps were given from it follows it. */
export async function moveSessionHash(db: Executor, from: string, to: string): Promise<void> {
  await db.updateTable('oidc_payloads').set({ session_hash: to }).where('session_hash', '=', from).execute();
}

export async function deletePayloadsOfClient(db: Executor, clientId: string): Promise<void> {
  await db.deleteFrom('oidc_payloads').where('client_id', '=', clientId).execute();
}

export async function deleteExpiredPayloads(db: Executor, now: number): Promise<number> {
  const result = await db.deleteFrom('oidc_payloads').where('expires_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Whatever the provider still keeps of an account once endAppAccess ended it: expired grants and sessions
 * not swept yet, and rows that name it only inside their JSON (an interaction's login result).
 */
export async function deletePayloadsOfAccount(db: Executor, accountId: string): Promise<void> {
  // Account ids are UUIDs (core/tokens.ts newId): nothing in them is a LIKE wildcard.
  await db
    .deleteFrom('oidc_payloads')
    .where((eb) => eb.or([eb('account_id', '=', accountId), eb('payload', 'like', `%${accountId}%`)]))
    .execute();
}
