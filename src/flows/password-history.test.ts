// PASSWORD_HISTORY=N: a new password may not be one of the account's last N, whichever way it is chosen;
// the old hashes are kept only while the setting is on, and verifying them is throttled per account.
import { afterEach, describe, expect, it } from 'vitest';
import { type TestDeps, testDeps } from '../../test/support/deps.ts';
import { saveAccountDetails } from './account-details.ts';
import { resumeSession, type SignedIn, startSession } from './sessions.ts';
import { signIn } from './sign-in.ts';

const client = { address: '203.0.113.7', userAgent: 'test' };
const passwords = ['Velvet-Otter-9', 'Amber-Heron-27!', 'Copper-Lynx-41?', 'Silver-Crane-58#', 'Indigo-Moth-63%'];
let t: TestDeps;
afterEach(() => t.close());

async function session(userId: string): Promise<SignedIn> {
  const resumed = await resumeSession(t.deps, await startSession(t.deps.db, t.clock.now(), userId, client));
  if (resumed.status !== 'active') throw new Error('no session');
  return resumed.signedIn;
}

/** Changes the password in Settings from `current` to `next`, as its owner would. */
async function change(userId: string, current: string, next: string) {
  t.clock.advance(1000);
  return saveAccountDetails(
    t.deps,
    await session(userId),
    { name: 'Ada Lovelace', locale: 'en', password: { current, next, confirm: next } },
    client,
  );
}

const historyRows = (userId: string) =>
  t.deps.db.selectFrom('password_history').selectAll().where('user_id', '=', userId).execute();

describe('PASSWORD_HISTORY', () => {
  it('refuses one of the last N passwords with its reason, and accepts an older one', async () => {
    t = await testDeps({ PASSWORD_HISTORY: '2' });
    const user = await t.addUser({ email: 'ada@example.com', password: passwords[0]!, name: 'Ada Lovelace' });
    expect(await change(user.id, passwords[0]!, passwords[1]!)).toMatchObject({ ok: true });
    expect(await change(user.id, passwords[1]!, passwords[2]!)).toMatchObject({ ok: true });
    // passwords[1] is the last one before the current, passwords[0] the one before it: both remembered.
    for (const old of [passwords[0]!, passwords[1]!])
      expect(await change(user.id, passwords[2]!, old)).toEqual({
        ok: false,
        reason: 'invalid',
        problems: [{ field: 'next', reason: 'reused', last: 2 }],
      });
    expect(await change(user.id, passwords[2]!, passwords[3]!)).toMatchObject({ ok: true });
    // Two remembered now: passwords[2] and passwords[1]; passwords[0] has left the history.
    expect(await historyRows(user.id)).toHaveLength(2);
    expect(await change(user.id, passwords[3]!, passwords[0]!)).toMatchObject({ ok: true });
    expect((await signIn(t.deps, { email: 'ada@example.com', password: passwords[0]!, client })).ok).toBe(true);
  });

  it('keeps no old hash while it is 0, the default', async () => {
    t = await testDeps();
    const user = await t.addUser({ email: 'ada@example.com', password: passwords[0]!, name: 'Ada Lovelace' });
    expect(await change(user.id, passwords[0]!, passwords[1]!)).toMatchObject({ ok: true });
    expect(await change(user.id, passwords[1]!, passwords[0]!)).toMatchObject({ ok: true });
    expect(await historyRows(user.id)).toEqual([]);
  });

  it('counts every old hash it verifies, so choosing passwords cannot burn the hasher', async () => {
    t = await testDeps({ PASSWORD_HISTORY: '24' });
    const user = await t.addUser({ email: 'ada@example.com', password: passwords[0]!, name: 'Ada Lovelace' });
    const now = t.clock.now();
    await t.deps.db
      .insertInto('password_history')
      .values(
        Array.from({ length: 24 }, (_, i) => ({
          user_id: user.id,
          password_hash: passwords[0]!,
          replaced_at: now - i,
        })),
      )
      .execute();
    // 24 hashes a choice: two choices use the 48 free verifications, the third must wait.
    let current = passwords[0]!;
    const outcomes: unknown[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const next = `${passwords[1]}${attempt}`;
      const outcome = await change(user.id, current, next);
      outcomes.push(outcome);
      if (outcome.ok) current = next;
    }
    expect(outcomes).toMatchObject([{ ok: true }, { ok: true }, { ok: false, reason: 'throttled' }]);
  });
});
