// Signing in, as the flow sees it: real SQLite, real Argon2id, a clock the test moves.

import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type TestDeps, testDeps } from '../../test/support/deps.ts';
import { clientKey } from '../core/client-address.ts';
import { digest } from '../core/tokens.ts';
import { isPostgres } from '../store/connect.ts';
import { countSessionsOfUser, findSessionWithUser } from '../store/sessions.ts';
import { findUserById, lockUser } from '../store/users.ts';
import { addUser } from './add-user.ts';
import { resumeSession, startSession } from './sessions.ts';
import { signIn } from './sign-in.ts';

const client = { address: '203.0.113.7', userAgent: 'test' };
const reasonOf = (outcome: Awaited<ReturnType<typeof signIn>>) => (outcome.ok ? 'signed-in' : outcome.reason);
const password = 'Velvet-Otter-9';
let t: TestDeps;

beforeEach(async () => {
  t = await testDeps();
});
afterEach(() => t.close());

describe('signing in', () => {
  it('starts a session whose cookie value is stored only as its SHA-256', async () => {
    const user = await t.addUser({ email: 'ada@example.com', password });
    const outcome = await signIn(t.deps, { email: 'ada@example.com', password, client });
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(await findSessionWithUser(t.deps.db, outcome.token)).toBeUndefined();
    expect((await findSessionWithUser(t.deps.db, digest(outcome.token)))?.user.id).toBe(user.id);
  });

  it('finds the account however the address is written', async () => {
    await t.addUser({ email: 'ada@example.com', password });
    expect((await signIn(t.deps, { email: '  ADA@Example.com ', password, client })).ok).toBe(true);
  });

  it('accepts the password in any Unicode form that normalises to it (SECURITY 5)', async () => {
    await t.addUser({ email: 'ada@example.com', password: 'Café-Otter-9' });
    expect((await signIn(t.deps, { email: 'ada@example.com', password: 'Cafe\u0301-Otter-9', client })).ok).toBe(true);
    expect((await signIn(t.deps, { email: 'ada@example.com', password: 'Ｃａｆé-Otter-9', client })).ok).toBe(true);
  });

  it('verifies exactly what was typed: no trimming, no case folding (SECURITY 4)', async () => {
    await t.addUser({ email: 'ada@example.com', password });
    for (const attempt of [` ${password}`, `${password} `, password.toLowerCase(), password.slice(0, -1)]) {
      expect(await signIn(t.deps, { email: 'ada@example.com', password: attempt, client })).toEqual({
        ok: false,
        reason: 'invalid-credentials',
      });
    }
  });

  it('refuses a disabled account with the same answer as a wrong password (SECURITY 17)', async () => {
    const user = await t.addUser({ email: 'ada@example.com', password });
    await t.deps.db.updateTable('users').set({ disabled_at: t.clock.now() }).where('id', '=', user.id).execute();
    expect(await signIn(t.deps, { email: 'ada@example.com', password, client })).toEqual({
      ok: false,
      reason: 'invalid-credentials',
    });
  });

  it('ends the session the browser came with instead of promoting it (SECURITY 23)', async () => {
    const user = await t.addUser({ email: 'ada@example.com', password });
    const planted = await startSession(t.deps.db, t.clock.now(), user.id, client);
    const outcome = await signIn(t.deps, { email: 'ada@example.com', password, client, previousToken: planted });
    expect(outcome.ok && outcome.token).not.toBe(planted);
    expect((await resumeSession(t.deps, planted)).status).toBe('none');
    expect(await countSessionsOfUser(t.deps.db, user.id)).toBe(1);
  });

  it('rehashes a password stored with weaker parameters (SECURITY 13)', async () => {
    const user = await t.addUser({ email: 'ada@example.com', password });
    const { hash } = await import('@node-rs/argon2');
    const weak = await hash(password, { algorithm: 2, memoryCost: 8192, timeCost: 1, parallelism: 1 });
    await t.deps.db.updateTable('users').set({ password_hash: weak }).where('id', '=', user.id).execute();
    expect((await signIn(t.deps, { email: 'ada@example.com', password, client })).ok).toBe(true);
    await expect
      .poll(async () => (await findUserById(t.deps.db, user.id))?.password_hash)
      .toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect((await signIn(t.deps, { email: 'ada@example.com', password, client })).ok).toBe(true);
  });

  it('logs the outcome without the password or the session token (SECURITY 68)', async () => {
    await t.addUser({ email: 'ada@example.com', password });
    const outcome = await signIn(t.deps, { email: 'ada@example.com', password, client });
    await signIn(t.deps, { email: 'ada@example.com', password: 'Wrong-Otter-9', client });
    const log = t.logs.join('\n');
    expect(log).toContain('"outcome":"succeeded"');
    expect(log).toContain('"outcome":"failed"');
    expect(log).not.toContain(password);
    expect(log).not.toContain('Wrong-Otter-9');
    expect(log).not.toContain(outcome.ok ? outcome.token : 'unreachable');
  });

  it('records a failed attempt on an unknown address as it does a wrong password, tied to no account (SECURITY 16, 68)', async () => {
    const user = await t.addUser({ email: 'ada@example.com', password });
    await signIn(t.deps, { email: 'ada@example.com', password: 'Wrong-Otter-1', client });
    await signIn(t.deps, { email: 'nobody@example.com', password: 'Wrong-Otter-1', client });
    const failed = await t.deps.db
      .selectFrom('security_events')
      .select(['user_id', 'client_address'])
      .where('kind', '=', 'sign-in-failed')
      .execute();
    expect(failed.map((event) => event.user_id).sort()).toEqual([user.id, null].sort());
    expect(failed.every((event) => event.client_address === client.address)).toBe(true);
  });
});

