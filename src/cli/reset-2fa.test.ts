// `npm run cli -- users reset-2fa` as an operator runs it for a user who lost the phone and the recovery
// codes: a real process on the service's database, which the test's deps (and their outbox) share.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../test/support/cli.ts';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { type TestDeps, testDeps } from '../../test/support/deps.ts';
import { currentCode } from '../factors/totp.ts';
import { resumeSession, startSession } from '../flows/sessions.ts';
import { signIn } from '../flows/sign-in.ts';
import { beginTotpSetup, confirmTotp } from '../flows/two-step.ts';
import { findUserById } from '../store/users.ts';

const client = { address: '203.0.113.7', userAgent: 'test' };
const password = 'Velvet-Otter-9';
let database: TestDatabase;
let t: TestDeps;

beforeEach(async () => {
  database = await createTestDatabase();
  // The CLI reads the real clock: the service's starts at the real now, and catches up before it sends.
  t = await testDeps({ DATABASE_URL: database.url }, { clockStart: Date.now() });
});
afterEach(async () => {
  await t.close();
  await database.drop();
});

const cli = (args: string[]) => runCli(database.url, args);

/** Ada with an authenticator app, and the session she set it up from. */
async function enrolledAda(): Promise<{ session: string; userId: string }> {
  const user = await t.addUser({ email: 'ada@example.com', password });
  const token = await startSession(t.deps.db, t.clock.now(), user.id, client);
  const resumed = await resumeSession(t.deps, token);
  if (resumed.status !== 'active') throw new Error('no session');
  const setup = beginTotpSetup(t.deps, user.id, resumed.signedIn.session.id_hash)!;
  const confirmed = await confirmTotp(t.deps, {
    user,
    holder: resumed.signedIn.session.id_hash,
    sealed: setup.sealed,
    code: currentCode(setup.secret, t.clock.now()),
    client,
    session: resumed.signedIn.session,
  });
  if (!confirmed.ok || confirmed.token === undefined) throw new Error('not enrolled');
  return { session: confirmed.token, userId: user.id };
}

describe('npm run cli -- users reset-2fa', () => {
  it('removes the factor, ends every session, emails the owner, and the next sign-in needs the password only (SECURITY 85)', async () => {
    const { session, userId } = await enrolledAda();
    const pending = await signIn(t.deps, { email: 'ada@example.com', password, client });
    expect(pending).toMatchObject({ ok: false, reason: 'second-step' });
    await t.outbox.drain();
    const sentBefore = t.smtp.received.length;

    const reset = await cli(['users', 'reset-2fa', '--email', 'ADA@example.com']);
    expect(reset).toEqual({
      code: 0,
      stdout: 'Removed the two-step verification of ADA@example.com; 1 session(s) ended\n',
      stderr: '',
    });

    expect((await resumeSession(t.deps, session)).status).toBe('none');
    expect((await findUserById(t.deps.db, userId))?.second_factor_at).toBeNull();
    expect(await t.deps.db.selectFrom('totp_factors').selectAll().execute()).toEqual([]);
    expect(await t.deps.db.selectFrom('recovery_codes').selectAll().execute()).toEqual([]);
    // The half-finished sign-in from before the reset is gone with the sessions.
    expect(await t.deps.db.selectFrom('pending_sign_ins').selectAll().execute()).toEqual([]);

    t.clock.advance(Date.now() - t.clock.now() + 1000);
    await t.outbox.drain();
    const sent = t.smtp.received.slice(sentBefore);
    expect(sent.map((email) => [email.envelope.to, email.subject])).toEqual([
      [['ada@example.com'], 'Your Sales Connect two-step verification was reset'],
    ]);
    expect(sent[0]!.text).toContain('An administrator removed the two-step verification of your Sales Connect account');

    const next = await signIn(t.deps, { email: 'ada@example.com', password, client });
    expect(next.ok).toBe(true);
    const kinds = await t.deps.db.selectFrom('security_events').select('kind').where('user_id', '=', userId).execute();
    expect(kinds.map((row) => row.kind)).toContain('two-step-reset');
  });

  it('says so when no user has the address', async () => {
    expect(await cli(['users', 'reset-2fa', '--email', 'nobody@example.com'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'No user has the address nobody@example.com.\n',
    });
  });

  it('says so when the account has no two-step verification, and changes nothing', async () => {
    const user = await t.addUser({ email: 'bob@example.com', password });
    const session = await startSession(t.deps.db, t.clock.now(), user.id, client);
    expect(await cli(['users', 'reset-2fa', '--email', 'bob@example.com'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'bob@example.com has no two-step verification to reset.\n',
    });
    expect((await resumeSession(t.deps, session)).status).toBe('active');
    t.clock.advance(Date.now() - t.clock.now() + 1000);
    await t.outbox.drain();
    expect(t.smtp.received).toEqual([]);
  });

  it('needs --email, and exits with 2 otherwise', async () => {
    const missing = await cli(['users', 'reset-2fa']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('users reset-2fa needs --email');
    expect(missing.stderr).toContain('npm run cli -- users reset-2fa --email EMAIL');
  });
});
