// The log-in page as its visitors use it: here, the language an account takes from its first sign-in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestBrowser, visibleText } from '../../../test/support/browser.ts';
import { startService, type TestService } from '../../../test/support/service.ts';
import { addUser } from '../../flows/add-user.ts';

const password = 'Velvet-Otter-9';
let service: TestService;
beforeAll(async () => {
  service = await startService();
});
afterAll(() => service.close());

describe('signing in for the first time', () => {
  it('gives an account created without a language (the demo account, the CLI without --locale) the visitor’s', async () => {
    const added = await addUser(service.deps, { email: 'demo@example.com', name: 'Demo User', password });
    expect(added.ok).toBe(true);
    const french = new TestBrowser(service.url, { 'accept-language': 'fr-FR,fr;q=0.9' });
    expect((await french.signIn('demo@example.com', password)).status).toBe(303);
    const settings = await french.get('/settings/profile');
    expect(settings.text).toContain('lang="fr"');
    expect(visibleText(settings.text)).toContain('Détails du compte');
    // And the emails follow: a reset asked from an English browser comes in French.
    const english = new TestBrowser(service.url, { 'accept-language': 'en' });
    await english.get('/forgot-password');
    await english.post('/forgot-password', { email: 'demo@example.com' });
    await service.outbox.drain();
    expect(service.smtp.received.at(-1)?.subject).toBe('Réinitialisez votre mot de passe Sales Connect');
  });
});
