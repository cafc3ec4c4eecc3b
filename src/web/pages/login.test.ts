// The log-in page as its visitors use it: the language an account takes from its first sign-in, and the
// throttled sign-in (SECURITY 15, 17–19, 21, 22).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Page, TestBrowser, visibleText } from '../../../test/support/browser.ts';
import { startService, type TestService } from '../../../test/support/service.ts';
import { newestResetEmail } from '../../../test/support/smtp.ts';
import { expectSecurityHeaders, isSignedIn, lead, newAccount } from '../../../test/support/web.ts';
import { addUser } from '../../flows/add-user.ts';
import { countSessionsOfUser } from '../../store/sessions.ts';

const DAY = 86_400_000;
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
    expect(newestResetEmail(service.smtp.received).subject).toBe('Réinitialisez votre mot de passe Sales Connect');
  });
});

describe('the throttled sign-in (SECURITY 15, 17–19, 21, 22)', () => {
  // Every request of this file comes from 127.0.0.1, and wrong passwords count against that client for a
  // day (throttles.ts). Each test starts a day later, so no test inherits the failures of another.
  beforeEach(() => service.clock.advance(DAY));

  it('gives a disabled account the answer of a wrong password, and ends its sessions (SECURITY 17)', async () => {
    const account = await newAccount(service, { password });
    await service.deps.db
      .updateTable('users')
      .set({ disabled_at: service.clock.now() })
      .where('id', '=', account.user.id)
      .execute();
    const disabled = await new TestBrowser(service.url).signIn(account.email, password);
    const wrong = await new TestBrowser(service.url).signIn('nobody-at-all@example.com', password);
    expect(disabled.status).toBe(401);
    expect(visibleText(disabled.text).replace(account.email, 'EMAIL')).toBe(
      visibleText(wrong.text).replace('nobody-at-all@example.com', 'EMAIL'),
    );
    expect(await isSignedIn(account.browser)).toBe(false);
  });

  it('counts a client by its connection, not by headers it can forge (SECURITY 22)', async () => {
    const account = await newAccount(service, { password });
    for (let failure = 0; failure < 6; failure++) {
      const address = `198.51.100.${failure + 1}`;
      const spoofing = new TestBrowser(service.url, {
        'x-forwarded-for': address,
        'x-real-ip': address,
        forwarded: `for=${address}`,
      });
      expect((await spoofing.signIn(account.email, `Wrong-Horse-${failure}`)).status).toBe(401);
    }
    const fresh = new TestBrowser(service.url, { 'x-forwarded-for': '203.0.113.99', 'x-real-ip': '203.0.113.99' });
    expect((await fresh.signIn(account.email, password)).status).toBe(429);
  });

  it('sheds a flood of sign-ins with 503 and Retry-After instead of queueing without bound (SECURITY 15)', async () => {
    const small = await startService({ HASH_CONCURRENCY: '1', HASH_QUEUE_LIMIT: '1' });
    try {
      await small.addUser({ email: 'flood@example.com', password });
      const browser = new TestBrowser(small.url);
      await browser.get('/login');
      const answers = await Promise.all(
        Array.from({ length: 24 }, (_, index) =>
          browser.post('/login', { email: `flood-${index}@example.com`, password: `Wrong-Horse-${index}` }),
        ),
      );
      const statuses = answers.map((answer) => answer.status);
      expect(
        statuses.every((status) => status === 401 || status === 503),
        statuses.join(' '),
      ).toBe(true);
      const shed = answers.filter((answer) => answer.status === 503);
      expect(shed.length).toBeGreaterThan(0);
      for (const answer of shed) {
        expectSecurityHeaders(answer, '503');
        expect(answer.headers.get('cache-control')).toBe('no-store');
        expect(answer.headers.get('retry-after')).toBe('1');
        expect(lead(answer)).toBe('The service is busy. Try again in 1 second.');
      }
      // Once the flood is over, the owner signs in as usual.
      expect((await new TestBrowser(small.url).signIn('flood@example.com', password)).status).toBe(303);
    } finally {
      await small.close();
    }
  });

  it('answers 429 with Retry-After, the same whether the password is right or wrong and whether the account exists', async () => {
    const known = 'throttled@example.com';
    const unknown = 'nobody-here@example.com';
    const user = await service.addUser({ email: known, password });
    const attempt = (email: string, attemptPassword: string, headers: Record<string, string> = {}) =>
      new TestBrowser(service.url, headers).signIn(email, attemptPassword);

    // throttles.ts: five free failures per account and client, then 1 s, 2 s, 4 s… Unknown addresses alike.
    for (const email of [known, unknown]) {
      for (let failure = 0; failure < 6; failure++) {
        const page = await attempt(email, `Wrong-Horse-${failure}`);
        expect(page.status).toBe(401);
      }
    }

    const answers = [
      await attempt(known, password),
      await attempt(known, 'Wrong-Horse-9'),
      await attempt(unknown, password),
      await attempt(unknown, 'Wrong-Horse-9'),
    ];
    const comparable = (page: Page) => ({
      status: page.status,
      retryAfter: page.headers.get('retry-after'),
      setsSession: page.headers.getSetCookie().some((line) => line.startsWith('session=')),
      // The CSRF token and the passkey ceremony's challenge are random on every page, whoever asks.
      html: page.text
        .replaceAll(page.csrf ?? '', 'TOKEN')
        .replace(/data-options="[^"]*"/, 'data-options="OPTIONS"')
        .replace(/name="ceremony" value="[^"]*"/, 'name="ceremony" value="CEREMONY"')
        .replaceAll(known, 'EMAIL')
        .replaceAll(unknown, 'EMAIL'),
    });
    const first = comparable(answers[0]!);
    expect(first.status).toBe(429);
    expect(first.retryAfter).toBe('1');
    expect(first.setsSession).toBe(false);
    expect(visibleText(first.html)).toContain('Too many attempts. Try again in 1 second.');
    for (const answer of answers.slice(1)) expect(comparable(answer)).toEqual(first);
    expect(await countSessionsOfUser(service.deps.db, user.id)).toBe(0);

    const french = await attempt(known, password, { 'accept-language': 'fr' });
    expect(french.status).toBe(429);
    expect(visibleText(french.text)).toContain('Trop de tentatives. Réessayez dans 1 seconde.');

    // A delay, not a lockout: a second later the owner signs in.
    service.clock.advance(1000);
    expect((await attempt(known, password)).status).toBe(303);
  });
});
