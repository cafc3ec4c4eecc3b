// The second step of a sign-in, as the person at the keyboard (or the one who stole the password) sees it:
// real database, real Argon2id, real SMTP, a clock the test moves, codes computed as the phone computes them.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type TestDeps, testDeps } from '../../test/support/deps.ts';
import { resetLinkOf } from '../../test/support/smtp.ts';
import { MINUTE } from '../core/duration.ts';
import { digest } from '../core/tokens.ts';
import { currentCode } from '../factors/totp.ts';
import { countSessionsOfUser } from '../store/sessions.ts';
import type { User } from '../store/users.ts';
import { saveAccountDetails } from './account-details.ts';
import { revokeAllSessions } from './administer.ts';
import { sendResetEmail } from './forgot-password.ts';
import { setPassword } from './reset-password.ts';
import { completeEnrolment, completeSecondStep } from './second-step.ts';
import { resumeSession, type SignedIn, startSession } from './sessions.ts';
import { signIn } from './sign-in.ts';
import { beginTotpSetup, confirmTotp, type FactorProof, twoStepStatus } from './two-step.ts';

const client = { address: '203.0.113.7', userAgent: 'test' };
const password = 'Velvet-Otter-9';
const next = 'Amber-Heron-27!';
const STEP_MS = 30_000;
let t: TestDeps;

beforeEach(async () => {
  t = await testDeps();
});
afterEach(() => t.close());

async function signedInAs(deps: TestDeps, user: User): Promise<{ token: string; signedIn: SignedIn }> {
  const token = await startSession(deps.deps.db, deps.clock.now(), user.id, client);
  const resumed = await resumeSession(deps.deps, token);
  if (resumed.status !== 'active' && resumed.status !== 'enrol') throw new Error(`no session: ${resumed.status}`);
  return { token, signedIn: resumed.signedIn };
}

/** Settings → Security → set up an authenticator app; the clock then moves past the code that confirmed it. */
async function enrol(deps: TestDeps = t, email = 'ada@example.com') {
  const user = await deps.addUser({ email, password });
  const { signedIn } = await signedInAs(deps, user);
  const setup = beginTotpSetup(deps.deps, user.id, signedIn.session.id_hash);
  if (!setup) throw new Error('no setup');
  const confirmed = await confirmTotp(deps.deps, {
    user: signedIn.user,
    holder: signedIn.session.id_hash,
    sealed: setup.sealed,
    code: currentCode(setup.secret, deps.clock.now()),
    client,
    session: signedIn.session,
  });
  if (!confirmed.ok || confirmed.token === undefined) throw new Error(`not enrolled: ${JSON.stringify(confirmed)}`);
  deps.clock.advance(STEP_MS);
  return { user, secret: setup.secret, codes: confirmed.codes, session: confirmed.token };
}

/** The password, right: the half-finished sign-in's cookie value. */
async function password1(email = 'ada@example.com', from = client, deps: TestDeps = t, typed = password) {
  const outcome = await signIn(deps.deps, { email, password: typed, client: from });
  if (outcome.ok || outcome.reason !== 'second-step') throw new Error(`no second step: ${JSON.stringify(outcome)}`);
  return outcome.pendingToken;
}

const code = (secret: string, offsetSteps = 0) => currentCode(secret, t.clock.now() + offsetSteps * STEP_MS);
/** Six digits that are none of the codes the app would accept now. */
function wrongCode(secret: string): string {
  const near = [-1, 0, 1].map((offset) => code(secret, offset));
  let guess = 0;
  while (near.includes(String(guess).padStart(6, '0'))) guess++;
  return String(guess).padStart(6, '0');
}

const complete = (token: string | undefined, proof: FactorProof, from = client, deps: TestDeps = t) =>
  completeSecondStep(deps.deps, { token, proof, client: from });
const totp = (value: string): FactorProof => ({ kind: 'totp', code: value });
const reasonOf = (outcome: { ok: boolean; reason?: string }) => (outcome.ok ? 'signed-in' : outcome.reason);

