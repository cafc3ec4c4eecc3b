import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestBrowser, visibleText } from '../../../test/support/browser.ts';
import { startService, type TestService } from '../../../test/support/service.ts';

const password = 'Correct-Horse-42';
let service: TestService;

beforeAll(async () => {
  service = await startService();
  await service.addUser({ email: 'ada@example.com', password });
});
afterAll(() => service.close());

describe('the log-in page', () => {
  it('is where a signed-out visitor of / lands, titled in the language of the browser', async () => {
    const browser = new TestBrowser(service.url);
    const home = await browser.get('/');
    expect(home.status).toBe(303);
    expect(home.location).toBe('/login');

    const english = await browser.get('/login', { 'accept-language': 'en-GB,en;q=0.9' });
    expect(english.text).toContain('<h1>Sales Connect log-in</h1>');
    const french = await new TestBrowser(service.url).get('/login', { 'accept-language': 'fr-FR,fr;q=0.9,en;q=0.5' });
    expect(french.text).toContain('<h1>Connexion à Sales Connect</h1>');
    expect(french.text).toContain('lang="fr"');
  });

  it('signs in with the right password and lands on My Profile', async () => {
    const browser = new TestBrowser(service.url);
    const answer = await browser.signIn('ada@example.com', password);
    expect(answer.status).toBe(303);
    expect(answer.location).toBe('/settings');
    const settings = await browser.get('/settings/profile');
    expect(settings.status).toBe(200);
    expect(visibleText(settings.text)).toContain('Account Details');
  });

  it('gives one identical answer for an unknown address and a wrong password', async () => {
    const wrong = await new TestBrowser(service.url).signIn('ada@example.com', 'Wrong-Horse-42');
    const unknown = await new TestBrowser(service.url).signIn('nobody@example.com', 'Wrong-Horse-42');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const message = (page: { text: string }) => /role="alert"[^>]*>[\s\S]*?<p>([^<]*)<\/p>/.exec(page.text)?.[1];
    expect(message(wrong)).toBe('The email address or password is incorrect.');
    expect(message(unknown)).toBe(message(wrong));
  });
});
