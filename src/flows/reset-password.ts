// The link of the reset email (Reset Password / « Réinitialiser le mot de passe ») → New password, Confirm
// → Set Password (« Définir le mot de passe »). PRODUCT.md "Signed out", steps 3–4. The link of an
// invitation (an account added with `users add --invite`) goes through the same steps with its own tokens.
// SECURITY 36–39, 41–45 (the token: expiry, single use, atomic, newest only, never used by a GET, failing
// closed, rate-limited, one purpose, in order), 47 (the rules of Settings), 48 (every session ends),
// 49 (no silent sign-in), 50 (a "password changed" email), 51 (the brute-force state is cleared).

import type { ClientInfo } from '../core/client-address.ts';
import { clientKey } from '../core/client-address.ts';
import type { Locale } from '../core/locale.ts';
import { digest, isTokenShaped } from '../core/tokens.ts';
import type { Deps } from '../deps.ts';
import { forgetDevices } from '../store/devices.ts';
import { recordEvent } from '../store/events.ts';
import { cancelPendingEmails, enqueueEmail } from '../store/outbox.ts';
import {
  consumeResetToken,
  deleteUnusedResetTokens,
  findResetToken,
  type TokenPurpose,
  useCopiesOf,
} from '../store/reset-tokens.ts';
import { deleteSessionsOfUser } from '../store/sessions.ts';
import { adoptLocale, findUserById, markEmailVerified, type User } from '../store/users.ts';
import { longest } from '../throttles.ts';
import { endAppAccess } from './app-access.ts';
import { checkNewPassword, type NewPasswordProblem, storeNewPassword } from './new-password.ts';

export type { TokenPurpose };

export type LinkProblem = 'invalid' | 'expired' | 'used';

export type ResetLinkState = { ok: true; user: User; returnTo: string | null } | { ok: false; reason: LinkProblem };

/** Looks at a link without using it: opening it (mail scanners do) changes nothing (SECURITY 41). */
export async function openResetLink(
  deps: Deps,
  token: string | undefined,
  purpose: TokenPurpose = 'reset',
): Promise<ResetLinkState> {
  // SECURITY 42: anything that is not one of our tokens fails the same way, before any lookup.
  if (token === undefined || !isTokenShaped(token)) return { ok: false, reason: 'invalid' };
  const row = await findResetToken(deps.db, digest(token), purpose);
  if (!row) return { ok: false, reason: 'invalid' };
  if (row.used_at !== null) return { ok: false, reason: 'used' };
  if (row.expires_at <= deps.clock.now()) return { ok: false, reason: 'expired' };
  const user = await findUserById(deps.db, row.user_id);
  // SECURITY 40: a disabled account's links are dead.
  if (!user || user.disabled_at !== null) return { ok: false, reason: 'invalid' };
  return { ok: true, user, returnTo: row.return_to };
}

/**
 * Opening the link's page: the link's state, with SECURITY 43's throttle, so a client cannot probe tokens
 * through the page either. A link that does not work counts as a refused attempt.
 */
export async function viewResetLink(
  deps: Deps,
  input: { token: string | undefined; purpose: TokenPurpose; client: ClientInfo },
): Promise<ResetLinkState | { ok: false; reason: 'throttled'; retryAfterMs: number }> {
  const keys = { link: digest(input.token ?? ''), client: clientKey(input.client.address) };
  const wait = longest(await deps.throttles.setPassword.waits(keys, deps.clock.now()));
  if (wait > 0) return { ok: false, reason: 'throttled', retryAfterMs: wait };
  const link = await openResetLink(deps, input.token, input.purpose);
  if (!link.ok) await deps.throttles.setPassword.take(keys, deps.clock.now());
  return link;
}

export type SetPasswordProblem = NewPasswordProblem | { field: 'next'; reason: 'same-as-current' };

