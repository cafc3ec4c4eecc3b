// The provider_keys table: the OpenID Connect provider's signing keys and cookie secrets (apps/keys.ts),
// shared by every instance.
import type { Selectable } from 'kysely';
import type { Executor, ProviderKeysTable } from './database.ts';

export type KeyRow = Selectable<ProviderKeysTable>;

/** Newest generation first. */
export function listKeys(db: Executor, use: KeyRow['use']): Promise<KeyRow[]> {
  return db.selectFrom('provider_keys').selectAll().where('use', '=', use).orderBy('generation', 'desc').execute();
}

/** False when another instance created that generation first (theirs is kept). */
export async function insertKey(db: Executor, key: KeyRow): Promise<boolean> {
  const result = await db
    .insertInto('provider_keys')
    .values(key)
    .onConflict((oc) => oc.columns(['use', 'generation']).doNothing())
    .executeTakeFirst();
  return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

export async function deleteKeys(db: Executor, kids: string[]): Promise<void> {
  if (kids.length === 0) return;
  await db.deleteFrom('provider_keys').where('kid', 'in', kids).execute();
}
