import type { Kysely } from 'kysely';

// An account at risk (issue 17): the "This wasn't me" links of the security emails, the breached-password
// checks (an imported list of SHA-1 hashes, and on each account when its password was last looked up and
// found breached), and the hashes of the passwords an account had before (PASSWORD_HISTORY).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('lockdown_tokens')
    // SHA-256 of the link's token, minted by the outbox worker just before sending (like a reset link).
    .addColumn('token_hash', 'text', (col) => col.primaryKey())
    .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
    // The address the link was mailed to: an account whose address was changed behind its owner's back
    // gets it back when the owner uses the link.
    .addColumn('sent_to', 'text', (col) => col.notNull())
    .addColumn('outbox_id', 'text')
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('expires_at', 'bigint', (col) => col.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await db.schema.createIndex('lockdown_tokens_user_id').on('lockdown_tokens').column('user_id').execute();

  // `npm run cli -- breached import`: the SHA-1 (upper-case hex) of every password of a downloaded list.
  await db.schema
    .createTable('breached_hashes')
    .addColumn('sha1', 'text', (col) => col.primaryKey())
    .addColumn('count', 'bigint', (col) => col.notNull())
    .execute();
  await db.schema.alterTable('users').addColumn('breach_checked_at', 'bigint').execute();
  // Set at sign-in when the password is found breached: the session may then only choose a new password.
  await db.schema.alterTable('users').addColumn('password_breached_at', 'bigint').execute();

  await db.schema
    .createTable('password_history')
    .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('password_hash', 'text', (col) => col.notNull())
    .addColumn('replaced_at', 'bigint', (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex('password_history_user_id')
    .on('password_history')
    .columns(['user_id', 'replaced_at'])
    .execute();
}
