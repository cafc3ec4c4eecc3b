// Accounts (and apps) written straight into a database the test's service processes use, the way the admin
// CLI would (same flows, same hashing), without starting a CLI process for each.
import { parseConfig } from '../../src/config.ts';
import { createDeps, createLogger, type Deps, openDatabase } from '../../src/deps.ts';
import { addUser } from '../../src/flows/add-user.ts';
import { migrate } from '../../src/store/migrate.ts';

export interface AccountInput {
  email: string;
  password: string;
  name?: string;
  locale?: 'en' | 'fr';
}

/** Deps of their own on that database, migrated as the service would at its start, for `work` only. */
export async function withDatabase<T>(databaseUrl: string, work: (deps: Deps) => Promise<T>): Promise<T> {
  const parsed = parseConfig({ NODE_ENV: 'test', DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  const log = createLogger(parsed.config);
  const connection = openDatabase(parsed.config, log);
  await migrate(connection.db);
  const { deps, close } = await createDeps(parsed.config, { log, connection });
  try {
    return await work(deps);
  } finally {
    await close();
  }
}

export async function addAccounts(databaseUrl: string, accounts: AccountInput[]): Promise<void> {
  await withDatabase(databaseUrl, (deps) =>
    Promise.all(
      accounts.map(async ({ email, password, name = 'Ada Lovelace', locale = 'en' }) => {
        const added = await addUser(deps, { email, password, name, locale });
        if (!added.ok) throw new Error(`account ${email} refused: ${JSON.stringify(added)}`);
      }),
    ),
  );
}