const fail = (email = 'ada@example.com', address = client.address) =>
  signIn(t.deps, { email, password: 'Wrong-Otter-9', client: { ...client, address } });

describe('the language of an account nobody chose one for', () => {
  it('is the one of the page it first signs in from, and stays when it signs in from another', async () => {
    const added = await addUser(t.deps, { email: 'demo@example.com', name: 'Demo User', password });
    expect(added.ok && [added.user.locale, added.user.locale_chosen_at]).toEqual([t.deps.config.defaultLocale, null]);
    const user = added.ok ? added.user : undefined;
    expect((await signIn(t.deps, { email: 'demo@example.com', password, client, pageLocale: 'fr' })).ok).toBe(true);
    expect(await findUserById(t.deps.db, user!.id)).toMatchObject({ locale: 'fr', locale_chosen_at: t.clock.now() });
    expect((await signIn(t.deps, { email: 'demo@example.com', password, client, pageLocale: 'en' })).ok).toBe(true);
    expect((await findUserById(t.deps.db, user!.id))?.locale).toBe('fr');
  });

  it('is not taken from a failed sign-in, and a language chosen at the creation is never replaced', async () => {
    const chosen = await t.addUser({ email: 'ada@example.com', password, locale: 'en' });
    expect((await signIn(t.deps, { email: 'ada@example.com', password, client, pageLocale: 'fr' })).ok).toBe(true);
    expect((await findUserById(t.deps.db, chosen.id))?.locale).toBe('en');
    const added = await addUser(t.deps, { email: 'bob@example.com', name: 'Bob', password });
    expect(
      (await signIn(t.deps, { email: 'bob@example.com', password: 'Wrong-Otter-1', client, pageLocale: 'fr' })).ok,
    ).toBe(false);
    expect(await findUserById(t.deps.db, added.ok ? added.user.id : '')).toMatchObject({
      locale: 'en',
      locale_chosen_at: null,
    });
  });
});

