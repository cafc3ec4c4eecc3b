import { describe, expect, it } from 'vitest';
import { createHasher, HashingOverloaded, OWASP_ARGON2ID, parseArgon2Params } from './hasher.ts';

// libuv's pool in this test process: its default, unless the environment sets another size.
const libuvThreads = Number(process.env.UV_THREADPOOL_SIZE ?? 4);

describe('the password hasher (SECURITY 13–16)', () => {
  it('stores Argon2id with the OWASP parameters and a random salt', async () => {
    const hasher = await createHasher({ params: OWASP_ARGON2ID, concurrency: 2, queueLimit: 8 });
    const [a, b] = await Promise.all([hasher.hash('Velvet-Otter-9'), hasher.hash('Velvet-Otter-9')]);
    expect(parseArgon2Params(a!)).toEqual(OWASP_ARGON2ID);
    expect(a).not.toBe(b);
    const salt = a!.split('$')[4]!;
    expect(Buffer.from(salt, 'base64').length).toBeGreaterThanOrEqual(4);
    expect(await hasher.verify(a!, 'Velvet-Otter-9')).toBe(true);
    expect(await hasher.verify(a!, 'velvet-Otter-9')).toBe(false);
  });

  it('spends a full verification on a missing hash and says no', async () => {
    const hasher = await createHasher({ params: OWASP_ARGON2ID, concurrency: 1, queueLimit: 8 });
    expect(await hasher.verify(null, 'not a password anyone has: the cost of an unknown account')).toBe(false);
  });

  it('asks for a rehash when the stored parameters are weaker', async () => {
    const hasher = await createHasher({ params: OWASP_ARGON2ID, concurrency: 1, queueLimit: 8 });
    expect(hasher.needsRehash('$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA')).toBe(false);
    expect(hasher.needsRehash('$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ$aGFzaA')).toBe(false);
    expect(hasher.needsRehash('$argon2id$v=19$m=8192,t=2,p=1$c2FsdHNhbHQ$aGFzaA')).toBe(true);
    expect(hasher.needsRehash('$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA')).toBe(true);
    expect(hasher.needsRehash('$2b$10$abcdefghijklmnopqrstuv')).toBe(true);
  });

  it('hands each thread one hash and the next, queues a bounded number and sheds the rest at once', async () => {
    const hasher = await createHasher({ params: OWASP_ARGON2ID, concurrency: libuvThreads, queueLimit: 3 });
    const attempts = Array.from({ length: 20 }, () =>
      hasher.hash('Velvet-Otter-9').then(
        () => 'hashed',
        (error: unknown) => error,
      ),
    );
    expect(hasher.load()).toEqual({ running: 2 * libuvThreads, waiting: 3 });
    const results = await Promise.all(attempts);
    expect(results.filter((result) => result === 'hashed')).toHaveLength(2 * libuvThreads + 3);
    const shed = results.filter((result) => result instanceof HashingOverloaded);
    expect(shed).toHaveLength(20 - 2 * libuvThreads - 3);
    expect((shed[0] as HashingOverloaded).retryAfterSeconds).toBeGreaterThan(0);
    expect(hasher.load()).toEqual({ running: 0, waiting: 0 });
  });

  it('runs no more hashes at once than its concurrency where libuv has more threads (SECURITY 15)', async () => {
    expect(libuvThreads).toBeGreaterThan(1);
    const hasher = await createHasher({ params: OWASP_ARGON2ID, concurrency: 1, queueLimit: 3 });
    const attempts = Array.from({ length: 20 }, () =>
      hasher.hash('Velvet-Otter-9').then(
        () => 'hashed',
        () => 'shed',
      ),
    );
    expect(hasher.load()).toEqual({ running: 1, waiting: 3 });
    expect((await Promise.all(attempts)).filter((result) => result === 'hashed')).toHaveLength(4);
  });
});
