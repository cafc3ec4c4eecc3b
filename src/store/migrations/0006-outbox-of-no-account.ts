import { type Kysely, PostgresAdapter, sql } from 'kysely';

// A reset request for an unknown or disabled address, or over its address's cap, queues a row too, tied to
// no account and never sent: every request then writes the rows a real one writes, in the same tables and
// indexes (SECURITY 28). The worker drops such rows unsent.
export async function up(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`alter table outbox alter column user_id drop not null`.execute(db);
    // As on SQLite below: a row whose account was deleted behind the foreign key's back is tied to none.
    await sql`update outbox set user_id = null where not exists (select 1 from users where users.id = outbox.user_id)`.execute(
      db,
    );
    return;
  }
  // SQLite cannot drop a NOT NULL constraint: the table is rebuilt with its rows, in the migration's
  // transaction (connect.ts), as 0005 rebuilt the events. A row whose account was deleted behind the
  // foreign key's back (the sqlite3 shell leaves foreign keys off) would fail the copy with them on: it is
  // kept, tied to no account, and the worker drops it.
  await db.schema
    .createTable('outbox_next')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('kind', 'text', (col) => col.notNull())
    .addColumn('user_id', 'text', (col) => col.references('users.id').onDelete('cascade'))
    .addColumn('data', 'text', (col) => col.notNull())
    .addColumn('created_at', 'bigint', (col) => col.notNull())
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (col) => col.notNull())
    .addColumn('claimed_by', 'text')
    .addColumn('claimed_until', 'bigint')
    .addColumn('sent_at', 'bigint')
    .addColumn('abandoned_at', 'bigint')
    .addColumn('last_error', 'text')
    .execute();
  await sql`insert into outbox_next (id, kind, user_id, data, created_at, attempts, next_attempt_at, claimed_by, claimed_until,
      sent_at, abandoned_at, last_error)
    select id, kind, case when exists (select 1 from users where users.id = outbox.user_id) then user_id end, data, created_at,
      attempts, next_attempt_at, claimed_by, claimed_until, sent_at, abandoned_at, last_error
    from outbox`.execute(db);
  await db.schema.dropTable('outbox').execute();
  await sql`alter table outbox_next rename to outbox`.execute(db);
  await db.schema
    .createIndex('outbox_pending')
    .on('outbox')
    .column('next_attempt_at')
    .where(sql.ref('sent_at'), 'is', null)
    .where(sql.ref('abandoned_at'), 'is', null)
    .execute();
}
