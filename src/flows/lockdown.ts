// "This wasn't me" (« Ce n'était pas moi »): the link of the security emails (password changed, new sign-in).
// Opening it changes nothing (mail scanners open links); confirming it on its page locks the account down:
// every session and app grant ends, the password stops working, every other link dies, and a fresh reset
// email goes to the account's address. A second factor is kept: whoever changed the password does not
// have it. SECURITY 50 (the "not you?" path), 39 (the links die), 41 (no effect on GET), 43 (throttled).
import type { ClientInfo } from '../core/client-address.ts';
import { clientKey } from '../core/client-address.ts';
import { digest, isTokenShaped } from '../core/tokens.ts';
import type { Deps } from '../deps.ts';
import { forgetDevices } from '../store/devices.ts';
import { recordEvent } from '../store/events.ts';
import { consumeLockdownToken, deleteUnusedLockdownTokens, findLockdownToken } from '../store/lockdown-tokens.ts';
import { cancelPendingEmails, enqueueEmail } from '../store/outbox.ts';
import { deleteUnusedResetTokens } from '../store/reset-tokens.ts';
import { deleteSessionsOfUser } from '../store/sessions.ts';
import {
  clearPassword,
  findUserByEmail,
  findUserById,
  lockUser,
  markEmailVerified,
  setEmail,
  type User,
} from '../store/users.ts';
import { longest } from '../throttles.ts';
import { endAppAccess } from './app-access.ts';

export type LockdownLink =
  /** `restores`: the address the link was mailed to, when the account has another one now. */
  | { ok: true; user: User; restores: string | undefined }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'throttled'; retryAfterMs: number };

/** The link's state, without using it. Every link that does not work looks the same, and counts as a probe. */
export async function viewLockdownLink(
  deps: Deps,
  input: { token: string | undefined; client: ClientInfo },
): Promise<LockdownLink> {
  const keys = throttleKeys(input);
  const wait = longest(await deps.throttles.setPassword.waits(keys, deps.clock.now()));
  if (wait > 0) return { ok: false, reason: 'throttled', retryAfterMs: wait };
  const link = await openLink(deps, input.token);
  if (!link.ok) await deps.throttles.setPassword.take(keys, deps.clock.now());
  return link;
}

export type LockdownOutcome =
  /** `email`: where the reset email goes. */
  | { ok: true; email: string }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'throttled'; retryAfterMs: number };

export async function lockDown(
  deps: Deps,
  input: { token: string | undefined; client: ClientInfo },
): Promise<LockdownOutcome> {
  const link = await viewLockdownLink(deps, input);
  if (!link.ok) return link;
  const tokenHash = digest(input.token ?? '');
  const now = deps.clock.now();
  const user = link.user;
  const email = await deps.db.transaction().execute(async (tx) => {
    // Of two confirmations at once, one locks the account down; the other finds the link used.
    if (!(await consumeLockdownToken(tx, tokenHash, now))) return undefined;
    const current = await lockUser(tx, user.id);
    if (!current || current.disabled_at !== null) return undefined;
    // An address changed behind the owner's back comes back, unless another account has taken it since.
    let address = current.email;
    if (link.restores !== undefined && !(await findUserByEmail(tx, link.restores))) {
      await setEmail(tx, user.id, link.restores, now);
      address = link.restores;
    }
    await clearPassword(tx, user.id, now);
    // The link came by email to this address: it is the owner's.
    await markEmailVerified(tx, user.id, now);
    await forgetDevices(tx, user.id);
    await deleteSessionsOfUser(tx, user.id);
    await endAppAccess(tx, { accountId: user.id }, now);
    await deleteUnusedResetTokens(tx, user.id);
    await deleteUnusedLockdownTokens(tx, user.id);
    await cancelPendingEmails(tx, user.id, 'reset-email', now);
    await cancelPendingEmails(tx, user.id, 'invite-email', now);
    await recordEvent(tx, user.id, 'account-locked-down', input.client, now);
    await enqueueEmail(tx, 'reset-email', user.id, { requestedAt: now }, now);
    return address;
  });
  if (email === undefined) {
    await deps.throttles.setPassword.take(throttleKeys(input), deps.clock.now());
    return { ok: false, reason: 'invalid' };
  }
  deps.wakeOutbox();
  deps.metrics.lockdowns.inc();
  // Whoever had the password may have spent the account's counters; the owner starts afresh.
  await deps.throttles.signIn.forgetAccount(user.email);
  if (email !== user.email) await deps.throttles.signIn.forgetAccount(email);
  await deps.throttles.secondFactor.forgetAccount(user.id);
  deps.log.warn({ event: 'account-locked-down', userId: user.id, client: input.client.address });
  return { ok: true, email };
}

async function openLink(deps: Deps, token: string | undefined): Promise<LockdownLink> {
  if (token === undefined || !isTokenShaped(token)) return { ok: false, reason: 'invalid' };
  const row = await findLockdownToken(deps.db, digest(token));
  if (!row || row.used_at !== null || row.expires_at <= deps.clock.now()) return { ok: false, reason: 'invalid' };
  const user = await findUserById(deps.db, row.user_id);
  if (!user || user.disabled_at !== null) return { ok: false, reason: 'invalid' };
  return { ok: true, user, restores: row.sent_to === user.email ? undefined : row.sent_to };
}

const throttleKeys = (input: { token: string | undefined; client: ClientInfo }) => ({
  link: digest(input.token ?? ''),
  client: clientKey(input.client.address),
});
