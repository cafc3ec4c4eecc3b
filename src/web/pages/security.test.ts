// Settings → Security over HTTP: recent activity, active sessions, revoking one, signing out the others.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestBrowser, visibleText } from '../../../test/support/browser.ts';
import { startService, type TestService } from '../../../test/support/service.ts';

const password = 'Velvet-Otter-9';
const firefox = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0' };
const iphone = {
  'user-agent':
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1',
};
let service: TestService;

beforeEach(async () => {
  service = await startService();
  await service.addUser({ email: 'ada@example.com', password });
  await service.addUser({ email: 'eve@example.com', password });
});
afterEach(() => service.close());

async function signedIn(headers: Record<string, string>, email = 'ada@example.com'): Promise<TestBrowser> {
  const browser = new TestBrowser(service.url, headers);
  expect((await browser.signIn(email, password)).location).toBe('/settings');
  return browser;
}

describe('Settings → Security', () => {
  it('shows each active session with its device, and this one marked', async () => {
    const laptop = await signedIn(firefox);
    await signedIn(iphone);
    const page = await laptop.get('/settings/security');
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    const text = visibleText(page.text);
    expect(text).toContain('Firefox on Linux This device');
    expect(text).toContain('Safari on iOS');
    expect(page.text.match(/action="\/settings\/security\/sessions\/revoke"/g)).toHaveLength(1);
  });

  it('lists recent activity, failed attempts included, newest first', async () => {
    await new TestBrowser(service.url, iphone).signIn('ada@example.com', 'Wrong-Otter-9');
    service.clock.advance(1000);
    const laptop = await signedIn(firefox);
    const text = visibleText((await laptop.get('/settings/security')).text);
    expect(text.indexOf('Signed in')).toBeLessThan(text.indexOf('Failed sign-in attempt'));
    expect(text).toContain('Safari on iOS · 127.0.0.1');
  });

  it('signs out one other session, which then no longer works', async () => {
    const laptop = await signedIn(firefox);
    const phone = await signedIn(iphone);
    const page = await laptop.get('/settings/security');
    const id = /name="session" value="([^"]+)"/.exec(page.text)![1]!;
    const done = await laptop.post('/settings/security/sessions/revoke', { session: id });
    expect(done.location).toBe('/settings/security?notice=revoked');
    expect(visibleText((await laptop.get(done.location!)).text)).toContain('That session has been signed out.');
    expect((await phone.get('/settings/profile')).location).toMatch(/^\/login/);
    expect((await laptop.get('/settings/profile')).status).toBe(200);
  });

  it('cannot sign out a session of another account, whatever id is sent (SECURITY 57)', async () => {
    const ada = await signedIn(firefox);
    const eve = await signedIn(iphone, 'eve@example.com');
    const evesId = /name="session" value="([^"]+)"/.exec(
      (await (await signedIn(firefox, 'eve@example.com')).get('/settings/security')).text,
    )![1]!;
    const attempt = await ada.post(
      '/settings/security/sessions/revoke',
      { session: evesId },
      { csrf: (await ada.get('/settings/security')).csrf },
    );
    expect(attempt.location).toBe('/settings/security?notice=not-found');
    expect((await eve.get('/settings/profile')).status).toBe(200);
  });

  it('signs out everywhere else and keeps this device', async () => {
    const laptop = await signedIn(firefox);
    const phone = await signedIn(iphone);
    const tablet = await signedIn(iphone);
    await laptop.get('/settings/security');
    const done = await laptop.post('/settings/security/sign-out-others', {});
    expect(done.location).toBe('/settings/security?notice=signed-out-others');
    for (const other of [phone, tablet]) expect((await other.get('/settings/profile')).location).toMatch(/^\/login/);
    const page = await laptop.get(done.location!);
    expect(visibleText(page.text)).toContain('No other device is signed in.');
    expect(visibleText(page.text)).toContain('Other sessions signed out');
  });

  it('needs a signed-in session, a CSRF token and our origin', async () => {
    expect((await new TestBrowser(service.url).get('/settings/security')).location).toBe('/login');
    const laptop = await signedIn(firefox);
    const phone = await signedIn(iphone);
    await laptop.get('/settings/security');
    expect((await laptop.post('/settings/security/sign-out-others', {}, { csrf: null })).status).toBe(403);
    expect(
      (await laptop.post('/settings/security/sign-out-others', {}, { origin: 'https://evil.example' })).status,
    ).toBe(403);
    expect((await phone.get('/settings/profile')).status).toBe(200);
  });

  it('speaks the French of a French profile', async () => {
    await service.addUser({ email: 'zoe@example.com', password, locale: 'fr' });
    const laptop = await signedIn(firefox, 'zoe@example.com');
    const text = visibleText((await laptop.get('/settings/security')).text);
    expect(text).toContain('Sessions actives');
    expect(text).toContain('Firefox sur Linux Cet appareil');
    expect(text).toContain('Activité récente');
  });
});
