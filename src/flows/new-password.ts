// The checks every new password goes through, whichever flow sets it (SECURITY 47: the reset link applies
// exactly the rules of Settings), and the one way it is then stored.
import { checkPassword, normalisePassword, type Rule } from '../core/password-policy.ts';
import type { Deps } from '../deps.ts';
import type { Executor } from '../store/database.ts';
import { recentPasswordHashes, rememberPasswordHash } from '../store/password-history.ts';
import { setPasswordHash } from '../store/users.ts';
import { longest } from '../throttles.ts';

export type NewPasswordProblem =
  | { field: 'next'; reason: 'required' }
  | { field: 'next'; reason: 'policy'; unmet: Rule[] }
  /** SECURITY 7: found in the imported breach list or at BREACHED_PASSWORDS_URL. */
  | { field: 'next'; reason: 'breached' }
  /** PASSWORD_HISTORY: one of the account's last N passwords. */
  | { field: 'next'; reason: 'reused'; last: number }
  | { field: 'confirm'; reason: 'required' | 'mismatch' };

export interface NewPasswordInput {
  next: string;
  confirm: string;
}

export type CheckedNewPassword =
  | { ok: true; password: string }
  | { ok: false; problems: NewPasswordProblem[] }
  /** Too many old passwords verified for this account lately (PASSWORD_HISTORY's throttle). */
  | { ok: false; throttled: true; retryAfterMs: number };

/** The form's problems, seen without any lookup or hash: the policy, and the confirmation. */
export function newPasswordFormProblems(
  deps: Deps,
  user: { email: string; name: string },
  input: NewPasswordInput,
): NewPasswordProblem[] {
  const problems: NewPasswordProblem[] = [];
  if (input.next === '') problems.push({ field: 'next', reason: 'required' });
  else {
    const policy = checkPassword(input.next, {
      profile: deps.config.passwordPolicy,
      email: user.email,
      contextWords: [user.name, deps.config.appName],
      isCommon: deps.isCommonPassword,
    });
    if (!policy.ok) problems.push({ field: 'next', reason: 'policy', unmet: policy.unmet });
  }
  // SECURITY 9: the server compares the confirmation itself, after the same normalisation.
  if (input.confirm === '') problems.push({ field: 'confirm', reason: 'required' });
  else if (input.next !== '' && normalisePassword(input.confirm) !== normalisePassword(input.next)) {
    problems.push({ field: 'confirm', reason: 'mismatch' });
  }
  return problems;
}

/**
 * What a password the form accepts meets next, once whoever chooses it has proven who they are: the breach
 * lists (SECURITY 7), then the account's history (hashes). `user.id` absent: an account being created.
 */
export async function screenNewPassword(
  deps: Deps,
  user: { id?: string },
  password: string,
): Promise<CheckedNewPassword> {
  const breach = await deps.breachedPasswords.check(password);
  if (breach.answered && breach.breached) return { ok: false, problems: [{ field: 'next', reason: 'breached' }] };
  if (user.id !== undefined) {
    const reused = await reusesOldPassword(deps, user.id, password);
    if (typeof reused === 'number') return { ok: false, throttled: true, retryAfterMs: reused };
    if (reused)
      return { ok: false, problems: [{ field: 'next', reason: 'reused', last: deps.config.passwordHistory }] };
  }
  return { ok: true, password };
}

/** Both, for a flow with nothing to verify in between: the normalised password to hash, or its problems. */
export async function checkNewPassword(
  deps: Deps,
  user: { id?: string; email: string; name: string },
  input: NewPasswordInput,
): Promise<CheckedNewPassword> {
  const problems = newPasswordFormProblems(deps, user, input);
  if (problems.length > 0) return { ok: false, problems };
  return screenNewPassword(deps, user, normalisePassword(input.next));
}

/** True if one of the last PASSWORD_HISTORY passwords; a number: the wait its throttle imposes first. */
async function reusesOldPassword(deps: Deps, userId: string, password: string): Promise<boolean | number> {
  const last = deps.config.passwordHistory;
  if (last === 0) return false;
  for (const hash of await recentPasswordHashes(deps.db, userId, last)) {
    const wait = longest(await deps.throttles.passwordHistory.take({ account: userId }, deps.clock.now()));
    if (wait > 0) return wait;
    if (await deps.hasher.verify(hash, password)) return true;
  }
  return false;
}

/**
 * Inside the change's transaction: the new hash, and the one it replaces kept for PASSWORD_HISTORY (only
 * while the setting is on: no old hash is kept that nothing will check). The password was checked against
 * the breach lists when it was chosen: it is not known breached.
 */
export async function storeNewPassword(
  tx: Executor,
  deps: Deps,
  user: { id: string; password_hash: string | null },
  passwordHash: string,
  now: number,
): Promise<void> {
  const keep = deps.config.passwordHistory;
  if (keep > 0 && user.password_hash !== null) await rememberPasswordHash(tx, user.id, user.password_hash, now, keep);
  await setPasswordHash(tx, user.id, passwordHash, now);
}
