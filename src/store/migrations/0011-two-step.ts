import type { Kysely } from 'kysely';

// Two-step verification (src/factors/, flows/two-step.ts): an authenticator app's key, sealed with
// ENCRYPTION_KEY; ten recovery codes, as keyed digests; the half-signed-in state between the password and
// the second step; and, on each session, the factors it was proven with (amr) and when one was last proven.
export async function up(db: Kysely<unknown>): Promise<void> {
  // Set while the account has a second factor: read with the session on every request, so that a session
  // proven without one ends once the account has one.
  await db.schema.alterTable('users').addColumn('second_factor_at', 'bigint').execute();
  await db.schema
    .alterTable('sessions')
    .addColumn('factors', 'text', (col) => col.notNull().defaultTo('pwd'))
    .execute();
  await db.schema.alterTable('sessions').addColumn('proven_at', 'bigint').execute();

  await db.schema
    .createTable('totp_factors')
    .addColumn('user_id', 'text', (col) => col.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('secret', 'text', (col) => col.notNull())
    // The time step of the last code accepted: that one and every earlier one are refused (replay).
    .addColumn('last_step', 'bigint', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .execute();

  await db.schema
    .createTable('recovery_codes')
    .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('code_digest', 'text', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('used_at', 'bigint')
    .addPrimaryKeyConstraint('recovery_codes_pkey', ['user_id', 'code_digest'])
    .execute();

  await db.schema
    .createTable('pending_sign_ins')
    .addColumn('token_hash', 'text', (col) => col.primaryKey())
    .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
    // 'verify': the second step is owed; 'enrol': REQUIRE_2FA=required and the account has no factor yet.
    .addColumn('stage', 'text', (col) => col.notNull())
    // The password hash it was started from: a change or reset meanwhile leaves it unusable.
    .addColumn('password_hash', 'text', (col) => col.notNull())
    .addColumn('known_device', 'integer', (col) => col.notNull())
    .addColumn('client_address', 'text', (col) => col.notNull())
    .addColumn('user_agent', 'text', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('expires_at', 'bigint', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('pending_sign_ins_user_id').on('pending_sign_ins').column('user_id').execute();
}
