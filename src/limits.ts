// The named throttles and where their counters live. The delay policy itself is pure: core/throttle.ts.
import { waitBeforeNextAttempt, type ThrottleRule } from './core/throttle.ts';
import { digest } from './core/tokens.ts';
import type { FailureStore } from './failure-stores.ts';
import type { Executor } from './store/database.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;

export const rules = {
  // SECURITY 18: per account+client the owner gets five free mistakes; per account (any client) an attacker
  // spreading guesses over many addresses still meets delays, and 100 failures in a row stop guessing until
  // the account is quiet for a day or its owner resets the password (SECURITY 21, 51); per client, one
  // address trying many accounts is slowed down.
  signIn: {
    accountAtClient: { freeFailures: 5, baseDelayMs: 1000, maxDelayMs: 15 * MINUTE, forgetAfterMs: DAY },
    account: { freeFailures: 10, baseDelayMs: 1000, maxDelayMs: 15 * MINUTE, maxFailures: 100, forgetAfterMs: DAY },
    client: { freeFailures: 50, baseDelayMs: 1000, maxDelayMs: 15 * MINUTE, forgetAfterMs: DAY },
  },
  // SECURITY 30: three reset emails per address, then none until the address has been quiet for fifteen
  // minutes; the cap is silent (the answer does not change). Per client, requests slow down visibly.
  resetEmail: {
    address: { freeFailures: 3, baseDelayMs: 15 * MINUTE, maxDelayMs: 15 * MINUTE, maxFailures: 3, forgetAfterMs: 15 * MINUTE },
    client: { freeFailures: 10, baseDelayMs: 1000, maxDelayMs: 15 * MINUTE, forgetAfterMs: HOUR },
  },
  // SECURITY 43: refused submissions of the set-password form, per link and per client.
  setPassword: {
    link: { freeFailures: 10, baseDelayMs: 1000, maxDelayMs: 15 * MINUTE, forgetAfterMs: HOUR },
    client: { freeFailures: 20, baseDelayMs: 1000, maxDelayMs: 15 * MINUTE, forgetAfterMs: HOUR },
  },
} satisfies Record<string, Record<string, ThrottleRule>>;

/** Counters for one action, one per part (account, client…); the longest wait among them wins. */
export interface Throttle<Part extends string> {
  /** Milliseconds before the next attempt may go ahead; 0 when it may go ahead now. */
  wait(keys: Record<Part, string>, now: number): Promise<number>;
  /** The same, part by part, for actions that answer differently depending on which part is throttled. */
  waits(keys: Record<Part, string>, now: number): Promise<Record<Part, number>>;
  /** Counts one attempt against each part given. */
  record(keys: Partial<Record<Part, string>>, now: number, db?: Executor): Promise<void>;
  clear(keys: Partial<Record<Part, string>>): Promise<void>;
}

function throttle<Part extends string>(store: FailureStore, name: string, partRules: Record<Part, ThrottleRule>): Throttle<Part> {
  const parts = Object.keys(partRules) as Part[];
  const keyOf = (part: Part, value: string) => `${name}:${part}:${value}`;
  const waits = async (keys: Record<Part, string>, now: number) => {
    const counts = await store.read(parts.map((part) => keyOf(part, keys[part])));
    const result = {} as Record<Part, number>;
    for (const part of parts) result[part] = waitBeforeNextAttempt(partRules[part], counts.get(keyOf(part, keys[part])), now);
    return result;
  };
  return {
    waits,
    async wait(keys, now) {
      return Math.max(...Object.values<number>(await waits(keys, now)));
    },
    async record(keys, now, db) {
      for (const part of parts) {
        const value = keys[part];
        if (value !== undefined) await store.record(keyOf(part, value), now, partRules[part].forgetAfterMs, db);
      }
    },
    async clear(keys) {
      await store.clear(parts.flatMap((part) => (keys[part] === undefined ? [] : [keyOf(part, keys[part])])));
    },
  };
}

export interface SignInThrottle {
  wait(account: string, client: string, now: number): Promise<number>;
  /** `db`: the caller's transaction, joined by a database-backed store. */
  fail(account: string, client: string, now: number, db?: Executor): Promise<void>;
  /** A correct password clears the account's counters, but not the client's. */
  succeed(account: string, client: string): Promise<void>;
  /** A password reset proves ownership: the account starts afresh everywhere (SECURITY 51). */
  forgetAccount(account: string): Promise<void>;
}

export interface Limits {
  signIn: SignInThrottle;
  /** Keys: the digest of the normalised address, and the client key. */
  resetEmail: Throttle<'address' | 'client'>;
  /** Keys: the digest of the link's token, and the client key. */
  setPassword: Throttle<'link' | 'client'>;
}

export function createLimits(store: FailureStore): Limits {
  const signIn = throttle(store, 'sign-in', rules.signIn);
  // Accounts are keyed by a digest of the normalised email: the table holds no addresses, and unknown
  // addresses are throttled exactly like real ones (SECURITY 19).
  const keys = (account: string, client: string) => {
    const accountKey = digest(account);
    return { account: accountKey, accountAtClient: `${accountKey}:${client}`, client };
  };
  return {
    signIn: {
      wait: (account, client, now) => signIn.wait(keys(account, client), now),
      fail: async (account, client, now, db) => {
        await signIn.record(keys(account, client), now, db);
      },
      succeed: (account, client) => {
        const { account: accountKey, accountAtClient } = keys(account, client);
        return signIn.clear({ account: accountKey, accountAtClient });
      },
      forgetAccount: async (account) => {
        const accountKey = digest(account);
        await signIn.clear({ account: accountKey });
        await store.clearPrefix(`sign-in:accountAtClient:${accountKey}:`);
      },
    },
    resetEmail: throttle(store, 'reset-email', rules.resetEmail),
    setPassword: throttle(store, 'set-password', rules.setPassword),
  };
}
