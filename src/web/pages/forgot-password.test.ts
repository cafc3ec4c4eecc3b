// Forgot password? → Send Reset Email → the email → Reset Password → Set Password, over HTTP against the
// real server, a real SQLite file and a real SMTP server.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Page, TestBrowser, visibleText } from '../../../test/support/browser.ts';
import { startService, type TestService } from '../../../test/support/service.ts';
import { newestResetEmail, resetLinkOf } from '../../../test/support/smtp.ts';

const password = 'Velvet-Otter-9';
let service: TestService;

beforeEach(async () => {
  service = await startService();
  await service.addUser({ email: 'ada@example.com', password, name: 'Ada Lovelace', locale: 'en' });
});
afterEach(() => service.close());

/** A page as every visitor gets it: the per-response CSRF token blanked out. */
const comparable = (page: Page) => page.text.replaceAll(/name="_csrf" value="[^"]+"/g, 'name="_csrf" value=""');

async function askForReset(browser: TestBrowser, email: string, headers: Record<string, string> = {}): Promise<Page> {
  await browser.get('/forgot-password', headers);
  return browser.post('/forgot-password', { email }, { headers });
}

describe('Forgot password?', () => {
  it('is linked from the log-in page, in both languages', async () => {
    const english = await new TestBrowser(service.url).get('/login', { 'accept-language': 'en' });
    expect(english.text).toContain('<a href="/forgot-password">Forgot password?</a>');
    const french = await new TestBrowser(service.url).get('/login', { 'accept-language': 'fr' });
    expect(french.text).toContain('<a href="/forgot-password">Mot de passe oublié\u00a0?</a>');
    const page = await new TestBrowser(service.url).get('/forgot-password', { 'accept-language': 'fr' });
    expect(visibleText(page.text)).toContain('Envoyer un e-mail de réinitialisation');
  });

  it('gives the same answer, status and body for a known and an unknown address (SECURITY 27)', async () => {
    const known = await askForReset(new TestBrowser(service.url), 'ada@example.com');
    const unknown = await askForReset(new TestBrowser(service.url), 'nobody@example.com');
    expect(known.status).toBe(200);
    expect(unknown.status).toBe(200);
    expect(comparable(known).replace('ada@example.com', 'X')).toBe(
      comparable(unknown).replace('nobody@example.com', 'X'),
    );
    expect(visibleText(known.text)).toContain('Be sure to check your Spam folder too');
  });

  it('tells the French user to check the Spam folder too', async () => {
    const page = await askForReset(new TestBrowser(service.url), 'ada@example.com', { 'accept-language': 'fr' });
    expect(visibleText(page.text)).toContain('Veillez également à vérifier votre dossier Spam');
  });

  it('builds the link from PUBLIC_URL, never from a hostile Host header (SECURITY 31)', async () => {
    const browser = new TestBrowser(service.url);
    await askForReset(browser, 'ada@example.com', {
      host: 'evil.example',
      'x-forwarded-host': 'evil.example',
      'x-forwarded-proto': 'https',
    });
    await service.outbox.drain();
    const link = resetLinkOf(service.smtp.received[0]!);
    expect(link.origin).toBe(service.url);
    expect(service.smtp.received[0]!.html).not.toContain('evil.example');
  });

  it('refuses an empty or malformed address with a clear error, and sends nothing', async () => {
    const browser = new TestBrowser(service.url);
    expect((await askForReset(browser, '')).status).toBe(422);
    const malformed = await askForReset(browser, 'ada@');
    expect(malformed.status).toBe(422);
    expect(visibleText(malformed.text)).toContain('Enter a valid email address');
    await service.outbox.drain();
    expect(service.smtp.received).toHaveLength(0);
  });

  it('limits one client visibly, with 429 and Retry-After, the same for known and unknown addresses', async () => {
    const browser = new TestBrowser(service.url);
    for (let i = 0; i < 11; i++) expect((await askForReset(browser, `user${i}@example.com`)).status).toBe(200);
    const known = await askForReset(browser, 'ada@example.com');
    const unknown = await askForReset(browser, 'nobody@example.com');
    expect(known.status).toBe(429);
    expect(known.headers.get('retry-after')).toBe('1');
    expect(unknown.status).toBe(429);
  });
});

