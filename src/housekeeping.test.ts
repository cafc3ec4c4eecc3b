import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type TestDeps, testDeps } from '../test/support/deps.ts';
import { sendResetEmail } from './flows/forgot-password.ts';
import { startSession } from './flows/sessions.ts';
import { signIn } from './flows/sign-in.ts';
import { sweep } from './housekeeping.ts';

const client = { address: '203.0.113.7', userAgent: 'test' };
let t: TestDeps;
beforeEach(async () => {
  t = await testDeps();
});
afterEach(() => t.close());

const count = async (table: 'sessions' | 'throttles' | 'reset_tokens' | 'outbox' | 'security_events') =>
  Number(
    (
      await t.deps.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('housekeeping', () => {
  it('keeps what is alive and deletes what nobody can use any more', async () => {
    const user = await t.addUser({ email: 'ada@example.com', password: 'Velvet-Otter-9' });
    await startSession(t.deps.db, t.clock.now(), user.id, client);
    await signIn(t.deps, { email: 'ada@example.com', password: 'Wrong-Otter-9', client });
    await sendResetEmail(t.deps, { email: 'ada@example.com', client });
    await t.outbox.drain();
    await sweep(t.deps);
    expect([
      await count('sessions'),
      await count('throttles'),
      await count('reset_tokens'),
      await count('outbox'),
      await count('security_events'),
    ]).toEqual([1, 5, 1, 1, 2]);

    t.clock.advance(8 * 86_400_000);
    await sweep(t.deps);
    expect([
      await count('sessions'),
      await count('throttles'),
      await count('reset_tokens'),
      await count('outbox'),
      await count('security_events'),
    ]).toEqual([0, 0, 0, 0, 2]);
    t.clock.advance(90 * 86_400_000);
    await sweep(t.deps);
    expect(await count('security_events')).toBe(0);
  });
});
