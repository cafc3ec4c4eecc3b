// Email addresses: one normal form for storage and lookup, a strict shape check, and the sender of a From.
// SECURITY 29: lookups compare normal forms, but mail is always sent to the stored address, never to what
// was typed, so a look-alike or differently written address can find an account but never redirect its mail.

import { domainToASCII } from 'node:url';
import addressparser from 'nodemailer/lib/addressparser';

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

/**
 * The one address of a From header (`"Sales Connect" <no-reply@example.com>`, `no-reply@example.com (Sales
 * Connect)`, a bare address), its domain in ASCII; undefined for none, several, or one that is not an address.
 */
export function senderOf(from: string): string | undefined {
  const mailboxes = addressparser(from, { flatten: true });
  if (mailboxes.length !== 1) return undefined;
  const match = /^([^\s@<>()",;]+)@([^\s@<>()",;]+)$/.exec(mailboxes[0]!.address ?? '');
  const domain = match ? domainToASCII(match[2]!) : '';
  return match && domain !== '' ? `${match[1]}@${domain}` : undefined;
}
