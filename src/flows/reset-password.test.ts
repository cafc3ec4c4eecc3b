// The reset link → Set Password, as the flow sees it: real SQLite, real SMTP, a clock the test moves.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type TestDeps, testDeps } from '../../test/support/deps.ts';
import { newestResetEmail, resetLinkOf } from '../../test/support/smtp.ts';
import { newToken } from '../core/tokens.ts';
import { sendResetEmail } from './forgot-password.ts';
import { openResetLink, setPassword } from './reset-password.ts';
import { resumeSession, startSession } from './sessions.ts';
import { signIn } from './sign-in.ts';

const client = { address: '203.0.113.7', userAgent: 'test' };
const old = 'Velvet-Otter-9';
const next = 'Amber-Heron-27!';
let t: TestDeps;

beforeEach(async () => {
  t = await testDeps();
});
afterEach(() => t.close());

async function requestLink(email = 'ada@example.com'): Promise<string> {
  await sendResetEmail(t.deps, { email, client });
  await t.outbox.drain();
  return resetLinkOf(newestResetEmail(t.smtp.received)).searchParams.get('token')!;
}

const set = (token: string | undefined, password = next, confirm = password) =>
  setPassword(t.deps, { token, next: password, confirm, client });
const works = async (password: string) =>
  (await signIn(t.deps, { email: 'ada@example.com', password, client: { ...client, address: '192.0.2.9' } })).ok;

