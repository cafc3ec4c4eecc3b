// "Change password" under Settings → My Profile → Account Details, as the flow sees it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type TestDeps, testDeps } from '../../test/support/deps.ts';
import { findUserById } from '../store/users.ts';
import { type AccountDetailsInput, saveAccountDetails } from './account-details.ts';
import { resumeSession, type SignedIn, startSession } from './sessions.ts';
import { signIn } from './sign-in.ts';

const client = { address: '203.0.113.7', userAgent: 'test' };
const current = 'Velvet-Otter-9';
const next = 'Amber-Heron-27!';
let t: TestDeps;

beforeEach(async () => {
  t = await testDeps();
});
afterEach(() => t.close());

async function signedIn(): Promise<{ signedIn: SignedIn; token: string }> {
  const user = await t.addUser({ email: 'ada@example.com', password: current, name: 'Ada Lovelace' });
  const token = await startSession(t.deps.db, t.clock.now(), user.id, client);
  const resumed = await resumeSession(t.deps, token);
  if (resumed.status !== 'active') throw new Error('no session');
  return { signedIn: resumed.signedIn, token };
}

const save = (session: SignedIn, password: AccountDetailsInput['password'], extra: Partial<AccountDetailsInput> = {}) =>
  saveAccountDetails(t.deps, session, { name: 'Ada Lovelace', locale: 'en', password, ...extra }, client);

async function passwordWorks(password: string): Promise<boolean> {
  return (await signIn(t.deps, { email: 'ada@example.com', password, client: { ...client, address: '192.0.2.1' } })).ok;
}