describe('signing in to an account with an authenticator app', () => {
  it('a right password opens no session, only a half-finished sign-in that grants nothing (SECURITY 85, 90)', async () => {
    const { user } = await enrol();
    const before = await countSessionsOfUser(t.deps.db, user.id);
    const outcome = await signIn(t.deps, { email: 'ada@example.com', password, client });
    expect(outcome).toMatchObject({ ok: false, reason: 'second-step', stage: 'verify' });
    expect('token' in outcome).toBe(false);
    expect(await countSessionsOfUser(t.deps.db, user.id)).toBe(before);
    if (outcome.ok || outcome.reason !== 'second-step') return;
    // Its cookie value, sent as a session cookie, is no session.
    expect((await resumeSession(t.deps, outcome.pendingToken)).status).toBe('none');
  });

  it('the current code of the app opens a session proven with both factors (amr pwd otp mfa)', async () => {
    const { user, secret } = await enrol();
    const pending = await password1();
    const outcome = await complete(pending, totp(code(secret)));
    expect(outcome).toMatchObject({ ok: true, usedRecoveryCode: false });
    if (!outcome.ok) return;
    expect(outcome.user.id).toBe(user.id);
    expect(outcome.deviceToken).toBeDefined();
    const resumed = await resumeSession(t.deps, outcome.token);
    expect(resumed.status).toBe('active');
    if (resumed.status !== 'active') return;
    expect(resumed.signedIn.session.factors).toBe('pwd otp mfa');
    // The half-finished sign-in is over: it opens nothing a second time.
    t.clock.advance(STEP_MS);
    expect(await complete(pending, totp(code(secret)))).toEqual({ ok: false, reason: 'expired' });
  });

  it('accepts the code shown as "123 456"', async () => {
    const { secret } = await enrol();
    const value = code(secret);
    expect(reasonOf(await complete(await password1(), totp(`${value.slice(0, 3)} ${value.slice(3)}`)))).toBe(
      'signed-in',
    );
  });

  it('refuses the same code replayed, even by another sign-in (SECURITY 86)', async () => {
    const { secret } = await enrol();
    const value = code(secret);
    expect(reasonOf(await complete(await password1(), totp(value)))).toBe('signed-in');
    expect(await complete(await password1(), totp(value))).toEqual({ ok: false, reason: 'wrong-code' });
  });

  it('refuses the code that confirmed the app (SECURITY 86)', async () => {
    const user = await t.addUser({ email: 'ada@example.com', password });
    const { signedIn } = await signedInAs(t, user);
    const setup = beginTotpSetup(t.deps, user.id, signedIn.session.id_hash)!;
    const first = currentCode(setup.secret, t.clock.now());
    const confirmed = await confirmTotp(t.deps, {
      user,
      holder: signedIn.session.id_hash,
      sealed: setup.sealed,
      code: first,
      client,
      session: signedIn.session,
    });
    expect(confirmed.ok).toBe(true);
    expect(await complete(await password1(), totp(first))).toEqual({ ok: false, reason: 'wrong-code' });
  });

  it('accepts the code of the previous step, and refuses one two steps away (SECURITY 86)', async () => {
    const { secret } = await enrol();
    // Well past the step the enrolment used, so that only the skew decides.
    t.clock.advance(4 * STEP_MS);
    const pending = await password1();
    const twoAway = code(secret, -2);
    if (![-1, 0, 1].some((offset) => code(secret, offset) === twoAway)) {
      expect(await complete(pending, totp(twoAway))).toEqual({ ok: false, reason: 'wrong-code' });
      expect(await complete(pending, totp(code(secret, 2)))).toEqual({ ok: false, reason: 'wrong-code' });
    }
    expect(reasonOf(await complete(pending, totp(code(secret, -1))))).toBe('signed-in');
  });

  it('refuses letters and wrong codes, and records each failure in the activity (SECURITY 86)', async () => {
    const { user, secret } = await enrol();
    const pending = await password1();
    expect(await complete(pending, totp('abcdef'))).toEqual({ ok: false, reason: 'wrong-code' });
    expect(await complete(pending, totp(wrongCode(secret)))).toEqual({ ok: false, reason: 'wrong-code' });
    const failed = await t.deps.db
      .selectFrom('security_events')
      .select('kind')
      .where('user_id', '=', user.id)
      .where('kind', '=', 'second-step-failed')
      .execute();
    expect(failed).toHaveLength(2);
    expect(reasonOf(await complete(pending, totp(code(secret))))).toBe('signed-in');
  });
});

