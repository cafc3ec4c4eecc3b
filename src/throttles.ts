// The named throttles and where their counters live. The delay policy itself is pure: core/throttle.ts.
import { DAY, HOUR, MINUTE } from './core/duration.ts';
import { type ThrottleRule, waitBeforeNextAttempt } from './core/throttle.ts';
import { digest } from './core/tokens.ts';
import type { Executor } from './store/database.ts';
import type { ThrottleStore } from './throttle-stores.ts';

/** How long a browser stays known to an account after it signed in (SECURITY 21). */
export const KNOWN_DEVICE_MS = 180 * DAY;

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
  // SECURITY 86: guesses at a second factor, after a right password or in a signed-in session, counted like
  // passwords: per account at the client, per account (skipped by a known device, so the owner is not
  // locked out by whoever has the password), and wrong codes per client.
  secondFactor: {
    accountAtClient: { freeFailures: 5, baseDelayMs: 1000, maxDelayMs: 15 * MINUTE, forgetAfterMs: DAY },
    account: { freeFailures: 10, baseDelayMs: 1000, maxDelayMs: 15 * MINUTE, maxFailures: 100, forgetAfterMs: DAY },
    client: { freeFailures: 20, baseDelayMs: 1000, maxDelayMs: 15 * MINUTE, forgetAfterMs: DAY },
  },
  // SECURITY 30: three reset emails per address, then none until the address has been quiet for fifteen
  // minutes; the cap is silent (the answer does not change). Per client, requests slow down visibly.
  resetEmail: {
    address: {
      freeFailures: 3,
      baseDelayMs: 15 * MINUTE,
      maxDelayMs: 15 * MINUTE,
      maxFailures: 3,
      forgetAfterMs: 15 * MINUTE,
    },
    client: { freeFailures: 10, baseDelayMs: 1000, maxDelayMs: 15 * MINUTE, forgetAfterMs: HOUR },
  },
  // SECURITY 43: refused submissions of the set-password form, per link and per client.
  setPassword: {
    link: { freeFailures: 10, baseDelayMs: 1000, maxDelayMs: 15 * MINUTE, forgetAfterMs: HOUR },
    client: { freeFailures: 20, baseDelayMs: 1000, maxDelayMs: 15 * MINUTE, forgetAfterMs: HOUR },
  },
  // PASSWORD_HISTORY: each old hash verified against a new password, per account, so that choosing
  // passwords cannot be used to burn the hasher's time (24 old hashes: two choices an hour go at once).
  passwordHistory: {
    account: { freeFailures: 48, baseDelayMs: 1000, maxDelayMs: 15 * MINUTE, forgetAfterMs: HOUR },
  },
  // SECURITY 78: requests of apps that fail to authenticate (a wrong client secret) or redeem nothing (a
  // guessed code or refresh token), per address and per client at that address. Only failures count, so an
  // attacker cannot slow down an app that works.
  appRequests: {
    address: { freeFailures: 20, baseDelayMs: 1000, maxDelayMs: 5 * MINUTE, forgetAfterMs: HOUR },
    clientAtAddress: { freeFailures: 10, baseDelayMs: 1000, maxDelayMs: 5 * MINUTE, forgetAfterMs: HOUR },
  },
} satisfies Record<string, Record<string, ThrottleRule>>;

/** Counters for one action, one per part (account, client…); the longest wait among them wins. */
export interface Throttle<Part extends string> {
  /** Milliseconds before an attempt may go ahead, part by part; 0 when it may go ahead now. Counts nothing. */
  waits(keys: Partial<Record<Part, string>>, now: number, db?: Executor): Promise<Record<Part, number>>;
  /**
   * Counts an attempt against each part given and says, part by part, how long it should have waited (0:
   * it goes ahead). SECURITY 20: the count is taken before the answer, atomically, so a burst of parallel
   * attempts cannot all slip through between a check and a count. An attempt already too early by the
   * counters' last state is refused without being counted.
   */
  take(keys: Partial<Record<Part, string>>, now: number, db?: Executor): Promise<Record<Part, number>>;
  clear(keys: Partial<Record<Part, string>>, db?: Executor): Promise<void>;
}

export const longest = (waits: Record<string, number>): number => Math.max(0, ...Object.values(waits));

