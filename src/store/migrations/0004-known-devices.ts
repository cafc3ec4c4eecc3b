import type { Kysely } from 'kysely';

// Browsers that signed in to an account before (SECURITY 21): they skip the account-wide throttle, so an
// attacker guessing from elsewhere cannot lock the owner out. Only a digest of the cookie is kept.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('known_devices')
    .addColumn('token_hash', 'text', (col) => col.primaryKey())
    .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('known_devices_user_id').on('known_devices').column('user_id').execute();
}
