// What an administrator does from the command line (cli/users.ts): disable or enable an account, end
// every session of one, send it the reset email, show it, and erase it. SECURITY 40: disabling kills the
// account's sessions and links at once, and what the apps were given (SECURITY 75).
import { normaliseEmail } from '../core/email-address.ts';
import { isSessionOver } from '../core/session-expiry.ts';
import { digest } from '../core/tokens.ts';
import type { Deps } from '../deps.ts';
import type { Executor } from '../store/database.ts';
import { forgetDevices } from '../store/devices.ts';
import {
  countEventsOfUser,
  detachEventsOfUser,
  lastEventAt,
  recordEvent,
  recordEventForAddress,
} from '../store/events.ts';
import { countUnusedRecoveryCodes, deleteFactors, findTotpFactor } from '../store/factors.ts';
import { findClientsByIds } from '../store/oauth-clients.ts';
import { deletePayloadsOfAccount, liveGrants } from '../store/oidc-payloads.ts';
import {
  cancelPendingEmails,
  countPendingLogoutNotices,
  deleteOutboxOfUser,
  enqueueEmailForAddress,
} from '../store/outbox.ts';
import { passkeysOfUser } from '../store/passkeys.ts';
import { deleteResetTokensOfUser, deleteUnusedResetTokens } from '../store/reset-tokens.ts';
import { deleteSessionsOfUser, sessionsOfUser } from '../store/sessions.ts';
import { deleteUser, findUserByEmail, lockUser, setDisabled, type User } from '../store/users.ts';
import { connectedApps, endAppAccess } from './app-access.ts';
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

export type SendResetOutcome = { ok: true } | { ok: false; reason: 'no-such-user' | 'disabled' };

/**
 * `users send-reset`: the email Forgot password sends, queued by the same two statements (the event and
 * the outbox row that find the active account by its address), so the worker mints and sends it alike.
 * The administrator is not throttled: the address cap is there against strangers flooding a mailbox.
 */
export async function sendResetEmailToUser(deps: Deps, email: string): Promise<SendResetOutcome> {
  const user = await findUserByEmail(deps.db, normaliseEmail(email));
  if (!user) return { ok: false, reason: 'no-such-user' };
  if (user.disabled_at !== null) return { ok: false, reason: 'disabled' };
  const now = deps.clock.now();
  const queued = await deps.db
    .transaction()
    .execute(async (tx) => {
      await recordEventForAddress(tx, user.email, 'reset-requested', operator, now);
      if (!(await enqueueEmailForAddress(tx, 'reset-email', user.email, { requestedAt: now }, now)))
        throw new Rollback();
      return true;
    })
    .catch((error: unknown) => {
      if (error instanceof Rollback) return false;
      throw error;
    });
  // Disabled or deleted since it was read: nothing was queued, nothing recorded.
  if (!queued) return { ok: false, reason: 'disabled' };
  deps.wakeOutbox();
  deps.log.info({ event: 'reset-requested', userId: user.id, by: 'cli' });
  return { ok: true };
}

class Rollback extends Error {}

/** `users show`: what an administrator needs to know about an account, and nothing secret. */
export interface AccountSummary {
  user: User;
  state: 'active' | 'invited' | 'disabled';
  authenticatorApp: boolean;
  passkeys: number;
  recoveryCodesLeft: number;
  activeSessions: number;
  connectedApps: number;
  lastSignIn: number | undefined;
  /** Security events tied to the account (`users delete` keeps them, without it). */
  events: number;
}

export function accountState(user: User): AccountSummary['state'] {
  return user.disabled_at !== null ? 'disabled' : user.password_hash === null ? 'invited' : 'active';
}