function throttle<Part extends string>(
  store: ThrottleStore,
  name: string,
  partRules: Record<Part, ThrottleRule>,
): Throttle<Part> {
  const keyOf = (part: Part, value: string) => `${name}:${part}:${value}`;
  const given = (keys: Partial<Record<Part, string>>) =>
    (Object.keys(partRules) as Part[]).flatMap((part) =>
      keys[part] === undefined ? [] : [{ part, key: keyOf(part, keys[part]) }],
    );
  const waits = async (keys: Partial<Record<Part, string>>, now: number, db?: Executor) => {
    const entries = given(keys);
    const counts = await store.read(
      entries.map(({ key }) => key),
      db,
    );
    const result = {} as Record<Part, number>;
    for (const { part, key } of entries) result[part] = waitBeforeNextAttempt(partRules[part], counts.get(key), now);
    return result;
  };
  return {
    waits,
    async take(keys, now, db) {
      const entries = given(keys);
      const before = await store.read(
        entries.map(({ key }) => key),
        db,
      );
      const result = {} as Record<Part, number>;
      for (const { part, key } of entries) result[part] = waitBeforeNextAttempt(partRules[part], before.get(key), now);
      if (longest(result) > 0) return result;
      for (const { part, key } of entries) {
        const rule = partRules[part];
        const after = await store.record(key, now, rule.forgetAfterMs, db);
        const seen = before.get(key);
        const seenCount = seen && now - seen.lastFailureAt < rule.forgetAfterMs ? seen.failures : 0;
        // More attempts than we saw were counted in between: they happened just now, and this one is judged
        // as coming right after them.
        const basis = after.failures - 1 === seenCount ? seen : { failures: after.failures - 1, lastFailureAt: now };
        result[part] = after.failures === 1 ? 0 : waitBeforeNextAttempt(rule, basis, now);
      }
      return result;
    },
    async clear(keys, db) {
      await store.clear(
        given(keys).map(({ key }) => key),
        db,
      );
    },
  };
}

export interface SignInThrottle {
  /**
   * Before a password is verified (a sign-in, a guess at the current password): how long it must wait, 0
   * meaning go ahead. The account's counters count the attempt there and then, so a burst of parallel
   * guesses at one account cannot slip through (SECURITY 20); a known device of the account skips the
   * account-wide counter, so an attacker elsewhere cannot lock the owner out (SECURITY 21). Given a
   * transaction (`db`), parallel attempts take the counters' row locks in the same order, so each ranks the
   * same on every counter and exactly the allowed number go ahead; without one, a few fewer may.
   */
  attempt(
    account: string,
    client: string,
    now: number,
    options?: { knownDevice?: boolean; db?: Executor },
  ): Promise<number>;
  /**
   * After a wrong password: the client's counter, which counts failures only (one address trying many
   * accounts). Every failure writes it, known account or not, so both cost the same (SECURITY 16).
   */
  fail(client: string, now: number, db?: Executor): Promise<void>;
  /** A correct password clears the account's counters. */
  succeed(account: string, client: string, db?: Executor): Promise<void>;
  /** A password reset proves ownership: the account starts afresh everywhere (SECURITY 51). */
  forgetAccount(account: string): Promise<void>;
}

export interface Throttles {
  signIn: SignInThrottle;
  /** The same shape as signIn, its keys the user id (flows/two-step.ts). */
  secondFactor: SignInThrottle;
  /** Keys: the digest of the normalised address, and the client key. */
  resetEmail: Throttle<'address' | 'client'>;
  /** Keys: the digest of the link's token, and the client key. */
  setPassword: Throttle<'link' | 'client'>;
  /** Keys: the account's id (flows/new-password.ts). */
  passwordHistory: Throttle<'account'>;
  /** Keys: the client key, and the client_id at it (apps/guards.ts). */
  appRequests: Throttle<'address' | 'clientAtAddress'>;
}

export function createThrottles(store: ThrottleStore): Throttles {
  return {
    signIn: guessThrottle(store, 'sign-in', rules.signIn),
    secondFactor: guessThrottle(store, 'second-factor', rules.secondFactor),
    resetEmail: throttle(store, 'reset-email', rules.resetEmail),
    setPassword: throttle(store, 'set-password', rules.setPassword),
    passwordHistory: throttle(store, 'password-history', rules.passwordHistory),
    appRequests: throttle(store, 'app-requests', rules.appRequests),
  };
}

/** Guesses at a secret of an account: its password, or its second factor. */
function guessThrottle(
  store: ThrottleStore,
  name: string,
  partRules: Record<'accountAtClient' | 'account' | 'client', ThrottleRule>,
): SignInThrottle {
  const counters = throttle(store, name, partRules);
  // Accounts are keyed by a digest of the normalised email: the table holds no addresses, and unknown
  // addresses are throttled exactly like real ones (SECURITY 19).
  const keys = (account: string, client: string) => {
    const accountKey = digest(account);
    return { account: accountKey, accountAtClient: `${accountKey}:${client}`, client };
  };
  return {
    async attempt(account, client, now, { knownDevice = false, db } = {}) {
      const { account: accountKey, accountAtClient } = keys(account, client);
      const counted = knownDevice ? { accountAtClient } : { account: accountKey, accountAtClient };
      const already = longest(await counters.waits({ ...counted, client }, now, db));
      return already > 0 ? already : longest(await counters.take(counted, now, db));
    },
    async fail(client, now, db) {
      await counters.take({ client }, now, db);
    },
    async succeed(account, client, db) {
      const { account: accountKey, accountAtClient } = keys(account, client);
      await counters.clear({ account: accountKey, accountAtClient }, db);
    },
    async forgetAccount(account) {
      const accountKey = digest(account);
      await counters.clear({ account: accountKey });
      await store.clearPrefix(`${name}:accountAtClient:${accountKey}:`);
    },
  };
}
