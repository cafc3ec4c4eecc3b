// Settings → Security → Two-step verification, as the signed-in owner (and whoever sits at a stolen session)
// sees it: set up an authenticator app, confirm it's you, remove it, renew the recovery codes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type TestDeps, testDeps } from '../../test/support/deps.ts';
import { MINUTE } from '../core/duration.ts';
import { currentCode } from '../factors/totp.ts';
import type { User } from '../store/users.ts';
import { saveAccountDetails } from './account-details.ts';
import { completeSecondStep } from './second-step.ts';
import { resumeSession, type SignedIn, startSession } from './sessions.ts';
import { signIn } from './sign-in.ts';
import {
  beginTotpSetup,
  confirmTotp,
  removeTwoStep,
  renewRecoveryCodes,
  STEP_UP_MS,
  stepUp,
  twoStepStatus,
} from './two-step.ts';

const client = { address: '203.0.113.7', userAgent: 'test' };
const password = 'Velvet-Otter-9';
const next = 'Amber-Heron-27!';
const STEP_MS = 30_000;
let t: TestDeps;

beforeEach(async () => {
  t = await testDeps();
});
afterEach(() => t.close());

/** The session behind a cookie value, as the next request would find it. */
async function resumed(token: string, deps: TestDeps = t): Promise<SignedIn> {
  const outcome = await resumeSession(deps.deps, token);
  if (outcome.status !== 'active' && outcome.status !== 'enrol') throw new Error(`no session: ${outcome.status}`);
  return outcome.signedIn;
}

async function signedIn(deps: TestDeps = t, email = 'ada@example.com'): Promise<{ token: string; user: User }> {
  const user = await deps.addUser({ email, password });
  return { token: await startSession(deps.deps.db, deps.clock.now(), user.id, client), user };
}

/** The setup page, then its first code, from the session behind `token`. */
async function setUpApp(token: string, deps: TestDeps = t) {
  const session = await resumed(token, deps);
  const setup = beginTotpSetup(deps.deps, session.user.id, session.session.id_hash);
  if (!setup) throw new Error('no setup');
  const confirmed = await confirmTotp(deps.deps, {
    user: session.user,
    holder: session.session.id_hash,
    sealed: setup.sealed,
    code: currentCode(setup.secret, deps.clock.now()),
    client,
    session: session.session,
  });
  return { setup, confirmed };
}

/** Enrolled from Settings; the clock then moves past the code that confirmed it. */
async function enrolled(deps: TestDeps = t) {
  const { token: first, user } = await signedIn(deps);
  const { setup, confirmed } = await setUpApp(first, deps);
  if (!confirmed.ok || confirmed.token === undefined) throw new Error(`not enrolled: ${JSON.stringify(confirmed)}`);
  deps.clock.advance(STEP_MS);
  return { user, secret: setup.secret, codes: confirmed.codes, token: confirmed.token };
}

const codeOf = (secret: string, deps: TestDeps = t) => currentCode(secret, deps.clock.now());

async function signInWith(proof: { kind: 'totp' | 'recovery'; code: string }) {
  const first = await signIn(t.deps, { email: 'ada@example.com', password, client });
  if (first.ok || first.reason !== 'second-step') return first;
  return completeSecondStep(t.deps, { token: first.pendingToken, proof, client });
}

const emailsTo = async (subject: string) => {
  await t.outbox.drain();
  return t.smtp.received.filter((email) => email.subject === subject);
};

