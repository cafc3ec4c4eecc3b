// Passkeys, as their owner (and whoever holds a stolen password, session, ceremony or authenticator) meets
// them: added from Settings, proven as the second step, on their own, and for "confirm it's you"; renamed,
// removed (SECURITY 85, 88–90). Real database, a clock the test moves, and a software authenticator that
// answers as a platform authenticator with user verification does (test/support/authenticator.ts).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SoftAuthenticator, type Tamper } from '../../test/support/authenticator.ts';
import { type TestDeps, testDeps } from '../../test/support/deps.ts';
import { resetLinkOf } from '../../test/support/smtp.ts';
import { MINUTE } from '../core/duration.ts';
import { digest } from '../core/tokens.ts';
import { countUnusedRecoveryCodes } from '../store/factors.ts';
import { countSessionsOfUser } from '../store/sessions.ts';
import { findUserById, type User } from '../store/users.ts';
import { sendResetEmail } from './forgot-password.ts';
import {
  addPasskey,
  beginAssertion,
  beginRegistration,
  MAX_PASSKEY_NAME,
  passkeyName,
  passkeysOf,
  provePasskey,
  removePasskey,
  renamePasskey,
} from './passkeys.ts';
import { setPassword } from './reset-password.ts';
import { completeSecondStepWithPasskey, signInWithPasskey } from './second-step.ts';
import { resumeSession, type SignedIn, startSession } from './sessions.ts';
import { signIn } from './sign-in.ts';
import { stepUp, twoStepStatus } from './two-step.ts';

const PUBLIC_URL = 'http://localhost:3000';
const origin = PUBLIC_URL;
const client = { address: '203.0.113.7', userAgent: 'test' };
const password = 'Velvet-Otter-9';
let t: TestDeps;

beforeEach(async () => {
  t = await testDeps({ PUBLIC_URL });
});
afterEach(() => t.close());

async function resumed(token: string, deps: TestDeps = t): Promise<SignedIn> {
  const outcome = await resumeSession(deps.deps, token);
  if (outcome.status !== 'active' && outcome.status !== 'enrol') throw new Error(`no session: ${outcome.status}`);
  return outcome.signedIn;
}

/** A new account signed in with its password: the session's cookie value. */
async function signedIn(email = 'ada@example.com', deps: TestDeps = t): Promise<{ user: User; token: string }> {
  const user = await deps.addUser({ email, password });
  return { user, token: await startSession(deps.deps.db, deps.clock.now(), user.id, client) };
}

/** Settings → Security → Add a passkey, from the session behind `token`, answered by `authenticator`. */
async function addWith(
  authenticator: SoftAuthenticator,
  token: string,
  input: { name?: string; tamper?: Tamper; from?: string; deps?: TestDeps } = {},
) {
  const deps = input.deps ?? t;
  const session = await resumed(token, deps);
  const ceremony = await beginRegistration(deps.deps, session);
  if (!ceremony) throw new Error('passkeys are not offered');
  const response = authenticator.createCredential(
    ceremony.options as Parameters<SoftAuthenticator['createCredential']>[0],
    input.from ?? origin,
    input.tamper,
  );
  const credential = JSON.stringify(response);
  const add = (sealed = ceremony.sealed, signedInNow = session) =>
    addPasskey(deps.deps, signedInNow, { sealed, credential, name: input.name ?? 'Work laptop', client });
  return { ceremony, response, credential, outcome: await add(), again: add };
}

/** An account whose first factor is a passkey added from Settings: its authenticator, codes and session. */
async function enrolled(options: { synced?: boolean; email?: string; deps?: TestDeps } = {}) {
  const deps = options.deps ?? t;
  const { user, token: first } = await signedIn(options.email, deps);
  const authenticator = new SoftAuthenticator({ synced: options.synced ?? false });
  const { outcome, response } = await addWith(authenticator, first, { deps });
  if (!outcome.ok || outcome.token === undefined) throw new Error(`not added: ${JSON.stringify(outcome)}`);
  return { user, authenticator, credentialId: response.id, codes: outcome.codes, token: outcome.token, first };
}

