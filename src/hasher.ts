// Argon2id, off the event loop, with bounded work (SECURITY 13–16).
// Hashes run on libuv's threads, `concurrency` of them (main.ts sizes the pool so). Each thread is handed its
// next hash in advance, in libuv's own queue, so it starts it the moment it is free instead of waiting for the
// event loop to come round (a commit waiting for the disk holds the event loop for a millisecond or two).
// Where the pool is larger than `concurrency` (a process main.ts did not start), those handed in advance
// would run at once: there only `concurrency` are handed, so memory stays bounded all the same.
// Beyond those, at most `queueLimit` wait here; anything more is refused at once with HashingOverloaded (the
// web layer answers 503 + Retry-After), so a flood of sign-ins costs a bounded amount of memory and never
// delays pages that need no hash.
import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { type Algorithm, hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import { TemporarilyUnavailable } from './core/unavailable.ts';

// Algorithm.Argon2id: the package declares an ambient const enum, which cannot be imported as a value here.
const ARGON2ID = 2 as Algorithm;

export interface HashParams {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

/** OWASP Password Storage Cheat Sheet: m = 19 MiB, t = 2, p = 1. */
export const OWASP_ARGON2ID: HashParams = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

export class HashingOverloaded extends TemporarilyUnavailable {
  constructor() {
    super('busy', 1, 'password hashing queue is full');
  }
}

export interface Hasher {
  hash(password: string): Promise<string>;
  /** A null hash (unknown user, no password yet) costs a full verification and returns false (SECURITY 16). */
  verify(passwordHash: string | null, password: string): Promise<boolean>;
  needsRehash(passwordHash: string): boolean;
  /**
   * False (and counted as shed) when the queue is already full, so a request that will need a hash is
   * turned away before its body is even read (SECURITY 15: the excess costs next to nothing).
   */
  admit(): boolean;
  /** Hashes on the hashing threads (running or next in their line) and waiting here, for metrics and tests. */
  load(): { running: number; waiting: number };
}

export interface HasherOptions {
  params: HashParams;
  /** Hashing threads: libuv's pool size, which main.ts sets before the pool starts. */
  concurrency: number;
  queueLimit: number;
  /** Told of every request refused because the queue was full (metrics). */
  onShed?: () => void;
}

export async function createHasher({ params, concurrency, queueLimit, onShed }: HasherOptions): Promise<Hasher> {
  const options = { ...params, algorithm: ARGON2ID };
  const dummyHash = await argon2Hash('not a password anyone has: the cost of an unknown account', options);
  // libuv has started its threads by now: the hashes they run yield the CPU to the event loop.
  const threads = lowerWorkerPriority();
  // Each thread's running hash and its next one, where the threads are exactly ours to count on (SECURITY 15).
  const handedLimit = threads === concurrency ? concurrency * 2 : concurrency;
  const waiting: Array<() => void> = [];
  let running = 0;

  const admit = () => {
    if (running < handedLimit || waiting.length < queueLimit) return true;
    onShed?.();
    return false;
  };

  async function bounded<T>(work: () => Promise<T>): Promise<T> {
    if (running >= handedLimit) {
      if (!admit()) throw new HashingOverloaded();
      await new Promise<void>((resolve) => waiting.push(resolve));
    } else {
      running++;
    }
    try {
      return await work();
    } finally {
      // Hand the slot straight to the next in line, so `running` never dips and lets a newcomer jump the queue.
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  }

  return {
    hash: (password) => bounded(() => argon2Hash(password, options)),
    verify: (passwordHash, password) =>
      bounded(async () => {
        const valid = await argon2Verify(passwordHash ?? dummyHash, password).catch(() => false);
        return valid && passwordHash !== null;
      }),
    needsRehash: (passwordHash) => {
      const stored = parseArgon2Params(passwordHash);
      return (
        stored === undefined ||
        stored.memoryCost < params.memoryCost ||
        stored.timeCost < params.timeCost ||
        stored.parallelism !== params.parallelism
      );
    },
    admit,
    load: () => ({ running, waiting: waiting.length }),
  };
}

/**
 * Hashing runs on libuv's worker threads, the event loop on the main thread. Under a flood of sign-ins the
 * hashes would take every core and pages that need no hash (a session check, the log-in page) would wait
 * behind them. A lower scheduling priority for the workers (nice 10; allowed without privileges) lets the
 * event loop run the moment it has work, while the hashes still use every cycle it leaves. Linux only; a
 * no-op elsewhere. Returns how many worker threads it found (0 where it cannot tell).
 */
function lowerWorkerPriority(): number {
  let found = 0;
  try {
    for (const thread of readdirSync('/proc/self/task')) {
      if (readFileSync(`/proc/self/task/${thread}/comm`, 'utf8').trim() !== 'libuv-worker') continue;
      found++;
      setPriority(Number(thread), 10);
    }
  } catch {
    // No /proc, or the threads are named otherwise: hashing keeps the normal priority.
  }
  return found;
}

/** The parameters of an Argon2id PHC string, or undefined if it is anything else. */
export function parseArgon2Params(phc: string): HashParams | undefined {
  const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(phc);
  if (!match) return undefined;
  return { memoryCost: Number(match[1]), timeCost: Number(match[2]), parallelism: Number(match[3]) };
}