describe('setting up an authenticator app', () => {
  it('its first code turns two-step verification on, shows ten recovery codes and tells the owner (SECURITY 89)', async () => {
    const { token, user } = await signedIn();
    const { confirmed } = await setUpApp(token);
    expect(confirmed).toMatchObject({ ok: true });
    if (!confirmed.ok || confirmed.token === undefined) return;
    expect(confirmed.codes).toHaveLength(10);
    // The session goes on under a new id, proven with both factors.
    expect(confirmed.token).not.toBe(token);
    expect((await resumeSession(t.deps, token)).status).toBe('none');
    const session = await resumed(confirmed.token);
    expect(session.session.factors).toBe('pwd otp mfa');
    expect(await twoStepStatus(t.deps, session.user)).toMatchObject({
      available: true,
      enrolled: true,
      required: false,
      recoveryCodesLeft: 10,
    });
    const notices = await emailsTo('Two-step verification is on for your Sales Connect account');
    expect(notices.map((email) => email.envelope.to)).toEqual([['ada@example.com']]);
    const kinds = await t.deps.db.selectFrom('security_events').select('kind').where('user_id', '=', user.id).execute();
    expect(kinds.map((row) => row.kind)).toContain('two-step-enabled');
  });

  it("keeps the app's key sealed and the recovery codes as digests: the database shows neither (SECURITY 87)", async () => {
    const { user, secret, codes } = await enrolled();
    const factor = await t.deps.db.selectFrom('totp_factors').selectAll().where('user_id', '=', user.id).execute();
    expect(factor).toHaveLength(1);
    expect(factor[0]!.secret).toMatch(/^v1\./);
    expect(factor[0]!.secret).not.toContain(secret);
    const stored = await t.deps.db.selectFrom('recovery_codes').selectAll().where('user_id', '=', user.id).execute();
    expect(stored).toHaveLength(10);
    const everything = JSON.stringify(stored);
    for (const code of codes) {
      expect(everything).not.toContain(code);
      expect(everything).not.toContain(code.replace('-', ''));
    }
  });

  it('refuses a wrong first code, and a setup page older than fifteen minutes', async () => {
    const { token } = await signedIn();
    const session = await resumed(token);
    const setup = beginTotpSetup(t.deps, session.user.id, session.session.id_hash)!;
    const near = [-1, 0, 1].map((offset) => currentCode(setup.secret, t.clock.now() + offset * STEP_MS));
    const wrong = ['000000', '111111'].find((code) => !near.includes(code))!;
    const confirm = (code: string, current: SignedIn) =>
      confirmTotp(t.deps, {
        user: current.user,
        holder: current.session.id_hash,
        sealed: setup.sealed,
        code,
        client,
        session: current.session,
      });
    expect(await confirm(wrong, session)).toEqual({ ok: false, reason: 'wrong-code' });
    expect(await confirm('abcdef', session)).toEqual({ ok: false, reason: 'wrong-code' });
    t.clock.advance(16 * MINUTE);
    // Sixteen minutes on, the session must confirm it's you first; then the page itself is stale.
    expect(await confirm(codeOf(setup.secret), await resumed(token))).toEqual({ ok: false, reason: 'step-up' });
    expect(await stepUp(t.deps, await resumed(token), { kind: 'password', password }, client)).toEqual({ ok: true });
    expect(await confirm(codeOf(setup.secret), await resumed(token))).toEqual({ ok: false, reason: 'expired' });
    expect((await twoStepStatus(t.deps, session.user)).enrolled).toBe(false);
  });

  it('needs a recent proof of the password from a session older than ten minutes (SECURITY 89)', async () => {
    const { token } = await signedIn();
    t.clock.advance(STEP_UP_MS + 1000);
    expect((await setUpApp(token)).confirmed).toEqual({ ok: false, reason: 'step-up' });
    expect(await stepUp(t.deps, await resumed(token), { kind: 'password', password: 'Wrong-Otter-9' }, client)).toEqual(
      { ok: false, reason: 'wrong' },
    );
    expect(await stepUp(t.deps, await resumed(token), { kind: 'password', password }, client)).toEqual({ ok: true });
    expect((await setUpApp(token)).confirmed).toMatchObject({ ok: true });
  });

  it('cannot be confirmed by another session of the same account, which has the password too (SECURITY 89)', async () => {
    const { token: mine, user } = await signedIn();
    const theirs = await startSession(t.deps.db, t.clock.now(), user.id, { ...client, address: '198.51.100.66' });
    const me = await resumed(mine);
    const them = await resumed(theirs);
    const setup = beginTotpSetup(t.deps, user.id, me.session.id_hash)!;
    const outcome = await confirmTotp(t.deps, {
      user: them.user,
      holder: them.session.id_hash,
      sealed: setup.sealed,
      code: codeOf(setup.secret),
      client,
      session: them.session,
    });
    expect(outcome).toEqual({ ok: false, reason: 'expired' });
    expect((await twoStepStatus(t.deps, user)).enrolled).toBe(false);
  });

  it('ends every other session of the account: from now on the factor holds everywhere (SECURITY 85)', async () => {
    const { token, user } = await signedIn();
    const laptop = await startSession(t.deps.db, t.clock.now(), user.id, client);
    const { confirmed } = await setUpApp(token);
    expect(confirmed.ok).toBe(true);
    expect((await resumeSession(t.deps, laptop)).status).toBe('none');
    // A session proven with the password only, however it came to be, is over for an account with a factor.
    const passwordOnly = await startSession(t.deps.db, t.clock.now(), user.id, client);
    expect((await resumeSession(t.deps, passwordOnly)).status).toBe('expired');
  });

  it('is refused to an account that has an app already', async () => {
    const { token } = await enrolled();
    expect((await setUpApp(token)).confirmed).toEqual({ ok: false, reason: 'already-enrolled' });
  });
});

