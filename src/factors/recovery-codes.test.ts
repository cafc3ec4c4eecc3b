// Recovery codes, as the user writes them down and types them back (SECURITY 87).
import { describe, expect, it } from 'vitest';
import { newRecoveryCodes, RECOVERY_CODE_COUNT, typedRecoveryCode } from './recovery-codes.ts';

const shape = /^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$/;

describe('new recovery codes', () => {
  it('are ten distinct codes written xxxxx-xxxxx in Crockford base32 (no i, l, o, u)', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(RECOVERY_CODE_COUNT);
    expect(RECOVERY_CODE_COUNT).toBe(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(shape);
  });

  it('are random: two sets share no code', () => {
    const first = new Set(newRecoveryCodes());
    expect(newRecoveryCodes().filter((code) => first.has(code))).toEqual([]);
  });

  it('read back as themselves', () => {
    for (const code of newRecoveryCodes()) expect(typedRecoveryCode(code)).toBe(code);
  });
});

describe('a recovery code as the user types it', () => {
  it('is read whatever the case, the dashes and the blanks', () => {
    for (const typed of [
      'ab3de-fg7hj',
      'AB3DE-FG7HJ',
      'ab3defg7hj',
      'ab3de fg7hj',
      ' AB3 DE-FG 7HJ ',
      'ab-3de-fg7-hj',
    ]) {
      expect(typedRecoveryCode(typed), typed).toBe('ab3de-fg7hj');
    }
  });

  it('reads the look-alike letters as the digits they look like: O as 0, I and L as 1', () => {
    expect(typedRecoveryCode('O0o00-I1iLl')).toBe('00000-11111');
    expect(typedRecoveryCode('abcdO-ILxyz')).toBe('abcd0-11xyz');
  });

  it('is refused in any other shape', () => {
    for (const typed of [
      '',
      'abcde-fghj',
      'abcde-fghjkm',
      'abcde-fghju',
      'abcde_fghjk',
      'abcde.fghjk',
      'abcdé-fghjk',
      '123456',
    ]) {
      expect(typedRecoveryCode(typed), typed).toBeUndefined();
    }
  });
});