describe('setting a new password through the link', () => {
  it('replaces the password, ends every session and mails a confirmation (SECURITY 48, 50)', async () => {
    const user = await t.addUser({ email: 'ada@example.com', password: old });
    const laptop = await startSession(t.deps.db, t.clock.now(), user.id, client);
    const token = await requestLink();
    expect(await set(token)).toEqual({ ok: true, returnTo: null });
    expect((await resumeSession(t.deps, laptop)).status).toBe('none');
    expect(await works(old)).toBe(false);
    expect(await works(next)).toBe(true);
    await t.outbox.drain();
    const confirmation = t.smtp.received.find((email) => email.subject === 'Your Sales Connect password was changed')!;
    expect(confirmation.envelope.to).toEqual(['ada@example.com']);
    expect(confirmation.text).toContain('If it wasn’t you, say so with “This wasn’t me”');
    expect(confirmation.text).toMatch(/This wasn’t me: http:\/\/[^/]+\/this-wasnt-me\?token=[\w-]{43}\n/);
    expect(confirmation.text).not.toContain(token);
    expect(confirmation.text).not.toContain(next);
  });

  it('does not use the link when it is only opened (SECURITY 41)', async () => {
    await t.addUser({ email: 'ada@example.com', password: old });
    const token = await requestLink();
    for (let i = 0; i < 3; i++) expect(await openResetLink(t.deps, token)).toMatchObject({ ok: true });
    expect(await set(token)).toEqual({ ok: true, returnTo: null });
  });

  it('works once, then says it was used (SECURITY 37)', async () => {
    await t.addUser({ email: 'ada@example.com', password: old });
    const token = await requestLink();
    expect(await set(token)).toEqual({ ok: true, returnTo: null });
    expect(await set(token, 'Coral-Finch-31!')).toEqual({ ok: false, reason: 'link', link: 'used' });
    expect(await works('Coral-Finch-31!')).toBe(false);
  });

  it('lets exactly one of twenty concurrent submissions through (SECURITY 38)', async () => {
    await t.addUser({ email: 'ada@example.com', password: old });
    const token = await requestLink();
    const passwords = Array.from({ length: 20 }, (_, i) => `Amber-Heron-${i + 10}!`);
    const outcomes = await Promise.all(passwords.map((password) => set(token, password)));
    const winners = passwords.filter((_, i) => outcomes[i]!.ok);
    expect(winners).toHaveLength(1);
    expect(outcomes.filter((outcome) => !outcome.ok)).toEqual(
      Array(19).fill({ ok: false, reason: 'link', link: 'used' }),
    );
    expect(await works(winners[0]!)).toBe(true);
  });

  it('expires after RESET_TOKEN_TTL (SECURITY 36)', async () => {
    await t.addUser({ email: 'ada@example.com', password: old });
    const token = await requestLink();
    t.clock.advance(60 * 60_000 - 1);
    expect(await openResetLink(t.deps, token)).toMatchObject({ ok: true });
    t.clock.advance(1);
    expect(await openResetLink(t.deps, token)).toEqual({ ok: false, reason: 'expired' });
    expect(await set(token)).toEqual({ ok: false, reason: 'link', link: 'expired' });
    expect(await works(old)).toBe(true);
  });

  it('follows a configured lifetime', async () => {
    await t.close();
    t = await testDeps({ RESET_TOKEN_TTL: '10m' });
    await t.addUser({ email: 'ada@example.com', password: old });
    const token = await requestLink();
    expect(t.smtp.received[0]!.text).toContain('This link expires in 10 minutes');
    t.clock.advance(10 * 60_000);
    expect(await openResetLink(t.deps, token)).toEqual({ ok: false, reason: 'expired' });
  });

  it('makes older links dead when a newer email is sent (SECURITY 39)', async () => {
    await t.addUser({ email: 'ada@example.com', password: old });
    const first = await requestLink();
    const second = await requestLink();
    expect(await openResetLink(t.deps, first)).toEqual({ ok: false, reason: 'invalid' });
    expect(await set(second)).toEqual({ ok: true, returnTo: null });
  });

  it('makes every link dead when the password is changed in Settings (SECURITY 39)', async () => {
    const user = await t.addUser({ email: 'ada@example.com', password: old });
    const token = await requestLink();
    const { saveAccountDetails } = await import('./account-details.ts');
    const session = await resumeSession(t.deps, await startSession(t.deps.db, t.clock.now(), user.id, client));
    if (session.status !== 'active') throw new Error('no session');
    expect(
      (
        await saveAccountDetails(
          t.deps,
          session.signedIn,
          { name: 'Ada', locale: 'en', password: { current: old, next, confirm: next } },
          client,
        )
      ).ok,
    ).toBe(true);
    expect(await openResetLink(t.deps, token)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('drops a reset email still queued when the password changes meanwhile', async () => {
    await t.addUser({ email: 'ada@example.com', password: old });
    const token = await requestLink();
    t.smtp.setDown(true);
    await sendResetEmail(t.deps, { email: 'ada@example.com', client });
    await t.outbox.drain();
    expect(await set(token)).toEqual({ ok: true, returnTo: null });
    t.smtp.setDown(false);
    t.clock.advance(60_000);
    await t.outbox.drain();
    expect(t.smtp.received.map((email) => email.subject)).toEqual([
      'Reset your Sales Connect password',
      'Your Sales Connect password was changed',
    ]);
  });

  it('kills the links of an account that is disabled (SECURITY 40)', async () => {
    const user = await t.addUser({ email: 'ada@example.com', password: old });
    const token = await requestLink();
    await t.deps.db.updateTable('users').set({ disabled_at: t.clock.now() }).where('id', '=', user.id).execute();
    expect(await set(token)).toEqual({ ok: false, reason: 'link', link: 'invalid' });
  });

  it('fails closed, the same way, for anything that is not a live token (SECURITY 42)', async () => {
    await t.addUser({ email: 'ada@example.com', password: old });
    for (const token of [undefined, '', 'abc', newToken(), `${newToken()}%00`, "' OR '1'='1"]) {
      expect(await set(token)).toEqual({ ok: false, reason: 'link', link: 'invalid' });
    }
  });

  it('applies the rules of Settings, and refuses the current password (SECURITY 47, 8)', async () => {
    await t.addUser({ email: 'ada@example.com', password: old, name: 'Ada Lovelace' });
    const token = await requestLink();
    expect(await set(token, 'zqvkw')).toEqual({
      ok: false,
      reason: 'invalid',
      problems: [{ field: 'next', reason: 'policy', unmet: ['min-length', 'mixed-case', 'number', 'special'] }],
    });
    expect(await set(token, next, 'Amber-Heron-28!')).toEqual({
      ok: false,
      reason: 'invalid',
      problems: [{ field: 'confirm', reason: 'mismatch' }],
    });
    expect(await set(token, 'Lovelace-1815!')).toEqual({
      ok: false,
      reason: 'invalid',
      problems: [{ field: 'next', reason: 'policy', unmet: ['not-context'] }],
    });
    expect(await set(token, old)).toEqual({
      ok: false,
      reason: 'invalid',
      problems: [{ field: 'next', reason: 'same-as-current' }],
    });
    expect(await set(token)).toEqual({ ok: true, returnTo: null });
  });

  it('clears the brute-force state of the account (SECURITY 51)', async () => {
    await t.addUser({ email: 'ada@example.com', password: old });
    for (let i = 0; i < 12; i++) {
      const outcome = await signIn(t.deps, { email: 'ada@example.com', password: 'Wrong-Otter-1', client });
      if (!outcome.ok && outcome.reason === 'throttled') t.clock.advance(outcome.retryAfterMs);
    }
    expect(await signIn(t.deps, { email: 'ada@example.com', password: old, client })).toMatchObject({
      ok: false,
      reason: 'throttled',
    });
    expect(await set(await requestLink())).toEqual({ ok: true, returnTo: null });
    expect((await signIn(t.deps, { email: 'ada@example.com', password: next, client })).ok).toBe(true);
  });

  it('slows down a client that keeps submitting a bad link (SECURITY 43)', async () => {
    for (let i = 0; i < 20; i++) await set(newToken());
    expect(await set(newToken())).toEqual({ ok: false, reason: 'link', link: 'invalid' });
    expect(await set(newToken())).toEqual({ ok: false, reason: 'throttled', retryAfterMs: 1000 });
  });
});
