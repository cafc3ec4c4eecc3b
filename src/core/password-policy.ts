// The password rules of the documentation's note ("Passwords must: contain at least nine characters; use
// upper and lower case; include a number; use a special character"), shared by the server and the browser.
// SECURITY 1–8: one module, run in both places; the server is the authority and adds what the browser
// cannot know (the common-password list, the current password).

export type PolicyProfile = 'documented' | 'nist';

/** Every rule a new password can break, in the order the messages are shown. */
export type Rule =
  | 'min-length'
  | 'max-length'
  | 'mixed-case'
  | 'number'
  | 'special'
  | 'not-email'
  | 'not-context'
  | 'not-common';

export const MAX_LENGTH = 256;

const minLengthOf: Record<PolicyProfile, number> = { documented: 9, nist: 15 };

/** The rules the note beside the fields lists and ticks live, per profile. */
export function noteRules(profile: PolicyProfile): Rule[] {
  return profile === 'documented' ? ['min-length', 'mixed-case', 'number', 'special'] : ['min-length'];
}

export function minLength(profile: PolicyProfile): number {
  return minLengthOf[profile];
}

export interface PolicyContext {
  profile: PolicyProfile;
  /** The account's email address: the password may not be it or contain its local part. */
  email?: string;
  /** Words an attacker would try first: the user's name, the brand. */
  contextWords?: readonly string[];
  /** Server only: the common-password list is too large to ship to the browser. */
  isCommon?: (password: string) => boolean;
}

export interface PolicyResult {
  ok: boolean;
  /** The password after NFKC: what is checked, hashed and compared (SECURITY 5). */
  password: string;
  unmet: Rule[];
}

/** SECURITY 5: the same normalisation whenever a password is set or checked; nothing trimmed or case-folded. */
export function normalisePassword(raw: string): string {
  return raw.normalize('NFKC');
}

const upper = /[\p{Lu}\p{Lt}]/u;
const lower = /\p{Ll}/u;
const digit = /\p{N}/u;
// SECURITY 6: a special character is anything that is not a letter, a number or a combining mark, in any
// script: punctuation, symbols, spaces and emoji all count.
const special = /[^\p{L}\p{N}\p{M}]/u;

export function checkPassword(raw: string, context: PolicyContext): PolicyResult {
  // SECURITY 3: refuse an absurd length before normalising it (NFKC can at most triple a UTF-16 string).
  if (raw.length > MAX_LENGTH * 4) return { ok: false, password: '', unmet: ['max-length'] };
  const password = normalisePassword(raw);
  const length = codePoints(password);
  const unmet: Rule[] = [];
  if (length < minLengthOf[context.profile]) unmet.push('min-length');
  if (length > MAX_LENGTH) unmet.push('max-length');
  if (context.profile === 'documented') {
    if (!upper.test(password) || !lower.test(password)) unmet.push('mixed-case');
    if (!digit.test(password)) unmet.push('number');
    if (!special.test(password)) unmet.push('special');
  }
  if (context.email !== undefined && containsEmail(password, context.email)) unmet.push('not-email');
  if (containsContextWord(password, context.contextWords ?? [])) unmet.push('not-context');
  if (context.isCommon?.(password)) unmet.push('not-common');
  return { ok: unmet.length === 0, password, unmet };
}

/** SECURITY 2: length is counted in code points, so an emoji is one character, not two. */
export function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** Lower case with everything but letters and digits removed: "Sales-Connect" and "salesconnect" meet. */
export function skeleton(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
}

// Shorter words are too likely to occur by chance inside a strong password.
const MIN_CONTEXT_WORD = 4;

function containsEmail(password: string, email: string): boolean {
  const lowered = password.toLowerCase();
  const address = email.toLowerCase();
  if (lowered.includes(address)) return true;
  const local = skeleton(address.split('@')[0] ?? '');
  return local.length >= MIN_CONTEXT_WORD && skeleton(password).includes(local);
}

function containsContextWord(password: string, words: readonly string[]): boolean {
  const flat = skeleton(password);
  return words.some((phrase) =>
    [phrase, ...phrase.split(/[^\p{L}\p{N}]+/u)].some((word) => {
      const needle = skeleton(word);
      return needle.length >= MIN_CONTEXT_WORD && flat.includes(needle);
    }),
  );
}
