// Accounts written straight into a database the test's service processes use, the way the admin CLI
// would (same flow, same hashing), without starting a CLI process per account.
import { parseConfig } from '../../src/config.ts';
import { createDeps, createLogger, openDatabase } from '../../src/deps.ts';
import { addUser } from '../../src/flows/add-user.ts';
import { migrate } from '../../src/store/migrate.ts';

export interface AccountInput {
  email: string;
  password: string;
  name?: string;
  locale?: 'en' | 'fr';
}

export async function addAccounts(databaseUrl: string, accounts: AccountInput[]): Promise<void> {
  const parsed = parseConfig({ NODE_ENV: 'test', DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  const log = createLogger(parsed.config);
  const connection = openDatabase(parsed.config, log);
  // As the service would at its start: the accounts go into a database ready for it.
  await migrate(connection.db);
  const { deps, close } = await createDeps(parsed.config, { log, connection });
  try {
    await Promise.all(
      accounts.map(async ({ email, password, name = 'Ada Lovelace', locale = 'en' }) => {
        const added = await addUser(deps, { email, password, name, locale });
        if (!added.ok) throw new Error(`account ${email} refused: ${JSON.stringify(added)}`);
      }),
    );
  } finally {
    await close();
  }
}
