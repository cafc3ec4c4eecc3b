// Which generation of the provider's keys signs, and which are past use (apps/keys.ts keeps them). A new
// generation is published at once but signs only KEY_PROPAGATION_MS later, once every instance has read it
// (they read the keys every KEY_RELOAD_MS); the one it replaces stays published for as long as what it
// signed lives (SIGNED_LIFETIME_MS: an ID token's life, the longest of the provider's signed tokens).
import { HOUR, MINUTE, SECOND } from './duration.ts';

export const KEY_RELOAD_MS = 30 * SECOND;
export const KEY_PROPAGATION_MS = 2 * MINUTE;
export const SIGNED_LIFETIME_MS = HOUR;

export interface KeyGeneration {
  generation: number;
  created_at: number;
}

/** The index of the signing generation in `rows`, newest first: the newest every instance has had time to read. */
export function signerIndex(rows: KeyGeneration[], now: number): number {
  const ready = rows.findIndex((row) => row.generation === 1 || row.created_at + KEY_PROPAGATION_MS <= now);
  return ready === -1 ? rows.length - 1 : ready;
}

/** Generations older than the signer whose successor has signed for longer than `keepMs`. */
export function retiredGenerations<Row extends KeyGeneration>(
  rows: Row[],
  now: number,
  keepMs = SIGNED_LIFETIME_MS,
): Row[] {
  const signer = signerIndex(rows, now);
  return rows.filter((_row, index) => {
    if (index <= signer) return false;
    const successor = rows[index - 1]!;
    return successor.created_at + KEY_PROPAGATION_MS + keepMs <= now;
  });
}
