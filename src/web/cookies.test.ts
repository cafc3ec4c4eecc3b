// The attributes of the session, CSRF and language cookies, over http and under an https PUBLIC_URL, and
// the session token they carry. SECURITY 59, 60.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TestBrowser } from '../../test/support/browser.ts';
import { startService, type TestService } from '../../test/support/service.ts';
import { password } from '../../test/support/web.ts';

const DAY = 86_400_000;
let service: TestService;

beforeAll(async () => {
  service = await startService();
});
afterAll(() => service.close());

// Every request of this file comes from 127.0.0.1, and wrong passwords count against that client for a day
// (throttles.ts). Each test starts a day later, so no test inherits the failures of another.
beforeEach(() => service.clock.advance(DAY));

describe('cookies (SECURITY 59, 60)', () => {
  it('are HttpOnly and SameSite=Lax, and not Secure over plain http', async () => {
    await service.addUser({ email: 'cookies@example.com', password });
    const browser = new TestBrowser(service.url);
    const login = await browser.get('/login');
    const signIn = await browser.post('/login', { email: 'cookies@example.com', password });
    // Signing in renewed the CSRF secret: the form comes from a page read after it.
    await browser.get('/settings/profile');
    const language = await browser.post('/language', { locale: 'fr', next: '/settings/profile' });
    const lines = [
      ...login.headers.getSetCookie(),
      ...signIn.headers.getSetCookie(),
      ...language.headers.getSetCookie(),
    ];
    for (const name of ['csrf', 'session', 'lang']) {
      const line = lines.find((cookie) => cookie.startsWith(`${name}=`));
      expect(line, name).toBeDefined();
      expect(line).toMatch(/; HttpOnly/);
      expect(line).toMatch(/; SameSite=Lax/);
      expect(line).toMatch(/; Path=\//);
      expect(line).not.toMatch(/; Secure/);
      expect(line).not.toMatch(/; Domain=/i);
    }
    // The session ends with the browser; the server enforces the timeouts.
    expect(lines.find((cookie) => cookie.startsWith('session='))).not.toMatch(/Max-Age|Expires/i);
    // 256 random bits, base64url, and only their digest is stored.
    const token = browser.cookies.get('session')!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rows = await service.deps.db.selectFrom('sessions').select('id_hash').execute();
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.id_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('get the __Host- prefix and Secure when PUBLIC_URL is https, and the origin check follows PUBLIC_URL', async () => {
    const origin = 'https://accounts.example.test';
    const secure = await startService({ PUBLIC_URL: origin });
    try {
      await secure.addUser({ email: 'https@example.com', password });
      const browser = new TestBrowser(secure.url);
      const login = await browser.get('/login');
      expect(login.headers.get('strict-transport-security')).toMatch(/max-age=\d{7,}/);
      // Even the answer to a URL that cannot be routed, given before any hook runs.
      const unroutable = await browser.get('/reset-password%zz');
      expect(unroutable.status).toBe(400);
      expect(unroutable.headers.get('strict-transport-security')).toMatch(/max-age=\d{7,}/);
      expect(login.headers.get('content-security-policy')).toContain('upgrade-insecure-requests');
      // The Host of the request is not our origin: PUBLIC_URL is.
      const fromHost = await browser.post('/login', { email: 'https@example.com', password }, { origin: secure.url });
      expect(fromHost.status).toBe(403);
      const signIn = await browser.post('/login', { email: 'https@example.com', password }, { origin });
      expect(signIn.status).toBe(303);
      await browser.get('/settings/profile');
      const language = await browser.post('/language', { locale: 'fr', next: '/' }, { origin });
      expect(language.status).toBe(303);

      const lines = [
        ...login.headers.getSetCookie(),
        ...signIn.headers.getSetCookie(),
        ...language.headers.getSetCookie(),
      ];
      for (const name of ['csrf', 'session', 'lang']) {
        const line = lines.find((cookie) => cookie.startsWith(`__Host-${name}=`));
        expect(line, name).toBeDefined();
        expect(line).toMatch(/; Secure/);
        expect(line).toMatch(/; HttpOnly/);
        expect(line).toMatch(/; SameSite=Lax/);
        expect(line).toMatch(/; Path=\/(;|$)/);
        expect(line).not.toMatch(/; Domain=/i);
      }
      expect(lines.some((line) => /^(session|csrf|lang)=/.test(line))).toBe(false);
      const settings = await browser.get('/settings/profile');
      expect(settings.status).toBe(200);
      expect(settings.text).toContain('lang="fr"');
    } finally {
      await secure.close();
    }
  });

  it('with COOKIE_DOMAIN, share the session with sibling apps as __Secure-session, and nothing else (SECURITY 82)', async () => {
    const origin = 'https://accounts.example.test';
    const shared = await startService({ PUBLIC_URL: origin, COOKIE_DOMAIN: 'example.test' });
    try {
      const user = await shared.addUser({ email: 'shared@example.com', password });
      const browser = new TestBrowser(shared.url);
      const login = await browser.get('/login');
      const signIn = await browser.post('/login', { email: 'shared@example.com', password }, { origin });
      expect(signIn.status).toBe(303);
      const session = signIn.headers.getSetCookie().find((line) => line.startsWith('__Secure-session='));
      expect(session).toBeDefined();
      expect(session).toMatch(/; Domain=example\.test(;|$)/);
      expect(session).toMatch(/; Path=\/(;|$)/);
      expect(session).toMatch(/; Secure/);
      expect(session).toMatch(/; HttpOnly/);
      expect(session).toMatch(/; SameSite=Lax/);
      // The CSRF and language cookies stay this host's.
      for (const line of [...login.headers.getSetCookie(), ...signIn.headers.getSetCookie()]) {
        if (!line.startsWith('__Secure-session=')) {
          expect(line).toMatch(/^__Host-/);
          expect(line).not.toMatch(/; Domain=/i);
        }
      }
      expect((await browser.get('/settings/profile')).status).toBe(200);
      // A sibling app's back end asks who it is with the cookie its browser sent it.
      const sibling = new TestBrowser(shared.url);
      sibling.cookies.set('__Secure-session', browser.cookies.get('__Secure-session')!);
      expect(JSON.parse((await sibling.get('/api/session')).text).user.id).toBe(user.id);
      expect((await sibling.get('/auth/check')).headers.get('x-user-id')).toBe(user.id);
      // Cookie tossing: another host of the domain sets one more session cookie with a longer Path, which the
      // browser sends first. Sent twice, in either order, the session cookie is no session at all.
      const mine = browser.cookies.get('__Secure-session')!;
      const theirs = 'A'.repeat(43);
      for (const cookie of [
        `__Secure-session=${theirs}; __Secure-session=${mine}`,
        `__Secure-session=${mine}; __Secure-session=${theirs}`,
      ]) {
        expect((await fetch(`${shared.url}/api/session`, { headers: { cookie } })).status).toBe(401);
        expect((await fetch(`${shared.url}/auth/check`, { headers: { cookie } })).status).toBe(401);
      }
      // A host-only cookie from before COOKIE_DOMAIN was set counts for nothing.
      const before = new TestBrowser(shared.url);
      before.cookies.set('__Host-session', browser.cookies.get('__Secure-session')!);
      expect((await before.get('/api/session')).status).toBe(401);

      await browser.get('/settings/profile');
      const out = await browser.post('/logout', {}, { origin });
      const cleared = out.headers.getSetCookie().find((line) => line.startsWith('__Secure-session='));
      expect(cleared).toMatch(/^__Secure-session=;.*Domain=example\.test/);
      expect((await sibling.get('/api/session')).status).toBe(401);
    } finally {
      await shared.close();
    }
  });
});
