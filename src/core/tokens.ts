// Randomness and digests, in one place. SECURITY 34, 35, 59: 256 bits from the CSPRNG, URL-safe; what is
// stored is only the SHA-256 of what the user holds, so a copy of the database opens no session and no link.
import { createHash, randomBytes, randomUUID } from 'node:crypto';

/** 32 random bytes, base64url: the value that goes into a cookie or a link. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The form in which a token is stored and looked up. */
export function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function newId(): string {
  return randomUUID();
}

const tokenShape = /^[A-Za-z0-9_-]{43}$/;

/** A value that cannot be a token of ours is refused before it reaches the database (SECURITY 42). */
export function isTokenShaped(value: string): boolean {
  return tokenShape.test(value);
}