/** The right password: the half-finished sign-in's cookie value. */
async function passwordStep(email = 'ada@example.com', deps: TestDeps = t): Promise<string> {
  const outcome = await signIn(deps.deps, { email, password, client });
  if (outcome.ok || outcome.reason !== 'second-step') throw new Error(`no second step: ${JSON.stringify(outcome)}`);
  return outcome.pendingToken;
}

type RequestOptions = Parameters<SoftAuthenticator['getAssertion']>[0];

/** What the second step's page begins for the account's passkeys. */
async function secondStepCeremony(pendingToken: string, user: User) {
  const ceremony = await beginAssertion(t.deps, 'second-step', digest(pendingToken), user);
  if (!ceremony) throw new Error('no passkey ceremony');
  return ceremony;
}

async function finishSecondStep(authenticator: SoftAuthenticator, pendingToken: string, user: User, tamper?: Tamper) {
  const ceremony = await secondStepCeremony(pendingToken, user);
  const credential = JSON.stringify(authenticator.getAssertion(ceremony.options as RequestOptions, origin, tamper));
  return completeSecondStepWithPasskey(t.deps, { token: pendingToken, sealed: ceremony.sealed, credential, client });
}

/** "Sign in with a passkey" from the log-in page, answered by `authenticator` from `from`. */
async function passkeyAlone(authenticator: SoftAuthenticator, tamper?: Tamper, from = origin) {
  const ceremony = (await beginAssertion(t.deps, 'sign-in', ''))!;
  const credential = JSON.stringify(authenticator.getAssertion(ceremony.options as RequestOptions, from, tamper));
  const sign = () => signInWithPasskey(t.deps, { sealed: ceremony.sealed, credential, client });
  return { outcome: await sign(), again: sign, ceremony, credential };
}

const factorsOf = async (token: string) => (await resumed(token)).session.factors;
const reasonOf = (outcome: { ok: boolean; reason?: string }) => (outcome.ok ? 'signed-in' : outcome.reason);
const emailsTo = async (subject: string) => {
  await t.outbox.drain();
  return t.smtp.received.filter((email) => email.subject === subject);
};
const eventsOf = async (userId: string) =>
  (await t.deps.db.selectFrom('security_events').select('kind').where('user_id', '=', userId).execute()).map(
    (row) => row.kind,
  );
const storedPasskey = (credentialId: string) =>
  t.deps.db.selectFrom('passkeys').selectAll().where('credential_id', '=', credentialId).executeTakeFirstOrThrow();

describe('the ceremony of adding a passkey (SECURITY 88)', () => {
  it("asks for a discoverable credential with user verification, on PUBLIC_URL's host, with EdDSA, ES256 or RS256", async () => {
    const { token } = await signedIn();
    const ceremony = (await beginRegistration(t.deps, await resumed(token)))!;
    expect(ceremony.options).toMatchObject({
      rp: { id: 'localhost', name: 'Sales Connect' },
      user: { name: 'ada@example.com' },
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      attestation: 'none',
    });
    const { pubKeyCredParams } = ceremony.options as { pubKeyCredParams: Array<{ alg: number }> };
    expect(pubKeyCredParams.map((param) => param.alg)).toEqual([-8, -7, -257]);
    // The challenge travels sealed: the form's field does not show it.
    expect(ceremony.sealed).not.toContain((ceremony.options as { challenge: string }).challenge);
  });
});

