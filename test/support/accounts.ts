// Accounts written straight into a database the test's service processes use, the way the admin CLI
// would (same flow, same hashing), without starting a CLI process per account.
import { parseConfig } from '../../src/config.ts';
import { createDeps } from '../../src/deps.ts';
import { addUser } from '../../src/flows/add-user.ts';

export interface AccountInput {
  email: string;
  password: string;
  name?: string;
  locale?: 'en' | 'fr';
}

export async function addAccounts(databaseUrl: string, accounts: AccountInput[]): Promise<void> {
  const parsed = parseConfig({ NODE_ENV: 'test', DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  const { deps, close } = await createDeps(parsed.config);
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
