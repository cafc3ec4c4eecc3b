import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type TestDeps, testDeps } from '../../test/support/deps.ts';
import { newToken } from '../core/tokens.ts';
import { endSession, resumeSession, startSession } from './sessions.ts';

const client = { address: '203.0.113.7', userAgent: 'x'.repeat(5000) };
const HOUR = 3_600_000;
let t: TestDeps;

beforeEach(async () => {
  t = await testDeps();
});
afterEach(() => t.close());

async function newSession(): Promise<string> {
  const user = await t.addUser({ email: 'ada@example.com', password: 'Velvet-Otter-9' });
  return startSession(t.deps.db, t.clock.now(), user.id, client);
}

describe('sessions (SECURITY 59–62)', () => {
  it('end after an hour without activity (recorded to the minute)', async () => {
    const token = await newSession();
    t.clock.advance(HOUR - 1);
    expect((await resumeSession(t.deps, token)).status).toBe('active');
    t.clock.advance(HOUR + 60_000);
    expect((await resumeSession(t.deps, token)).status).toBe('expired');
    expect((await resumeSession(t.deps, token)).status).toBe('none');
  });

  it('last no longer than twelve hours however active they are', async () => {
    const token = await newSession();
    for (let elapsed = 0; elapsed < 12 * HOUR - 30 * 60_000; elapsed += 30 * 60_000) {
      t.clock.advance(30 * 60_000);
      expect((await resumeSession(t.deps, token)).status).toBe('active');
    }
    t.clock.advance(30 * 60_000);
    expect((await resumeSession(t.deps, token)).status).toBe('expired');
  });

  it('follow SESSION_IDLE_TIMEOUT and SESSION_ABSOLUTE_TIMEOUT', async () => {
    await t.close();
    t = await testDeps({ SESSION_IDLE_TIMEOUT: '5m', SESSION_ABSOLUTE_TIMEOUT: '10m' });
    const token = await newSession();
    // Five minutes, and the tenth of them by which a last use may go unrecorded (core/session-expiry.ts).
    t.clock.advance(5 * 60_000 + 30_000);
    expect((await resumeSession(t.deps, token)).status).toBe('expired');
    const second = await startSession(
      t.deps.db,
      t.clock.now(),
      (await t.deps.db.selectFrom('users').select('id').executeTakeFirstOrThrow()).id,
      client,
    );
    for (let minute = 1; minute <= 9; minute++) {
      t.clock.advance(60_000);
      expect((await resumeSession(t.deps, second)).status, `minute ${minute}`).toBe('active');
    }
    t.clock.advance(60_000);
    expect((await resumeSession(t.deps, second)).status).toBe('expired');
  });

  it('end when the account is disabled', async () => {
    const token = await newSession();
    await t.deps.db.updateTable('users').set({ disabled_at: t.clock.now() }).execute();
    expect((await resumeSession(t.deps, token)).status).toBe('expired');
  });

  it('end on sign-out, on the server', async () => {
    const token = await newSession();
    await endSession(t.deps.db, t.clock.now(), token);
    expect((await resumeSession(t.deps, token)).status).toBe('none');
    expect(await t.deps.db.selectFrom('sessions').selectAll().execute()).toEqual([]);
  });

  it('ignore values that are not ours, without asking the database', async () => {
    await newSession();
    for (const value of [undefined, '', 'abc', newToken(), `${newToken()}'--`])
      expect((await resumeSession(t.deps, value)).status).toBe('none');
  });

  it('keep a bounded user agent', async () => {
    await newSession();
    const [row] = await t.deps.db.selectFrom('sessions').select('user_agent').execute();
    expect(row?.user_agent).toHaveLength(512);
  });
});
