import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type TestDeps, testDeps } from '../../test/support/deps.ts';
import { resetLinkOf } from '../../test/support/smtp.ts';
import { disableUser, enableUser, revokeAllSessions } from './administer.ts';
import { sendResetEmail } from './forgot-password.ts';
import { openResetLink } from './reset-password.ts';
import { resumeSession, startSession } from './sessions.ts';
import { signIn } from './sign-in.ts';

const client = { address: '203.0.113.7', userAgent: 'test' };
let t: TestDeps;
beforeEach(async () => {
  t = await testDeps();
});
afterEach(() => t.close());

describe('administration', () => {
  it('disabling ends the sessions, kills the links and refuses sign-in; enabling lets the owner back', async () => {
    const user = await t.addUser({ email: 'ada@example.com', password: 'Velvet-Otter-9' });
    const session = await startSession(t.deps.db, t.clock.now(), user.id, client);
    await sendResetEmail(t.deps, { email: 'ada@example.com', client });
    await t.outbox.drain();
    const token = resetLinkOf(t.smtp.received[0]!).searchParams.get('token')!;

    expect(await disableUser(t.deps, 'ADA@example.com')).toEqual({ ok: true, endedSessions: 1 });
    expect((await resumeSession(t.deps, session)).status).toBe('none');
    expect(await openResetLink(t.deps, token)).toEqual({ ok: false, reason: 'invalid' });
    expect((await signIn(t.deps, { email: 'ada@example.com', password: 'Velvet-Otter-9', client })).ok).toBe(false);
    expect(await disableUser(t.deps, 'ada@example.com')).toEqual({ ok: false, reason: 'unchanged' });

    expect((await enableUser(t.deps, 'ada@example.com')).ok).toBe(true);
    expect((await signIn(t.deps, { email: 'ada@example.com', password: 'Velvet-Otter-9', client })).ok).toBe(true);
    const kinds = (await t.deps.db.selectFrom('security_events').select('kind').orderBy('at').execute()).map(
      (row) => row.kind,
    );
    expect(kinds).toContain('account-disabled');
    expect(kinds).toContain('account-enabled');
  });

  it('signs a user out everywhere', async () => {
    const user = await t.addUser({ email: 'ada@example.com', password: 'Velvet-Otter-9' });
    const sessions = [
      await startSession(t.deps.db, t.clock.now(), user.id, client),
      await startSession(t.deps.db, t.clock.now(), user.id, client),
    ];
    expect(await revokeAllSessions(t.deps, 'ada@example.com')).toEqual({ ok: true, endedSessions: 2 });
    for (const session of sessions) expect((await resumeSession(t.deps, session)).status).toBe('none');
    expect(await revokeAllSessions(t.deps, 'nobody@example.com')).toEqual({ ok: false, reason: 'no-such-user' });
  });
});
