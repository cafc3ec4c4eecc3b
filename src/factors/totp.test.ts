// The authenticator app's codes, as a phone shows them and the service reads them (SECURITY 86).
import { describe, expect, it } from 'vitest';
import {
  acceptedStep,
  currentCode,
  groupedKey,
  newTotpSecret,
  otpauthUri,
  PERIOD_SECONDS,
  stepAt,
  typedCode,
} from './totp.ts';

const STEP_MS = PERIOD_SECONDS * 1000;
// Halfway through a step, as a user types a code a few seconds after reading it.
const now = Date.UTC(2026, 10, 28, 9, 0, 15);
const secret = newTotpSecret();
const codeAt = (offsetSteps: number) => currentCode(secret, now + offsetSteps * STEP_MS);

describe('the codes of an authenticator app', () => {
  it('accepts the code of the current step, and says which step it was', () => {
    expect(acceptedStep(secret, codeAt(0), now, 0)).toBe(stepAt(now));
  });

  it('accepts the code of the step before or after: a phone one step off (SECURITY 86)', () => {
    expect(acceptedStep(secret, codeAt(-1), now, 0)).toBe(stepAt(now) - 1);
    expect(acceptedStep(secret, codeAt(1), now, 0)).toBe(stepAt(now) + 1);
  });

  it('refuses a code two steps away, either way (SECURITY 86)', () => {
    for (const offset of [-2, 2, -3, 3]) {
      const code = codeAt(offset);
      // A code that happens to be that of a nearer step too would be right; it is not the case tested.
      if ([-1, 0, 1].some((near) => codeAt(near) === code)) continue;
      expect(acceptedStep(secret, code, now, 0), `${offset} steps`).toBeUndefined();
    }
  });

  it('accepts a step once: the same code, or an earlier one, is refused after it (SECURITY 86)', () => {
    const step = acceptedStep(secret, codeAt(0), now, 0);
    expect(step).toBeDefined();
    expect(acceptedStep(secret, codeAt(0), now, step!)).toBeUndefined();
    expect(acceptedStep(secret, codeAt(-1), now, step!)).toBeUndefined();
    expect(acceptedStep(secret, codeAt(1), now, step!)).toBe(step! + 1);
    // The code of the previous step is still good while only older ones were used.
    expect(acceptedStep(secret, codeAt(-1), now, step! - 2)).toBe(step! - 1);
  });

  it("refuses another key's code", () => {
    let refused = 0;
    for (let i = 0; i < 5; i++) {
      const theirs = currentCode(newTotpSecret(), now);
      if ([-1, 0, 1].some((near) => codeAt(near) === theirs)) continue;
      expect(acceptedStep(secret, theirs, now, 0)).toBeUndefined();
      refused++;
    }
    expect(refused).toBeGreaterThan(0);
  });

  it('answers undefined, as documented, for a code that is not six digits, instead of throwing', () => {
    for (const code of [codeAt(0).slice(0, 5), `${codeAt(0)}0`, 'abcdef', '']) {
      expect(() => acceptedStep(secret, code, now, 0), code).not.toThrow();
    }
  });

  it('are six digits that change every thirty seconds', () => {
    expect(codeAt(0)).toMatch(/^\d{6}$/);
    expect(currentCode(secret, now + 14_000)).toBe(codeAt(0));
    expect(stepAt(now + 15_000)).toBe(stepAt(now) + 1);
  });
});

describe('a code as the user types it', () => {
  it('is read as its digits, with the blank or dash an app shows in the middle', () => {
    expect(typedCode('123456')).toBe('123456');
    expect(typedCode('123 456')).toBe('123456');
    expect(typedCode(' 123 456 ')).toBe('123456');
    expect(typedCode('123-456')).toBe('123456');
  });

  it('is refused with letters, or with too few or too many digits', () => {
    for (const typed of ['12345a', 'abcdef', '12345', '1234567', '', '１２３４５６', '12345.6', '+12345']) {
      expect(typedCode(typed), typed).toBeUndefined();
    }
  });
});

describe('a new key', () => {
  it('is 160 random bits in base32, written in groups of four, in an otpauth URI every app reads', () => {
    const key = newTotpSecret();
    expect(key).toMatch(/^[A-Z2-7]{32}$/);
    expect(newTotpSecret()).not.toBe(key);
    expect(groupedKey(key).split(' ')).toEqual(key.match(/.{4}/g));
    const uri = new URL(otpauthUri(key, 'Sales Connect', 'ada@example.com'));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(uri.searchParams.get('secret')).toBe(key);
    expect(uri.searchParams.get('issuer')).toBe('Sales Connect');
    expect(uri.searchParams.get('digits') ?? '6').toBe('6');
    expect(uri.searchParams.get('period') ?? '30').toBe('30');
    expect(decodeURIComponent(uri.pathname)).toContain('ada@example.com');
  });
});
