// Secrets the service must read back (an authenticator app's key) are sealed with ENCRYPTION_KEY, so a copy
// of the database alone opens nothing (README "Two-step verification"). AES-256-GCM with a fresh 96-bit nonce per seal; the
// associated data binds a sealed value to what it belongs to (an account, a session), so it cannot be moved.
// Keys are a list: the first seals, every one opens, so a key is rotated by putting the new one first.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

export const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export interface SecretBox {
  /** `v1.<key id>.<nonce>.<ciphertext and tag>`, base64url parts. */
  seal(plaintext: string, boundTo: string): string;
  /** The plaintext, or undefined when no key opens it or it was bound to something else. */
  open(sealed: string, boundTo: string): string | undefined;
  /** Keyed digests of `value` for `purpose`, one per key, the sealing key's first (for lookups by digest). */
  digests(purpose: string, value: string): string[];
}

interface Key {
  id: string;
  seal: Buffer;
  mac: Buffer;
}

/** A key given as ENCRYPTION_KEY: 32 bytes, base64 or base64url. Undefined when it is not one. */
export function parseKey(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) return undefined;
  const bytes = Buffer.from(trimmed.replace(/\+/g, '-').replace(/\//g, '_').replace(/=$/, ''), 'base64url');
  return bytes.length === KEY_BYTES ? bytes : undefined;
}

export function newKeyText(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

// Each use of the key gets a key of its own (HKDF, RFC 5869), so sealing and digesting never share one.
function derive(key: Buffer, use: string): Buffer {
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `sales-connect ${use}`, KEY_BYTES));
}

export function createSecretBox(keys: readonly Buffer[]): SecretBox {
  if (keys.length === 0) throw new Error('a secret box needs at least one key');
  const derived: Key[] = keys.map((key) => ({
    id: derive(key, 'key id').subarray(0, 6).toString('base64url'),
    seal: derive(key, 'seal'),
    mac: derive(key, 'digest'),
  }));
  const sealing = derived[0] as Key;
  return {
    seal(plaintext, boundTo) {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', sealing.seal, nonce);
      cipher.setAAD(Buffer.from(boundTo, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return ['v1', sealing.id, nonce.toString('base64url'), body.toString('base64url')].join('.');
    },
    open(sealed, boundTo) {
      const [version, id, nonceText, bodyText, ...rest] = sealed.split('.');
      if (version !== 'v1' || rest.length > 0 || !nonceText || !bodyText) return undefined;
      const key = derived.find((candidate) => candidate.id === id);
      const nonce = Buffer.from(nonceText, 'base64url');
      const body = Buffer.from(bodyText, 'base64url');
      if (!key || nonce.length !== NONCE_BYTES || body.length < TAG_BYTES) return undefined;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key.seal, nonce);
        decipher.setAAD(Buffer.from(boundTo, 'utf8'));
        decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
        return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString(
          'utf8',
        );
      } catch {
        return undefined;
      }
    },
    digests(purpose, value) {
      return derived.map((key) => createHmac('sha256', key.mac).update(`${purpose}\0${value}`).digest('hex'));
    },
  };
}