export type SetPasswordOutcome =
  /** returnTo: the app the reset was asked from, to be allow-listed again before it is followed. */
  | { ok: true; returnTo: string | null }
  | { ok: false; reason: 'link'; link: LinkProblem }
  | { ok: false; reason: 'invalid'; problems: SetPasswordProblem[] }
  | { ok: false; reason: 'throttled'; retryAfterMs: number };

export async function setPassword(
  deps: Deps,
  input: {
    token: string | undefined;
    purpose?: TokenPurpose;
    next: string;
    confirm: string;
    client: ClientInfo;
    /** The language of the page: an account whose language nobody chose (an invitation) takes it. */
    pageLocale?: Locale;
  },
): Promise<SetPasswordOutcome> {
  const keys = { link: digest(input.token ?? ''), client: clientKey(input.client.address) };
  const wait = longest(await deps.throttles.setPassword.waits(keys, deps.clock.now()));
  if (wait > 0) return { ok: false, reason: 'throttled', retryAfterMs: wait };
  const refuse = async <T extends SetPasswordOutcome>(outcome: T): Promise<T> => {
    await deps.throttles.setPassword.take(keys, deps.clock.now());
    deps.log.info({
      event: 'set-password',
      outcome: 'refused',
      reason: outcome.ok ? undefined : outcome.reason,
      client: input.client.address,
    });
    return outcome;
  };

  const purpose = input.purpose ?? 'reset';
  const link = await openResetLink(deps, input.token, purpose);
  if (!link.ok) return refuse({ ok: false, reason: 'link', link: link.reason });
  const { user } = link;
  const checked = await checkNewPassword(deps, user, input);
  if (!checked.ok && 'throttled' in checked)
    return { ok: false, reason: 'throttled', retryAfterMs: checked.retryAfterMs };
  if (!checked.ok) return refuse({ ok: false, reason: 'invalid', problems: checked.problems });
  // SECURITY 8: the one place a new password costs an extra hash, since no current password was typed.
  if (await deps.hasher.verify(user.password_hash, checked.password)) {
    return refuse({ ok: false, reason: 'invalid', problems: [{ field: 'next', reason: 'same-as-current' }] });
  }
  const passwordHash = await deps.hasher.hash(checked.password);

  const now = deps.clock.now();
  const consumed = await deps.db.transaction().execute(async (tx) => {
    // SECURITY 38: of twenty concurrent submissions of one link, only one gets past this line.
    if (!(await consumeResetToken(tx, keys.link, purpose, now))) return false;
    await useCopiesOf(tx, keys.link, now);
    await storeNewPassword(tx, deps, user, passwordHash, now);
    await markEmailVerified(tx, user.id, now);
    if (input.pageLocale) await adoptLocale(tx, user.id, input.pageLocale, now);
    await forgetDevices(tx, user.id);
    const endedSessions = await deleteSessionsOfUser(tx, user.id);
    await endAppAccess(tx, { accountId: user.id }, now);
    await deleteUnusedResetTokens(tx, user.id);
    await cancelPendingEmails(tx, user.id, 'reset-email', now);
    await cancelPendingEmails(tx, user.id, 'invite-email', now);
    await enqueueEmail(tx, 'password-changed', user.id, { changedAt: now, via: purpose }, now);
    await recordEvent(tx, user.id, purpose === 'invite' ? 'invitation-accepted' : 'reset-completed', input.client, now);
    deps.log.info({ event: 'reset-completed', userId: user.id, endedSessions });
    return true;
  });
  if (!consumed) return refuse({ ok: false, reason: 'link', link: 'used' });
  deps.metrics.resetsCompleted.inc();
  deps.metrics.passwordChanges.inc({ via: purpose });
  deps.wakeOutbox();
  await deps.throttles.signIn.forgetAccount(user.email);
  // The second step's counters too: whoever had the old password may have spent them (SECURITY 51).
  await deps.throttles.secondFactor.forgetAccount(user.id);
  await deps.throttles.setPassword.clear({ link: keys.link });
  return { ok: true, returnTo: link.returnTo };
}
