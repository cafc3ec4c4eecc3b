import type { Kysely } from 'kysely';

// The app a reset link leads back to (return_to on Forgot password, allow-listed when it was asked for and
// again when it is followed); null for the links of every other way in.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('reset_tokens').addColumn('return_to', 'text').execute();
}
