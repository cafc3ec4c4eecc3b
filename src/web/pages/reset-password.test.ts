// The two doors of the set-password form: a reset link and an invitation. Each token opens its own door
// only (SECURITY 44), and the pages after the link keep the Origin a form post needs (SECURITY 24, 46).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestBrowser, visibleText } from '../../../test/support/browser.ts';
import { startService, type TestService } from '../../../test/support/service.ts';
import { newestResetEmail } from '../../../test/support/smtp.ts';
import { addUser } from '../../flows/add-user.ts';

let service: TestService;
beforeEach(async () => {
  service = await startService();
});
afterEach(() => service.close());

async function invite(email = 'bob@example.com', locale: 'en' | 'fr' | undefined = 'en'): Promise<URL> {
  const added = await addUser(service.deps, { email, name: 'Bob Smith', locale });
  expect(added.ok).toBe(true);
  await service.outbox.drain();
  const email_ = service.smtp.received.at(-1)!;
  return new URL(/https?:\/\/\S+\/welcome\?token=[\w-]+/.exec(email_.text)![0]);
}

describe('opening a link', () => {
  it('is throttled per client like submitting one (SECURITY 43)', async () => {
    const prober = new TestBrowser(service.url);
    for (let i = 0; i < 20; i++) {
      await prober.get(`/reset-password?token=${String(i).padStart(43, 'A')}`);
      expect((await prober.get('/reset-password')).status).toBe(404);
    }
    await prober.get(`/reset-password?token=${'B'.repeat(43)}`);
    expect((await prober.get('/reset-password')).status).toBe(404);
    const throttled = await prober.get('/reset-password');
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('1');
  });
});

describe('an invitation', () => {
  it('mails a link to choose a first password, in the user’s language', async () => {
    const link = await invite('bob@example.com', 'fr');
    const email = service.smtp.received.at(-1)!;
    expect(email.envelope.to).toEqual(['bob@example.com']);
    expect(email.subject).toBe('Vous êtes invité à rejoindre Sales Connect');
    expect(email.html).toContain('Choisir mon mot de passe');
    expect(email.text).toContain('Choisir mon mot de passe\u00a0: http');
    expect(email.text).toContain('Ce lien expire dans 7 jours');
    expect(link.origin).toBe(service.url);
  });

  it('opens a welcome, sets the password, and the account signs in', async () => {
    const link = await invite();
    const browser = new TestBrowser(service.url);
    const opened = await browser.get(link.pathname + link.search);
    expect(opened.location).toBe('/welcome');
    expect(opened.headers.get('referrer-policy')).toBe('no-referrer');
    const page = await browser.get('/welcome');
    expect(page.status).toBe(200);
    expect(page.headers.get('referrer-policy')).toBe('same-origin');
    expect(visibleText(page.text)).toContain('Welcome to Sales Connect');
    expect(page.text).toContain('action="/welcome"');
    expect((await new TestBrowser(service.url).signIn('bob@example.com', 'anything')).status).toBe(401);
    const done = await browser.post('/welcome', {
      new_password: 'Amber-Heron-27!',
      confirm_password: 'Amber-Heron-27!',
    });
    expect(done.location).toBe('/login?notice=password-reset');
    expect((await new TestBrowser(service.url).signIn('bob@example.com', 'Amber-Heron-27!')).location).toBe(
      '/settings',
    );
  });

  it('gives an invitation sent without a language the one its welcome page was read in', async () => {
    const link = await invite('cy@example.com', undefined);
    const browser = new TestBrowser(service.url, { 'accept-language': 'fr-FR,fr;q=0.9' });
    await browser.get(link.pathname + link.search);
    expect((await browser.get('/welcome')).text).toContain('lang="fr"');
    expect(
      (await browser.post('/welcome', { new_password: 'Amber-Heron-27!', confirm_password: 'Amber-Heron-27!' })).status,
    ).toBe(303);
    // Signed in from an English browser afterwards, the account speaks French: it was chosen at first use.
    const english = new TestBrowser(service.url, { 'accept-language': 'en' });
    await english.signIn('cy@example.com', 'Amber-Heron-27!');
    expect((await english.get('/settings/profile')).text).toContain('lang="fr"');
  });

  it('cannot be used as a reset link, nor a reset link as an invitation (SECURITY 44)', async () => {
    const link = await invite();
    const browser = new TestBrowser(service.url);
    await browser.get(`/reset-password${link.search}`);
    expect((await browser.get('/reset-password')).status).toBe(404);
    expect(
      (await browser.post('/reset-password', { new_password: 'Amber-Heron-27!', confirm_password: 'Amber-Heron-27!' }))
        .status,
    ).toBe(404);

    await service.addUser({ email: 'ada@example.com', password: 'Velvet-Otter-9' });
    await browser.get('/forgot-password');
    await browser.post('/forgot-password', { email: 'ada@example.com' });
    await service.outbox.drain();
    const reset = new URL(
      /https?:\/\/\S+\/reset-password\?token=[\w-]+/.exec(newestResetEmail(service.smtp.received).text)![0],
    );
    const other = new TestBrowser(service.url);
    await other.get(`/welcome${reset.search}`);
    expect((await other.get('/welcome')).status).toBe(404);
  });

  it('is refused once the account is disabled (SECURITY 40)', async () => {
    const link = await invite();
    const { disableUser } = await import('../../flows/administer.ts');
    expect((await disableUser(service.deps, 'bob@example.com')).ok).toBe(true);
    const browser = new TestBrowser(service.url);
    await browser.get(link.pathname + link.search);
    expect((await browser.get('/welcome')).status).toBe(404);
  });
});
