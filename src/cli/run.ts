// What every admin command shares: the configuration and log it runs with, the two ways it stops short,
// and the Deps it works on.
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { createDeps, type Deps, openDatabase } from '../deps.ts';
import { pendingMigrations } from '../store/migrate.ts';

/** What main.ts hands to each command: the parsed configuration and a log that writes errors only. */
export interface Cli {
  config: Config;
  log: Logger;
}

/** One command: its arguments after the group and command words → the exit code. */
export type Command = (cli: Cli, args: string[]) => Promise<number>;

/** Wrong usage: main.ts prints the message and the usage, and exits with 2. */
export class UsageError extends Error {}

/** A refusal the command states as it is: main.ts prints the message and exits with 1. */
export class Refused extends Error {}

/**
 * The Deps of one command, on a database that has every migration this build knows. Only `db migrate`
 * changes a schema: a command run ahead of a deploy must not upgrade a production database as a side effect.
 */
export async function withDeps<T>(cli: Cli, work: (deps: Deps) => Promise<T>): Promise<T> {
  const connection = openDatabase(cli.config, cli.log);
  let pending: string[];
  try {
    pending = await pendingMigrations(connection.db);
  } catch (error) {
    await connection.close();
    throw error;
  }
  if (pending.length > 0) {
    await connection.close();
    const which = pending.length === 1 ? pending[0] : `${pending[0]} … ${pending.at(-1)}`;
    throw new Refused(
      `The database is not up to date: ${pending.length} migration(s) pending (${which}). Run "npm run cli -- db migrate" first; the service also applies them when it starts.`,
    );
  }
  const { deps, close } = await createDeps(cli.config, { log: cli.log, connection });
  try {
    return await work(deps);
  } finally {
    await close();
  }
}

/** Refuses any argument, for the commands that take none. */
export function noArguments(name: string, args: string[]): void {
  if (args.length > 0) throw new UsageError(`${name} takes no arguments (got "${args.join(' ')}")`);
}