describe('adding the first passkey of an account', () => {
  it('needs a recent proof: a session older than ten minutes is refused and nothing is added (SECURITY 89)', async () => {
    const { user, token } = await signedIn();
    const session = await resumed(token);
    const ceremony = (await beginRegistration(t.deps, session))!;
    const response = new SoftAuthenticator().createCredential(ceremony.options as never, origin);
    t.clock.advance(11 * MINUTE);
    const late = await addPasskey(t.deps, await resumed(token), {
      sealed: ceremony.sealed,
      credential: JSON.stringify(response),
      name: 'Work laptop',
      client,
    });
    expect(late).toEqual({ ok: false, reason: 'step-up' });
    expect(await passkeysOf(t.deps, user.id)).toEqual([]);
  });

  it('turns two-step verification on: ten recovery codes, this session renamed and proven with pwd hwk mfa, an email (SECURITY 88, 89)', async () => {
    const { user, first, token, codes, credentialId } = await enrolled();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    expect(token).not.toBe(first);
    expect((await resumeSession(t.deps, first)).status).toBe('none');
    expect(await factorsOf(token)).toBe('pwd hwk mfa');
    const fresh = (await findUserById(t.deps.db, user.id))!;
    expect(await twoStepStatus(t.deps, fresh)).toMatchObject({ enrolled: true, app: false, recoveryCodesLeft: 10 });
    // SECURITY 88: the public key, counter and backup state are kept.
    const row = await storedPasskey(credentialId);
    expect(row).toMatchObject({
      user_id: user.id,
      name: 'Work laptop',
      device_type: 'singleDevice',
      backed_up: 0,
      last_used_at: null,
    });
    expect(Number(row.counter)).toBe(0);
    expect(row.public_key).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(JSON.parse(row.transports)).toEqual(['internal', 'hybrid']);
    const notices = await emailsTo('A passkey was added to your Sales Connect account');
    expect(notices.map((email) => email.envelope.to)).toEqual([['ada@example.com']]);
    expect(notices[0]!.text).toContain('A passkey named “Work laptop” was added');
    expect(await eventsOf(user.id)).toContain('passkey-added');
  });

  it('ends every other session of the account (SECURITY 85)', async () => {
    const { user, token: phone } = await signedIn();
    const laptop = await startSession(t.deps.db, t.clock.now(), user.id, client);
    const { outcome } = await addWith(new SoftAuthenticator(), laptop);
    expect(outcome).toMatchObject({ ok: true });
    expect((await resumeSession(t.deps, phone)).status).toBe('none');
    expect(await countSessionsOfUser(t.deps.db, user.id)).toBe(1);
  });

  it('a second passkey keeps the codes and the sessions; a synced one is stored as such, amr swk', async () => {
    const { user, token } = await enrolled();
    const other = await startSession(t.deps.db, t.clock.now(), user.id, client, 'pwd hwk mfa');
    const phone = new SoftAuthenticator({ synced: true, algorithm: 'EdDSA' });
    const { outcome, response } = await addWith(phone, token, { name: 'Phone' });
    expect(outcome).toEqual({ ok: true, codes: [], token: undefined });
    expect((await resumeSession(t.deps, other)).status).toBe('active');
    expect(await countUnusedRecoveryCodes(t.deps.db, user.id)).toBe(10);
    expect(await storedPasskey(response.id)).toMatchObject({ device_type: 'multiDevice', backed_up: 1 });
    expect((await passkeysOf(t.deps, user.id)).map(({ name, synced }) => ({ name, synced }))).toEqual([
      { name: 'Work laptop', synced: false },
      { name: 'Phone', synced: true },
    ]);
    const signed = await finishSecondStep(phone, await passwordStep(), user);
    expect(signed).toMatchObject({ ok: true, factors: 'pwd swk mfa' });
  });
});

