// The checks every new password goes through, whichever flow sets it (SECURITY 47: the reset link applies
// exactly the rules of Settings).
import { checkPassword, normalisePassword, type Rule } from '../core/password-policy.ts';
import type { Deps } from '../deps.ts';

export type NewPasswordProblem =
  | { field: 'next'; reason: 'required' }
  | { field: 'next'; reason: 'policy'; unmet: Rule[] }
  | { field: 'confirm'; reason: 'required' | 'mismatch' };

export interface NewPasswordInput {
  next: string;
  confirm: string;
}

/** Returns the normalised password to hash, or every problem that can be seen without hashing. */
export function checkNewPassword(
  deps: Deps,
  user: { email: string; name: string },
  input: NewPasswordInput,
): { ok: true; password: string } | { ok: false; problems: NewPasswordProblem[] } {
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
  return problems.length > 0 ? { ok: false, problems } : { ok: true, password: normalisePassword(input.next) };
}
