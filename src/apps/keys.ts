// The provider's keys, kept in the database so that every instance signs with the same ones and publishes
// the same JWKS. A rotation adds a generation that is published at once but signs only KEY_PROPAGATION_MS
// later, once every instance has read it (they reload every KEY_RELOAD_MS); the key it replaces is published
// until what it signed has expired, then dropped.
import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { MINUTE, SECOND } from '../core/duration.ts';
import { newToken } from '../core/tokens.ts';
import type { Executor } from '../store/database.ts';
import { deleteKeys, insertKey, type KeyRow, listKeys } from '../store/provider-keys.ts';

export const KEY_RELOAD_MS = 30 * SECOND;
export const KEY_PROPAGATION_MS = 2 * MINUTE;

export interface SigningKey {
  kid: string;
  jwk: JsonWebKey & { kid: string; alg: 'ES256'; use: 'sig' };
}

export interface ProviderKeys {
  /** The signer first, then the keys published beside it (rotated in, or rotated out). */
  signing: SigningKey[];
  /** The cookie secrets, the one that signs first. */
  cookie: string[];
  /** Changes whenever the keys or their order do: the provider is rebuilt then (current-provider.ts). */
  fingerprint: string;
}

function newRow(use: KeyRow['use'], generation: number, now: number): KeyRow {
  const kid = newToken().slice(0, 16);
  if (use === 'cookie') return { kid, use, generation, secret: newToken(), created_at: now };
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid, use, generation, secret: JSON.stringify(privateKey.export({ format: 'jwk' })), created_at: now };
}

/** The generation that signs: the newest one that every instance has had time to read. */
function signerIndex(rows: KeyRow[], now: number): number {
  const ready = rows.findIndex((row) => row.generation === 1 || row.created_at + KEY_PROPAGATION_MS <= now);
  return ready === -1 ? rows.length - 1 : ready;
}

function ordered(rows: KeyRow[], now: number): KeyRow[] {
  const signer = signerIndex(rows, now);
  return [rows[signer]!, ...rows.filter((_, index) => index !== signer)];
}

/** The keys, the first generation of each made on the first start (by whichever instance gets there first). */
export async function loadKeys(db: Executor, now: number): Promise<ProviderKeys> {
  for (const use of ['signing', 'cookie'] as const) {
    if ((await listKeys(db, use)).length === 0) await insertKey(db, newRow(use, 1, now));
  }
  const signing = ordered(await listKeys(db, 'signing'), now);
  const cookie = ordered(await listKeys(db, 'cookie'), now);
  return {
    signing: signing.map((row) => ({
      kid: row.kid,
      jwk: { ...(JSON.parse(row.secret) as JsonWebKey), kid: row.kid, alg: 'ES256', use: 'sig' },
    })),
    cookie: cookie.map((row) => row.secret),
    fingerprint: [...signing, ...cookie].map((row) => row.kid).join(','),
  };
}

/**
 * `keys rotate`: a new generation of each. Keys replaced more than `keepMs` ago (the longest life of what
 * they signed) are dropped at the same time, and by housekeeping.
 */
export async function rotateKeys(
  db: Executor,
  now: number,
  keepMs: number,
): Promise<{ kid: string; signsFrom: number }> {
  await loadKeys(db, now);
  let added: KeyRow | undefined;
  for (const use of ['signing', 'cookie'] as const) {
    const newest = (await listKeys(db, use))[0]!;
    const row = newRow(use, newest.generation + 1, now);
    if (!(await insertKey(db, row))) throw new Error('another rotation ran at the same moment; run it again');
    if (use === 'signing') added = row;
  }
  await dropRetiredKeys(db, now, keepMs);
  return { kid: added!.kid, signsFrom: now + KEY_PROPAGATION_MS };
}

/** Keys older than the signer, whose successor has signed for longer than `keepMs`. */
export async function dropRetiredKeys(db: Executor, now: number, keepMs: number): Promise<number> {
  let dropped = 0;
  for (const use of ['signing', 'cookie'] as const) {
    const rows = await listKeys(db, use);
    const signer = signerIndex(rows, now);
    const retired = rows.filter((_row, index) => {
      if (index <= signer) return false;
      const successor = rows[index - 1]!;
      return successor.created_at + KEY_PROPAGATION_MS + keepMs <= now;
    });
    await deleteKeys(
      db,
      retired.map((row) => row.kid),
    );
    dropped += use === 'signing' ? retired.length : 0;
  }
  return dropped;
}
