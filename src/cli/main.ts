// The admin command line: npm run cli -- <command>. Passwords come from standard input only, never from
// argv, which other users of the machine can read in the process list.
import '../node-version.ts';
import { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { parseConfig } from '../config.ts';
import { isLocale, type Locale } from '../core/locale.ts';
import type { Rule } from '../core/password-policy.ts';
import { createDeps, createLogger, type Deps, openDatabase } from '../deps.ts';
import { addUser } from '../flows/add-user.ts';
import { disableUser, enableUser, revokeAllSessions } from '../flows/administer.ts';
import { migrate, pendingMigrations } from '../store/migrate.ts';
import { listUsers } from '../store/users.ts';

const usage = `Usage:
  npm run cli -- users add --email EMAIL --name "NAME" [--locale en|fr] --password-stdin
  npm run cli -- users add --email EMAIL --name "NAME" [--locale en|fr] --invite
  npm run cli -- users list
  npm run cli -- users disable --email EMAIL
  npm run cli -- users enable --email EMAIL
  npm run cli -- sessions revoke --email EMAIL
  npm run cli -- db migrate
`;

/** Exit codes: 0 done, 1 refused (duplicate, weak password, a database not up to date), 2 wrong usage or configuration. */
class UsageError extends Error {}

class Refused extends Error {}

/**
 * The Deps of one command, on a database that has every migration this build knows. Only `db migrate`
 * changes a schema: a command run ahead of a deploy must not upgrade a production database as a side effect.
 */
async function withDeps<T>(config: Config, log: Logger, work: (deps: Deps) => Promise<T>): Promise<T> {
  const connection = openDatabase(config, log);
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
  const { deps, close } = await createDeps(config, { log, connection });
  try {
    return await work(deps);
  } finally {
    await close();
  }
}

async function main(argv: string[]): Promise<number> {
  const [group, command, ...rest] = argv;
  const parsed = parseConfig(process.env);
  if (!parsed.ok) {
    for (const problem of parsed.problems) process.stderr.write(`${problem}\n`);
    return 2;
  }
  // The CLI's own output is its messages; the service's log lines would only get in the way.
  const log = createLogger({ ...parsed.config, logLevel: 'error' }, process.stderr);

  if (group === 'users' && command === 'add') {
    const { values } = parseArgs({
      args: rest,
      options: {
        email: { type: 'string' },
        name: { type: 'string' },
        locale: { type: 'string' },
        'password-stdin': { type: 'boolean' },
        invite: { type: 'boolean' },
      },
      strict: true,
    });
    if (!values.email || !values.name) throw new UsageError('users add needs --email and --name');
    // Without --locale the account takes the language of its first use (DEFAULT_LOCALE until then).
    if (values.locale !== undefined && !isLocale(values.locale))
      throw new UsageError(`--locale must be en or fr (got "${values.locale}")`);
    if (values['password-stdin'] === values.invite) {
      throw new UsageError(
        'users add needs either --password-stdin (the password on standard input) or --invite (an email to choose one)',
      );
    }
    const input = { email: values.email, name: values.name, locale: values.locale as Locale | undefined };
    const password = values.invite ? undefined : await readPassword();
    return withDeps(parsed.config, log, async (deps) => {
      const added = await addUser(deps, { ...input, password });
      if (added.ok) {
        process.stdout.write(
          values.invite
            ? `Invited ${added.user.email} (${added.user.id}); the service sends the invitation from its outbox\n`
            : `Added ${added.user.email} (${added.user.id})\n`,
        );
        return 0;
      }
      process.stderr.write(`${refusal(added)}\n`);
      return 1;
    });
  }

  if (group === 'users' && command === 'list') {
    if (rest.length > 0) throw new UsageError(`users list takes no arguments (got "${rest.join(' ')}")`);
    return withDeps(parsed.config, log, async (deps) => {
      const users = await listUsers(deps.db);
      for (const user of users) {
        const state = user.disabled_at !== null ? 'disabled' : user.password_hash === null ? 'invited' : 'active';
        process.stdout.write(
          `${user.email}\t${user.name}\t${user.locale}\t${state}\t${new Date(user.created_at).toISOString()}\n`,
        );
      }
      if (users.length === 0) process.stderr.write('No users.\n');
      return 0;
    });
  }

  if (
    (group === 'users' && (command === 'disable' || command === 'enable')) ||
    (group === 'sessions' && command === 'revoke')
  ) {
    const { values } = parseArgs({ args: rest, options: { email: { type: 'string' } }, strict: true });
    const email = values.email;
    if (!email) throw new UsageError(`${group} ${command} needs --email`);
    const action = command === 'disable' ? disableUser : command === 'enable' ? enableUser : revokeAllSessions;
    return withDeps(parsed.config, log, async (deps) => {
      const outcome = await action(deps, email);
      if (!outcome.ok) {
        process.stderr.write(
          outcome.reason === 'no-such-user'
            ? `No user has the address ${email}.\n`
            : `${email} is already ${command}d.\n`,
        );
        return 1;
      }
      const done = { disable: 'Disabled', enable: 'Enabled', revoke: 'Signed out' }[command];
      process.stdout.write(
        `${done} ${email}${outcome.endedSessions > 0 ? `; ${outcome.endedSessions} session(s) ended` : ''}\n`,
      );
      return 0;
    });
  }

  if (group === 'db' && command === 'migrate') {
    if (rest.length > 0) throw new UsageError(`db migrate takes no arguments (got "${rest.join(' ')}")`);
    const connection = openDatabase(parsed.config, log);
    try {
      const applied = await migrate(connection.db);
      process.stdout.write(applied.length === 0 ? 'The database is up to date.\n' : `Applied ${applied.join(', ')}\n`);
      return 0;
    } finally {
      await connection.close();
    }
  }

  throw new UsageError(
    group === undefined ? 'no command given' : `unknown command "${[group, command].filter(Boolean).join(' ')}"`,
  );
}

function refusal(outcome: Exclude<Awaited<ReturnType<typeof addUser>>, { ok: true }>): string {
  switch (outcome.reason) {
    case 'invalid-email':
      return 'Refused: that is not a valid email address.';
    case 'invalid-name':
      return 'Refused: the name must be 1 to 100 characters on one line, without control or invisible formatting characters.';
    case 'duplicate-email':
      return 'Refused: a user with that email address already exists.';
    case 'password': {
      const unmet = outcome.problems.flatMap((problem) => (problem.reason === 'policy' ? problem.unmet : []));
      if (unmet.length === 0) return 'Refused: the password is empty.';
      return `Refused: the password must ${unmet.map((rule) => ruleText[rule]).join('; ')}.`;
    }
  }
}

// The admin's terminal is in English; users read the same rules in their language on the web pages.
const ruleText: Record<Rule, string> = {
  'min-length': 'be long enough (9 characters, or 15 with PASSWORD_POLICY=nist)',
  'max-length': 'be at most 256 characters',
  'mixed-case': 'use upper and lower case letters',
  number: 'include a number',
  special: 'use a special character',
  'not-email': 'not contain the email address',
  'not-context': 'not contain the name or the name of the service',
  'not-common': 'not be a commonly used password',
};

/** The whole of standard input, less the one line ending that `echo` or a typed Enter adds. */
async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('Password (input is not hidden; prefer a pipe): ');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
    if (process.stdin.isTTY && chunk.includes(10)) break;
  }
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
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
