// /api/session for the apps beside the service: who is signed in, read by an app's back end with the
// browser's cookie or by its pages with credentials when its origin is allowed (CORS, SECURITY 82), and the
// end of the session from either. Every Origin of the attack corpus gets no permission at all.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TestBrowser } from '../../../test/support/browser.ts';
import { ATTACKED, originAttacks } from '../../../test/support/return-to-attacks.ts';
import { startService, type TestService } from '../../../test/support/service.ts';
import { isSignedIn, password } from '../../../test/support/web.ts';
import { countSessionsOfUser } from '../../store/sessions.ts';

const DAY = 86_400_000;
const SERVICE = ATTACKED.service;
const APP = ATTACKED.app;
let service: TestService;

beforeAll(async () => {
  service = await startService({ PUBLIC_URL: SERVICE, ALLOWED_APP_ORIGINS: `${APP}, https://other-app.example.com` });
});
afterAll(() => service.close());
beforeEach(() => service.clock.advance(DAY));

async function signedIn() {
  const email = `user-${Math.random().toString(36).slice(2, 10)}@example.com`;
  const user = await service.addUser({ email, password, name: 'Ada Lovelace' });
  const browser = new TestBrowser(service.url);
  await browser.get('/login');
  expect((await browser.post('/login', { email, password }, { origin: SERVICE })).status).toBe(303);
  return { email, user, browser };
}

const cors = (headers: Headers) => [...headers.keys()].filter((name) => name.startsWith('access-control-'));

describe('who am I, from an app (SECURITY 82)', () => {
  it("answers an app's back end, which sends the browser's cookie and no Origin", async () => {
    const { email, user, browser } = await signedIn();
    const answer = await browser.get('/api/session');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.headers.get('vary')).toMatch(/Origin/);
    expect(cors(answer.headers)).toEqual([]);
    expect(JSON.parse(answer.text)).toMatchObject({
      signedIn: true,
      user: { id: user.id, email, name: 'Ada Lovelace', locale: 'en' },
    });
    expect(JSON.parse((await new TestBrowser(service.url).get('/api/session')).text)).toEqual({ signedIn: false });
  });

  it('lets an allowed origin read it with credentials, signed in or not, and preflight a DELETE', async () => {
    const { email, browser } = await signedIn();
    for (const origin of [APP, 'https://other-app.example.com']) {
      const answer = await browser.get('/api/session', { origin });
      expect(answer.headers.get('access-control-allow-origin')).toBe(origin);
      expect(answer.headers.get('access-control-allow-credentials')).toBe('true');
      expect(answer.headers.get('vary')).toMatch(/Origin/);
      expect(JSON.parse(answer.text).user.email).toBe(email);
    }
    const signedOut = await new TestBrowser(service.url).get('/api/session', { origin: APP });
    expect(signedOut.status).toBe(401);
    expect(signedOut.headers.get('access-control-allow-origin')).toBe(APP);

    const preflight = await browser.request('/api/session', {
      method: 'OPTIONS',
      headers: { origin: APP, 'access-control-request-method': 'DELETE' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(APP);
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET, DELETE');
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    const put = await browser.request('/api/session', {
      method: 'OPTIONS',
      headers: { origin: APP, 'access-control-request-method': 'PUT' },
    });
    expect(put.status).toBe(403);
    expect(cors(put.headers)).toEqual([]);
  });

  it.each(originAttacks)('gives $why no permission, and lets it end nothing', async (attack) => {
    const { user, browser } = await signedIn();
    const read = await browser.get('/api/session', { origin: attack.value });
    expect(cors(read.headers)).toEqual([]);
    expect(read.headers.get('vary')).toMatch(/Origin/);
    const preflight = await browser.request('/api/session', {
      method: 'OPTIONS',
      headers: { origin: attack.value, 'access-control-request-method': 'DELETE' },
    });
    expect(preflight.status).toBe(403);
    expect(cors(preflight.headers)).toEqual([]);
    const ended = await browser.request('/api/session', { method: 'DELETE', headers: { origin: attack.value } });
    expect(ended.status).toBe(403);
    expect(await countSessionsOfUser(service.deps.db, user.id)).toBe(1);
  });
});

describe('signing out from an app', () => {
  it("ends the session from the app's back end with the session's cookie, and from an allowed origin", async () => {
    const back = await signedIn();
    const ended = await back.browser.request('/api/session', { method: 'DELETE', headers: {} });
    expect(ended.status).toBe(204);
    expect(ended.headers.getSetCookie().some((line) => line.startsWith('__Host-session=;'))).toBe(true);
    // Settings' way back to the app goes with the session, as after "Sign out".
    expect(ended.headers.getSetCookie().some((line) => line.startsWith('__Host-return-to=;'))).toBe(true);
    expect(await countSessionsOfUser(service.deps.db, back.user.id)).toBe(0);
    // Again: nothing left to end.
    expect((await back.browser.request('/api/session', { method: 'DELETE', headers: {} })).status).toBe(401);

    const page = await signedIn();
    const fromApp = await page.browser.request('/api/session', { method: 'DELETE', headers: { origin: APP } });
    expect(fromApp.status).toBe(204);
    expect(fromApp.headers.get('access-control-allow-origin')).toBe(APP);
    expect(await isSignedIn(page.browser)).toBe(false);
  });

  it('refuses a cross-site DELETE that carries no Origin but says where it comes from', async () => {
    const { user, browser } = await signedIn();
    const answer = await browser.request('/api/session', {
      method: 'DELETE',
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    expect(answer.status).toBe(403);
    expect(await countSessionsOfUser(service.deps.db, user.id)).toBe(1);
  });
});
