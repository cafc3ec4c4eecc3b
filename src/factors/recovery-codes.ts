// Recovery codes: ten, random, single use (SECURITY 87). Each is 50 bits in Crockford's base32, written
// xxxxx-xxxxx, read back whatever the case, the dashes and the look-alike letters (O for 0, I and L for 1).
import { randomInt } from 'node:crypto';

export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const characters = Array.from({ length: 10 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
    return `${characters.slice(0, 5)}-${characters.slice(5)}`;
  });
}

/** The code in its stored form (what is digested), or undefined when it cannot be one. */
export function typedRecoveryCode(text: string): string | undefined {
  const characters = text.toLowerCase().replace(/[\s-]/g, '').replace(/o/g, '0').replace(/[il]/g, '1');
  if (!/^[0-9a-hjkmnp-tv-z]{10}$/.test(characters)) return undefined;
  return `${characters.slice(0, 5)}-${characters.slice(5)}`;
}