describe('confirming it is you (step-up)', () => {
  it('changing the password of an account with a factor needs a recent code, not the password (SECURITY 89)', async () => {
    const { token, secret } = await enrolled();
    t.clock.advance(STEP_UP_MS);
    const change = async () =>
      saveAccountDetails(
        t.deps,
        await resumed(token),
        { name: 'Ada Lovelace', locale: 'en', password: { current: password, next, confirm: next } },
        client,
      );
    expect(await change()).toEqual({
      ok: false,
      reason: 'invalid',
      problems: [{ field: 'current', reason: 'step-up' }],
    });
    expect(await stepUp(t.deps, await resumed(token), { kind: 'password', password }, client)).toEqual({
      ok: false,
      reason: 'wrong',
    });
    expect(await stepUp(t.deps, await resumed(token), { kind: 'totp', code: codeOf(secret) }, client)).toEqual({
      ok: true,
    });
    // The code that confirmed it is spent.
    expect(await stepUp(t.deps, await resumed(token), { kind: 'totp', code: codeOf(secret) }, client)).toEqual({
      ok: false,
      reason: 'wrong',
    });
    expect(await change()).toMatchObject({ ok: true, passwordChanged: true });
  });

  it('lasts ten minutes', async () => {
    const { token, secret } = await enrolled();
    t.clock.advance(STEP_UP_MS);
    expect(await stepUp(t.deps, await resumed(token), { kind: 'totp', code: codeOf(secret) }, client)).toEqual({
      ok: true,
    });
    t.clock.advance(STEP_UP_MS + 1000);
    expect(await removeTwoStep(t.deps, await resumed(token), client)).toEqual({ ok: false, reason: 'step-up' });
  });
});

describe('removing the authenticator app', () => {
  it('needs a recent proof, takes the recovery codes with it, is announced, and lets the password alone sign in (SECURITY 89)', async () => {
    const { token, codes } = await enrolled();
    t.clock.advance(STEP_UP_MS + 1000);
    expect(await removeTwoStep(t.deps, await resumed(token), client)).toEqual({ ok: false, reason: 'step-up' });
    expect((await stepUp(t.deps, await resumed(token), { kind: 'recovery', code: codes[0]! }, client)).ok).toBe(true);
    expect(await removeTwoStep(t.deps, await resumed(token), client)).toEqual({ ok: true, codes: [] });
    // This session goes on, now proven with the password only.
    const session = await resumed(token);
    expect(session.session.factors).toBe('pwd');
    expect(await twoStepStatus(t.deps, session.user)).toMatchObject({ enrolled: false, recoveryCodesLeft: 0 });
    expect(await t.deps.db.selectFrom('recovery_codes').selectAll().execute()).toEqual([]);
    expect((await signIn(t.deps, { email: 'ada@example.com', password, client })).ok).toBe(true);
    expect(await emailsTo('Two-step verification is off for your Sales Connect account')).toHaveLength(1);
  });

  it('is refused under REQUIRE_2FA=required, and the factor stays', async () => {
    const required = await testDeps({ REQUIRE_2FA: 'required' });
    try {
      const { token } = await signedIn(required);
      // Without a factor, the session may only enrol one.
      expect((await resumeSession(required.deps, token)).status).toBe('enrol');
      const { confirmed } = await setUpApp(token, required);
      expect(confirmed).toMatchObject({ ok: true });
      if (!confirmed.ok || confirmed.token === undefined) return;
      expect((await resumeSession(required.deps, confirmed.token)).status).toBe('active');
      expect(await removeTwoStep(required.deps, await resumed(confirmed.token, required), client)).toEqual({
        ok: false,
        reason: 'required',
      });
      expect((await twoStepStatus(required.deps, (await resumed(confirmed.token, required)).user)).enrolled).toBe(true);
    } finally {
      await required.close();
    }
  });
});

describe('renewing the recovery codes', () => {
  it('gives ten new codes, and the old ones stop working (SECURITY 87)', async () => {
    const { token, codes } = await enrolled();
    const renewed = await renewRecoveryCodes(t.deps, await resumed(token), client);
    expect(renewed).toMatchObject({ ok: true });
    if (!renewed.ok) return;
    expect(renewed.codes).toHaveLength(10);
    expect(renewed.codes.filter((code) => codes.includes(code))).toEqual([]);
    expect(await signInWith({ kind: 'recovery', code: codes[0]! })).toEqual({ ok: false, reason: 'wrong-code' });
    expect(await signInWith({ kind: 'recovery', code: renewed.codes[0]! })).toMatchObject({ ok: true });
    expect(await emailsTo('New Sales Connect recovery codes')).toHaveLength(1);
  });

  it('needs a recent proof (SECURITY 89)', async () => {
    const { token } = await enrolled();
    t.clock.advance(STEP_UP_MS + 1000);
    expect(await renewRecoveryCodes(t.deps, await resumed(token), client)).toEqual({ ok: false, reason: 'step-up' });
  });
});