describe('guessing the code', () => {
  it('lets five mistakes and one more through, then makes even the right code wait (SECURITY 86)', async () => {
    const { secret } = await enrol();
    const pending = await password1();
    // As for passwords (sign-in.test.ts): five free failures, then each further attempt waits longer.
    for (let i = 0; i < 6; i++) {
      expect(await complete(pending, totp(wrongCode(secret))), `guess ${i + 1}`).toEqual({
        ok: false,
        reason: 'wrong-code',
      });
    }
    expect(await complete(pending, totp(code(secret)))).toEqual({ ok: false, reason: 'throttled', retryAfterMs: 1000 });
    t.clock.advance(1000);
    expect(reasonOf(await complete(pending, totp(code(secret))))).toBe('signed-in');
  });

  it('throttles the account, not the client: another account signs in from the same address (SECURITY 86)', async () => {
    const { secret } = await enrol();
    const other = await enrol(t, 'bob@example.com');
    const pending = await password1();
    for (let i = 0; i < 6; i++) await complete(pending, totp(wrongCode(secret)));
    expect(reasonOf(await complete(pending, totp(code(secret))))).toBe('throttled');
    expect(reasonOf(await complete(await password1('bob@example.com'), totp(code(other.secret))))).toBe('signed-in');
  });

  it('counts guesses from every address against the account: spreading them over clients does not help (SECURITY 86)', async () => {
    const { secret } = await enrol();
    const at = (address: string) => ({ ...client, address });
    // Eleven wrong guesses (ten free failures and one more, as for passwords), never more than four from one
    // address, each of which alone would still be let through.
    for (const [address, guesses] of [
      ['198.51.100.1', 4],
      ['198.51.100.2', 4],
      ['198.51.100.3', 3],
    ] as const) {
      const pending = await password1('ada@example.com', at(address));
      for (let i = 0; i < guesses; i++) {
        expect(reasonOf(await complete(pending, totp(wrongCode(secret)), at(address)))).toBe('wrong-code');
      }
    }
    const fresh = at('198.51.100.4');
    const pending = await password1('ada@example.com', fresh);
    expect(reasonOf(await complete(pending, totp(code(secret)), fresh))).toBe('throttled');
  });
});

describe('a recovery code', () => {
  it('signs in once, then is refused; its use is emailed to the owner (SECURITY 87)', async () => {
    const { codes, secret } = await enrol();
    await t.outbox.drain();
    const sentBefore = t.smtp.received.length;
    const typed = codes[3]!.toUpperCase().replace('-', ' ');
    const outcome = await complete(await password1(), { kind: 'recovery', code: typed });
    expect(outcome).toMatchObject({ ok: true, usedRecoveryCode: true });
    if (!outcome.ok) return;
    expect((await resumeSession(t.deps, outcome.token)).status).toBe('active');
    expect(await complete(await password1(), { kind: 'recovery', code: codes[3]! })).toEqual({
      ok: false,
      reason: 'wrong-code',
    });
    // A recovery code is not a code of the app, nor the other way round.
    expect(await complete(await password1(), { kind: 'recovery', code: code(secret) })).toEqual({
      ok: false,
      reason: 'wrong-code',
    });

    await t.outbox.drain();
    // Beside the notice of the code, the one of a sign-in from a browser the account had not seen.
    const notices = t.smtp.received.slice(sentBefore).filter((email) => !email.subject.startsWith('New sign-in'));
    expect(notices).toHaveLength(1);
    const [notice] = notices;
    expect(notice!.envelope.to).toEqual(['ada@example.com']);
    expect(notice!.subject).toBe('A recovery code of your Sales Connect account was used');
    expect(notice!.text).toContain('One of the recovery codes of your Sales Connect account was used on');
    expect(notice!.text).toContain('You have 9 recovery codes left.');
    expect(notice!.text).toContain('/settings/security');
    for (const each of codes) expect(notice!.text).not.toContain(each);
    const kinds = (await t.deps.db.selectFrom('security_events').select('kind').execute()).map((row) => row.kind);
    expect(kinds).toContain('recovery-code-used');
  });

  it('of another account is refused (SECURITY 87)', async () => {
    await enrol();
    const bob = await enrol(t, 'bob@example.com');
    expect(await complete(await password1(), { kind: 'recovery', code: bob.codes[0]! })).toEqual({
      ok: false,
      reason: 'wrong-code',
    });
  });
});

