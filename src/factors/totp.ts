// The authenticator app (TOTP, RFC 6238) with otplib: SHA-1, six digits, 30-second steps, as every app
// reads them. SECURITY 86: one step of skew either way; a step once accepted is never accepted again.
import { generateSecret, generateSync, generateURI, verifySync } from 'otplib';
import { renderSVG } from 'uqr';

export const PERIOD_SECONDS = 30;
const DIGITS = 6;

/** A new key: 160 random bits (RFC 4226 §4), base32 as authenticator apps take it. */
export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

/** The key as a person types it: groups of four. */
export function groupedKey(secret: string): string {
  return secret.match(/.{1,4}/g)?.join(' ') ?? secret;
}

export function otpauthUri(secret: string, issuer: string, account: string): string {
  return generateURI({ issuer, label: account, secret, digits: DIGITS, period: PERIOD_SECONDS });
}

/** The QR code of the otpauth URI as inline SVG, drawn on the server: the page needs no script. */
export function qrCodeSvg(uri: string): string {
  return renderSVG(uri, { ecc: 'M', border: 2 });
}

/** What the user typed, as digits only (apps show "123 456"); undefined when it cannot be a code. */
export function typedCode(text: string): string | undefined {
  const digits = text.replace(/[\s-]/g, '');
  return /^\d{6}$/.test(digits) ? digits : undefined;
}

/**
 * The time step the code belongs to, if it is right within one step of `now` and later than `lastStep`
 * (replay: SECURITY 86); otherwise undefined.
 */
export function acceptedStep(secret: string, code: string, now: number, lastStep: number): number | undefined {
  // otplib throws on a code of another length: not one of ours, whoever calls.
  if (!/^\d{6}$/.test(code)) return undefined;
  // otplib throws when the last step is ahead of this clock's window (an instance whose clock runs behind
  // another's): no code of this window can be later, so none is accepted.
  if (lastStep > stepAt(now) + 1) return undefined;
  const result = verifySync({
    secret,
    token: code,
    digits: DIGITS,
    period: PERIOD_SECONDS,
    epoch: Math.floor(now / 1000),
    epochTolerance: PERIOD_SECONDS,
    afterTimeStep: lastStep,
  });
  return result.valid && 'timeStep' in result ? result.timeStep : undefined;
}

/** The code an app would show at `now` (tests, and the bench, compute codes as the user's phone does). */
export function currentCode(secret: string, now: number): string {
  return generateSync({ secret, digits: DIGITS, period: PERIOD_SECONDS, epoch: Math.floor(now / 1000) });
}

export function stepAt(now: number): number {
  return Math.floor(now / 1000 / PERIOD_SECONDS);
}
