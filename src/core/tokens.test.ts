import { describe, expect, it } from 'vitest';
import { digest, isTokenShaped, newToken } from './tokens.ts';

describe('tokens (SECURITY 34, 35, 59)', () => {
  it('are 256 random bits, URL-safe', () => {
    const token = newToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
  });

  it('never repeat', () => {
    const tokens = new Set(Array.from({ length: 10_000 }, newToken));
    expect(tokens.size).toBe(10_000);
  });

  it('use every bit: a thousand tokens set about half their bits', () => {
    let ones = 0;
    for (let i = 0; i < 1000; i++)
      for (const byte of Buffer.from(newToken(), 'base64url')) ones += byte.toString(2).replaceAll('0', '').length;
    const share = ones / (1000 * 256);
    expect(share).toBeGreaterThan(0.49);
    expect(share).toBeLessThan(0.51);
  });

  it('are stored as a SHA-256 digest that does not contain them', () => {
    const token = newToken();
    expect(digest(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(digest(token)).toBe(digest(token));
    expect(digest(token)).not.toContain(token);
    expect(digest(token)).not.toBe(digest(newToken()));
  });

  it('are told apart from anything else before the database is asked', () => {
    expect(isTokenShaped(newToken())).toBe(true);
    for (const value of [
      '',
      'abc',
      `${newToken()}x`,
      `${newToken().slice(1)}=`,
      "' or 1=1 --",
      newToken().replace(/./, '/'),
    ]) {
      expect(isTokenShaped(value)).toBe(false);
    }
  });
});