describe('a reset, a password change, and the half-finished sign-in', () => {
  async function reset(): Promise<void> {
    await sendResetEmail(t.deps, { email: 'ada@example.com', client });
    await t.outbox.drain();
    const link = t.smtp.received.filter((email) => email.text.includes('/reset-password?token=')).at(-1)!;
    const token = resetLinkOf(link).searchParams.get('token')!;
    expect(await setPassword(t.deps, { token, next, confirm: next, client })).toMatchObject({ ok: true });
  }

  it('a password reset keeps the factor: the next sign-in still asks for the second step (SECURITY 85)', async () => {
    const { user, secret } = await enrol();
    await reset();
    const outcome = await signIn(t.deps, { email: 'ada@example.com', password: next, client });
    expect(outcome).toMatchObject({ ok: false, reason: 'second-step', stage: 'verify' });
    const fresh = (await t.deps.db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirst())!;
    expect((await twoStepStatus(t.deps, fresh as User)).enrolled).toBe(true);
    if (outcome.ok || outcome.reason !== 'second-step') return;
    expect(reasonOf(await complete(outcome.pendingToken, totp(code(secret))))).toBe('signed-in');
  });

  it('a half-finished sign-in dies when the password is reset (SECURITY 90)', async () => {
    const { secret } = await enrol();
    const pending = await password1();
    await reset();
    expect(await complete(pending, totp(code(secret)))).toEqual({ ok: false, reason: 'expired' });
  });

  it('a half-finished sign-in dies when the password is changed in Settings (SECURITY 90)', async () => {
    const { secret, session } = await enrol();
    const pending = await password1('ada@example.com', { ...client, address: '198.51.100.9' });
    const resumed = await resumeSession(t.deps, session);
    if (resumed.status !== 'active') throw new Error('no session');
    const changed = await saveAccountDetails(
      t.deps,
      resumed.signedIn,
      { name: 'Ada Lovelace', locale: 'en', password: { current: password, next, confirm: next } },
      client,
    );
    expect(changed).toMatchObject({ ok: true, passwordChanged: true });
    expect(await complete(pending, totp(code(secret)))).toEqual({ ok: false, reason: 'expired' });
  });

  it('a half-finished sign-in dies with "sign out everywhere" (SECURITY 90)', async () => {
    const { secret } = await enrol();
    const pending = await password1();
    expect((await revokeAllSessions(t.deps, 'ada@example.com')).ok).toBe(true);
    expect(await complete(pending, totp(code(secret)))).toEqual({ ok: false, reason: 'expired' });
  });

  it('a half-finished sign-in expires after five minutes (SECURITY 90)', async () => {
    const { secret } = await enrol();
    const late = await password1();
    t.clock.advance(5 * MINUTE - 1000);
    const inTime = await password1();
    t.clock.advance(1000);
    expect(await complete(late, totp(code(secret)))).toEqual({ ok: false, reason: 'expired' });
    expect(reasonOf(await complete(inTime, totp(code(secret))))).toBe('signed-in');
  });

  it('no half-finished sign-in, or a made-up one, opens nothing', async () => {
    const { secret } = await enrol();
    expect(await complete(undefined, totp(code(secret)))).toEqual({ ok: false, reason: 'expired' });
    expect(await complete('x'.repeat(43), totp(code(secret)))).toEqual({ ok: false, reason: 'expired' });
  });
});

