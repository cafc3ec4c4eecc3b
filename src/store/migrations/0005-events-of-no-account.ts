import { type Kysely, PostgresAdapter, sql } from 'kysely';

// An attempt on an address with no account (or a reset request over its address's cap) is recorded too,
// tied to no account: every such request then writes the same row whether or not the account exists, and
// an operator can see the attempts on addresses that have none.
export async function up(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`alter table security_events alter column user_id drop not null`.execute(db);
    return;
  }
  // SQLite cannot drop a NOT NULL constraint: the table is rebuilt with the events it holds, in the
  // migration's transaction (connect.ts). An event whose account is gone (deleted with foreign keys off, as
  // the sqlite3 shell leaves them) is kept, tied to no account, rather than failing the upgrade.
  await db.schema
    .createTable('security_events_next')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('user_id', 'text', (col) => col.references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (col) => col.notNull())
    .addColumn('at', 'bigint', (col) => col.notNull())
    .addColumn('client_address', 'text', (col) => col.notNull())
    .addColumn('user_agent', 'text', (col) => col.notNull())
    .execute();
  await sql`insert into security_events_next (id, user_id, kind, at, client_address, user_agent)
    select id, case when exists (select 1 from users where users.id = security_events.user_id) then user_id end,
      kind, at, client_address, user_agent
    from security_events`.execute(db);
  await db.schema.dropTable('security_events').execute();
  await sql`alter table security_events_next rename to security_events`.execute(db);
  await db.schema.createIndex('security_events_user_at').on('security_events').columns(['user_id', 'at']).execute();
}