describe('changing the password while signed in', () => {
  it('replaces the hash, keeps this session under a new id and ends every other one (SECURITY 56)', async () => {
    const { signedIn: session, token } = await signedIn();
    const otherDevice = await startSession(t.deps.db, t.clock.now(), session.user.id, client);
    const outcome = await save(session, { current, next, confirm: next });
    expect(outcome).toMatchObject({ ok: true, passwordChanged: true });
    if (!outcome.ok || !outcome.passwordChanged) return;
    expect(outcome.token).not.toBe(token);
    expect((await resumeSession(t.deps, outcome.token)).status).toBe('active');
    expect((await resumeSession(t.deps, token)).status).toBe('none');
    expect((await resumeSession(t.deps, otherDevice)).status).toBe('none');
    expect(await passwordWorks(current)).toBe(false);
    expect(await passwordWorks(next)).toBe(true);
  });

  it('saves the name and language in the same transaction', async () => {
    const { signedIn: session } = await signedIn();
    await save(session, { current, next, confirm: next }, { name: 'Ada King', locale: 'fr' });
    expect(await findUserById(t.deps.db, session.user.id)).toMatchObject({ name: 'Ada King', locale: 'fr' });
  });

  const refusals: Array<[string, AccountDetailsInput['password'], object[]]> = [
    ['no current password', { current: '', next, confirm: next }, [{ field: 'current', reason: 'required' }]],
    [
      'a wrong current password',
      { current: 'Wrong-Otter-9', next, confirm: next },
      [{ field: 'current', reason: 'wrong' }],
    ],
    [
      'a confirmation that does not match',
      { current, next, confirm: 'Amber-Heron-28!' },
      [{ field: 'confirm', reason: 'mismatch' }],
    ],
    ['no confirmation', { current, next, confirm: '' }, [{ field: 'confirm', reason: 'required' }]],
    [
      'no new password',
      { current, next: '', confirm: '' },
      [
        { field: 'next', reason: 'required' },
        { field: 'confirm', reason: 'required' },
      ],
    ],
    [
      'the same password again',
      { current, next: current, confirm: current },
      [{ field: 'next', reason: 'same-as-current' }],
    ],
    [
      'a rule broken',
      { current, next: 'amber-heron-27', confirm: 'amber-heron-27' },
      [{ field: 'next', reason: 'policy', unmet: ['mixed-case'] }],
    ],
    [
      'a common password',
      { current, next: 'Password123!', confirm: 'Password123!' },
      [{ field: 'next', reason: 'policy', unmet: ['not-common'] }],
    ],
    [
      'the name inside',
      { current, next: 'Lovelace-2026!', confirm: 'Lovelace-2026!' },
      [{ field: 'next', reason: 'policy', unmet: ['not-context'] }],
    ],
    [
      'the brand inside',
      { current, next: 'SalesConnect-1!', confirm: 'SalesConnect-1!' },
      [{ field: 'next', reason: 'policy', unmet: ['not-context'] }],
    ],
  ];

  for (const [what, password, problems] of refusals) {
    it(`refuses ${what}, says exactly that, and changes nothing`, async () => {
      const { signedIn: session, token } = await signedIn();
      const before = await findUserById(t.deps.db, session.user.id);
      const outcome = await save(session, password, { name: 'Someone Else', locale: 'fr' });
      expect(outcome).toEqual({ ok: false, reason: 'invalid', problems });
      expect(await findUserById(t.deps.db, session.user.id)).toEqual(before);
      expect((await resumeSession(t.deps, token)).status).toBe('active');
      expect(await passwordWorks(current)).toBe(true);
      if (password?.next) expect(await passwordWorks(password.next)).toBe(password.next === current);
    });
  }

  it('applies one of two concurrent changes and refuses the other cleanly, never a crash', async () => {
    const { signedIn: session } = await signedIn();
    const outcomes = await Promise.all([
      save(session, { current, next, confirm: next }),
      save(session, { current, next: 'Coral-Finch-31!', confirm: 'Coral-Finch-31!' }),
    ]);
    expect(outcomes.filter((outcome) => outcome.ok)).toHaveLength(1);
    expect(outcomes.filter((outcome) => !outcome.ok)).toEqual([
      { ok: false, reason: 'invalid', problems: [{ field: 'current', reason: 'wrong' }] },
    ]);
    expect(await passwordWorks(current)).toBe(false);
  });

  it('treats a confirmation in another Unicode form as matching (SECURITY 5, 9)', async () => {
    const { signedIn: session } = await signedIn();
    expect((await save(session, { current, next: 'Café-Heron-27', confirm: 'Cafe\u0301-Heron-27' })).ok).toBe(true);
  });

  it('does not hash anything when the form alone is wrong', async () => {
    const { signedIn: session } = await signedIn();
    const verify = t.deps.hasher.verify;
    let hashes = 0;
    t.deps.hasher.verify = (...args) => {
      hashes++;
      return verify(...args);
    };
    await save(session, { current, next: 'short', confirm: 'short' });
    expect(hashes).toBe(0);
  });

  it('throttles guesses at the current password with the sign-in counter (SECURITY 54)', async () => {
    const { signedIn: session } = await signedIn();
    for (let i = 0; i < 6; i++) await save(session, { current: `Wrong-Otter-${i}`, next, confirm: next });
    const outcome = await save(session, { current, next, confirm: next });
    expect(outcome).toEqual({ ok: false, reason: 'throttled', retryAfterMs: 1000 });
    expect((await signIn(t.deps, { email: 'ada@example.com', password: current, client })).ok).toBe(false);
    t.clock.advance(1000);
    expect((await save(session, { current, next, confirm: next })).ok).toBe(true);
  });

  it('starts the counters afresh once the current password was right, even when Save is refused for the name', async () => {
    const { signedIn: session } = await signedIn();
    const wrongGuesses = async (count: number) => {
      const outcomes = [];
      for (let i = 0; i < count; i++) {
        const outcome = await save(session, { current: `Wrong-Otter-${i}`, next, confirm: next });
        outcomes.push(outcome.ok ? 'saved' : outcome.reason);
      }
      return outcomes;
    };
    expect(await wrongGuesses(4)).toEqual(Array(4).fill('invalid'));
    expect(await save(session, { current, next, confirm: next }, { name: '   ' })).toEqual({
      ok: false,
      reason: 'invalid',
      problems: [{ field: 'name', reason: 'required' }],
    });
    expect(await wrongGuesses(5)).toEqual(Array(5).fill('invalid'));
    expect((await save(session, { current, next, confirm: next })).ok).toBe(true);
    expect(await wrongGuesses(5)).toEqual(Array(5).fill('invalid'));
  });

  it('refuses a name that is empty, too long, breaks a line or hides text, and changes nothing', async () => {
    const { signedIn: session } = await signedIn();
    for (const [name, reason] of [
      ['   ', 'required'],
      ['x'.repeat(101), 'too-long'],
      ['Ada\nLovelace', 'line-break'],
      ['Ada\tLovelace', 'line-break'],
      ['Ada\u0085Lovelace', 'line-break'],
      // What reached the greeting of every email: "Bonjour Eve<U+2028>Support: call +1 555 0100,".
      ['Eve\u2028Support: call +1 555 0100', 'line-break'],
      ['Eve\u2029Support', 'line-break'],
      ['Eve Support\u2028', 'line-break'],
      ['Ada\u202eecalevoL', 'invisible'],
      ['Ada\u2066Lovelace\u2069', 'invisible'],
      ['Ada\u200bLovelace', 'invisible'],
      ['Ada\u200dLovelace', 'invisible'],
      ['Ada\u200fLovelace', 'invisible'],
      ['Ada\u061cLovelace', 'invisible'],
      ['Ada\u2060Lovelace', 'invisible'],
      ['\ufeffAda', 'invisible'],
      ['Ada\u00adLovelace', 'invisible'],
    ] as const) {
      expect(await save(session, undefined, { name })).toEqual({
        ok: false,
        reason: 'invalid',
        problems: [{ field: 'name', reason }],
      });
    }
    expect((await findUserById(t.deps.db, session.user.id))?.name).toBe('Ada Lovelace');
  });

  it('keeps names in every script, with their accents and apostrophes', async () => {
    const { signedIn: session } = await signedIn();
    for (const name of [
      'Zoë O’Brien-Müller',
      'Ngũgĩ wa Thiong’o',
      '李小龍',
      'Søren Kierkegaard',
      'Мария Склодовская',
      'José\u0301 Núñez',
    ]) {
      expect(await save(session, undefined, { name }), name).toEqual({ ok: true, passwordChanged: false });
      expect((await findUserById(t.deps.db, session.user.id))?.name).toBe(name);
    }
  });
});