describe('REQUIRE_2FA=required', () => {
  let r: TestDeps;
  beforeEach(async () => {
    r = await testDeps({ REQUIRE_2FA: 'required' });
  });
  afterEach(() => r.close());

  it('an account without a factor enrols on the second step: its first code opens a session and gives ten recovery codes', async () => {
    const user = await r.addUser({ email: 'ada@example.com', password });
    const outcome = await signIn(r.deps, { email: 'ada@example.com', password, client });
    expect(outcome).toMatchObject({ ok: false, reason: 'second-step', stage: 'enrol' });
    if (outcome.ok || outcome.reason !== 'second-step') return;
    expect(await countSessionsOfUser(r.deps.db, user.id)).toBe(0);
    // Enrolment is not verification: the verify step refuses it.
    expect(await complete(outcome.pendingToken, totp('123456'), client, r)).toEqual({ ok: false, reason: 'expired' });
    const setup = beginTotpSetup(r.deps, user.id, digest(outcome.pendingToken))!;
    const enrolled = await completeEnrolment(r.deps, {
      token: outcome.pendingToken,
      sealed: setup.sealed,
      code: currentCode(setup.secret, r.clock.now()),
      client,
    });
    expect(enrolled).toMatchObject({ ok: true });
    if (!enrolled.ok) return;
    expect(enrolled.codes).toHaveLength(10);
    expect(new Set(enrolled.codes).size).toBe(10);
    const resumed = await resumeSession(r.deps, enrolled.token);
    expect(resumed.status).toBe('active');
    if (resumed.status === 'active') expect(resumed.signedIn.session.factors).toBe('pwd otp mfa');
    // From now on, the account signs in with its app.
    r.clock.advance(STEP_MS);
    const again = await password1('ada@example.com', client, r);
    expect(reasonOf(await complete(again, totp(currentCode(setup.secret, r.clock.now())), client, r))).toBe(
      'signed-in',
    );
  });

  it("refuses a setup made for another browser's sign-in (SECURITY 89)", async () => {
    const user = await r.addUser({ email: 'ada@example.com', password });
    const mine = await password1('ada@example.com', client, r);
    const theirs = await password1('ada@example.com', { ...client, address: '198.51.100.66' }, r);
    const setup = beginTotpSetup(r.deps, user.id, digest(theirs))!;
    const outcome = await completeEnrolment(r.deps, {
      token: mine,
      sealed: setup.sealed,
      code: currentCode(setup.secret, r.clock.now()),
      client,
    });
    expect(outcome).toEqual({ ok: false, reason: 'expired' });
    expect(await countSessionsOfUser(r.deps.db, user.id)).toBe(0);
  });

  it('a wrong first code enrols nothing', async () => {
    const user = await r.addUser({ email: 'ada@example.com', password });
    const pending = await password1('ada@example.com', client, r);
    const setup = beginTotpSetup(r.deps, user.id, digest(pending))!;
    const near = [-1, 0, 1].map((offset) => currentCode(setup.secret, r.clock.now() + offset * STEP_MS));
    const wrong = ['000000', '111111'].find((value) => !near.includes(value))!;
    expect(await completeEnrolment(r.deps, { token: pending, sealed: setup.sealed, code: wrong, client })).toEqual({
      ok: false,
      reason: 'wrong-code',
    });
    expect((await twoStepStatus(r.deps, user)).enrolled).toBe(false);
  });
});

describe('REQUIRE_2FA=off', () => {
  it('an enrolled account signs in with its password only, and no app can be set up', async () => {
    const { user } = await enrol();
    const target = t.deps.config.database;
    const url = target.kind === 'sqlite' ? `sqlite:${target.path}` : target.url;
    const off = await testDeps({ DATABASE_URL: url, REQUIRE_2FA: 'off' });
    try {
      const outcome = await signIn(off.deps, { email: 'ada@example.com', password, client });
      expect(outcome.ok).toBe(true);
      if (!outcome.ok) return;
      expect((await resumeSession(off.deps, outcome.token)).status).toBe('active');
      expect(beginTotpSetup(off.deps, user.id, 'anyone')).toBeUndefined();
      expect((await twoStepStatus(off.deps, outcome.user)).available).toBe(false);
    } finally {
      await off.close();
    }
  });
});
