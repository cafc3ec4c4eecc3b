// The named throttles and where their counters live. The delay policy itself is pure: core/throttle.ts.
import type { Kysely } from 'kysely';
import { digest } from './core/tokens.ts';
import { waitBeforeNextAttempt, type FailureCount, type ThrottleRule } from './core/throttle.ts';
import type { Database } from './store/database.ts';
import { clearFailures, clearFailuresByPrefix, readFailures, recordFailure } from './store/throttles.ts';

const DAY = 86_400_000;
const MINUTE = 60_000;

// SECURITY 18: per account+client the owner gets five free mistakes; per account (any client) an attacker
// spreading guesses over many addresses still meets delays, and 100 failures in a row stop guessing until
// the account is quiet for a day or its owner resets the password (SECURITY 21, 51); per client, one
// address trying many accounts is slowed down.
export const signInRules = {
  accountAtClient: { freeFailures: 5, baseDelayMs: 1000, maxDelayMs: 15 * MINUTE, forgetAfterMs: DAY },
  account: { freeFailures: 10, baseDelayMs: 1000, maxDelayMs: 15 * MINUTE, maxFailures: 100, forgetAfterMs: DAY },
  client: { freeFailures: 50, baseDelayMs: 1000, maxDelayMs: 15 * MINUTE, forgetAfterMs: DAY },
} satisfies Record<string, ThrottleRule>;

export interface FailureStore {
  read(keys: readonly string[]): Promise<Map<string, FailureCount>>;
  record(key: string, now: number, forgetAfterMs: number): Promise<FailureCount>;
  clear(keys: readonly string[]): Promise<void>;
  /** Clears every counter whose key starts with the prefix. */
  clearPrefix(prefix: string): Promise<void>;
}

export function databaseFailureStore(db: Kysely<Database>): FailureStore {
  return {
    read: (keys) => readFailures(db, keys),
    record: (key, now, forgetAfterMs) => recordFailure(db, key, now, forgetAfterMs),
    clear: (keys) => clearFailures(db, keys),
    clearPrefix: (prefix) => clearFailuresByPrefix(db, prefix),
  };
}

export interface SignInThrottle {
  /** Milliseconds before this account may be tried from this client; 0 when it may be tried now. */
  wait(account: string, client: string, now: number): Promise<number>;
  fail(account: string, client: string, now: number): Promise<void>;
  /** A correct password clears the account's counters, but not the client's. */
  succeed(account: string, client: string): Promise<void>;
  /** A password reset proves ownership: the account starts afresh everywhere (SECURITY 51). */
  forgetAccount(account: string): Promise<void>;
}

export interface Limits {
  signIn: SignInThrottle;
}

export function createLimits(store: FailureStore): Limits {
  // Accounts are keyed by a digest of the normalised email: the table holds no addresses, and unknown
  // addresses are throttled exactly like real ones (SECURITY 19).
  const accountPrefix = (account: string) => `sign-in:account:${digest(account)}`;
  const keys = (account: string, client: string) => ({
    accountAtClient: `${accountPrefix(account)}:client:${client}`,
    account: accountPrefix(account),
    client: `sign-in:client:${client}`,
  });
  const names = Object.keys(signInRules) as Array<keyof typeof signInRules>;

  return {
    signIn: {
      async wait(account, client, now) {
        const keyOf = keys(account, client);
        const counts = await store.read(names.map((name) => keyOf[name]));
        return Math.max(...names.map((name) => waitBeforeNextAttempt(signInRules[name], counts.get(keyOf[name]), now)));
      },
      async fail(account, client, now) {
        const keyOf = keys(account, client);
        for (const name of names) await store.record(keyOf[name], now, signInRules[name].forgetAfterMs);
      },
      async succeed(account, client) {
        const keyOf = keys(account, client);
        await store.clear([keyOf.accountAtClient, keyOf.account]);
      },
      async forgetAccount(account) {
        await store.clearPrefix(accountPrefix(account));
      },
    },
  };
}
