import { type Kysely, sql } from 'kysely';

// The apps that sign their users in here (OpenID Connect, src/apps/): the clients the administrator
// registered, what the provider keeps between requests (codes, grants, its sessions, refresh tokens), and its
// signing keys, shared by every instance. An address counts as verified once a link mailed to it was used.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').addColumn('email_verified_at', 'bigint').execute();
  // Accounts whose used reset or invitation link is still on record proved their address already.
  await sql`update users set email_verified_at = updated_at where id in (select user_id from reset_tokens where used_at is not null)`.execute(
    db,
  );

  await db.schema
    .createTable('oauth_clients')
    .addColumn('client_id', 'text', (col) => col.primaryKey())
    .addColumn('name', 'text', (col) => col.notNull())
    // SHA-256 of the secret (SECURITY 76): a dump of the table authenticates nobody. Null: a public client.
    .addColumn('secret_hash', 'text')
    .addColumn('redirect_uris', 'text', (col) => col.notNull())
    .addColumn('post_logout_redirect_uris', 'text', (col) => col.notNull())
    .addColumn('backchannel_logout_uri', 'text')
    .addColumn('first_party', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('secret_set_at', 'bigint')
    .execute();

  await db.schema
    .createTable('oidc_payloads')
    .addColumn('model', 'text', (col) => col.notNull())
    .addColumn('id', 'text', (col) => col.notNull())
    .addColumn('payload', 'text', (col) => col.notNull())
    .addColumn('grant_id', 'text')
    .addColumn('client_id', 'text')
    .addColumn('uid', 'text')
    .addColumn('account_id', 'text')
    // The digest of our session the browser had when the row was made: signing that session out, or
    // revoking it, ends what the apps were given from it.
    .addColumn('session_hash', 'text')
    .addColumn('expires_at', 'bigint', (col) => col.notNull())
    .addColumn('consumed_at', 'bigint')
    .addPrimaryKeyConstraint('oidc_payloads_pk', ['model', 'id'])
    .execute();
  await db.schema.createIndex('oidc_payloads_grant').on('oidc_payloads').column('grant_id').execute();
  await db.schema.createIndex('oidc_payloads_uid').on('oidc_payloads').column('uid').execute();
  await db.schema.createIndex('oidc_payloads_client').on('oidc_payloads').column('client_id').execute();
  await db.schema.createIndex('oidc_payloads_account').on('oidc_payloads').columns(['model', 'account_id']).execute();
  await db.schema.createIndex('oidc_payloads_session').on('oidc_payloads').column('session_hash').execute();
  await db.schema.createIndex('oidc_payloads_expiry').on('oidc_payloads').column('expires_at').execute();

  await db.schema
    .createTable('provider_keys')
    .addColumn('kid', 'text', (col) => col.primaryKey())
    // 'signing': an ES256 private key as a JWK; 'cookie': the secret the provider signs its cookies with.
    .addColumn('use', 'text', (col) => col.notNull())
    // 1, 2, 3… per use: the newest signs; instances creating the first key at once keep one (unique).
    .addColumn('generation', 'integer', (col) => col.notNull())
    .addColumn('secret', 'text', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addUniqueConstraint('provider_keys_use_generation', ['use', 'generation'])
    .execute();
}
