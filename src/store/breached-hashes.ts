// The breached_hashes table: the passwords of a downloaded breach list (`breached import`), as SHA-1 hex.
import type { Executor } from './database.ts';

export async function hasBreachedHashes(db: Executor): Promise<boolean> {
  return (await db.selectFrom('breached_hashes').select('sha1').limit(1).executeTakeFirst()) !== undefined;
}

export async function isBreachedHash(db: Executor, sha1: string): Promise<boolean> {
  return (
    (await db.selectFrom('breached_hashes').select('sha1').where('sha1', '=', sha1).executeTakeFirst()) !== undefined
  );
}

/** One batch of an import; a hash imported again takes the count of the newer list. */
export async function insertBreachedHashes(db: Executor, rows: { sha1: string; count: number }[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('breached_hashes')
    // One row per hash: PostgreSQL refuses an upsert that touches a row twice (a hash listed twice in a file).
    .values([...new Map(rows.map((row) => [row.sha1, row])).values()])
    .onConflict((oc) => oc.column('sha1').doUpdateSet((eb) => ({ count: eb.ref('excluded.count') })))
    .execute();
}

export async function countBreachedHashes(db: Executor): Promise<number> {
  const row = await db
    .selectFrom('breached_hashes')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}
