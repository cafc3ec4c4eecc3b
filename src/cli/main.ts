// The admin command line: npm run cli -- <group> <command>. This file reads the configuration, finds the
// command and turns how it ended into an exit code; each group of commands is a file of its own.
import '../node-version.ts';
import { parseConfig } from '../config.ts';
import { createLogger } from '../deps.ts';
import {
  addClientCommand,
  listClientsCommand,
  removeClientCommand,
  rotateKeysCommand,
  rotateSecretCommand,
} from './apps.ts';
import { importBreachedCommand } from './breached.ts';
import { migrateCommand } from './db.ts';
import { exportEventsCommand } from './events.ts';
import { type Command, Refused, UsageError } from './run.ts';
import {
  addUserCommand,
  deleteUserCommand,
  disableUserCommand,
  enableUserCommand,
  listUsersCommand,
  resetTwoStepCommand,
  revokeSessionsCommand,
  sendResetCommand,
  showUserCommand,
} from './users.ts';

const usage = `Usage:
  npm run cli -- users add --email EMAIL --name "NAME" [--locale en|fr] --password-stdin
  npm run cli -- users add --email EMAIL --name "NAME" [--locale en|fr] --invite
  npm run cli -- users list [--json]
  npm run cli -- users show --email EMAIL [--json]
  npm run cli -- users disable --email EMAIL
  npm run cli -- users enable --email EMAIL
  npm run cli -- users reset-2fa --email EMAIL
  npm run cli -- users send-reset --email EMAIL
  npm run cli -- users delete --email EMAIL --yes
  npm run cli -- sessions revoke --email EMAIL
  npm run cli -- events export [--since DATE] [--user EMAIL]
  npm run cli -- clients add --name "NAME" --redirect-uri URI [--redirect-uri URI …]
                 [--post-logout-redirect-uri URI …] [--backchannel-logout-uri URI] [--public] [--first-party]
  npm run cli -- clients list
  npm run cli -- clients remove --client-id ID
  npm run cli -- clients rotate-secret --client-id ID
  npm run cli -- keys rotate
  npm run cli -- breached import FILE
  npm run cli -- db migrate
`;

const commands = new Map<string, Command>([
  ['users add', addUserCommand],
  ['users list', listUsersCommand],
  ['users show', showUserCommand],
  ['users disable', disableUserCommand],
  ['users enable', enableUserCommand],
  ['users reset-2fa', resetTwoStepCommand],
  ['users send-reset', sendResetCommand],
  ['users delete', deleteUserCommand],
  ['sessions revoke', revokeSessionsCommand],
  ['events export', exportEventsCommand],
  ['clients add', addClientCommand],
  ['clients list', listClientsCommand],
  ['clients remove', removeClientCommand],
  ['clients rotate-secret', rotateSecretCommand],
  ['keys rotate', rotateKeysCommand],
  ['breached import', importBreachedCommand],
  ['db migrate', migrateCommand],
]);

async function main(argv: string[]): Promise<number> {
  const [group, command, ...rest] = argv;
  const parsed = parseConfig(process.env);
  if (!parsed.ok) {
    for (const problem of parsed.problems) process.stderr.write(`${problem}\n`);
    return 2;
  }
  // The CLI's own output is its messages; the service's log lines would only get in the way.
  const log = createLogger({ ...parsed.config, logLevel: 'error' }, process.stderr);
  const run = commands.get(`${group} ${command}`);
  if (!run) {
    throw new UsageError(
      group === undefined ? 'no command given' : `unknown command "${[group, command].filter(Boolean).join(' ')}"`,
    );
  }
  return run({ config: parsed.config, log }, rest);
}

/**
 * Exit codes: 0 done, 1 refused (duplicate, weak password, unknown address, a database not up to date), 2 wrong
 * usage or configuration (and `users delete` without --yes). A refusal or a usage mistake changes nothing.
 */
main(process.argv.slice(2)).then(
  // process.exit drops what stdout has not written yet to a pipe (events export | …): the empty write's
  // callback runs once everything before it is out.
  (code) => process.stdout.write('', () => process.exit(code)),
  (error: unknown) => {
    if (error instanceof Refused) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${(error as Error).message}\n\n${usage}`);
      process.exit(2);
    }
    process.stderr.write(`Failed: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
