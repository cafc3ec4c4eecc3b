// The CSRF token and the origin check (csrf.ts, same-origin.ts) as an attacker meets them: on a Save, on
// the log-in form, and across signing in and out. SECURITY 24, 55 (and 67 for a doubled token).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TestBrowser } from '../../test/support/browser.ts';
import { startService, type TestService } from '../../test/support/service.ts';
import { expectNothingChanged, hostileSave, lead, newAccount, password } from '../../test/support/web.ts';
import { findUserById } from '../store/users.ts';

const DAY = 86_400_000;
let service: TestService;

beforeAll(async () => {
  service = await startService();
});
afterAll(() => service.close());

// Every request of this file comes from 127.0.0.1, and wrong passwords count against that client for a day
// (throttles.ts). Each test starts a day later, so no test inherits the failures of another.
beforeEach(() => service.clock.advance(DAY));

describe('CSRF and origin checks (SECURITY 24, 55)', () => {
  it('refuse a Save without a token, with a wrong one or with another browser’s, and change nothing', async () => {
    const account = await newAccount(service);
    const stranger = new TestBrowser(service.url);
    await stranger.get('/login');
    const attacker = await newAccount(service);
    await attacker.browser.get('/settings/profile');
    await account.browser.get('/settings/profile');
    const good = account.browser.csrf!;
    const forged = `${good.slice(0, -4)}${good.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;

    for (const [what, csrf] of [
      ['no token', null],
      ['a made-up token', forged],
      ['an empty token', ''],
      ['the token of a signed-out browser', stranger.csrf!],
      ['the token of another account’s browser', attacker.browser.csrf!],
    ] as const) {
      const page = await account.browser.post('/settings/profile', hostileSave, { csrf });
      expect(page.status, what).toBe(403);
      expect(lead(page), what).toBe(
        'This form has expired or was sent from another site. Go back, reload the page and try again.',
      );
    }
    // A second token beside the good one does not slip through either (SECURITY 67).
    const doubled = await account.browser.post('/settings/profile', { ...hostileSave, _csrf: forged }, { csrf: good });
    expect(doubled.status).toBe(403);
    await expectNothingChanged(service, account);
  });

  it('refuse a post from another origin, even with a good token, and change nothing', async () => {
    const account = await newAccount(service);
    await account.browser.get('/settings/profile');
    for (const [what, origin, headers] of [
      ['another site', 'https://evil.example', {}],
      ['another port of this host', 'http://127.0.0.1:1', {}],
      ['an opaque origin', 'null', {}],
      ['no Origin, cross-site fetch metadata', null, { 'sec-fetch-site': 'cross-site' }],
      ['no Origin, same-site fetch metadata', null, { 'sec-fetch-site': 'same-site' }],
    ] as const) {
      const page = await account.browser.post('/settings/profile', hostileSave, { origin, headers });
      expect(page.status, what).toBe(403);
    }
    await expectNothingChanged(service, account);
    // The same form from our own origin goes through: the token was good, the origin was the reason.
    const own = await account.browser.post('/settings/profile', { name: 'Ada King', locale: 'en' });
    expect(own.status).toBe(303);
    expect((await findUserById(service.deps.db, account.user.id))?.name).toBe('Ada King');
  });

  it('protect the log-in form as well: no session is started by a forged sign-in', async () => {
    await service.addUser({ email: 'login-csrf@example.com', password });
    const victim = new TestBrowser(service.url);
    await victim.get('/login');
    const other = new TestBrowser(service.url);
    await other.get('/login');
    const credentials = { email: 'login-csrf@example.com', password };
    for (const [what, options] of [
      ['no token', { csrf: null }],
      ['another browser’s token', { csrf: other.csrf! }],
      ['another origin', { origin: 'https://evil.example' }],
      ['cross-site fetch metadata', { origin: null, headers: { 'sec-fetch-site': 'cross-site' } }],
    ] as const) {
      const page = await victim.post('/login', credentials, options);
      expect(page.status, what).toBe(403);
      expect(
        page.headers.getSetCookie().some((line) => line.startsWith('session=')),
        what,
      ).toBe(false);
    }
    expect(victim.cookies.has('session')).toBe(false);
    expect((await victim.get('/settings/profile')).location).toBe('/login');
  });

  it('are renewed by signing in and by signing out: no token read before works after', async () => {
    await service.addUser({ email: 'csrf-renewed@example.com', password });
    const shared = new TestBrowser(service.url);
    await shared.get('/login');
    const signedOutToken = shared.csrf!;
    const signedOutSecret = shared.cookies.get('csrf');
    expect((await shared.post('/login', { email: 'csrf-renewed@example.com', password })).status).toBe(303);
    expect(shared.cookies.get('csrf')).not.toBe(signedOutSecret);
    // The token of the log-in page, taken by whoever saw that page, does not work once signed in.
    const withOldToken = await shared.post('/settings/profile', hostileSave, { csrf: signedOutToken });
    expect(withOldToken.status).toBe(403);

    await shared.get('/settings/profile');
    const firstUsersToken = shared.csrf!;
    expect((await shared.post('/logout', {})).status).toBe(303);
    // The next person at this browser signs in: the previous user's token is dead for them.
    await shared.get('/login');
    const nextUser = await newAccount(service);
    for (const [name, value] of nextUser.browser.cookies) if (name === 'session') shared.cookies.set(name, value);
    const replayed = await shared.post(
      '/settings/profile',
      { ...hostileSave, current_password: password },
      { csrf: firstUsersToken },
    );
    expect(replayed.status).toBe(403);
    expect(await findUserById(service.deps.db, nextUser.user.id)).toEqual(nextUser.user);
    // …and so is the one of the signed-out page shown after sign-out, once someone signs in from it.
    const afterSignOut = shared.csrf!;
    expect((await shared.post('/login', { email: 'csrf-renewed@example.com', password })).status).toBe(303);
    expect((await shared.post('/settings/profile', hostileSave, { csrf: afterSignOut })).status).toBe(403);
  });
});
