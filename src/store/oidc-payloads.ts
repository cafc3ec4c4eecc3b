// The oidc_payloads table: what oidc-provider keeps between requests (apps/adapter.ts), one row per model
// and id. Every row has an expiry; housekeeping deletes the rows past it.
import type { Selectable } from 'kysely';
import type { Executor, OidcPayloadsTable } from './database.ts';

export type PayloadRow = Selectable<OidcPayloadsTable>;

export async function upsertPayload(db: Executor, row: PayloadRow): Promise<void> {
  await db
    .insertInto('oidc_payloads')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['model', 'id']).doUpdateSet({
        payload: row.payload,
        grant_id: row.grant_id,
        client_id: row.client_id,
        uid: row.uid,
        account_id: row.account_id,
        expires_at: row.expires_at,
        consumed_at: row.consumed_at,
      }),
    )
    .execute();
}

/** The row, unless it has expired: an expired row is as good as gone, whether or not it was swept. */
export function findPayload(db: Executor, model: string, id: string, now: number): Promise<PayloadRow | undefined> {
  return db
    .selectFrom('oidc_payloads')
    .selectAll()
    .where('model', '=', model)
    .where('id', '=', id)
    .where('expires_at', '>', now)
    .executeTakeFirst();
}

export function findPayloadByUid(db: Executor, model: string, uid: string, now: number) {
  return db
    .selectFrom('oidc_payloads')
    .selectAll()
    .where('model', '=', model)
    .where('uid', '=', uid)
    .where('expires_at', '>', now)
    .executeTakeFirst();
}

/** SECURITY 74: true for one caller only, on every instance at once: the others see it consumed. */
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

/** Everything issued under a grant: its codes, tokens and the grant itself. */
export async function deleteGrant(db: Executor, grantId: string): Promise<void> {
  await db
    .deleteFrom('oidc_payloads')
    .where((eb) => eb.or([eb('grant_id', '=', grantId), eb.and([eb('model', '=', 'Grant'), eb('id', '=', grantId)])]))
    .execute();
}

export interface AppGrant {
  grantId: string;
  clientId: string;
  /** The grant's JSON (scopes granted, when). */
  payload: string;
}

/** The live grants of an account: the apps it let in (Settings → Security → Connected apps). */
export function grantsOfAccount(db: Executor, accountId: string, now: number): Promise<AppGrant[]> {
  return db
    .selectFrom('oidc_payloads')
    .select(['id as grantId', 'client_id as clientId', 'payload'])
    .where('model', '=', 'Grant')
    .where('account_id', '=', accountId)
    .where('expires_at', '>', now)
    .execute() as Promise<AppGrant[]>;
}

/**
 * Ends what an account gave the apps: every grant, with its codes and tokens, and the provider's sessions.
 * Returns the clients that held a grant, for the back-channel logout they are owed.
 */
export async function deleteAppAccessOfAccount(db: Executor, accountId: string, onlyClientId?: string) {
  let grants = db
    .selectFrom('oidc_payloads')
    .select(['id', 'client_id'])
    .where('model', '=', 'Grant')
    .where('account_id', '=', accountId);
  if (onlyClientId !== undefined) grants = grants.where('client_id', '=', onlyClientId);
  const ended = await grants.execute();
  const ids = ended.map((grant) => grant.id);
  if (ids.length > 0) {
    await db
      .deleteFrom('oidc_payloads')
      .where((eb) => eb.or([eb('grant_id', 'in', ids), eb.and([eb('model', '=', 'Grant'), eb('id', 'in', ids)])]))
      .execute();
  }
  if (onlyClientId === undefined) {
    await db.deleteFrom('oidc_payloads').where('model', '=', 'Session').where('account_id', '=', accountId).execute();
  }
  return [...new Set(ended.flatMap((grant) => (grant.client_id ? [grant.client_id] : [])))];
}

export async function deletePayloadsOfClient(db: Executor, clientId: string): Promise<void> {
  await db.deleteFrom('oidc_payloads').where('client_id', '=', clientId).execute();
}

export async function deleteExpiredPayloads(db: Executor, now: number): Promise<number> {
  const result = await db.deleteFrom('oidc_payloads').where('expires_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
