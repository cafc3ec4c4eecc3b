// Breached passwords (SECURITY 7) at every password choice, through the real Deps: BREACHED_PASSWORDS_URL
// points at a range server the test runs on a loopback port, and an imported list takes its place. What the
// user is told, what changes (nothing, when refused), what the operator reads in the metrics and the log,
// and what the range server is asked.
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type TestDeps, testDeps } from '../../test/support/deps.ts';
import { newestResetEmail, resetLinkOf } from '../../test/support/smtp.ts';
import { saveAccountDetails } from '../flows/account-details.ts';
import { addUser } from '../flows/add-user.ts';
import { sendResetEmail } from '../flows/forgot-password.ts';
import { openResetLink, setPassword } from '../flows/reset-password.ts';
import { resumeSession, type SignedIn, startSession } from '../flows/sessions.ts';
import { signIn } from '../flows/sign-in.ts';
import { insertBreachedHashes } from '../store/breached-hashes.ts';
import { findUserByEmail, findUserById } from '../store/users.ts';

const sha1 = (password: string) => createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
const prefixOf = (password: string) => sha1(password).slice(0, 5);

interface RangeServer {
  url: URL;
  received: Array<{ path: string; headers: IncomingHttpHeaders }>;
  /** Passwords this server lists as breached. */
  breach(...passwords: string[]): void;
  /** Takes the server down: its port then refuses connections. */
  close(): Promise<void>;
}