export async function describeAccount(deps: Deps, email: string): Promise<AccountSummary | undefined> {
  const user = await findUserByEmail(deps.db, normaliseEmail(email));
  if (!user) return undefined;
  const now = deps.clock.now();
  const timeouts = { idleMs: deps.config.sessionIdleTimeoutMs, absoluteMs: deps.config.sessionAbsoluteTimeoutMs };
  const sessions = (await sessionsOfUser(deps.db, user.id)).filter((s) => !isSessionOver(s, timeouts, now));
  return {
    user,
    state: accountState(user),
    authenticatorApp: (await findTotpFactor(deps.db, user.id)) !== undefined,
    passkeys: (await passkeysOfUser(deps.db, user.id)).length,
    recoveryCodesLeft: await countUnusedRecoveryCodes(deps.db, user.id),
    activeSessions: user.disabled_at === null ? sessions.length : 0,
    connectedApps: (await connectedApps(deps, user.id)).length,
    lastSignIn: await lastEventAt(deps.db, user.id, 'sign-in-succeeded'),
    events: await countEventsOfUser(deps.db, user.id),
  };
}

export type DeleteAccountOutcome =
  | { ok: true; endedSessions: number; keptEvents: number }
  | { ok: false; reason: 'no-such-user' }
  /** Apps are owed a back-channel logout: its outbox row needs the account, so the account waits for it. */
  | { ok: false; reason: 'logouts-owed'; apps: string[]; pending: number };

/**
 * `users delete --yes`: the account and all it holds go in one transaction (sessions, half-finished
 * sign-ins, what the apps were given, links, known devices, factors, queued and sent emails, the row);
 * its security events stay, tied to no account and stripped of the address and browser. Nothing recorded
 * or logged names the person.
 */
export async function deleteAccount(deps: Deps, email: string): Promise<DeleteAccountOutcome> {
  const found = await findUserByEmail(deps.db, normaliseEmail(email));
  if (!found) return { ok: false, reason: 'no-such-user' };
  const now = deps.clock.now();
  const outcome = await deps.db.transaction().execute(async (tx): Promise<DeleteAccountOutcome> => {
    const user = await lockUser(tx, found.id);
    if (!user) return { ok: false, reason: 'no-such-user' };
    // A back-channel logout is an outbox row tied to the account (its token's sub), which the row's
    // deletion would cascade away unsent: the apps would keep the person signed in. They are told first.
    const owed = await logoutsOwed(tx, user.id, now);
    if (owed.apps.length > 0 || owed.pending > 0) return { ok: false, reason: 'logouts-owed', ...owed };
    const endedSessions = await deleteSessionsOfUser(tx, user.id);
    await endAppAccess(tx, { accountId: user.id }, now);
    await deletePayloadsOfAccount(tx, user.id);
    await deleteResetTokensOfUser(tx, user.id);
    await forgetDevices(tx, user.id);
    await deleteFactors(tx, user.id);
    await deleteOutboxOfUser(tx, user.id);
    // Before the row: the events' foreign key cascades, and they are to be kept.
    const keptEvents = await detachEventsOfUser(tx, user.id);
    await deleteUser(tx, user.id);
    return { ok: true, endedSessions, keptEvents };
  });
  if (!outcome.ok) return outcome;
  // The counters are keyed by digests of the address and the id: a new account with the address starts afresh.
  await deps.throttles.signIn.forgetAccount(found.email);
  await deps.throttles.secondFactor.forgetAccount(found.id);
  await deps.throttles.resetEmail.clear({ address: digest(found.email) });
  deps.log.info({ event: 'account-deleted', endedSessions: outcome.endedSessions, by: 'cli' });
  return outcome;
}

/** The apps whose grants would queue a back-channel logout, and the logouts queued and not delivered yet. */
async function logoutsOwed(tx: Executor, userId: string, now: number) {
  const grants = await liveGrants(tx, { accountId: userId }, now);
  const clients = await findClientsByIds(tx, [...new Set(grants.map((grant) => grant.clientId))]);
  return {
    apps: clients.filter((client) => client.backchannel_logout_uri).map((client) => client.name),
    pending: await countPendingLogoutNotices(tx, userId),
  };
}
