// The provider's keys, kept in the database so that every instance signs with the same ones and publishes
// the same JWKS; which generation signs and when one is dropped: core/key-generations.ts.
import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { KEY_PROPAGATION_MS, retiredGenerations, SIGNED_LIFETIME_MS, signerIndex } from '../core/key-generations.ts';
import { newToken } from '../core/tokens.ts';
import type { Executor } from '../store/database.ts';
import { deleteKeys, insertKey, type KeyRow, listKeys } from '../store/provider-keys.ts';

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

/** `keys rotate`: a new generation of each; those replaced long enough ago are dropped at the same time. */
export async function rotateKeys(
  db: Executor,
  now: number,
  keepMs = SIGNED_LIFETIME_MS,
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

/** Deletes the generations past use (housekeeping does it too); returns how many signing keys went. */
export async function dropRetiredKeys(db: Executor, now: number, keepMs = SIGNED_LIFETIME_MS): Promise<number> {
  let dropped = 0;
  for (const use of ['signing', 'cookie'] as const) {
    const retired = retiredGenerations(await listKeys(db, use), now, keepMs);
    await deleteKeys(
      db,
      retired.map((row) => row.kid),
    );
    if (use === 'signing') dropped = retired.length;
  }
  return dropped;
}
