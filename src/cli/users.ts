// npm run cli -- users add|list|show|disable|enable|reset-2fa|send-reset|delete and sessions revoke. Passwords
// come from standard input only, never from argv, which other users of the machine can read in the process list.
import { parseArgs } from 'node:util';
import { isEmailAddress, normaliseEmail } from '../core/email-address.ts';
import { isLocale, type Locale } from '../core/locale.ts';
import type { Rule } from '../core/password-policy.ts';
import type { Deps } from '../deps.ts';
import { addUser } from '../flows/add-user.ts';
import {
  type AccountSummary,
  type AdministerOutcome,
  accountState,
  deleteAccount,
  describeAccount,
  disableUser,
  enableUser,
  resetTwoStep,
  revokeAllSessions,
  sendResetEmailToUser,
} from '../flows/administer.ts';
import { listUsers, type User } from '../store/users.ts';
import { type Command, UsageError, withDeps } from './run.ts';

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
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' } }, strict: true });
  return withDeps(cli, async (deps) => {
    const users = await listUsers(deps.db);
    for (const user of users) {
      const line = listed(user);
      process.stdout.write(values.json ? `${JSON.stringify(line)}\n` : `${Object.values(line).join('\t')}\n`);
    }
    if (users.length === 0) process.stderr.write('No users.\n');
    return 0;
  });
};

/** The fields of `users list`, in its columns' order. */
function listed(user: User) {
  return {
    email: user.email,
    name: user.name,
    locale: user.locale,
    state: accountState(user),
    created: iso(user.created_at),
  };
}

const iso = (at: number) => new Date(at).toISOString();

/** --email, required, and an address: anything else is a usage mistake, caught before the database is opened. */
function emailOption(name: string, email: string | undefined): string {
  if (!email) throw new UsageError(`${name} needs --email`);
  if (!isEmailAddress(normaliseEmail(email))) throw new UsageError(`--email must be an email address (got "${email}")`);
  return email;
}

const noSuchUser = (email: string) => `No user has the address ${email}.\n`;

export const showUserCommand: Command = async (cli, args) => {
  const { values } = parseArgs({
    args,
    options: { email: { type: 'string' }, json: { type: 'boolean' } },
    strict: true,
  });
  const email = emailOption('users show', values.email);
  return withDeps(cli, async (deps) => {
    const account = await describeAccount(deps, email);
    if (!account) {
      process.stderr.write(noSuchUser(email));
      return 1;
    }
    const shown = shownFields(account);
    if (values.json) {
      process.stdout.write(`${JSON.stringify(shown)}\n`);
      return 0;
    }
    const lines: [string, string][] = [
      ['id', shown.id],
      ['email', shown.email],
      ['name', shown.name],
      ['locale', shown.locale],
      ['state', shown.state],
      ['created', shown.created],
      ['email verified', shown.emailVerified ?? 'no'],
      ['two-step', twoStepText(account)],
      ['active sessions', String(shown.activeSessions)],
      ['connected apps', String(shown.connectedApps)],
      ['last sign-in', shown.lastSignIn ?? 'never'],
    ];
    const width = Math.max(...lines.map(([key]) => key.length)) + 1;
    for (const [key, value] of lines) process.stdout.write(`${`${key}:`.padEnd(width)} ${value}\n`);
    return 0;
  });
};

function shownFields(account: AccountSummary) {
  const { user } = account;
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    locale: user.locale,
    state: account.state,
    created: iso(user.created_at),
    emailVerified: user.email_verified_at === null ? null : iso(user.email_verified_at),
    twoStep: {
      authenticatorApp: account.authenticatorApp,
      passkeys: account.passkeys,
      recoveryCodesLeft: account.recoveryCodesLeft,
    },
    activeSessions: account.activeSessions,
    connectedApps: account.connectedApps,
    lastSignIn: account.lastSignIn === undefined ? null : iso(account.lastSignIn),
  };
}

/** "off", or what protects the account: "authenticator app, 2 passkeys; 8 recovery codes left". */
function twoStepText(account: AccountSummary): string {
  const factors = [
    ...(account.authenticatorApp ? ['authenticator app'] : []),
    ...(account.passkeys > 0 ? [`${account.passkeys} passkey${account.passkeys === 1 ? '' : 's'}`] : []),
  ];
  if (factors.length === 0) return 'off';
  return `${factors.join(', ')}; ${account.recoveryCodesLeft} recovery code${account.recoveryCodesLeft === 1 ? '' : 's'} left`;
}

export const sendResetCommand: Command = async (cli, args) => {
  const { values } = parseArgs({ args, options: { email: { type: 'string' } }, strict: true });
  const email = emailOption('users send-reset', values.email);
  return withDeps(cli, async (deps) => {
    const outcome = await sendResetEmailToUser(deps, email);
    if (!outcome.ok) {
      process.stderr.write(
        outcome.reason === 'no-such-user'
          ? noSuchUser(email)
          : `${email} is disabled: no reset email is sent to a disabled account (users enable first).\n`,
      );
      return 1;
    }
    process.stdout.write(`Queued a reset email to ${email}; the service sends it from its outbox\n`);
    return 0;
  });
};

export const deleteUserCommand: Command = async (cli, args) => {
  const { values } = parseArgs({
    args,
    options: { email: { type: 'string' }, yes: { type: 'boolean' } },
    strict: true,
  });
  const email = emailOption('users delete', values.email);
  return withDeps(cli, async (deps) => {
    if (!values.yes) {
      // What would go, read from the database; exit 2 all the same: the command was not complete.
      const account = await describeAccount(deps, email);
      if (!account) {
        process.stderr.write(noSuchUser(email));
        return 1;
      }
      process.stderr.write(`${erasurePreview(account)}\n`);
      return 2;
    }
    const outcome = await deleteAccount(deps, email);
    if (outcome.ok) {
      process.stdout.write(
        `Deleted ${email}; ${outcome.endedSessions} session(s) ended, ${outcome.keptEvents} security event(s) kept without personal data\n`,
      );
      return 0;
    }
    if (outcome.reason === 'no-such-user') process.stderr.write(noSuchUser(email));
    else {
      const owedBy = outcome.apps.length > 0 ? ` (${outcome.apps.join(', ')})` : '';
      process.stderr.write(
        `Refused: apps${owedBy} are owed a back-channel logout for ${email}${outcome.pending > 0 ? ` (${outcome.pending} not delivered yet)` : ''}, and deleting the account would drop it. Run "npm run cli -- users disable --email ${email}" first, then delete once the service has delivered them. Nothing was changed.\n`,
      );
    }
    return 1;
  });
};

function erasurePreview(account: AccountSummary): string {
  const { user } = account;
  return [
    `users delete would erase ${user.email} (${user.name}, ${user.id}) for good:`,
    `  the account, its name and address, ${account.activeSessions} active session(s) and any sign-in under way,`,
    `  what ${account.connectedApps} connected app(s) were given, its reset links, known devices,`,
    `  two-step verification (${twoStepText(account)}) and its queued and sent emails.`,
    `  Its ${account.events} security event(s) are kept, tied to no account and without client address or browser.`,
    'Add --yes to do it.',
  ].join('\n');
}

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
