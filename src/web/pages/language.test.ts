// The EN | FR switch and the choice of a page's language: remembered in a cookie and the profile, never a
// way off-site, and Accept-Language when nothing else says. SECURITY 25.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TestBrowser, visibleText } from '../../../test/support/browser.ts';
import { startService, type TestService } from '../../../test/support/service.ts';
import { newAccount, password } from '../../../test/support/web.ts';
import { findUserById } from '../../store/users.ts';

const DAY = 86_400_000;
let service: TestService;

beforeAll(async () => {
  service = await startService();
});
afterAll(() => service.close());

// Every request of this file comes from 127.0.0.1, and wrong passwords count against that client for a day
// (throttles.ts). Each test starts a day later, so no test inherits the failures of another.
beforeEach(() => service.clock.advance(DAY));

describe('the language switch and the choice of language (SECURITY 25)', () => {
  it('remembers the choice in a cookie, and in the profile of a signed-in user', async () => {
    const visitor = new TestBrowser(service.url, { 'accept-language': 'en' });
    await visitor.get('/login');
    const switched = await visitor.post('/language', { locale: 'fr', next: '/login' });
    expect(switched.status).toBe(303);
    expect(switched.location).toBe('/login');
    expect(visitor.cookies.get('lang')).toBe('fr');
    expect((await visitor.get('/login')).text).toContain('<h1>Connexion à Sales Connect</h1>');

    const account = await newAccount(service, { locale: 'en' });
    await account.browser.get('/settings/profile');
    const answer = await account.browser.post('/language', { locale: 'fr', next: '/settings/profile' });
    expect(answer.location).toBe('/settings/profile');
    expect((await findUserById(service.deps.db, account.user.id))?.locale).toBe('fr');
    // The profile wins over the browser's language, on any device.
    const laptop = new TestBrowser(service.url, { 'accept-language': 'en-GB,en;q=0.9' });
    await laptop.signIn(account.email, password);
    const page = await laptop.get('/settings/profile');
    expect(page.text).toContain('lang="fr"');
    expect(visibleText(page.text)).toContain('Détails du compte');
  });

  it('never sends anyone off-site, whatever `next` says', async () => {
    const visitor = new TestBrowser(service.url);
    await visitor.get('/login');
    const offSite = [
      '//evil.example',
      '/\\evil.example',
      '\\\\evil.example',
      'https://evil.example',
      'http:evil.example',
      '//evil.example/%2F..',
      '/\t/evil.example',
      ' //evil.example',
      'javascript:alert(1)',
      '/€',
      '/\u0000',
      '/\r\nLocation: https://evil.example',
      '',
    ];
    for (const next of offSite) {
      const page = await visitor.post('/language', { locale: 'en', next });
      expect(page.status, JSON.stringify(next)).toBe(303);
      expect(page.location, JSON.stringify(next)).toBe('/');
    }
    expect((await visitor.post('/language', { locale: 'en', next: '/settings/profile?notice=saved' })).location).toBe(
      '/settings/profile?notice=saved',
    );
  });

  it('and signing in always lands on Settings, whatever `next` the link carried', async () => {
    await service.addUser({ email: 'next@example.com', password });
    const browser = new TestBrowser(service.url);
    await browser.get('/login?next=https://evil.example');
    const answer = await browser.post('/login?next=https://evil.example&redirect=//evil.example', {
      email: 'next@example.com',
      password,
      next: 'https://evil.example',
      redirect: '//evil.example',
    });
    expect(answer.status).toBe(303);
    expect(answer.location).toBe('/settings');
  });

  it('refuses a language we do not speak, and sets nothing', async () => {
    const visitor = new TestBrowser(service.url);
    await visitor.get('/login');
    const page = await visitor.post('/language', { locale: 'de', next: '/login' });
    expect(page.status).toBe(400);
    expect(visitor.cookies.has('lang')).toBe(false);
  });

  it('follows Accept-Language when nothing else says, French included', async () => {
    const pick = async (acceptLanguage: string) =>
      /<html lang="(\w+)"/.exec(
        (await new TestBrowser(service.url).get('/login', { 'accept-language': acceptLanguage })).text,
      )?.[1];
    expect(await pick('fr-CA,fr;q=0.9,en;q=0.5')).toBe('fr');
    expect(await pick('de-DE,fr;q=0.8,en;q=0.5')).toBe('fr');
    expect(await pick('en-US,fr;q=0.5')).toBe('en');
    expect(await pick('de-DE')).toBe('en');
    const missing = await new TestBrowser(service.url).get('/nowhere', { 'accept-language': 'fr' });
    expect(missing.status).toBe(404);
    expect(visibleText(missing.text)).toContain('Page introuvable');
  });
});
