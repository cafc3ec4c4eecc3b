// The oauth_clients table: the apps the administrator registered (apps/clients.ts decides what is valid).
import type { Selectable } from 'kysely';
import type { Executor, OauthClientsTable } from './database.ts';

export type ClientRow = Selectable<OauthClientsTable>;

export async function insertClient(db: Executor, client: ClientRow): Promise<void> {
  await db.insertInto('oauth_clients').values(client).execute();
}

export function findClient(db: Executor, clientId: string): Promise<ClientRow | undefined> {
  return db.selectFrom('oauth_clients').selectAll().where('client_id', '=', clientId).executeTakeFirst();
}

export function listClients(db: Executor): Promise<ClientRow[]> {
  return db.selectFrom('oauth_clients').selectAll().orderBy('created_at').orderBy('client_id').execute();
}

export function findClientsByIds(db: Executor, clientIds: string[]): Promise<ClientRow[]> {
  if (clientIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('oauth_clients').selectAll().where('client_id', 'in', clientIds).execute();
}

export async function deleteClient(db: Executor, clientId: string): Promise<boolean> {
  const result = await db.deleteFrom('oauth_clients').where('client_id', '=', clientId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function setClientSecretHash(db: Executor, clientId: string, secretHash: string, now: number) {
  const result = await db
    .updateTable('oauth_clients')
    .set({ secret_hash: secretHash, secret_set_at: now })
    .where('client_id', '=', clientId)
    .where('secret_hash', 'is not', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
