// Save on Settings → My Profile → Account Details (« Mon profil » → « Détails du compte »): the name, the
// language and, when "Change password" is ticked, the password, all in one transaction. A refusal of any
// part changes nothing at all.

import type { ClientInfo } from '../core/client-address.ts';
import { clientKey } from '../core/client-address.ts';
import type { Locale } from '../core/locale.ts';
import type { Deps } from '../deps.ts';
import { setLocale, updateProfile } from '../store/users.ts';
import {
  applyPasswordChange,
  type ChangePasswordProblem,
  type PasswordChange,
  preparePasswordChange,
  StaleCredentials,
} from './change-password.ts';
import type { SignedIn } from './sessions.ts';

export const MAX_NAME_LENGTH = 100;

export type NameProblem = 'required' | 'too-long' | 'line-break' | 'invisible';

export type AccountDetailsProblem = ChangePasswordProblem | { field: 'name'; reason: NameProblem };

export interface AccountDetailsInput {
  name: string;
  locale: Locale;
  /** Present when the "Change password" box is ticked. */
  password?: PasswordChange;
}

export type AccountDetailsOutcome =
  | { ok: true; passwordChanged: false }
  | { ok: true; passwordChanged: true; token: string }
  | { ok: false; reason: 'invalid'; problems: AccountDetailsProblem[] }
  | { ok: false; reason: 'throttled'; retryAfterMs: number };

export async function saveAccountDetails(
  deps: Deps,
  signedIn: SignedIn,
  input: AccountDetailsInput,
  client: ClientInfo,
): Promise<AccountDetailsOutcome> {
  const name = input.name.trim();
  const nameProblem = checkName(input.name);
  if (nameProblem && !input.password) return { ok: false, reason: 'invalid', problems: [nameProblem] };

  const prepared = input.password ? await preparePasswordChange(deps, signedIn, input.password, client) : undefined;
  if (prepared && !prepared.ok) {
    if (prepared.reason === 'throttled') return prepared;
    return {
      ok: false,
      reason: 'invalid',
      problems: nameProblem ? [nameProblem, ...prepared.problems] : prepared.problems,
    };
  }
  if (nameProblem) {
    // The current password was right all the same: its counters start afresh, as they would have on Save.
    if (prepared) await deps.throttles.signIn.succeed(signedIn.user.email, clientKey(client.address));
    return { ok: false, reason: 'invalid', problems: [nameProblem] };
  }

  let outcome: Extract<AccountDetailsOutcome, { ok: true }>;
  try {
    outcome = await deps.db.transaction().execute(async (tx) => {
      await updateProfile(tx, signedIn.user.id, { name, locale: input.locale }, deps.clock.now());
      if (!prepared) return { ok: true, passwordChanged: false } as const;
      const { token } = await applyPasswordChange(tx, deps, signedIn, prepared, client);
      return { ok: true, passwordChanged: true, token } as const;
    });
  } catch (error) {
    // The password changed since it was verified (a second Save, a reset): the typed one is no longer it.
    if (error instanceof StaleCredentials)
      return { ok: false, reason: 'invalid', problems: [{ field: 'current', reason: 'wrong' }] };
    throw error;
  }
  if (outcome.passwordChanged) {
    deps.metrics.passwordChanges.inc({ via: 'settings' });
    deps.wakeOutbox();
    // The change forgot every known device: guesses at the second factor by whoever had the old password
    // must not keep the owner waiting on all of them.
    await deps.throttles.secondFactor.forgetAccount(signedIn.user.id);
  }
  return outcome;
}

/**
 * The name is shown on pages and in the greeting of every email. A line or paragraph separator, or a
 * control character, would let it write lines of its own there ("Bonjour Eve<U+2028>Support: call…"); a
 * format character (zero-width spaces and joiners, direction marks and overrides, the byte-order mark) would
 * let it hide or reorder text. Both are refused, each with its own reason, wherever they stand: trimming
 * would quietly drop some of them (a leading byte-order mark, a trailing separator) rather than refuse them.
 * The name saved is the one typed without its surrounding spaces.
 */
export function checkName(typed: string): { field: 'name'; reason: NameProblem } | undefined {
  const name = typed.trim();
  if (name === '') return { field: 'name', reason: 'required' };
  if ([...name].length > MAX_NAME_LENGTH) return { field: 'name', reason: 'too-long' };
  if (/[\p{Cc}\p{Zl}\p{Zp}]/u.test(typed)) return { field: 'name', reason: 'line-break' };
  if (/\p{Cf}/u.test(typed)) return { field: 'name', reason: 'invisible' };
  return undefined;
}

/** The language switch of every page, for a signed-in user: only the language changes. */
export async function changeLanguage(deps: Deps, signedIn: SignedIn, locale: Locale): Promise<void> {
  await setLocale(deps.db, signedIn.user.id, locale, deps.clock.now());
}
