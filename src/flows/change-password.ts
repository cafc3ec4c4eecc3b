// Change password while signed in: gear icon → Settings → My Profile → Account Details → tick
// "Change password" (« Modifier le mot de passe ») → Current password, New password, Confirm new password
// → Save (« Enregistrer »). PRODUCT.md "Signed in", steps 1–3.
// SECURITY 53 (current password required and checked), 54 (guesses share the sign-in throttle), 8 (differs
// from the current one), 1–9 via checkNewPassword, 56 (this session survives under a new id, every other
// one ends), 57 (only the session's own account).

import type { ClientInfo } from '../core/client-address.ts';
import { clientKey } from '../core/client-address.ts';
import { normalisePassword } from '../core/password-policy.ts';
import type { Deps } from '../deps.ts';
import { asyncCommit } from '../store/connect.ts';
import type { Executor } from '../store/database.ts';
import { forgetDevices } from '../store/devices.ts';
import { recordEvent } from '../store/events.ts';
import { cancelPendingEmails, enqueueEmail } from '../store/outbox.ts';
import { deleteUnusedResetTokens } from '../store/reset-tokens.ts';
import { deleteSessionsOfUser } from '../store/sessions.ts';
import { lockUser } from '../store/users.ts';
import { endAppAccess } from './app-access.ts';
import {
  type NewPasswordProblem,
  newPasswordFormProblems,
  screenNewPassword,
  storeNewPassword,
} from './new-password.ts';
import { renewSessionId, type SignedIn } from './sessions.ts';
import { recentlyProven, secondFactorOwed } from './two-step.ts';

export interface PasswordChange {
  current: string;
  next: string;
  confirm: string;
}

export type ChangePasswordProblem =
  | NewPasswordProblem
  /** 'step-up': the account has a second factor, not proven in this session in the last ten minutes. */
  | { field: 'current'; reason: 'required' | 'wrong' | 'step-up' }
  | { field: 'next'; reason: 'same-as-current' };

export type PreparedPasswordChange =
  /** `verifiedHash`: the hash the current password was checked against; the change applies only over it. */
  | { ok: true; verifiedHash: string; passwordHash: string }
  | { ok: false; reason: 'invalid'; problems: ChangePasswordProblem[] }
  | { ok: false; reason: 'throttled'; retryAfterMs: number };

/**
 * Everything that can refuse the change, in order of cost: the form, the policy, the throttle, then one
 * hash to verify the current password and one to hash the new. Nothing is written except the attempt's count.
 */
export async function preparePasswordChange(
  deps: Deps,
  signedIn: SignedIn,
  change: PasswordChange,
  client: ClientInfo,
): Promise<PreparedPasswordChange> {
  const { user } = signedIn;
  const problems: ChangePasswordProblem[] = newPasswordFormProblems(deps, user, change);
  if (change.current === '') problems.unshift({ field: 'current', reason: 'required' });
  else if (problems.length === 0 && normalisePassword(change.next) === normalisePassword(change.current)) {
    problems.push({ field: 'next', reason: 'same-as-current' });
  }
  if (problems.length > 0) return { ok: false, reason: 'invalid', problems };
  // SECURITY 89: with a second factor, the password alone does not change the password.
  if (secondFactorOwed(deps, user) && !recentlyProven(deps, signedIn.session))
    return { ok: false, reason: 'invalid', problems: [{ field: 'current', reason: 'step-up' }] };

  const account = user.email;
  const client_ = clientKey(client.address);
  const wait = await asyncCommit(deps.db, (tx) =>
    deps.throttles.signIn.attempt(account, client_, deps.clock.now(), { db: tx }),
  );
  if (wait > 0) return { ok: false, reason: 'throttled', retryAfterMs: wait };
  // Verify before hashing the new password: a wrong guess costs one hash, not two.
  if (!(await deps.hasher.verify(user.password_hash, normalisePassword(change.current)))) {
    await asyncCommit(deps.db, (tx) => deps.throttles.signIn.fail(client_, deps.clock.now(), tx));
    deps.log.info({ event: 'change-password', outcome: 'wrong-current-password', userId: user.id });
    return { ok: false, reason: 'invalid', problems: [{ field: 'current', reason: 'wrong' }] };
  }
  // Only now, for whoever knows the password: the breach lists and the history (SECURITY 7).
  const screened = await screenNewPassword(deps, user, normalisePassword(change.next));
  if (!screened.ok && 'throttled' in screened)
    return { ok: false, reason: 'throttled', retryAfterMs: screened.retryAfterMs };
  if (!screened.ok) return { ok: false, reason: 'invalid', problems: screened.problems };
  // The account's counters are cleared when the change is applied, in its transaction (one commit fewer).
  return { ok: true, verifiedHash: user.password_hash ?? '', passwordHash: await deps.hasher.hash(screened.password) };
}

/** The password changed between its verification and the write (another tab, a reset): nothing is applied. */
export class StaleCredentials extends Error {
  constructor() {
    super('the password changed while this change was being prepared');
  }
}

/**
 * Inside the caller's transaction: the new hash, every other session ended, this one renamed, and the
 * account's throttle counters cleared (the current password was right).
 */
export async function applyPasswordChange(
  tx: Executor,
  deps: Deps,
  signedIn: SignedIn,
  prepared: { verifiedHash: string; passwordHash: string },
  client: ClientInfo,
): Promise<{ token: string; endedSessions: number }> {
  const now = deps.clock.now();
  const current = await lockUser(tx, signedIn.user.id);
  if (current?.password_hash !== prepared.verifiedHash) throw new StaleCredentials();
  await deps.throttles.signIn.succeed(signedIn.user.email, clientKey(client.address), tx);
  await recordEvent(tx, signedIn.user.id, 'password-changed', client, now);
  await storeNewPassword(tx, deps, current, prepared.passwordHash, now);
  await forgetDevices(tx, signedIn.user.id);
  const endedSessions = await deleteSessionsOfUser(tx, signedIn.user.id, signedIn.session.id_hash);
  await endAppAccess(tx, { accountId: signedIn.user.id, exceptSession: signedIn.session.id_hash }, now);
  const token = await renewSessionId(tx, now, signedIn.session);
  if (token === undefined) throw new StaleCredentials();
  // SECURITY 39: any password change kills outstanding reset links, sent or still queued.
  await deleteUnusedResetTokens(tx, signedIn.user.id);
  await cancelPendingEmails(tx, signedIn.user.id, 'reset-email', now);
  // SECURITY 50, 56: the owner hears of it, in case it was not them.
  await enqueueEmail(tx, 'password-changed', signedIn.user.id, { changedAt: now, via: 'settings' }, now);
  deps.log.info({ event: 'change-password', outcome: 'succeeded', userId: signedIn.user.id, endedSessions });
  return { token, endedSessions };
}