describe('what adding a passkey refuses (SECURITY 88)', () => {
  it('a response made without user verification, from another origin, or for another RP ID', async () => {
    const { user, token } = await signedIn();
    const refusals = [
      { tamper: { userVerified: false } },
      { from: 'http://evil.example' },
      { from: 'http://localhost:4000' },
      { tamper: { rpId: 'evil.example' } },
      { tamper: { type: 'webauthn.get' } },
    ];
    for (const refusal of refusals) {
      const { outcome } = await addWith(new SoftAuthenticator(), token, refusal);
      expect(outcome, JSON.stringify(refusal)).toEqual({ ok: false, reason: 'failed' });
    }
    expect(await passkeysOf(t.deps, user.id)).toEqual([]);
    expect((await findUserById(t.deps.db, user.id))!.second_factor_at).toBeNull();
  });

  it('the same ceremony answered twice: the second is spent', async () => {
    const { token } = await signedIn();
    const { outcome, again, ceremony } = await addWith(new SoftAuthenticator(), token);
    expect(outcome).toMatchObject({ ok: true });
    if (!outcome.ok || !outcome.token) return;
    expect(await again(ceremony.sealed, await resumed(outcome.token))).toEqual({ ok: false, reason: 'expired' });
  });

  it('a ceremony sealed for another session of the same account, or older than five minutes', async () => {
    const { user, token: victim } = await signedIn();
    const attacker = await startSession(t.deps.db, t.clock.now(), user.id, client);
    const stolen = await addWith(new SoftAuthenticator(), victim, { name: '' });
    expect(stolen.outcome).toEqual({ ok: false, reason: 'invalid-name' });
    const { again } = await addWith(new SoftAuthenticator(), attacker, { name: '' });
    expect(await again(stolen.ceremony.sealed)).toEqual({ ok: false, reason: 'invalid-name' });
    // With a name: the victim's ceremony in the attacker's session is no ceremony.
    const fromAttacker = await resumed(attacker);
    const theft = await addPasskey(t.deps, fromAttacker, {
      sealed: stolen.ceremony.sealed,
      credential: stolen.credential,
      name: 'Mine',
      client,
    });
    expect(theft).toEqual({ ok: false, reason: 'expired' });
    const slow = await beginRegistration(t.deps, await resumed(victim));
    const response = new SoftAuthenticator().createCredential(slow!.options as never, origin);
    t.clock.advance(5 * MINUTE + 1);
    const late = await addPasskey(t.deps, await resumed(victim), {
      sealed: slow!.sealed,
      credential: JSON.stringify(response),
      name: 'Work laptop',
      client,
    });
    expect(late).toEqual({ ok: false, reason: 'expired' });
    expect(await passkeysOf(t.deps, user.id)).toEqual([]);
  });

  it('a credential that is not JSON, or not a registration', async () => {
    const { token } = await signedIn();
    const session = await resumed(token);
    for (const credential of ['', 'not json', '{}', '{"id":"x","response":null}']) {
      const ceremony = (await beginRegistration(t.deps, session))!;
      const outcome = await addPasskey(t.deps, session, { sealed: ceremony.sealed, credential, name: 'X', client });
      expect(outcome, credential).toEqual({ ok: false, reason: 'failed' });
    }
  });
});

describe('names of passkeys', () => {
  it('takes 1 to 60 characters on one line, trimmed, and refuses empty, too long, or control characters', () => {
    expect(passkeyName('  Work laptop ')).toBe('Work laptop');
    expect(passkeyName('é'.repeat(MAX_PASSKEY_NAME))).toBe('é'.repeat(60));
    expect(passkeyName('🔑'.repeat(60))).toBe('🔑'.repeat(60));
    for (const refused of [
      '',
      '   ',
      'a'.repeat(61),
      'Work\nlaptop',
      'Work\u0007laptop',
      'a\u200bb',
      'a\u2028b',
      'a\u202eb',
    ])
      expect(passkeyName(refused), JSON.stringify(refused)).toBeUndefined();
  });

  it("renames one of the account's passkeys, refuses a bad name, and cannot rename another account's", async () => {
    const ada = await enrolled();
    const session = await resumed(ada.token);
    expect(await renamePasskey(t.deps, session, ada.credentialId, '  Home laptop ')).toEqual({ ok: true });
    expect((await passkeysOf(t.deps, ada.user.id))[0]!.name).toBe('Home laptop');
    expect(await renamePasskey(t.deps, session, ada.credentialId, 'x'.repeat(61))).toEqual({
      ok: false,
      reason: 'invalid-name',
    });
    const bob = await enrolled({ email: 'bob@example.com' });
    expect(await renamePasskey(t.deps, await resumed(bob.token), ada.credentialId, 'Stolen')).toEqual({
      ok: false,
      reason: 'not-found',
    });
    expect((await passkeysOf(t.deps, ada.user.id))[0]!.name).toBe('Home laptop');
  });
});