describe('throttling (SECURITY 18–21)', () => {
  it('lets the owner make five mistakes, then makes each further attempt wait longer', async () => {
    await t.addUser({ email: 'ada@example.com', password });
    for (let i = 0; i < 5; i++) expect(await fail()).toEqual({ ok: false, reason: 'invalid-credentials' });
    expect(await fail()).toEqual({ ok: false, reason: 'invalid-credentials' });
    expect(await fail()).toEqual({ ok: false, reason: 'throttled', retryAfterMs: 1000 });
    t.clock.advance(1000);
    expect(await fail()).toEqual({ ok: false, reason: 'invalid-credentials' });
    expect(await fail()).toEqual({ ok: false, reason: 'throttled', retryAfterMs: 2000 });
  });

  it('answers a throttled attempt the same whether the password is right and whether the account exists', async () => {
    await t.addUser({ email: 'ada@example.com', password });
    for (let i = 0; i < 6; i++) await fail();
    for (let i = 0; i < 6; i++) await fail('nobody@example.com');
    const right = await signIn(t.deps, { email: 'ada@example.com', password, client });
    const unknown = await signIn(t.deps, { email: 'nobody@example.com', password, client });
    expect(right).toEqual({ ok: false, reason: 'throttled', retryAfterMs: 1000 });
    expect(unknown).toEqual(right);
  });

  it('lets the owner in from another address while one address is throttled (SECURITY 21)', async () => {
    await t.addUser({ email: 'ada@example.com', password });
    for (let i = 0; i < 7; i++) await fail('ada@example.com', '198.51.100.66');
    expect(reasonOf(await fail('ada@example.com', '198.51.100.66'))).toBe('throttled');
    expect((await signIn(t.deps, { email: 'ada@example.com', password, client })).ok).toBe(true);
  });

  it('clears the account counters on success', async () => {
    await t.addUser({ email: 'ada@example.com', password });
    for (let i = 0; i < 5; i++) await fail();
    expect((await signIn(t.deps, { email: 'ada@example.com', password, client })).ok).toBe(true);
    for (let i = 0; i < 5; i++) expect(reasonOf(await fail())).toBe('invalid-credentials');
  });

  it('stops after 100 failures in a row on one account, from any number of addresses, until a quiet day', async () => {
    await t.addUser({ email: 'ada@example.com', password });
    for (let i = 0; i < 100; i++) {
      const outcome = await fail('ada@example.com', `198.51.100.${i}`);
      if (!outcome.ok && outcome.reason === 'throttled') {
        t.clock.advance(outcome.retryAfterMs);
        i--;
      }
    }
    const stopped = await signIn(t.deps, { email: 'ada@example.com', password, client });
    expect(stopped.ok).toBe(false);
    expect(!stopped.ok && stopped.reason).toBe('throttled');
    t.clock.advance(86_400_000);
    expect((await signIn(t.deps, { email: 'ada@example.com', password, client })).ok).toBe(true);
  });
});

