// Email addresses: one normal form for storage and lookup, and a strict shape check.
// SECURITY 29: lookups compare normal forms, but mail is always sent to the stored address, never to what
// was typed, so a look-alike or differently written address can find an account but never redirect its mail.

export const MAX_EMAIL_LENGTH = 254;

export function normaliseEmail(raw: string): string {
  return raw.trim().normalize('NFKC').toLowerCase();
}

// One @, a dotted domain, no spaces, quotes, brackets or control characters: what real mailboxes look like.
const shape =
  /^[^\s@"<>()[\]\\,;:\p{Cc}]{1,64}@(?:[^\s@"<>()[\]\\,;:.\p{Cc}]{1,63}\.)+[^\s@"<>()[\]\\,;:.\p{Cc}\d]{2,63}$/u;

export function isEmailAddress(normalised: string): boolean {
  return normalised.length <= MAX_EMAIL_LENGTH && shape.test(normalised);
}