describe('the second step with a passkey', () => {
  it('after the password, the passkey opens a session proven with pwd hwk mfa; its counter and use are stored (SECURITY 85, 88)', async () => {
    const { user, authenticator, credentialId } = await enrolled();
    const pending = await passwordStep();
    const ceremony = await secondStepCeremony(pending, user);
    expect((ceremony.options as RequestOptions).allowCredentials?.map((allowed) => allowed.id)).toEqual([credentialId]);
    expect(ceremony.options).toMatchObject({ rpId: 'localhost', userVerification: 'required' });
    t.clock.advance(MINUTE);
    const outcome = await finishSecondStep(authenticator, pending, user);
    expect(outcome).toMatchObject({ ok: true, factors: 'pwd hwk mfa' });
    if (!outcome.ok) return;
    expect(outcome.user.id).toBe(user.id);
    expect(await factorsOf(outcome.token)).toBe('pwd hwk mfa');
    const row = await storedPasskey(credentialId);
    expect(Number(row.counter)).toBe(1);
    expect(Number(row.last_used_at)).toBe(t.clock.now());
    // The half-finished sign-in is spent: it opens nothing again.
    expect(await finishSecondStep(authenticator, pending, user)).toEqual({ ok: false, reason: 'expired' });
  });

  it('the password alone is no session, and a half-finished sign-in expires in five minutes (SECURITY 90)', async () => {
    const { user, authenticator } = await enrolled();
    const before = await countSessionsOfUser(t.deps.db, user.id);
    const pending = await passwordStep();
    expect((await resumeSession(t.deps, pending)).status).toBe('none');
    expect(await countSessionsOfUser(t.deps.db, user.id)).toBe(before);
    const ceremony = await secondStepCeremony(pending, user);
    const credential = JSON.stringify(authenticator.getAssertion(ceremony.options as RequestOptions, origin));
    t.clock.advance(5 * MINUTE + 1);
    expect(
      await completeSecondStepWithPasskey(t.deps, { token: pending, sealed: ceremony.sealed, credential, client }),
    ).toEqual({ ok: false, reason: 'expired' });
  });

  it('a reset of the password keeps the passkey: the next sign-in still asks for it (SECURITY 85)', async () => {
    const { user, authenticator } = await enrolled();
    await sendResetEmail(t.deps, { email: 'ada@example.com', client });
    await t.outbox.drain();
    const link = t.smtp.received.filter((email) => email.text.includes('/reset-password?token=')).at(-1)!;
    const token = resetLinkOf(link).searchParams.get('token')!;
    const next = 'Amber-Heron-27!';
    expect(await setPassword(t.deps, { token, next, confirm: next, client })).toMatchObject({ ok: true });
    const outcome = await signIn(t.deps, { email: 'ada@example.com', password: next, client });
    expect(outcome).toMatchObject({ ok: false, reason: 'second-step', stage: 'verify' });
    if (outcome.ok || outcome.reason !== 'second-step') return;
    expect(await passkeysOf(t.deps, user.id)).toHaveLength(1);
    expect(reasonOf(await finishSecondStep(authenticator, outcome.pendingToken, user))).toBe('signed-in');
  });

  it("refuses a passkey of another account, even one of this site's with a valid signature", async () => {
    const ada = await enrolled();
    const bob = await enrolled({ email: 'bob@example.com' });
    const pending = await passwordStep();
    const outcome = await finishSecondStep(bob.authenticator, pending, ada.user, { credentialId: bob.credentialId });
    expect(outcome).toEqual({ ok: false, reason: 'failed' });
    // Ada's own passkey still finishes it.
    expect(reasonOf(await finishSecondStep(ada.authenticator, pending, ada.user))).toBe('signed-in');
  });

  it('refuses an answer without user verification, from another origin, or for another RP ID (SECURITY 88)', async () => {
    const { user, authenticator } = await enrolled();
    const pending = await passwordStep();
    for (const tamper of [{ userVerified: false }, { rpId: 'evil.example' }, { rpId: '127.0.0.1' }])
      expect(await finishSecondStep(authenticator, pending, user, tamper), JSON.stringify(tamper)).toEqual({
        ok: false,
        reason: 'failed',
      });
    const ceremony = await secondStepCeremony(pending, user);
    const credential = JSON.stringify(
      authenticator.getAssertion(ceremony.options as RequestOptions, 'http://evil.example'),
    );
    expect(
      await completeSecondStepWithPasskey(t.deps, { token: pending, sealed: ceremony.sealed, credential, client }),
    ).toEqual({ ok: false, reason: 'failed' });
    expect(await countSessionsOfUser(t.deps.db, user.id)).toBe(1);
  });
});

