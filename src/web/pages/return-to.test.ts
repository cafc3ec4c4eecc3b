// return_to, as an app beside the service uses it and as an attacker would: the log-in page, the sign-out an
// app links to, the trip through Forgot password → email → Set Password → sign-in, and Settings' "Back to
// the app" link. SECURITY 81: only PUBLIC_URL's origin and ALLOWED_APP_ORIGINS, everything else lands on
// Settings (after a sign-out: on the log-in page).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Page, TestBrowser, visibleText } from '../../../test/support/browser.ts';
import { ATTACKED, isOwnChain, returnToAttacks } from '../../../test/support/return-to-attacks.ts';
import { startService, type TestService } from '../../../test/support/service.ts';
import { newestResetEmail, resetLinkOf } from '../../../test/support/smtp.ts';
import { isSignedIn, password } from '../../../test/support/web.ts';

const DAY = 86_400_000;
const SERVICE = ATTACKED.service;
const APP_PAGE = `${ATTACKED.app}/deals/42?tab=notes`;
const SETTINGS = `${SERVICE}/settings/profile`;
let service: TestService;

beforeAll(async () => {
  service = await startService({ PUBLIC_URL: SERVICE, ALLOWED_APP_ORIGINS: ATTACKED.app });
});
afterAll(() => service.close());
beforeEach(() => service.clock.advance(DAY));

/** A browser at PUBLIC_URL: its forms carry that Origin, as a real one's would. */
class Visitor extends TestBrowser {
  send(path: string, fields: Record<string, string>): Promise<Page> {
    return this.post(path, fields, { origin: SERVICE });
  }

  /** Where the browser ends up: redirects within the service followed, the first one leaving it not. */
  async landing(first: Page): Promise<string> {
    let page = first;
    let at = SERVICE;
    for (let hop = 0; hop < 8; hop++) {
      if (page.status < 300 || page.status >= 400 || page.location === undefined) return at;
      const next = new URL(page.location, SERVICE);
      if (next.origin !== SERVICE) return next.href;
      at = next.href;
      page = await this.get(next.pathname + next.search);
    }
    throw new Error('more than eight redirects');
  }
}

const query = (path: string, returnTo: string) => `${path}?${new URLSearchParams({ return_to: returnTo })}`;

async function newUser(locale: 'en' | 'fr' = 'en') {
  const email = `user-${Math.random().toString(36).slice(2, 10)}@example.com`;
  await service.addUser({ email, password, locale });
  return email;
}

async function signedIn(email: string, returnTo?: string): Promise<{ browser: Visitor; landed: string }> {
  const browser = new Visitor(service.url);
  await browser.get(returnTo === undefined ? '/login' : query('/login', returnTo));
  const answer = await browser.send('/login', {
    email,
    password,
    ...(returnTo === undefined ? {} : { return_to: returnTo }),
  });
  expect(answer.status).toBe(303);
  return { browser, landed: await browser.landing(answer) };
}

