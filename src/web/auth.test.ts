// The session as auth.ts reads it: from the cookie only, never one set before signing in, and ended by the
// server after an hour idle or twelve hours in all. SECURITY 23, 62, 63.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TestBrowser, visibleText } from '../../test/support/browser.ts';
import { startService, type TestService } from '../../test/support/service.ts';
import { isSignedIn, newAccount, password } from '../../test/support/web.ts';
import { countSessionsOfUser } from '../store/sessions.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;
let service: TestService;

beforeAll(async () => {
  service = await startService();
});
afterAll(() => service.close());

// Every request of this file comes from 127.0.0.1, and wrong passwords count against that client for a day
// (throttles.ts). Each test starts a day later, so no test inherits the failures of another.
beforeEach(() => service.clock.advance(DAY));

describe('sessions (SECURITY 23, 62, 63)', () => {
  it('never promotes a session id sent before signing in', async () => {
    // An attacker plants their own session cookie in the victim's browser, then waits for the victim to sign in.
    const attacker = await newAccount(service);
    const planted = attacker.browser.cookies.get('session')!;
    const victim = await service.addUser({ email: 'fixation@example.com', password });
    const victimBrowser = new TestBrowser(service.url);
    await victimBrowser.get('/login');
    victimBrowser.cookies.set('session', planted);
    expect((await victimBrowser.post('/login', { email: 'fixation@example.com', password })).status).toBe(303);
    expect(victimBrowser.cookies.get('session')).not.toBe(planted);
    expect((await attacker.browser.get('/settings/profile')).location).toBe('/login');
    const page = await victimBrowser.get('/settings/profile');
    expect(page.text).toContain('fixation@example.com');
    expect(await countSessionsOfUser(service.deps.db, victim.id)).toBe(1);

    // A made-up id of the right shape is not adopted either.
    const madeUp = 'A'.repeat(43);
    const other = new TestBrowser(service.url);
    other.cookies.set('session', madeUp);
    expect((await other.signIn('fixation@example.com', password)).status).toBe(303);
    expect(other.cookies.get('session')).not.toBe(madeUp);
    const guesser = new TestBrowser(service.url);
    guesser.cookies.set('session', madeUp);
    expect((await guesser.get('/settings/profile')).location).toBe('/login');
  });

  it('reads the session id only from the cookie', async () => {
    const account = await newAccount(service);
    const token = account.browser.cookies.get('session')!;
    const elsewhere = new TestBrowser(service.url);
    for (const [what, path, headers] of [
      ['query string', `/settings/profile?session=${token}`, {}],
      ['Authorization header', '/settings/profile', { authorization: `Bearer ${token}` }],
      ['another header', '/settings/profile', { 'x-session-id': token }],
    ] as const) {
      const page = await elsewhere.get(path, headers);
      expect(page.status, what).toBe(303);
      expect(page.location, what).toBe('/login');
    }
    expect(await isSignedIn(account.browser)).toBe(true);
  });

  it('ends after an hour without activity, on the server', async () => {
    const account = await newAccount(service);
    const cookie = account.browser.cookies.get('session')!;
    service.clock.advance(59 * MINUTE);
    expect(await isSignedIn(account.browser)).toBe(true);
    service.clock.advance(HOUR + MINUTE);
    const expired = await account.browser.get('/settings/profile');
    expect(expired.status).toBe(303);
    expect(expired.location).toBe('/login?notice=session-expired');
    expect(await countSessionsOfUser(service.deps.db, account.user.id)).toBe(0);
    expect(visibleText((await account.browser.get(expired.location!)).text)).toContain(
      'Your session has expired. Please sign in again.',
    );
    // A copy of the cookie made before is dead as well.
    const copy = new TestBrowser(service.url);
    copy.cookies.set('session', cookie);
    expect((await copy.get('/settings/profile')).location).toBe('/login');
  });

  it('stays alive while used every few seconds, with the shortest idle timeout allowed', async () => {
    const short = await startService({ SESSION_IDLE_TIMEOUT: '1m' });
    try {
      await short.addUser({ email: 'brisk@example.com', password });
      const browser = new TestBrowser(short.url);
      expect((await browser.signIn('brisk@example.com', password)).status).toBe(303);
      // Five minutes of a page every 7 s: each visit within the timeout of the one before.
      for (let visit = 0; visit < 43; visit++) {
        short.clock.advance(7_000);
        expect((await browser.get('/settings/profile')).status, `visit ${visit}`).toBe(200);
      }
      short.clock.advance(MINUTE + 6_000);
      expect((await browser.get('/settings/profile')).location).toBe('/login?notice=session-expired');
    } finally {
      await short.close();
    }
  });

  it('is kept alive by activity, but never past twelve hours after signing in', async () => {
    const account = await newAccount(service);
    // 14 × 50 minutes = 11 h 40: each visit comes before the idle limit.
    for (let visit = 0; visit < 14; visit++) {
      service.clock.advance(50 * MINUTE);
      expect(await isSignedIn(account.browser), `visit ${visit}`).toBe(true);
    }
    service.clock.advance(20 * MINUTE);
    const expired = await account.browser.get('/settings/profile');
    expect(expired.status).toBe(303);
    expect(expired.location).toBe('/login?notice=session-expired');
    expect(await countSessionsOfUser(service.deps.db, account.user.id)).toBe(0);
  });
});