describe('signing in with a passkey alone', () => {
  it('any discoverable passkey of the site signs its account in, amr hwk mfa, with no password', async () => {
    const { user, authenticator } = await enrolled();
    const { outcome, ceremony } = await passkeyAlone(authenticator);
    expect((ceremony.options as RequestOptions).allowCredentials ?? []).toEqual([]);
    expect(outcome).toMatchObject({ ok: true, factors: 'hwk mfa' });
    if (!outcome.ok) return;
    expect(outcome.user.id).toBe(user.id);
    expect(await factorsOf(outcome.token)).toBe('hwk mfa');
    expect(await eventsOf(user.id)).toContain('sign-in-succeeded');
  });

  it('a synced passkey signs in with amr swk mfa', async () => {
    const { authenticator } = await enrolled({ synced: true });
    expect((await passkeyAlone(authenticator)).outcome).toMatchObject({ ok: true, factors: 'swk mfa' });
  });

  it('refuses the same answer replayed, its challenge spent even where the counter cannot tell (SECURITY 88)', async () => {
    const { user, authenticator } = await enrolled();
    const counting = await passkeyAlone(authenticator);
    expect(reasonOf(counting.outcome)).toBe('signed-in');
    expect(await counting.again()).toEqual({ ok: false, reason: 'failed' });
    // A synced passkey often counts nothing (always 0): only the spent challenge stops its replay.
    const synced = await enrolled({ email: 'bob@example.com', synced: true });
    const zero = await passkeyAlone(synced.authenticator, { counter: 0 });
    expect(reasonOf(zero.outcome)).toBe('signed-in');
    expect(await zero.again()).toEqual({ ok: false, reason: 'expired' });
    expect(await countSessionsOfUser(t.deps.db, user.id)).toBe(2);
  });

  it('refuses a ceremony older than five minutes', async () => {
    const { authenticator } = await enrolled();
    const ceremony = (await beginAssertion(t.deps, 'sign-in', ''))!;
    const credential = JSON.stringify(authenticator.getAssertion(ceremony.options as RequestOptions, origin));
    t.clock.advance(5 * MINUTE + 1);
    expect(await signInWithPasskey(t.deps, { sealed: ceremony.sealed, credential, client })).toEqual({
      ok: false,
      reason: 'expired',
    });
  });

  it('refuses no user verification, another origin, another RP ID (SECURITY 88)', async () => {
    const { authenticator } = await enrolled();
    expect((await passkeyAlone(authenticator, { userVerified: false })).outcome).toEqual({
      ok: false,
      reason: 'failed',
    });
    expect((await passkeyAlone(authenticator, {}, 'https://localhost:3000')).outcome).toEqual({
      ok: false,
      reason: 'failed',
    });
    expect((await passkeyAlone(authenticator, {}, 'http://evil.example')).outcome).toEqual({
      ok: false,
      reason: 'failed',
    });
    expect((await passkeyAlone(authenticator, { rpId: 'evil.example' })).outcome).toEqual({
      ok: false,
      reason: 'failed',
    });
  });

  it('refuses a counter that goes back, and a cloned authenticator once the original moved on (SECURITY 88)', async () => {
    const { authenticator, credentialId } = await enrolled();
    const clone = authenticator.clone();
    for (let i = 0; i < 3; i++) expect(reasonOf((await passkeyAlone(authenticator)).outcome)).toBe('signed-in');
    expect(Number((await storedPasskey(credentialId)).counter)).toBe(3);
    expect((await passkeyAlone(authenticator, { counter: 2 })).outcome).toEqual({ ok: false, reason: 'failed' });
    expect((await passkeyAlone(authenticator, { counter: 3 })).outcome).toEqual({ ok: false, reason: 'failed' });
    expect((await passkeyAlone(clone)).outcome).toEqual({ ok: false, reason: 'failed' });
    expect(Number((await storedPasskey(credentialId)).counter)).toBe(3);
  });

  it('refuses a passkey whose account was disabled, and an unknown credential', async () => {
    const { user, authenticator } = await enrolled();
    await t.deps.db.updateTable('users').set({ disabled_at: t.clock.now() }).where('id', '=', user.id).execute();
    expect((await passkeyAlone(authenticator)).outcome).toEqual({ ok: false, reason: 'failed' });
    const stranger = new SoftAuthenticator();
    const registration = (await beginRegistration(t.deps, await resumed((await signedIn('eve@example.com')).token)))!;
    stranger.createCredential(registration.options as never, origin);
    expect((await passkeyAlone(stranger)).outcome).toEqual({ ok: false, reason: 'failed' });
  });
});