describe('return_to to an allowed app (SECURITY 81)', () => {
  it('the log-in page carries it, through its form and its Forgot password link, to the app', async () => {
    const email = await newUser();
    const browser = new Visitor(service.url);
    const login = await browser.get(query('/login', APP_PAGE));
    expect(login.text).toContain(`name="return_to" value="${APP_PAGE.replace('&', '&amp;')}"`);
    expect(login.text).toContain(`href="/forgot-password?return_to=${encodeURIComponent(APP_PAGE)}"`);
    // Browsers hold the redirect after a form post to form-action: the app's origin is in it.
    expect(login.headers.get('content-security-policy')).toContain(`form-action 'self' ${ATTACKED.app}`);
    const answer = await browser.send('/login', { email, password, return_to: APP_PAGE });
    expect(answer.status).toBe(303);
    expect(answer.location).toBe(APP_PAGE);
    // Signed in already: straight on.
    expect((await browser.get(query('/login', APP_PAGE))).location).toBe(APP_PAGE);
    // A wrong password keeps it for the next try.
    const stranger = new Visitor(service.url);
    await stranger.get(query('/login', APP_PAGE));
    const refused = await stranger.send('/login', { email, password: 'wrong', return_to: APP_PAGE });
    expect(refused.status).toBe(401);
    expect(refused.text).toContain('name="return_to"');
    expect(refused.headers.get('content-security-policy')).toContain(`form-action 'self' ${ATTACKED.app}`);
  });

  it('survives Forgot password → email → Set Password → sign-in', async () => {
    const email = await newUser();
    const browser = new Visitor(service.url);
    const forgot = await browser.get(query('/forgot-password', APP_PAGE));
    expect(forgot.text).toContain('name="return_to"');
    const sent = await browser.send('/forgot-password', { email, return_to: APP_PAGE });
    expect(sent.status).toBe(200);
    expect(sent.text).toContain(`href="/login?return_to=${encodeURIComponent(APP_PAGE)}"`);
    await service.outbox.drain();
    const link = resetLinkOf(newestResetEmail(service.smtp.received));
    // The email's link is the documented one: the way back is kept with its token, not in the address.
    expect([...link.searchParams.keys()]).toEqual(['token']);

    const mailbox = new Visitor(service.url);
    await mailbox.get(link.pathname + link.search);
    await mailbox.get('/reset-password');
    const set = await mailbox.send('/reset-password', {
      new_password: 'Amber-Heron-27!',
      confirm_password: 'Amber-Heron-27!',
    });
    expect(set.status).toBe(303);
    expect(set.location).toBe(`/login?notice=password-reset&return_to=${encodeURIComponent(APP_PAGE)}`);
    const login = await mailbox.get(set.location!);
    expect(visibleText(login.text)).toContain('Your password has been set.');
    const answer = await mailbox.send('/login', { email, password: 'Amber-Heron-27!', return_to: APP_PAGE });
    expect(answer.location).toBe(APP_PAGE);
  });

  it('a reset asked with a return_to of another site leads back to no app', async () => {
    const email = await newUser();
    const browser = new Visitor(service.url);
    await browser.get('/forgot-password');
    await browser.send('/forgot-password', { email, return_to: 'https://evil.example.net/' });
    await service.outbox.drain();
    const link = resetLinkOf(newestResetEmail(service.smtp.received));
    await browser.get(link.pathname + link.search);
    await browser.get('/reset-password');
    const set = await browser.send('/reset-password', {
      new_password: 'Amber-Heron-27!',
      confirm_password: 'Amber-Heron-27!',
    });
    expect(set.location).toBe('/login?notice=password-reset');
  });

  it('GET /logout asks first (EN, FR), and its button signs out and returns to the app', async () => {
    const email = await newUser();
    const { browser } = await signedIn(email);
    const asked = await browser.get(query('/logout', APP_PAGE));
    expect(asked.status).toBe(200);
    expect(asked.headers.get('content-security-policy')).toContain(`form-action 'self' ${ATTACKED.app}`);
    expect(visibleText(asked.text)).toContain('Sign out of Sales Connect?');
    expect(visibleText(asked.text)).toContain(`You are signed in as ${email}.`);
    expect(asked.text).toContain(`href="${APP_PAGE.replace('&', '&amp;')}"`);
    // Opening the page (a link, an image of another site) signs nobody out.
    expect(await isSignedIn(browser)).toBe(true);
    await browser.get(query('/logout', APP_PAGE));
    // Without the CSRF token, nothing happens.
    expect((await browser.post('/logout', { return_to: APP_PAGE }, { origin: SERVICE, csrf: null })).status).toBe(403);
    expect(await isSignedIn(browser)).toBe(true);

    await browser.get(query('/logout', APP_PAGE));
    const out = await browser.send('/logout', { return_to: APP_PAGE });
    expect(out.status).toBe(303);
    expect(out.location).toBe(APP_PAGE);
    expect(await isSignedIn(browser)).toBe(false);
    // Nobody signed in any more: the link goes straight back.
    expect((await browser.get(query('/logout', APP_PAGE))).location).toBe(APP_PAGE);

    const french = await signedIn(await newUser('fr'));
    const page = await french.browser.get(query('/logout', APP_PAGE));
    expect(visibleText(page.text)).toContain('Vous déconnecter de Sales Connect\u00a0?');
    expect(visibleText(page.text)).toContain('Se déconnecter');
    expect(visibleText(page.text)).toContain('Rester connecté');
  });

  it('Settings shows Back to the app on each of its pages for the browser session, until signing out', async () => {
    const email = await newUser();
    const { browser } = await signedIn(email);
    const opened = await browser.get(query('/settings/profile', APP_PAGE));
    expect(opened.status).toBe(303);
    expect(opened.location).toBe('/settings/profile');
    for (const path of ['/settings/profile', '/settings/security']) {
      const page = await browser.get(path);
      expect(page.text).toMatch(
        new RegExp(`<a class="[^"]*back-to-app[^"]*" href="${APP_PAGE.replace('?', '\\?').replace('&', '&amp;')}"`),
      );
      expect(visibleText(page.text)).toContain('Back to the app');
    }
    // Only Settings' own pages keep it: a path that merely starts like them is a 404 like any other.
    const lookalike = await browser.get(query('/settingsXX', APP_PAGE));
    expect(lookalike.status).toBe(404);
    expect(lookalike.headers.getSetCookie().some((line) => line.includes('return-to='))).toBe(false);
    await browser.send('/language', { locale: 'fr', next: '/settings/profile' });
    expect(visibleText((await browser.get('/settings/profile')).text)).toContain('Retour à l’application');
    await browser.get('/settings/profile');
    const out = await browser.send('/logout', {});
    expect(out.headers.getSetCookie().some((line) => /^__Host-return-to=;/.test(line))).toBe(true);
  });
});

