import { type Kysely, sql } from 'kysely';

// When the account's language was chosen: by whoever created it (--locale), by the user (the EN | FR switch),
// or, for an account created without one (the demo account, the CLI without --locale, an invitation), at its
// first use, as the language the person was then using. Until then it is null and the language is
// DEFAULT_LOCALE's. Every account from before chose its language at its creation.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').addColumn('locale_chosen_at', 'bigint').execute();
  await sql`update users set locale_chosen_at = created_at`.execute(db);
}