describe('a ceremony is bound to its purpose and holder (SECURITY 88)', () => {
  it('one sealed for the second step cannot sign in alone nor confirm a session, and the reverse', async () => {
    const { user, authenticator, token } = await enrolled();
    const session = await resumed(token);
    const holder = session.session.id_hash;
    const purposes = ['second-step', 'step-up', 'sign-in'] as const;
    for (const sealedFor of purposes) {
      for (const spentOn of purposes) {
        if (sealedFor === spentOn) continue;
        // Same holder both ways: only the purpose differs.
        const ceremony = (await beginAssertion(t.deps, sealedFor, holder, user))!;
        const credential = JSON.stringify(authenticator.getAssertion(ceremony.options as RequestOptions, origin));
        const outcome = await provePasskey(t.deps, { purpose: spentOn, holder, sealed: ceremony.sealed, credential });
        expect(outcome, `${sealedFor} → ${spentOn}`).toEqual({ ok: false, reason: 'expired' });
      }
    }
    // And the second step's ceremony of one half-finished sign-in is none of another's.
    const first = await passwordStep();
    const second = await passwordStep();
    const ceremony = await secondStepCeremony(first, user);
    const credential = JSON.stringify(authenticator.getAssertion(ceremony.options as RequestOptions, origin));
    expect(
      await completeSecondStepWithPasskey(t.deps, { token: second, sealed: ceremony.sealed, credential, client }),
    ).toEqual({ ok: false, reason: 'expired' });
    const login = (await beginAssertion(t.deps, 'sign-in', ''))!;
    const answer = JSON.stringify(authenticator.getAssertion(login.options as RequestOptions, origin));
    expect(
      await completeSecondStepWithPasskey(t.deps, { token: second, sealed: login.sealed, credential: answer, client }),
    ).toEqual({ ok: false, reason: 'expired' });
  });
});

describe('confirm it’s you with a passkey', () => {
  it('an account with passkeys only proves one and the session counts as recently proven (SECURITY 89)', async () => {
    const { authenticator, token } = await enrolled();
    t.clock.advance(11 * MINUTE);
    const session = await resumed(token);
    const ceremony = (await beginAssertion(t.deps, 'step-up', session.session.id_hash, session.user))!;
    const credential = JSON.stringify(authenticator.getAssertion(ceremony.options as RequestOptions, origin));
    expect(await stepUp(t.deps, session, { kind: 'password', password }, client)).toEqual({
      ok: false,
      reason: 'wrong',
    });
    expect(await stepUp(t.deps, session, { kind: 'passkey', sealed: ceremony.sealed, credential }, client)).toEqual({
      ok: true,
    });
    const after = await resumed(token);
    expect(Number(after.session.proven_at)).toBe(t.clock.now());
    expect(after.session.factors).toBe('pwd hwk mfa');
    // The same answer again is spent.
    expect(await stepUp(t.deps, after, { kind: 'passkey', sealed: ceremony.sealed, credential }, client)).toEqual({
      ok: false,
      reason: 'wrong',
    });
  });

  it('refuses a ceremony of the second step, or of another session', async () => {
    const { user, authenticator, token } = await enrolled();
    const other = await startSession(t.deps.db, t.clock.now(), user.id, client, 'pwd hwk mfa');
    const session = await resumed(token);
    const pending = await passwordStep();
    for (const ceremony of [
      await secondStepCeremony(pending, user),
      (await beginAssertion(t.deps, 'step-up', (await resumed(other)).session.id_hash, user))!,
    ]) {
      const credential = JSON.stringify(authenticator.getAssertion(ceremony.options as RequestOptions, origin));
      expect(await stepUp(t.deps, session, { kind: 'passkey', sealed: ceremony.sealed, credential }, client)).toEqual({
        ok: false,
        reason: 'wrong',
      });
    }
  });
});

