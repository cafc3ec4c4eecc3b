// "Sign out" in the gear menu: a POST behind the CSRF check, which ends the session on the server.
// SECURITY 24, 61.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TestBrowser, visibleText } from '../../../test/support/browser.ts';
import { startService, type TestService } from '../../../test/support/service.ts';
import { isSignedIn, newAccount } from '../../../test/support/web.ts';
import { countSessionsOfUser } from '../../store/sessions.ts';

const DAY = 86_400_000;
let service: TestService;

beforeAll(async () => {
  service = await startService();
});
afterAll(() => service.close());

// Every request of this file comes from 127.0.0.1, and wrong passwords count against that client for a day
// (throttles.ts). Each test starts a day later, so no test inherits the failures of another.
beforeEach(() => service.clock.advance(DAY));

describe('sign-out (SECURITY 24, 61)', () => {
  it('is a POST only, behind the CSRF check: GET /logout asks first', async () => {
    const account = await newAccount(service);
    const get = await account.browser.get('/logout');
    expect(get.status).toBe(200);
    expect(visibleText(get.text)).toContain('Sign out of Sales Connect?');
    expect(await isSignedIn(account.browser)).toBe(true);
    const noToken = await account.browser.post('/logout', {}, { csrf: null });
    expect(noToken.status).toBe(403);
    const foreign = await account.browser.post('/logout', {}, { origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(await isSignedIn(account.browser)).toBe(true);
    expect(await countSessionsOfUser(service.deps.db, account.user.id)).toBe(1);
  });

  it('ends the session on the server, so a copy of the cookie is dead too', async () => {
    const account = await newAccount(service);
    const cookie = account.browser.cookies.get('session')!;
    await account.browser.get('/settings/profile');
    const answer = await account.browser.post('/logout', {});
    expect(answer.status).toBe(303);
    expect(answer.location).toBe('/login?notice=signed-out');
    expect(answer.headers.getSetCookie().find((line) => line.startsWith('session='))).toMatch(
      /^session=;.*(Max-Age=0|Expires=Thu, 01 Jan 1970)/,
    );
    expect(visibleText((await account.browser.get(answer.location!)).text)).toContain('You have been signed out.');

    const copy = new TestBrowser(service.url);
    copy.cookies.set('session', cookie);
    const replayed = await copy.get('/settings/profile');
    expect(replayed.status).toBe(303);
    expect(replayed.location).toBe('/login');
    expect(await countSessionsOfUser(service.deps.db, account.user.id)).toBe(0);
  });
});
