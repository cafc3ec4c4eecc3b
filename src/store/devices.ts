// The known_devices table: digests of the cookies of browsers that signed in to an account.
import type { Executor } from './database.ts';

export async function insertDevice(db: Executor, tokenHash: string, userId: string, now: number): Promise<void> {
  await db.insertInto('known_devices').values({ token_hash: tokenHash, user_id: userId, created_at: now }).execute();
}

export async function deviceOwner(db: Executor, tokenHash: string, notBefore: number): Promise<string | undefined> {
  const row = await db
    .selectFrom('known_devices')
    .select('user_id')
    .where('token_hash', '=', tokenHash)
    .where('created_at', '>=', notBefore)
    .executeTakeFirst();
  return row?.user_id;
}

/** After a password change or reset, no browser is trusted on its past sign-ins any more. */
export async function forgetDevices(db: Executor, userId: string): Promise<void> {
  await db.deleteFrom('known_devices').where('user_id', '=', userId).execute();
}

export async function deleteDevicesBefore(db: Executor, before: number): Promise<void> {
  await db.deleteFrom('known_devices').where('created_at', '<', before).execute();
}
