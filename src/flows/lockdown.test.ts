// "This wasn't me", as the flow sees it: the link comes in a real email through the outbox worker and the
// SMTP test server; opening it changes nothing; confirming it locks the account down (SECURITY 50, 39).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type TestDeps, testDeps } from '../../test/support/deps.ts';
import { type CapturedEmail, resetLinkOf } from '../../test/support/smtp.ts';
import { DAY } from '../core/duration.ts';
import { digest } from '../core/tokens.ts';
import { currentCode } from '../factors/totp.ts';
import { findUserById } from '../store/users.ts';
import { saveAccountDetails } from './account-details.ts';
import { sendResetEmail } from './forgot-password.ts';
import { lockDown, viewLockdownLink } from './lockdown.ts';
import { openResetLink, setPassword } from './reset-password.ts';
import { completeSecondStep } from './second-step.ts';
import { resumeSession, type SignedIn, startSession } from './sessions.ts';
import { signIn } from './sign-in.ts';
import { beginTotpSetup, confirmTotp } from './two-step.ts';

const client = { address: '203.0.113.7', userAgent: 'test' };
const old = 'Velvet-Otter-9';
const next = 'Amber-Heron-27!';
const chosen = 'Coral-Finch-31!';
const CHANGED = 'Your Sales Connect password was changed';
const RESET = 'Reset your Sales Connect password';
let t: TestDeps;

beforeEach(async () => {
  t = await testDeps();
});
afterEach(() => t.close());

/** The "This wasn't me" link of an email, as a user would copy it from the plain-text part. */
function lockdownLinkOf(email: CapturedEmail): URL {
  const match = /https?:\/\/\S+\/this-wasnt-me\?token=[\w-]+/.exec(email.text);
  if (!match) throw new Error(`no This wasn't me link in: ${email.text}`);
  return new URL(match[0]);
}
const tokenOf = (link: URL) => link.searchParams.get('token')!;

async function resumed(token: string): Promise<SignedIn> {
  const outcome = await resumeSession(t.deps, token);
  if (outcome.status !== 'active') throw new Error(`no session: ${outcome.status}`);
  return outcome.signedIn;
}

/** Change password in Settings from the session behind `token`; the new session's token. */
async function changePassword(token: string, current: string, password: string): Promise<string> {
  const outcome = await saveAccountDetails(
    t.deps,
    await resumed(token),
    { name: 'Ada Lovelace', locale: 'en', password: { current, next: password, confirm: password } },
    client,
  );
  if (!outcome.ok || !outcome.passwordChanged) throw new Error(`not changed: ${JSON.stringify(outcome)}`);
  return outcome.token;
}

async function emailsWith(subject: string): Promise<CapturedEmail[]> {
  await t.outbox.drain();
  return t.smtp.received.filter((email) => email.subject === subject);
}

/** The link of the newest password-changed email. */
async function newestLink(): Promise<string> {
  return tokenOf(lockdownLinkOf((await emailsWith(CHANGED)).at(-1)!));
}

/**
 * Someone changed Ada's password from a session of theirs: the link she got. The change ended her other
 * sessions; the attacker's survives, and a second browser of theirs has signed in since.
 */
async function passwordChangedBehindHerBack() {
  const user = await t.addUser({ email: 'ada@example.com', password: old });
  const attacker = await changePassword(await startSession(t.deps.db, t.clock.now(), user.id, client), old, next);
  const another = await startSession(t.deps.db, t.clock.now(), user.id, client);
  return { user, attacker, another, token: await newestLink() };
}

const works = async (password: string, email = 'ada@example.com') =>
  (await signIn(t.deps, { email, password, client: { ...client, address: '192.0.2.9' } })).ok;
const lock = (token: string | undefined) => lockDown(t.deps, { token, client });
const view = (token: string | undefined) => viewLockdownLink(t.deps, { token, client });