describe('every return_to of the attack corpus lands on Settings (SECURITY 81)', () => {
  it.each(returnToAttacks.filter((attack) => !isOwnChain(attack.value)))('$why', async (attack) => {
    const email = await newUser();
    const { browser, landed } = await signedIn(email, attack.value);
    expect(landed).toBe(SETTINGS);
    expect(await browser.landing(await browser.get(query('/login', attack.value)))).toBe(SETTINGS);
    const settings = await browser.get(query('/settings', attack.value));
    expect(await browser.landing(settings)).toBe(SETTINGS);
    expect(settings.headers.getSetCookie().some((line) => line.includes('return-to='))).toBe(false);
    expect(visibleText((await browser.get('/settings/profile')).text)).not.toContain('Back to the app');
    const asked = await browser.get(query('/logout', attack.value));
    expect(asked.text).not.toContain('name="return_to"');
    expect(asked.headers.get('content-security-policy')).toMatch(/form-action 'self';/);
    const out = await browser.send('/logout', { return_to: attack.value });
    expect(await browser.landing(out)).toBe(`${SERVICE}/login?notice=signed-out`);
  });
});

describe('a chain through our own pages (SECURITY 81)', () => {
  it.each(returnToAttacks.filter((attack) => isOwnChain(attack.value)))(
    '$why never leaves the service',
    async (attack) => {
      const email = await newUser();
      const { browser, landed } = await signedIn(email, attack.value);
      expect(new URL(landed).origin).toBe(SERVICE);
      // Settings' way back is to an app, never to a page of ours.
      const settings = await browser.get(query('/settings', attack.value));
      expect(settings.headers.getSetCookie().some((line) => line.includes('return-to='))).toBe(false);
      await browser.get('/settings/profile');
      const out = await browser.send('/logout', { return_to: attack.value });
      expect(new URL(await browser.landing(out)).origin).toBe(SERVICE);
      expect(await isSignedIn(browser)).toBe(false);
    },
  );
});