describe('removing a passkey', () => {
  it('needs a recent proof (SECURITY 89)', async () => {
    const { user, token, credentialId } = await enrolled();
    t.clock.advance(11 * MINUTE);
    expect(await removePasskey(t.deps, await resumed(token), credentialId, client)).toEqual({
      ok: false,
      reason: 'step-up',
    });
    expect(await passkeysOf(t.deps, user.id)).toHaveLength(1);
  });

  it('the last one takes the recovery codes with it, tells the owner, and the next sign-in asks for the password only', async () => {
    const { user, token, credentialId, authenticator } = await enrolled();
    expect(await removePasskey(t.deps, await resumed(token), credentialId, client)).toEqual({
      ok: true,
      lastFactor: true,
    });
    expect(await passkeysOf(t.deps, user.id)).toEqual([]);
    expect(await countUnusedRecoveryCodes(t.deps.db, user.id)).toBe(0);
    const fresh = (await findUserById(t.deps.db, user.id))!;
    expect(fresh.second_factor_at).toBeNull();
    expect(await factorsOf(token)).toBe('pwd');
    expect(await signIn(t.deps, { email: 'ada@example.com', password, client })).toMatchObject({ ok: true });
    expect((await passkeyAlone(authenticator)).outcome).toEqual({ ok: false, reason: 'failed' });
    const notices = await emailsTo('A passkey was removed from your Sales Connect account');
    expect(notices.map((email) => email.envelope.to)).toEqual([['ada@example.com']]);
    expect(await eventsOf(user.id)).toContain('passkey-removed');
  });

  it('one of two keeps two-step verification on and the codes', async () => {
    const { user, token, credentialId } = await enrolled();
    const second = await addWith(new SoftAuthenticator(), token, { name: 'Key' });
    expect(second.outcome).toMatchObject({ ok: true });
    expect(await removePasskey(t.deps, await resumed(token), credentialId, client)).toEqual({
      ok: true,
      lastFactor: false,
    });
    expect(await countUnusedRecoveryCodes(t.deps.db, user.id)).toBe(10);
    expect(await signIn(t.deps, { email: 'ada@example.com', password, client })).toMatchObject({
      ok: false,
      reason: 'second-step',
    });
  });

  it("cannot remove another account's passkey", async () => {
    const ada = await enrolled();
    const bob = await enrolled({ email: 'bob@example.com' });
    expect(await removePasskey(t.deps, await resumed(bob.token), ada.credentialId, client)).toEqual({
      ok: false,
      reason: 'not-found',
    });
    expect(await passkeysOf(t.deps, ada.user.id)).toHaveLength(1);
  });
});

describe('REQUIRE_2FA=required', () => {
  let r: TestDeps;
  beforeEach(async () => {
    r = await testDeps({ PUBLIC_URL, REQUIRE_2FA: 'required' });
  });
  afterEach(() => r.close());

  it('a passkey is a way to enrol, and the last factor cannot be removed', async () => {
    const { user, token, credentialId } = await enrolled({ deps: r });
    const outcome = await removePasskey(r.deps, await resumed(token, r), credentialId, client);
    expect(outcome).toEqual({ ok: false, reason: 'required' });
    expect(await passkeysOf(r.deps, user.id)).toHaveLength(1);
    expect(await countUnusedRecoveryCodes(r.deps.db, user.id)).toBe(10);
    expect((await findUserById(r.deps.db, user.id))!.second_factor_at).not.toBeNull();
  });
});