describe('the link in the security emails', () => {
  it('comes in the password-changed email, text and HTML, and only its SHA-256 is stored (SECURITY 35, 50)', async () => {
    const { user } = await passwordChangedBehindHerBack();
    const email = (await emailsWith(CHANGED))[0]!;
    expect(email.envelope.to).toEqual(['ada@example.com']);
    const link = lockdownLinkOf(email);
    expect(link.origin).toBe(new URL(t.deps.config.publicUrl).origin);
    expect(link.pathname).toBe('/this-wasnt-me');
    expect(tokenOf(link)).toMatch(/^[\w-]{43}$/);
    expect(email.html).toContain(`href="${link.href}"`);
    expect(email.html).toContain('This wasn’t me');

    const rows = await t.deps.db.selectFrom('lockdown_tokens').selectAll().execute();
    expect(rows).toEqual([
      {
        token_hash: digest(tokenOf(link)),
        user_id: user.id,
        sent_to: 'ada@example.com',
        outbox_id: expect.any(String),
        created_at: t.clock.now(),
        expires_at: t.clock.now() + 7 * DAY,
        used_at: null,
      },
    ]);
    const outbox = await t.deps.db.selectFrom('outbox').selectAll().execute();
    expect(JSON.stringify([rows, outbox])).not.toContain(tokenOf(link));
  });

  it('changes nothing when it is only opened, however often (SECURITY 41)', async () => {
    const { user, attacker, another, token } = await passwordChangedBehindHerBack();
    const before = await findUserById(t.deps.db, user.id);
    const outboxBefore = await t.deps.db.selectFrom('outbox').selectAll().execute();
    for (let i = 0; i < 3; i++) {
      expect(await view(token)).toMatchObject({ ok: true, user: { id: user.id }, restores: undefined });
    }
    expect(await findUserById(t.deps.db, user.id)).toEqual(before);
    expect((await resumeSession(t.deps, attacker)).status).toBe('active');
    expect((await resumeSession(t.deps, another)).status).toBe('active');
    expect(await t.deps.db.selectFrom('outbox').selectAll().execute()).toEqual(outboxBefore);
    const row = await t.deps.db.selectFrom('lockdown_tokens').select('used_at').executeTakeFirstOrThrow();
    expect(row.used_at).toBeNull();
    expect(await works(next)).toBe(true);
  });

  it('survives a later password change: that change is maybe the attacker’s too', async () => {
    const { attacker, token } = await passwordChangedBehindHerBack();
    await changePassword(attacker, next, chosen);
    expect(await view(token)).toMatchObject({ ok: true });
    expect(await lock(token)).toEqual({ ok: true, email: 'ada@example.com' });
  });
});

