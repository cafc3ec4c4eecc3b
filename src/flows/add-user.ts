// Adding an account (admin CLI and the development demo account). The same policy as every other way a
// password is set; a duplicate address is refused by the unique index, not by a racy lookup.
import { isEmailAddress, normaliseEmail } from '../core/email-address.ts';
import type { Locale } from '../core/locale.ts';
import { newId } from '../core/tokens.ts';
import type { Deps } from '../deps.ts';
import { isUniqueViolation } from '../store/connect.ts';
import { enqueueEmail } from '../store/outbox.ts';
import { insertUser, type User } from '../store/users.ts';
import { checkName } from './account-details.ts';
import { checkNewPassword, type NewPasswordProblem } from './new-password.ts';

export interface AddUserInput {
  email: string;
  name: string;
  /** Omitted: the account takes the language of its first use (DEFAULT_LOCALE until then). */
  locale?: Locale;
  /** Omitted for an invitation: the user gets an email with a link to choose one. */
  password?: string;
}

export type AddUserOutcome =
  | { ok: true; user: User }
  | { ok: false; reason: 'invalid-email' | 'invalid-name' | 'duplicate-email' }
  | { ok: false; reason: 'password'; problems: NewPasswordProblem[] };

export async function addUser(deps: Deps, input: AddUserInput): Promise<AddUserOutcome> {
  const email = normaliseEmail(input.email);
  if (!isEmailAddress(email)) return { ok: false, reason: 'invalid-email' };
  const name = input.name.trim();
  if (checkName(input.name)) return { ok: false, reason: 'invalid-name' };
  let passwordHash: string | null = null;
  if (input.password !== undefined) {
    const checked = await checkNewPassword(deps, { email, name }, { next: input.password, confirm: input.password });
    if (!checked.ok) return { ok: false, reason: 'password', problems: 'throttled' in checked ? [] : checked.problems };
    passwordHash = await deps.hasher.hash(checked.password);
  }

  const now = deps.clock.now();
  const user: User = {
    id: newId(),
    email,
    name,
    locale: input.locale ?? deps.config.defaultLocale,
    locale_chosen_at: input.locale === undefined ? null : now,
    password_hash: passwordHash,
    disabled_at: null,
    email_verified_at: null,
    second_factor_at: null,
    breach_checked_at: passwordHash === null ? null : now,
    password_breached_at: null,
    created_at: now,
    updated_at: now,
  };
  try {
    // The invitation is queued with the account: both exist, or neither.
    await deps.db.transaction().execute(async (tx) => {
      await insertUser(tx, user);
      if (passwordHash === null) await enqueueEmail(tx, 'invite-email', user.id, { invitedAt: now }, now);
    });
  } catch (error) {
    if (isUniqueViolation(error)) return { ok: false, reason: 'duplicate-email' };
    throw error;
  }
  if (passwordHash === null) deps.wakeOutbox();
  deps.log.info({ event: 'user-added', userId: user.id, invited: passwordHash === null });
  return { ok: true, user };
}