describe('races and lock-outs found in review', () => {
  it('lets no session signed in with the old password outlive a reset that runs at the same time (SECURITY 48)', async () => {
    const { sendResetEmail } = await import('./forgot-password.ts');
    const { setPassword } = await import('./reset-password.ts');
    const { newestResetEmail, resetLinkOf } = await import('../../test/support/smtp.ts');
    const user = await t.addUser({ email: 'ada@example.com', password });
    for (let round = 0; round < 4; round++) {
      await sendResetEmail(t.deps, { email: 'ada@example.com', client: { ...client, address: `198.51.100.${round}` } });
      await t.outbox.drain();
      const token = resetLinkOf(newestResetEmail(t.smtp.received)).searchParams.get('token')!;
      const current = round === 0 ? password : `Amber-Heron-${round}!`;
      const next = `Amber-Heron-${round + 1}!`;
      const attempts = Array.from({ length: 6 }, (_, i) =>
        signIn(t.deps, { email: 'ada@example.com', password: current, client: { ...client, address: `192.0.2.${i}` } }),
      );
      const [reset] = await Promise.all([setPassword(t.deps, { token, next, confirm: next, client }), ...attempts]);
      expect(reset.ok).toBe(true);
      const survivors = await t.deps.db
        .selectFrom('sessions')
        .select('id_hash')
        .where('user_id', '=', user.id)
        .execute();
      expect(survivors).toEqual([]);
      t.clock.advance(15 * 60_000);
    }
  });

  it('lets the owner in from a browser that signed in before, while an attacker holds the account counter (SECURITY 21)', async () => {
    await t.addUser({ email: 'ada@example.com', password });
    const first = await signIn(t.deps, { email: 'ada@example.com', password, client });
    const deviceToken = first.ok ? first.deviceToken : undefined;
    expect(deviceToken).toMatch(/^[\w-]{43}$/);
    // An attacker from many addresses drives the account-wide counter to its hard stop.
    for (let i = 0; i < 100; i++) {
      const outcome = await fail('ada@example.com', `198.51.100.${i}`);
      if (!outcome.ok && outcome.reason === 'throttled') {
        t.clock.advance(outcome.retryAfterMs);
        i--;
      }
    }
    expect(
      reasonOf(
        await signIn(t.deps, { email: 'ada@example.com', password, client: { ...client, address: '192.0.2.77' } }),
      ),
    ).toBe('throttled');
    const owner = await signIn(t.deps, {
      email: 'ada@example.com',
      password,
      client: { ...client, address: '192.0.2.77' },
      deviceToken,
    });
    expect(owner.ok).toBe(true);
    expect(owner.ok && owner.deviceToken).toBeUndefined();
  });

  it('does not take one account’s known browser as known to another account', async () => {
    await t.addUser({ email: 'ada@example.com', password });
    await t.addUser({ email: 'eve@example.com', password });
    const eve = await signIn(t.deps, { email: 'eve@example.com', password, client });
    const deviceToken = eve.ok ? eve.deviceToken : undefined;
    for (let i = 0; i < 11; i++) await fail('ada@example.com', `198.51.100.${i}`);
    expect(
      reasonOf(
        await signIn(t.deps, {
          email: 'ada@example.com',
          password,
          client: { ...client, address: '192.0.2.8' },
          deviceToken,
        }),
      ),
    ).toBe('throttled');
  });

  it('finishes beside a password change committing at the same moment: both take the account first, no deadlock', async () => {
    const user = await t.addUser({ email: 'ada@example.com', password });
    let signingIn: ReturnType<typeof signIn> | undefined;
    await t.deps.db.transaction().execute(async (tx) => {
      // What Save does with "Change password" ticked: the account row locked, then its counters cleared.
      await lockUser(tx, user.id);
      signingIn = signIn(t.deps, { email: 'ada@example.com', password, client });
      await untilSomeoneWaitsFor(tx);
      await t.deps.throttles.signIn.succeed('ada@example.com', clientKey(client.address), tx);
    });
    expect((await signingIn)?.ok).toBe(true);
  });

  it('counts a burst of parallel guesses before judging them: at most the free ones get checked (SECURITY 20)', async () => {
    await t.addUser({ email: 'ada@example.com', password });
    let verified = 0;
    const verify = t.deps.hasher.verify;
    t.deps.hasher.verify = (...args) => {
      verified++;
      return verify(...args);
    };
    await Promise.all(Array.from({ length: 40 }, () => fail()));
    expect(verified).toBe(6);
  });
});

/** On PostgreSQL, once another transaction waits for `tx`; SQLite runs one transaction at a time anyway. */
async function untilSomeoneWaitsFor(tx: typeof t.deps.db): Promise<void> {
  if (!isPostgres(tx)) return;
  const holder = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(tx)).rows[0]!.pid;
  for (let tries = 0; tries < 400; tries++) {
    const waiting = await sql<{
      n: number;
    }>`select count(*)::int as n from pg_stat_activity where ${holder} = any(pg_blocking_pids(pid))`.execute(t.deps.db);
    if (waiting.rows[0]!.n > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('nothing came to wait for the transaction');
}