describe('confirming it', () => {
  it('signs everyone out, makes every password fail, kills the links and sends a new reset email', async () => {
    const { user, attacker, another, token } = await passwordChangedBehindHerBack();
    // The attacker's browser is remembered, and a reset link is out there.
    const known = await signIn(t.deps, { email: 'ada@example.com', password: next, client });
    expect(known.ok && known.deviceToken).toMatch(/^[\w-]{43}$/);
    await sendResetEmail(t.deps, { email: 'ada@example.com', client });
    const earlierReset = tokenOf(resetLinkOf((await emailsWith(RESET)).at(-1)!));
    expect(await openResetLink(t.deps, earlierReset)).toMatchObject({ ok: true });

    expect(await lock(token)).toEqual({ ok: true, email: 'ada@example.com' });

    for (const session of [attacker, another, known.ok ? known.token : '']) {
      expect((await resumeSession(t.deps, session)).status).toBe('none');
    }
    expect((await findUserById(t.deps.db, user.id))?.password_hash).toBeNull();
    expect(await works(old)).toBe(false);
    expect(await works(next)).toBe(false);
    expect(await openResetLink(t.deps, earlierReset)).toEqual({ ok: false, reason: 'invalid' });
    expect(await setPassword(t.deps, { token: earlierReset, next: chosen, confirm: chosen, client })).toMatchObject({
      ok: false,
    });
    expect(
      await t.deps.db.selectFrom('known_devices').select('token_hash').where('user_id', '=', user.id).execute(),
    ).toEqual([]);
    const events = await t.deps.db
      .selectFrom('security_events')
      .select('kind')
      .where('user_id', '=', user.id)
      .where('kind', '=', 'account-locked-down')
      .execute();
    expect(events).toHaveLength(1);

    // The new reset email goes to the account's address, and its link sets a password that works.
    const resets = await emailsWith(RESET);
    expect(resets).toHaveLength(2);
    expect(resets[1]!.envelope.to).toEqual(['ada@example.com']);
    const fresh = tokenOf(resetLinkOf(resets[1]!));
    expect(await setPassword(t.deps, { token: fresh, next: chosen, confirm: chosen, client })).toEqual({
      ok: true,
      returnTo: null,
    });
    expect(await works(chosen)).toBe(true);
    expect(await works(next)).toBe(false);
  });

  it('cancels a reset email still waiting in the outbox', async () => {
    const { token } = await passwordChangedBehindHerBack();
    t.smtp.setDown(true);
    await sendResetEmail(t.deps, { email: 'ada@example.com', client });
    await t.outbox.drain();
    t.smtp.setDown(false);
    expect(await lock(token)).toMatchObject({ ok: true });
    t.clock.advance(60_000);
    const resets = await emailsWith(RESET);
    expect(resets).toHaveLength(1);
    const rows = await t.deps.db
      .selectFrom('outbox')
      .select(['sent_at', 'abandoned_at'])
      .where('kind', '=', 'reset-email')
      .execute();
    expect(rows.filter((row) => row.sent_at !== null)).toHaveLength(1);
    expect(rows.filter((row) => row.sent_at === null && row.abandoned_at === null)).toEqual([]);
  });

  it('keeps the second factor: whoever changed the password does not have it', async () => {
    const user = await t.addUser({ email: 'ada@example.com', password: old });
    const session = await resumed(await startSession(t.deps.db, t.clock.now(), user.id, client));
    const setup = beginTotpSetup(t.deps, user.id, session.session.id_hash);
    if (!setup) throw new Error('no setup');
    const confirmed = await confirmTotp(t.deps, {
      user: session.user,
      holder: session.session.id_hash,
      sealed: setup.sealed,
      code: currentCode(setup.secret, t.clock.now()),
      client,
      session: session.session,
    });
    expect(confirmed.ok).toBe(true);
    // The password is changed through a reset link: the confirmation carries the link.
    await sendResetEmail(t.deps, { email: 'ada@example.com', client });
    const reset = tokenOf(resetLinkOf((await emailsWith(RESET)).at(-1)!));
    expect((await setPassword(t.deps, { token: reset, next, confirm: next, client })).ok).toBe(true);
    const token = await newestLink();

    expect(await view(token)).toMatchObject({ ok: true });
    expect(await lock(token)).toMatchObject({ ok: true });
    const after = await findUserById(t.deps.db, user.id);
    expect(after?.second_factor_at).not.toBeNull();
    expect(
      await t.deps.db.selectFrom('totp_factors').selectAll().where('user_id', '=', user.id).execute(),
    ).toHaveLength(1);

    const fresh = tokenOf(resetLinkOf((await emailsWith(RESET)).at(-1)!));
    expect((await setPassword(t.deps, { token: fresh, next: chosen, confirm: chosen, client })).ok).toBe(true);
    t.clock.advance(30_000);
    const first = await signIn(t.deps, { email: 'ada@example.com', password: chosen, client });
    expect(first).toMatchObject({ ok: false, reason: 'second-step' });
    if (first.ok || first.reason !== 'second-step') return;
    const second = await completeSecondStep(t.deps, {
      token: first.pendingToken,
      proof: { kind: 'totp', code: currentCode(setup.secret, t.clock.now()) },
      client,
    });
    expect(second.ok).toBe(true);
  });

  it('works once; a second use finds the link dead', async () => {
    const { token } = await passwordChangedBehindHerBack();
    expect(await lock(token)).toMatchObject({ ok: true });
    expect(await view(token)).toEqual({ ok: false, reason: 'invalid' });
    expect(await lock(token)).toEqual({ ok: false, reason: 'invalid' });
    expect(await emailsWith(RESET)).toHaveLength(1);
  });

  it('expires seven days after the email (SECURITY 50)', async () => {
    const { token } = await passwordChangedBehindHerBack();
    t.clock.advance(7 * DAY - 1);
    expect(await view(token)).toMatchObject({ ok: true });
    t.clock.advance(1);
    expect(await view(token)).toEqual({ ok: false, reason: 'invalid' });
    expect(await lock(token)).toEqual({ ok: false, reason: 'invalid' });
    expect(await works(next)).toBe(true);
  });

  it('lets exactly one of twenty concurrent confirmations through (SECURITY 38)', async () => {
    const { user, token } = await passwordChangedBehindHerBack();
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => lock(token)));
    expect(outcomes.filter((outcome) => outcome.ok)).toEqual([{ ok: true, email: 'ada@example.com' }]);
    expect(outcomes.filter((outcome) => !outcome.ok)).toEqual(Array(19).fill({ ok: false, reason: 'invalid' }));
    const events = await t.deps.db
      .selectFrom('security_events')
      .select('kind')
      .where('user_id', '=', user.id)
      .where('kind', '=', 'account-locked-down')
      .execute();
    expect(events).toHaveLength(1);
    expect(await emailsWith(RESET)).toHaveLength(1);
  });

  it('kills the account’s other This wasn’t me links (SECURITY 39)', async () => {
    const { attacker, token: first } = await passwordChangedBehindHerBack();
    await changePassword(attacker, next, chosen);
    const second = await newestLink();
    expect(second).not.toBe(first);
    expect(await lock(second)).toMatchObject({ ok: true });
    expect(await view(first)).toEqual({ ok: false, reason: 'invalid' });
    expect(await lock(first)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('gives back the address the link was mailed to when it was changed behind the owner’s back', async () => {
    const { user, token } = await passwordChangedBehindHerBack();
    await t.deps.db.updateTable('users').set({ email: 'mallory@example.net' }).where('id', '=', user.id).execute();
    expect(await view(token)).toMatchObject({ ok: true, restores: 'ada@example.com' });
    expect(await lock(token)).toEqual({ ok: true, email: 'ada@example.com' });
    expect((await findUserById(t.deps.db, user.id))?.email).toBe('ada@example.com');
    const resets = await emailsWith(RESET);
    expect(resets.map((email) => email.envelope.to)).toEqual([['ada@example.com']]);
    expect(await works(next, 'mallory@example.net')).toBe(false);
  });

  it('leaves the address as it is when another account has the old one now', async () => {
    const { user, token } = await passwordChangedBehindHerBack();
    await t.deps.db.updateTable('users').set({ email: 'mallory@example.net' }).where('id', '=', user.id).execute();
    await t.addUser({ email: 'ada@example.com', password: old });
    expect(await lock(token)).toEqual({ ok: true, email: 'mallory@example.net' });
    expect((await findUserById(t.deps.db, user.id))?.email).toBe('mallory@example.net');
  });

  it('fails closed, the same way, for anything that is not a live link, and counts it as a probe (SECURITY 42, 43)', async () => {
    await passwordChangedBehindHerBack();
    for (const token of [undefined, '', 'x', 'A'.repeat(43), `${'A'.repeat(42)}!`]) {
      expect(await view(token)).toEqual({ ok: false, reason: 'invalid' });
    }
    for (let i = 0; i < 20; i++) await view(String(i).padStart(43, 'B'));
    expect(await view('C'.repeat(43))).toMatchObject({ ok: false, reason: 'throttled' });
  });
});
