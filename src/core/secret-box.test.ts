// ENCRYPTION_KEY's box, as the database and an operator see it: what it seals opens only with a key it was
// given and only for what it was bound to; a key is rotated by putting the new one first.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSecretBox, KEY_BYTES, newKeyText, parseKey } from './secret-box.ts';

const oldKey = randomBytes(KEY_BYTES);
const newKey = randomBytes(KEY_BYTES);
const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

/** The sealed value with one bit of its `part` (1 key id, 2 nonce, 3 ciphertext and tag) flipped. */
function flipped(sealed: string, part: number, byte = 0): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[part]!, 'base64url');
  bytes[byte] = (bytes[byte] as number) ^ 0x01;
  parts[part] = bytes.toString('base64url');
  return parts.join('.');
}

describe('sealing a secret', () => {
  it('opens what it sealed, for what it was bound to, and shows nothing of it in the sealed text', () => {
    const box = createSecretBox([oldKey]);
    const sealed = box.seal(secret, 'totp:u1');
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain(secret);
    expect(box.open(sealed, 'totp:u1')).toBe(secret);
    expect(box.open(box.seal('', 'totp:u1'), 'totp:u1')).toBe('');
  });

  it('seals the same secret differently each time (a fresh nonce per seal)', () => {
    const box = createSecretBox([oldKey]);
    const seals = new Set(Array.from({ length: 5 }, () => box.seal(secret, 'totp:u1')));
    expect(seals.size).toBe(5);
  });

  it('refuses a sealed value moved to another account or session (bound-to mismatch)', () => {
    const box = createSecretBox([oldKey]);
    const sealed = box.seal(secret, 'totp:u1');
    for (const other of ['totp:u2', 'totp:u1 ', 'totp-setup:u1:s1', ''])
      expect(box.open(sealed, other)).toBeUndefined();
  });

  it('refuses a sealed value tampered with anywhere', () => {
    const box = createSecretBox([oldKey]);
    const sealed = box.seal(secret, 'totp:u1');
    expect(box.open(flipped(sealed, 3), 'totp:u1')).toBeUndefined();
    expect(box.open(flipped(sealed, 3, Buffer.from(sealed.split('.')[3]!, 'base64url').length - 1), 'totp:u1')).toBe(
      undefined,
    );
    expect(box.open(flipped(sealed, 2), 'totp:u1')).toBeUndefined();
    expect(box.open(flipped(sealed, 1), 'totp:u1')).toBeUndefined();
    expect(box.open(sealed.replace(/^v1/, 'v2'), 'totp:u1')).toBeUndefined();
    expect(box.open(`${sealed}.x`, 'totp:u1')).toBeUndefined();
    const [version, id, nonce, body] = sealed.split('.');
    // The tag cut short, or the nonce cut short: never read as a shorter value.
    expect(box.open([version, id, nonce, body!.slice(0, 10)].join('.'), 'totp:u1')).toBeUndefined();
    expect(box.open([version, id, nonce!.slice(0, 8), body].join('.'), 'totp:u1')).toBeUndefined();
    expect(box.open('', 'totp:u1')).toBeUndefined();
    expect(box.open('not sealed at all', 'totp:u1')).toBeUndefined();
  });

  it('opens nothing with another key: a copy of the database alone opens nothing', () => {
    const sealed = createSecretBox([oldKey]).seal(secret, 'totp:u1');
    expect(createSecretBox([newKey]).open(sealed, 'totp:u1')).toBeUndefined();
  });

  it('rotates keys: [new, old] opens the old seals and seals with the new one, which the old key cannot open', () => {
    const before = createSecretBox([oldKey]);
    const sealedBefore = before.seal(secret, 'totp:u1');
    const rotating = createSecretBox([newKey, oldKey]);
    expect(rotating.open(sealedBefore, 'totp:u1')).toBe(secret);
    const sealedDuring = rotating.seal(secret, 'totp:u1');
    expect(before.open(sealedDuring, 'totp:u1')).toBeUndefined();
    const after = createSecretBox([newKey]);
    expect(after.open(sealedDuring, 'totp:u1')).toBe(secret);
    // Once the old key is gone, what only it sealed stays shut.
    expect(after.open(sealedBefore, 'totp:u1')).toBeUndefined();
  });

  it('refuses to be made without a key', () => {
    expect(() => createSecretBox([])).toThrow();
  });
});

describe('keyed digests', () => {
  it('are one per key, the sealing key first, and the same for the same key, purpose and value', () => {
    const rotating = createSecretBox([newKey, oldKey]);
    const digests = rotating.digests('recovery-code:u1', 'abcde-12345');
    expect(digests).toHaveLength(2);
    for (const value of digests) expect(value).toMatch(/^[0-9a-f]{64}$/);
    expect(digests[0]).toBe(createSecretBox([newKey]).digests('recovery-code:u1', 'abcde-12345')[0]);
    expect(digests[1]).toBe(createSecretBox([oldKey]).digests('recovery-code:u1', 'abcde-12345')[0]);
  });

  it('differ per key, per purpose and per value, and do not contain the value', () => {
    const box = createSecretBox([oldKey]);
    const [one] = box.digests('recovery-code:u1', 'abcde-12345');
    const others = [
      createSecretBox([newKey]).digests('recovery-code:u1', 'abcde-12345')[0],
      box.digests('recovery-code:u2', 'abcde-12345')[0],
      box.digests('recovery-code:u1', 'abcde-12346')[0],
      // The purpose and the value are kept apart: moving a character from one to the other changes the digest.
      box.digests('recovery-code:u1a', 'bcde-12345')[0],
    ];
    expect(new Set([one, ...others]).size).toBe(5);
    expect(one).not.toContain('abcde');
  });
});

describe('ENCRYPTION_KEY as written', () => {
  it('is 32 bytes in base64 or base64url, padded or not, blanks around it ignored', () => {
    const key = randomBytes(KEY_BYTES);
    const base64 = key.toString('base64');
    for (const written of [base64, base64.replace(/=$/, ''), key.toString('base64url'), ` ${base64}\n`]) {
      expect(parseKey(written), written).toEqual(key);
    }
    expect(parseKey(newKeyText())).toHaveLength(KEY_BYTES);
  });

  it('refuses any other length or alphabet', () => {
    for (const written of [
      '',
      randomBytes(16).toString('base64'),
      randomBytes(31).toString('base64'),
      randomBytes(33).toString('base64'),
      randomBytes(64).toString('base64'),
      randomBytes(32).toString('hex'),
      `${randomBytes(32).toString('base64').slice(0, 42)}!=`,
      'correct horse battery staple correct horse!',
    ]) {
      expect(parseKey(written), written).toBeUndefined();
    }
  });
});