/** A "Pwned Passwords"-style range server on a loopback port: the suffixes under a prefix, padded. */
async function startRangeServer(): Promise<RangeServer> {
  const received: RangeServer['received'] = [];
  const breached = new Set<string>();
  const server = createServer((request, response) => {
    received.push({ path: request.url ?? '', headers: request.headers });
    const prefix = /^\/range\/([0-9A-F]{5})$/.exec(request.url ?? '')?.[1];
    if (prefix === undefined) return void response.writeHead(404).end();
    const lines = [...breached].filter((hash) => hash.startsWith(prefix)).map((hash) => `${hash.slice(5)}:42`);
    for (let i = 0; i < 20; i++) lines.push(`${sha1(`padding ${i}`).slice(5)}:0`);
    response.writeHead(200, { 'content-type': 'text/plain' }).end(lines.join('\r\n'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  let open = true;
  return {
    url: new URL(`http://127.0.0.1:${port}/range/`),
    received,
    breach: (...passwords) => {
      for (const password of passwords) breached.add(sha1(password));
    },
    close: () =>
      new Promise((resolve) => {
        if (!open) return resolve();
        open = false;
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const client = { address: '203.0.113.7', userAgent: 'test' };
const current = 'Velvet-Otter-9';
/** Listed by the range server (or the imported list) in the tests that say so. */
const breached = 'Amber-Heron-27!';
const safe = 'Coral-Finch-31!';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let range: RangeServer;
let t: TestDeps;

async function start(env: Record<string, string> = {}) {
  range = await startRangeServer();
  range.breach(breached);
  t = await testDeps({ BREACHED_PASSWORDS_URL: range.url.href, ...env });
}
afterEach(async () => {
  await t.close();
  await range.close();
});

async function signedIn(): Promise<{ signedIn: SignedIn; token: string }> {
  const user = await t.addUser({ email: 'ada@example.com', password: current, name: 'Ada Lovelace' });
  const token = await startSession(t.deps.db, t.clock.now(), user.id, client);
  const resumed = await resumeSession(t.deps, token);
  if (resumed.status !== 'active') throw new Error('no session');
  return { signedIn: resumed.signedIn, token };
}

const change = (session: SignedIn, next: string, currentTyped = current) =>
  saveAccountDetails(
    t.deps,
    session,
    { name: 'Ada Lovelace', locale: 'en', password: { current: currentTyped, next, confirm: next } },
    client,
  );

const works = async (password: string) =>
  (await signIn(t.deps, { email: 'ada@example.com', password, client: { ...client, address: '192.0.2.9' } })).ok;

async function requestLink(): Promise<string> {
  await sendResetEmail(t.deps, { email: 'ada@example.com', client });
  await t.outbox.drain();
  return resetLinkOf(newestResetEmail(t.smtp.received)).searchParams.get('token')!;
}

/** What an operator scrapes: breached_password_lookups_total for these labels (0 when not yet counted). */
async function lookups(source: 'api' | 'imported', outcome: 'found' | 'not-found' | 'unavailable'): Promise<number> {
  const text = await t.deps.metrics.registry.metrics();
  const line = text
    .split('\n')
    .find((row) => row.startsWith(`breached_password_lookups_total{source="${source}",outcome="${outcome}"}`));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

const warnings = () =>
  t.logs.map((line) => JSON.parse(line)).filter((entry) => entry.event === 'breached-passwords' && entry.level === 40);

describe('Change password in Settings', () => {
  it('refuses a breached password with its own reason, and changes nothing', async () => {
    await start();
    const { signedIn: session, token } = await signedIn();
    const before = await findUserById(t.deps.db, session.user.id);
    range.received.length = 0;
    expect(await change(session, breached)).toEqual({
      ok: false,
      reason: 'invalid',
      problems: [{ field: 'next', reason: 'breached' }],
    });
    expect(await findUserById(t.deps.db, session.user.id)).toEqual(before);
    expect((await resumeSession(t.deps, token)).status).toBe('active');
    expect(await works(current)).toBe(true);
    expect(await works(breached)).toBe(false);
    // Only the new password was looked up, by its prefix.
    expect(range.received.map((request) => request.path)).toEqual([`/range/${prefixOf(breached)}`]);
    expect(await lookups('api', 'found')).toBe(1);
  });

  it('looks nothing up for someone who does not know the current password', async () => {
    await start();
    const { signedIn: session } = await signedIn();
    range.received.length = 0;
    expect(await change(session, breached, 'Wrong-Otter-9')).toEqual({
      ok: false,
      reason: 'invalid',
      problems: [{ field: 'current', reason: 'wrong' }],
    });
    expect(range.received).toEqual([]);
  });

  it('accepts a password the range API does not list', async () => {
    await start();
    const { signedIn: session } = await signedIn();
    expect(await change(session, safe)).toMatchObject({ ok: true, passwordChanged: true });
    expect(await works(safe)).toBe(true);
    expect(await works(current)).toBe(false);
    expect(await lookups('api', 'not-found')).toBeGreaterThanOrEqual(1);
  });

  it('goes on without the check when the range API is down, and the metric and the log say so', async () => {
    await start();
    const { signedIn: session } = await signedIn();
    await range.close();
    const outcome = await change(session, breached);
    expect(outcome).toMatchObject({ ok: true, passwordChanged: true });
    expect(await works(breached)).toBe(true);
    expect(await lookups('api', 'unavailable')).toBe(1);
    const [warning, ...more] = warnings();
    expect(more).toEqual([]);
    expect(warning).toMatchObject({ outcome: 'unavailable', reason: 'unreachable' });
    expect(warning.msg).toContain('accepted without that check');
    // The log says that the check was skipped, never what was checked.
    for (const line of t.logs) {
      expect(line).not.toContain(breached);
      expect(line).not.toContain(sha1(breached).slice(5));
    }
  });
});

describe('Set Password through a reset link', () => {
  it('refuses a breached password, keeps the link usable and the old password working', async () => {
    await start();
    await t.addUser({ email: 'ada@example.com', password: current });
    const token = await requestLink();
    expect(await setPassword(t.deps, { token, next: breached, confirm: breached, client })).toEqual({
      ok: false,
      reason: 'invalid',
      problems: [{ field: 'next', reason: 'breached' }],
    });
    expect(await openResetLink(t.deps, token)).toMatchObject({ ok: true });
    expect(await works(current)).toBe(true);
    expect(await works(breached)).toBe(false);
    expect(await setPassword(t.deps, { token, next: safe, confirm: safe, client })).toEqual({
      ok: true,
      returnTo: null,
    });
    expect(await works(safe)).toBe(true);
  });

  it('goes on when the range API is down, and counts it', async () => {
    await start();
    await t.addUser({ email: 'ada@example.com', password: current });
    const token = await requestLink();
    await range.close();
    expect(await setPassword(t.deps, { token, next: breached, confirm: breached, client })).toEqual({
      ok: true,
      returnTo: null,
    });
    expect(await lookups('api', 'unavailable')).toBe(1);
  });
});

describe('an account created with a password (invitation, `users add`)', () => {
  it('refuses a breached password and creates nothing', async () => {
    await start();
    const outcome = await addUser(t.deps, { email: 'ada@example.com', password: breached, name: 'Ada', locale: 'en' });
    expect(outcome).toEqual({ ok: false, reason: 'password', problems: [{ field: 'next', reason: 'breached' }] });
    expect(await findUserByEmail(t.deps.db, 'ada@example.com')).toBeUndefined();
  });
});

describe('the lookups the service makes', () => {
  it('asks the range API once per prefix within the hour, and again after', async () => {
    await start();
    expect(await t.deps.breachedPasswords.check(safe)).toMatchObject({ breached: false });
    expect(await t.deps.breachedPasswords.check(safe)).toMatchObject({ breached: false });
    expect(range.received).toHaveLength(1);
    // A password listed since is seen once the hour is over.
    range.breach(safe);
    t.clock.advance(HOUR);
    expect(await t.deps.breachedPasswords.check(safe)).toMatchObject({ answered: true, breached: true });
    expect(range.received).toHaveLength(2);
  });

  it('does not keep a failure: the next lookup asks again', async () => {
    await start();
    const down = await startRangeServer();
    await down.close();
    await t.close();
    t = await testDeps({ BREACHED_PASSWORDS_URL: down.url.href });
    expect(await t.deps.breachedPasswords.check(breached)).toEqual({ answered: false });
    expect(await t.deps.breachedPasswords.check(breached)).toEqual({ answered: false });
    expect(await lookups('api', 'unavailable')).toBe(2);
  });

  it('with BREACHED_PASSWORDS_URL=off and no list imported, asks nothing and counts nothing', async () => {
    await start({ BREACHED_PASSWORDS_URL: 'off' });
    expect(await t.deps.breachedPasswords.check(breached)).toEqual({ answered: false });
    expect(range.received).toEqual([]);
    expect(await lookups('api', 'unavailable')).toBe(0);
  });
});

describe('an imported breach list', () => {
  it('is used instead of the range API, which then receives nothing', async () => {
    await start();
    const { signedIn: session } = await signedIn();
    await insertBreachedHashes(t.deps.db, [{ sha1: sha1(safe), count: 3 }]);
    // An import (by the CLI, another process) is seen within a minute.
    t.clock.advance(MINUTE + 1);
    range.received.length = 0;
    expect(await change(session, safe)).toEqual({
      ok: false,
      reason: 'invalid',
      problems: [{ field: 'next', reason: 'breached' }],
    });
    // Listed by the range API only: the imported list does not have it, and the API is not asked.
    expect(await change(session, breached)).toMatchObject({ ok: true, passwordChanged: true });
    expect(range.received).toEqual([]);
    expect(await lookups('imported', 'found')).toBe(1);
    expect(await lookups('imported', 'not-found')).toBe(1);
  });

  it('is used with BREACHED_PASSWORDS_URL=off, for a service that cannot reach the internet', async () => {
    await start({ BREACHED_PASSWORDS_URL: 'off' });
    await insertBreachedHashes(t.deps.db, [{ sha1: sha1(breached), count: 1 }]);
    await t.addUser({ email: 'ada@example.com', password: current });
    const token = await requestLink();
    expect(await setPassword(t.deps, { token, next: breached, confirm: breached, client })).toMatchObject({
      ok: false,
      problems: [{ field: 'next', reason: 'breached' }],
    });
    expect(range.received).toEqual([]);
  });
});

describe('signing in with a password found breached since it was chosen', () => {
  async function breachedAccount() {
    await start();
    const user = await t.addUser({ email: 'ada@example.com', password: current });
    range.breach(current);
    // Checked when chosen: looked up again at a sign-in a day later.
    t.clock.advance(24 * HOUR);
    return user;
  }

  it('gives a session that may only choose a new password, and records the event once', async () => {
    const user = await breachedAccount();
    const first = await signIn(t.deps, { email: 'ada@example.com', password: current, client });
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    expect((await resumeSession(t.deps, first.token)).status).toBe('new-password');
    t.clock.advance(25 * HOUR);
    const second = await signIn(t.deps, { email: 'ada@example.com', password: current, client });
    if (!second.ok) throw new Error('not signed in');
    expect((await resumeSession(t.deps, second.token)).status).toBe('new-password');
    const events = await t.deps.db
      .selectFrom('security_events')
      .select('kind')
      .where('user_id', '=', user.id)
      .where('kind', '=', 'password-breached')
      .execute();
    expect(events).toHaveLength(1);
  });

  it('lets the user in as usual when the range API is down, and asks again at the next sign-in', async () => {
    await breachedAccount();
    await range.close();
    const first = await signIn(t.deps, { email: 'ada@example.com', password: current, client });
    if (!first.ok) throw new Error('not signed in');
    expect((await resumeSession(t.deps, first.token)).status).toBe('active');
    expect(await lookups('api', 'unavailable')).toBe(1);
    await signIn(t.deps, { email: 'ada@example.com', password: current, client });
    expect(await lookups('api', 'unavailable')).toBe(2);
  });

  it('looks nothing up for a wrong password', async () => {
    await breachedAccount();
    range.received.length = 0;
    expect((await signIn(t.deps, { email: 'ada@example.com', password: breached, client })).ok).toBe(false);
    expect(range.received).toEqual([]);
  });
});
