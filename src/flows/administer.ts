// What an administrator does from the command line (cli/users.ts): disable or enable an account, and end
// every session of one. SECURITY 40: disabling kills the account's sessions and links at once, and what the
// apps were given (SECURITY 75).
import { normaliseEmail } from '../core/email-address.ts';
import type { Deps } from '../deps.ts';
import { recordEvent } from '../store/events.ts';
import { deleteFactors } from '../store/factors.ts';
import { cancelPendingEmails } from '../store/outbox.ts';
import { deleteUnusedResetTokens } from '../store/reset-tokens.ts';
import { deleteSessionsOfUser } from '../store/sessions.ts';
import { findUserByEmail, setDisabled } from '../store/users.ts';
import { endAppAccess } from './app-access.ts';
import { announce } from './two-step.ts';

export type AdministerOutcome =
  | { ok: true; endedSessions: number }
  | { ok: false; reason: 'no-such-user' | 'unchanged' };

const operator = { address: 'cli', userAgent: 'admin command line' };

export async function disableUser(deps: Deps, email: string): Promise<AdministerOutcome> {
  const user = await findUserByEmail(deps.db, normaliseEmail(email));
  if (!user) return { ok: false, reason: 'no-such-user' };
  if (user.disabled_at !== null) return { ok: false, reason: 'unchanged' };
  const now = deps.clock.now();
  const endedSessions = await deps.db.transaction().execute(async (tx) => {
    await setDisabled(tx, user.id, now, now);
    await deleteUnusedResetTokens(tx, user.id);
    await cancelPendingEmails(tx, user.id, 'reset-email', now);
    await cancelPendingEmails(tx, user.id, 'invite-email', now);
    await recordEvent(tx, user.id, 'account-disabled', operator, now);
    await endAppAccess(tx, { accountId: user.id }, now);
    return deleteSessionsOfUser(tx, user.id);
  });
  deps.wakeOutbox();
  deps.log.info({ event: 'account-disabled', userId: user.id, endedSessions });
  return { ok: true, endedSessions };
}

export async function enableUser(deps: Deps, email: string): Promise<AdministerOutcome> {
  const user = await findUserByEmail(deps.db, normaliseEmail(email));
  if (!user) return { ok: false, reason: 'no-such-user' };
  if (user.disabled_at === null) return { ok: false, reason: 'unchanged' };
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (tx) => {
    await setDisabled(tx, user.id, null, now);
    await recordEvent(tx, user.id, 'account-enabled', operator, now);
  });
  deps.log.info({ event: 'account-enabled', userId: user.id });
  return { ok: true, endedSessions: 0 };
}

export async function revokeAllSessions(deps: Deps, email: string): Promise<AdministerOutcome> {
  const user = await findUserByEmail(deps.db, normaliseEmail(email));
  if (!user) return { ok: false, reason: 'no-such-user' };
  const now = deps.clock.now();
  const endedSessions = await deps.db.transaction().execute(async (tx) => {
    const ended = await deleteSessionsOfUser(tx, user.id);
    await endAppAccess(tx, { accountId: user.id }, now);
    await recordEvent(tx, user.id, 'sessions-revoked', operator, now);
    return ended;
  });
  deps.wakeOutbox();
  deps.log.info({ event: 'sessions-revoked', userId: user.id, endedSessions, by: 'cli' });
  return { ok: true, endedSessions };
}

/**
 * `users reset-2fa`: for a user who lost every factor and every recovery code. The factors go, every
 * session ends with what the apps were given, and the owner is told by email (SECURITY 85: no reset by email removes it).
 */
export async function resetTwoStep(deps: Deps, email: string): Promise<AdministerOutcome> {
  const user = await findUserByEmail(deps.db, normaliseEmail(email));
  if (!user) return { ok: false, reason: 'no-such-user' };
  const now = deps.clock.now();
  const endedSessions = await deps.db.transaction().execute(async (tx) => {
    if (!(await deleteFactors(tx, user.id))) return undefined;
    await endAppAccess(tx, { accountId: user.id }, now);
    await announce(tx, user, 'two-step-reset', operator, now);
    return deleteSessionsOfUser(tx, user.id);
  });
  if (endedSessions === undefined) return { ok: false, reason: 'unchanged' };
  await deps.throttles.secondFactor.forgetAccount(user.id);
  deps.wakeOutbox();
  deps.log.info({ event: 'two-step-reset', userId: user.id, endedSessions, by: 'cli' });
  return { ok: true, endedSessions };
}
