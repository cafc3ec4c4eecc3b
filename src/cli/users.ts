// npm run cli -- users add|list|disable|enable and sessions revoke. Passwords come from standard input only,
// never from argv, which other users of the machine can read in the process list.
import { parseArgs } from 'node:util';
import { isLocale, type Locale } from '../core/locale.ts';
import type { Rule } from '../core/password-policy.ts';
import type { Deps } from '../deps.ts';
import { addUser } from '../flows/add-user.ts';
import {
  type AdministerOutcome,
  disableUser,
  enableUser,
  resetTwoStep,
  revokeAllSessions,
} from '../flows/administer.ts';
import { listUsers } from '../store/users.ts';
import { type Command, noArguments, UsageError, withDeps } from './run.ts';

export const addUserCommand: Command = async (cli, args) => {
  const { values } = parseArgs({
    args,
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
  return withDeps(cli, async (deps) => {
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
};

export const listUsersCommand: Command = async (cli, args) => {
  noArguments('users list', args);
  return withDeps(cli, async (deps) => {
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
};

/** users disable, users enable and sessions revoke: one account by its address, and what it changed. */
function administer(
  name: string,
  action: (deps: Deps, email: string) => Promise<AdministerOutcome>,
  done: string,
  state: string,
): Command {
  const unchanged = (email: string) =>
    state === '' ? `${email} has no two-step verification to reset.\n` : `${email} is already ${state}.\n`;
  return async (cli, args) => {
    const { values } = parseArgs({ args, options: { email: { type: 'string' } }, strict: true });
    const email = values.email;
    if (!email) throw new UsageError(`${name} needs --email`);
    return withDeps(cli, async (deps) => {
      const outcome = await action(deps, email);
      if (!outcome.ok) {
        process.stderr.write(
          outcome.reason === 'no-such-user' ? `No user has the address ${email}.\n` : unchanged(email),
        );
        return 1;
      }
      process.stdout.write(
        `${done} ${email}${outcome.endedSessions > 0 ? `; ${outcome.endedSessions} session(s) ended` : ''}\n`,
      );
      return 0;
    });
  };
}

export const disableUserCommand = administer('users disable', disableUser, 'Disabled', 'disabled');
export const enableUserCommand = administer('users enable', enableUser, 'Enabled', 'enabled');
export const revokeSessionsCommand = administer('sessions revoke', revokeAllSessions, 'Signed out', 'revoked');
export const resetTwoStepCommand = administer(
  'users reset-2fa',
  resetTwoStep,
  'Removed the two-step verification of',
  '',
);

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