describe('the reset link and Set Password', () => {
  async function emailedLink(): Promise<URL> {
    await askForReset(new TestBrowser(service.url), 'ada@example.com');
    await service.outbox.drain();
    return resetLinkOf(newestResetEmail(service.smtp.received));
  }

  it('moves the token out of the address bar, with no referrer, and shows the form (SECURITY 41, 46)', async () => {
    const link = await emailedLink();
    const browser = new TestBrowser(service.url);
    const opened = await browser.get(link.pathname + link.search);
    expect(opened.status).toBe(303);
    expect(opened.location).toBe('/reset-password');
    expect(opened.headers.get('referrer-policy')).toBe('no-referrer');
    expect(opened.headers.get('set-cookie')).toMatch(/HttpOnly/i);
    const form = await browser.get('/reset-password');
    expect(form.status).toBe(200);
    expect(form.headers.get('cache-control')).toBe('no-store');
    expect(visibleText(form.text)).toContain('Choose a new password for ada@example.com');
    expect(form.text).toContain('>Set Password</button>');
    expect(form.text).toContain('data-rule-note');
    expect(service.logs.join('\n')).not.toContain(link.searchParams.get('token')!);
  });

  it('sets the password, lands on the log-in page, signs out every session, and the link is then dead', async () => {
    const device = new TestBrowser(service.url);
    await device.signIn('ada@example.com', password);
    const link = await emailedLink();
    const browser = new TestBrowser(service.url);
    await browser.get(link.pathname + link.search);
    await browser.get('/reset-password');
    const done = await browser.post('/reset-password', {
      new_password: 'Amber-Heron-27!',
      confirm_password: 'Amber-Heron-27!',
    });
    expect(done.status).toBe(303);
    expect(done.location).toBe('/login?notice=password-reset');
    const login = await browser.get(done.location!);
    expect(visibleText(login.text)).toContain('Your password has been set.');
    expect(browser.cookies.has('session')).toBe(false);
    expect((await device.get('/settings/profile')).location).toMatch(/^\/login/);
    expect((await new TestBrowser(service.url).signIn('ada@example.com', 'Amber-Heron-27!')).location).toBe(
      '/settings',
    );
    expect((await new TestBrowser(service.url).signIn('ada@example.com', password)).status).toBe(401);

    const again = new TestBrowser(service.url);
    await again.get(link.pathname + link.search);
    const dead = await again.get('/reset-password');
    expect(dead.status).toBe(410);
    expect(visibleText(dead.text)).toContain('This password reset link has already been used.');
    expect(dead.text).toContain('href="/forgot-password"');
  });

  it('keeps the form and says what is wrong when a rule is broken, changing nothing', async () => {
    const link = await emailedLink();
    const browser = new TestBrowser(service.url);
    await browser.get(link.pathname + link.search);
    await browser.get('/reset-password');
    const refused = await browser.post('/reset-password', {
      new_password: 'amber-heron-27',
      confirm_password: 'amber-heron-27',
    });
    expect(refused.status).toBe(422);
    expect(visibleText(refused.text)).toContain(
      'The new password does not meet these rules: use both upper and lower case letters.',
    );
    expect(refused.text).not.toContain('amber-heron-27');
    const mismatch = await browser.post('/reset-password', {
      new_password: 'Amber-Heron-27!',
      confirm_password: 'Amber-Heron-28!',
    });
    expect(visibleText(mismatch.text)).toContain('The passwords do not match.');
    expect((await new TestBrowser(service.url).signIn('ada@example.com', password)).location).toBe('/settings');
    expect(
      (await browser.post('/reset-password', { new_password: 'Amber-Heron-27!', confirm_password: 'Amber-Heron-27!' }))
        .status,
    ).toBe(303);
  });

  it('shows a clear page for an expired link, with a way to ask again (SECURITY 36)', async () => {
    const link = await emailedLink();
    service.clock.advance(60 * 60_000);
    const browser = new TestBrowser(service.url, { 'accept-language': 'fr' });
    await browser.get(link.pathname + link.search);
    const page = await browser.get('/reset-password');
    expect(page.status).toBe(410);
    expect(visibleText(page.text)).toContain('Ce lien de réinitialisation a expiré.');
    expect(visibleText(page.text)).toContain('les liens sont valables 1\u00a0heure');
  });

  it('fails closed on an unknown token, a tampered one, or none (SECURITY 42)', async () => {
    for (const query of ['?token=x', `?token=${'A'.repeat(43)}`, '']) {
      const browser = new TestBrowser(service.url);
      if (query) await browser.get(`/reset-password${query}`);
      const page = await browser.get('/reset-password');
      expect(page.status).toBe(404);
      expect(visibleText(page.text)).toContain('This password reset link is not valid.');
      const post = await browser.post('/reset-password', {
        new_password: 'Amber-Heron-27!',
        confirm_password: 'Amber-Heron-27!',
      });
      expect(post.status).toBe(404);
    }
  });

  it('is not used by HEAD or by opening it any number of times (SECURITY 41)', async () => {
    const link = await emailedLink();
    const scanner = new TestBrowser(service.url);
    await scanner.request(link.pathname + link.search, { method: 'HEAD' });
    for (let i = 0; i < 3; i++) {
      await scanner.get(link.pathname + link.search);
      await scanner.get('/reset-password');
    }
    const user = new TestBrowser(service.url);
    await user.get(link.pathname + link.search);
    await user.get('/reset-password');
    expect(
      (await user.post('/reset-password', { new_password: 'Amber-Heron-27!', confirm_password: 'Amber-Heron-27!' }))
        .status,
    ).toBe(303);
  });

  it('needs the CSRF token and our origin to set the password (SECURITY 24)', async () => {
    const link = await emailedLink();
    const browser = new TestBrowser(service.url);
    await browser.get(link.pathname + link.search);
    await browser.get('/reset-password');
    expect(
      (
        await browser.post(
          '/reset-password',
          { new_password: 'Amber-Heron-27!', confirm_password: 'Amber-Heron-27!' },
          { csrf: null },
        )
      ).status,
    ).toBe(403);
    expect(
      (
        await browser.post(
          '/reset-password',
          { new_password: 'Amber-Heron-27!', confirm_password: 'Amber-Heron-27!' },
          { origin: 'https://evil.example' },
        )
      ).status,
    ).toBe(403);
    expect((await new TestBrowser(service.url).signIn('ada@example.com', password)).location).toBe('/settings');
  });
});
