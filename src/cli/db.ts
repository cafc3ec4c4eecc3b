// npm run cli -- db migrate: the one command that changes a schema, so it works on the bare connection
// rather than through withDeps, which refuses a database with migrations pending.
import { openDatabase } from '../deps.ts';
import { migrate } from '../store/migrate.ts';
import { type Command, noArguments } from './run.ts';

export const migrateCommand: Command = async (cli, args) => {
  noArguments('db migrate', args);
  const connection = openDatabase(cli.config, cli.log);
  try {
    const applied = await migrate(connection.db);
    process.stdout.write(applied.length === 0 ? 'The database is up to date.\n' : `Applied ${applied.join(', ')}\n`);
    return 0;
  } finally {
    await connection.close();
  }
};
