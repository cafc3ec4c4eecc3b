import type { Kysely } from 'kysely';

// Crash-safe delivery (mail/worker.ts). Each running outbox worker has a row it beats every few seconds: an
// email it claimed goes back to the queue as soon as it stops beating (or at once, when it restarts on the
// same host), not when a two-minute lease runs out. And a reset link remembers the email it was minted for,
// so every copy of one email (sent again after a crash) carries a link that works until one is used.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('outbox_workers')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('host', 'text', (col) => col.notNull())
    .addColumn('pid', 'integer', (col) => col.notNull())
    .addColumn('started_at', 'bigint', (col) => col.notNull())
    .addColumn('heartbeat_at', 'bigint', (col) => col.notNull())
    .execute();
  // No foreign key: the outbox row goes after seven days, the link after a day; neither waits for the other.
  await db.schema.alterTable('reset_tokens').addColumn('outbox_id', 'text').execute();
}
