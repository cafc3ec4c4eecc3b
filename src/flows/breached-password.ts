// "Choose a new password" (« Choisissez un nouveau mot de passe »): the one page open to a session whose
// password was found breached at sign-in (SECURITY 7, flows/sign-in.ts and flows/sessions.ts). The session
// has just proven the password, so only the new one is asked, under every rule of a change in Settings;
// once it is saved the session is whole, every other one ends, and the owner is told by email.
import type { ClientInfo } from '../core/client-address.ts';
import { normalisePassword } from '../core/password-policy.ts';
import type { Deps } from '../deps.ts';
import { findUserById } from '../store/users.ts';
import { applyPasswordChange, StaleCredentials } from './change-password.ts';
import {
  type NewPasswordInput,
  type NewPasswordProblem,
  newPasswordFormProblems,
  screenNewPassword,
} from './new-password.ts';
import type { SignedIn } from './sessions.ts';

/** Whether the account's password was found breached: its sign-ins go to Choose a new password first. */
export async function mustRenewPassword(deps: Deps, userId: string): Promise<boolean> {
  return ((await findUserById(deps.db, userId))?.password_breached_at ?? null) !== null;
}

export type RenewPasswordOutcome =
  /** `token`: the session's new id. */
  | { ok: true; token: string }
  | { ok: false; reason: 'invalid'; problems: Array<NewPasswordProblem | { field: 'next'; reason: 'same-as-current' }> }
  | { ok: false; reason: 'throttled'; retryAfterMs: number }
  /** The password changed meanwhile (a reset elsewhere): this session has ended with it. */
  | { ok: false; reason: 'stale' };

export async function renewBreachedPassword(
  deps: Deps,
  signedIn: SignedIn,
  input: NewPasswordInput,
  client: ClientInfo,
): Promise<RenewPasswordOutcome> {
  const { user } = signedIn;
  const problems = newPasswordFormProblems(deps, user, input);
  if (problems.length > 0) return { ok: false, reason: 'invalid', problems };
  const screened = await screenNewPassword(deps, user, normalisePassword(input.next));
  if (!screened.ok && 'throttled' in screened)
    return { ok: false, reason: 'throttled', retryAfterMs: screened.retryAfterMs };
  if (!screened.ok) return { ok: false, reason: 'invalid', problems: screened.problems };
  // SECURITY 8: not the breached one again, which a breach list that did not answer would let through.
  if (await deps.hasher.verify(user.password_hash, screened.password))
    return { ok: false, reason: 'invalid', problems: [{ field: 'next', reason: 'same-as-current' }] };
  const passwordHash = await deps.hasher.hash(screened.password);
  try {
    const { token } = await deps.db
      .transaction()
      .execute((tx) =>
        applyPasswordChange(tx, deps, signedIn, { verifiedHash: user.password_hash ?? '', passwordHash }, client),
      );
    deps.metrics.passwordChanges.inc({ via: 'breached' });
    deps.wakeOutbox();
    return { ok: true, token };
  } catch (error) {
    if (error instanceof StaleCredentials) return { ok: false, reason: 'stale' };
    throw error;
  }
}
