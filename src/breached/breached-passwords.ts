// Whether a password is known breached (SECURITY 7): looked up in the list an administrator imported
// (`npm run cli -- breached import`), or else at BREACHED_PASSWORDS_URL. Fail-open: when neither answers,
// the caller goes on without it, and the metric and the log say so.
import { createHash } from 'node:crypto';
import { hasBreachedHashes, isBreachedHash } from '../store/breached-hashes.ts';
import type { Db } from '../store/database.ts';
import type { RangeApi } from './range-api.ts';

export type BreachSource = 'imported' | 'api';

export type BreachAnswer =
  | { answered: true; breached: boolean; source: BreachSource }
  /** Nothing to ask (no list imported, no API configured), or the API did not answer in time. */
  | { answered: false };

export interface BreachedPasswords {
  /** The normalised password, as it is hashed. Never throws. */
  check(password: string): Promise<BreachAnswer>;
}

export interface BreachedPasswordsOptions {
  db: Db;
  /** Undefined: BREACHED_PASSWORDS_URL=off. */
  api: RangeApi | undefined;
  now: () => number;
  /** Each lookup's outcome, for the metric and the log. */
  onLookup: (lookup: { source: BreachSource; outcome: 'found' | 'not-found' | 'unavailable'; reason?: string }) => void;
}

/** How long an answer of the API is reused for the same prefix, and how many prefixes are kept. */
const RANGE_CACHE_MS = 60 * 60 * 1000;
const RANGE_CACHE_SIZE = 256;
/** An import by another process is seen within this. */
const IMPORTED_PRESENCE_MS = 60 * 1000;

export function createBreachedPasswords({ db, api, now, onLookup }: BreachedPasswordsOptions): BreachedPasswords {
  const ranges = new Map<string, { suffixes: ReadonlySet<string>; at: number }>();
  let imported: { present: boolean; at: number } | undefined;

  async function hasImported(): Promise<boolean> {
    if (imported === undefined || now() - imported.at > IMPORTED_PRESENCE_MS)
      imported = { present: await hasBreachedHashes(db), at: now() };
    return imported.present;
  }

  async function range(prefix: string): Promise<ReadonlySet<string> | string> {
    const cached = ranges.get(prefix);
    if (cached && now() - cached.at < RANGE_CACHE_MS) return cached.suffixes;
    const answer = await api!(prefix);
    if (!answer.ok) return answer.reason;
    ranges.delete(prefix);
    ranges.set(prefix, { suffixes: answer.suffixes, at: now() });
    // The oldest entry goes first (a Map keeps the order of insertion).
    if (ranges.size > RANGE_CACHE_SIZE) ranges.delete(ranges.keys().next().value!);
    return answer.suffixes;
  }

  return {
    async check(password) {
      const sha1 = createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
      try {
        if (await hasImported()) {
          const breached = await isBreachedHash(db, sha1);
          onLookup({ source: 'imported', outcome: breached ? 'found' : 'not-found' });
          return { answered: true, breached, source: 'imported' };
        }
      } catch {
        // The database is away: the choice itself will meet it and say so.
        return { answered: false };
      }
      if (api === undefined) return { answered: false };
      const suffixes = await range(sha1.slice(0, 5));
      if (typeof suffixes === 'string') {
        onLookup({ source: 'api', outcome: 'unavailable', reason: suffixes });
        return { answered: false };
      }
      const breached = suffixes.has(sha1.slice(5));
      onLookup({ source: 'api', outcome: breached ? 'found' : 'not-found' });
      return { answered: true, breached, source: 'api' };
    },
  };
}
