// Settings → Security → Two-step verification over HTTP, as its user sees it: the card, setting up the
// authenticator app, the recovery codes shown once, "confirm it's you" before each change, turning it off,
// new codes, and the password change it guards (SECURITY 85–87, 89), in English and in French.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Page, TestBrowser, visibleText } from '../../../test/support/browser.ts';
import { startService, type TestService } from '../../../test/support/service.ts';
import { currentCode } from '../../factors/totp.ts';

const password = 'Velvet-Otter-9';
const newPassword = 'Amber-Heron-27!';
const SECURITY = '/settings/security';
const SETUP = '/settings/security/two-step/setup';
const OFF = '/settings/security/two-step/off';
const CODES = '/settings/security/two-step/recovery-codes';
const confirmFor = (next: string) => `/settings/security/confirm?next=${encodeURIComponent(next)}`;
const MINUTE = 60_000;

let service: TestService;
beforeEach(async () => {
  service = await startService();
  await service.addUser({ email: 'ada@example.com', password });
});
afterEach(() => service.close());

async function signedIn(email = 'ada@example.com', headers: Record<string, string> = {}): Promise<TestBrowser> {
  const browser = new TestBrowser(service.url, headers);
  expect((await browser.signIn(email, password)).location).toBe('/settings');
  return browser;
}

/** What the setup page gives the user's phone (the key) and carries back in its form (the sealed setup). */
function setupOf(page: Page) {
  const grouped = /data-setup-key[^>]*>([^<]+)</.exec(page.text)?.[1] ?? '';
  const sealed = /name="setup" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
  return { grouped, key: grouped.replace(/ /g, ''), sealed };
}

const codesOf = (page: Page) =>
  [...page.text.matchAll(/<code>([0-9a-z]{5}-[0-9a-z]{5})<\/code>/g)].map((match) => match[1] as string);

/** The code the phone shows once the next 30-second step has begun: a step is accepted once (SECURITY 86). */
function nextCode(key: string): string {
  service.clock.advance(30_000);
  return currentCode(key, service.clock.now());
}

/** Settings → Security → Set up authenticator app, scanned and confirmed with its first code. */
async function turnOn(browser: TestBrowser) {
  const page = await browser.get(SETUP);
  expect(page.status).toBe(200);
  const { key, sealed } = setupOf(page);
  const done = await browser.post(SETUP, { code: currentCode(key, service.clock.now()), setup: sealed });
  expect(done.status).toBe(200);
  return { key, codes: codesOf(done), page: done };
}

/** A fresh browser's sign-in up to the second step. */
async function passwordOnly(email = 'ada@example.com', headers: Record<string, string> = {}): Promise<TestBrowser> {
  const browser = new TestBrowser(service.url, headers);
  const answer = await browser.signIn(email, password);
  expect(answer.location).toBe('/login/verify');
  return browser;
}

const subjects = async () => {
  await service.outbox.drain();
  return service.smtp.received.map((email) => email.subject);
};

describe('the card of Settings → Security', () => {
  it('says two-step verification is off and offers to set up an authenticator app', async () => {
    const browser = await signedIn();
    const page = await browser.get(SECURITY);
    expect(page.status).toBe(200);
    expect(visibleText(page.text)).toContain('Two-step verification Off');
    expect(page.text).toMatch(/<a class="button button-primary" href="\/settings\/security\/two-step\/setup">/);
    expect(visibleText(page.text)).toContain('Set up authenticator app');
  });
});

describe('setting up the authenticator app', () => {
  it('shows a QR code drawn inline as SVG with an accessible label, the key in groups of four, and a code field for one-time codes', async () => {
    const browser = await signedIn();
    const page = await browser.get(SETUP);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.text).toMatch(/role="img" aria-label="QR code to scan with your authenticator app"[^>]*><svg/);
    const { grouped, key } = setupOf(page);
    expect(grouped).toMatch(/^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/);
    expect(key).toHaveLength(32);
    const field = /<input[^>]*name="code"[^>]*>/.exec(page.text)?.[0] ?? '';
    expect(field).toContain('autocomplete="one-time-code"');
    expect(field).toContain('inputmode="numeric"');
    expect(visibleText(page.text)).toContain('Can’t scan it? Type this key into the app instead:');
  });

  it('refuses a wrong code with 422 and shows the same key again, so the app already scanned still works', async () => {
    const browser = await signedIn();
    const first = setupOf(await browser.get(SETUP));
    const wrong = await browser.post(SETUP, { code: '000000', setup: first.sealed });
    expect(wrong.status).toBe(422);
    expect(visibleText(wrong.text)).toContain('That code is not right. Enter the code the app shows now.');
    expect(setupOf(wrong).key).toBe(first.key);
    expect(visibleText((await browser.get(SECURITY)).text)).toContain('Two-step verification Off');
  });

  it('turns on with a right code: ten recovery codes shown once, the card On with 10 of 10 left, an email (SECURITY 87, 89)', async () => {
    const browser = await signedIn();
    const { codes, page } = await turnOn(browser);
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    const text = visibleText(page.text);
    expect(text).toContain('Two-step verification is on. From now on, signing in asks for a code from your app.');
    expect(text).toContain('Save your recovery codes');
    expect(page.text).toContain('href="/settings/security"');
    const card = visibleText((await browser.get(SECURITY)).text);
    expect(card).toContain('Two-step verification On');
    expect(card).toContain('Recovery codes: 10 of 10 left');
    expect(card).toContain('Two-step verification turned on');
    expect(await subjects()).toContain('Two-step verification is on for your Sales Connect account');
    // The codes are never shown again: the card does not list them.
    expect(codesOf(await browser.get(SECURITY))).toEqual([]);
  });

  it('signs out the other sessions of the account, and keeps this one (SECURITY 85)', async () => {
    const phone = await signedIn();
    const laptop = await signedIn();
    const before = laptop.cookies.get('session') as string;
    await turnOn(laptop);
    expect((await phone.get('/settings/profile')).location).toMatch(/^\/login/);
    // This session got a new id: the cookie it had before is no session any more.
    expect(laptop.cookies.get('session')).not.toBe(before);
    const stale = new TestBrowser(service.url);
    stale.cookies.set('session', before);
    expect((await stale.get('/settings/profile')).location).toMatch(/^\/login/);
    expect((await phone.get('/api/session')).status).toBe(401);
    expect((await laptop.get('/settings/profile')).status).toBe(200);
  });

  it('refuses a setup sealed for another session of the same account: the sealed setup is bound to its holder (SECURITY 89)', async () => {
    const victim = await signedIn();
    const attacker = await signedIn();
    const stolen = setupOf(await victim.get(SETUP));
    await attacker.get(SETUP);
    const attempt = await attacker.post(SETUP, {
      code: currentCode(stolen.key, service.clock.now()),
      setup: stolen.sealed,
    });
    expect(attempt.status).toBe(422);
    expect(visibleText(attempt.text)).toContain('This setup has expired. Start again with the new QR code below.');
    expect(setupOf(attempt).key).not.toBe(stolen.key);
    expect(visibleText((await attacker.get(SECURITY)).text)).toContain('Two-step verification Off');
    // A new browser still signs in with the password alone.
    expect((await new TestBrowser(service.url).signIn('ada@example.com', password)).location).toBe('/settings');
  });

  it('asks a session older than ten minutes for its password first, and refuses the setup posted without it (SECURITY 89)', async () => {
    const browser = await signedIn();
    const early = setupOf(await browser.get(SETUP));
    service.clock.advance(11 * MINUTE);
    const late = await browser.post(SETUP, { code: currentCode(early.key, service.clock.now()), setup: early.sealed });
    expect(late.location).toBe(confirmFor(SETUP));
    expect((await browser.get(SETUP)).location).toBe(confirmFor(SETUP));

    const confirm = await browser.get(confirmFor(SETUP));
    expect(confirm.status).toBe(200);
    expect(visibleText(confirm.text)).toContain('For your security, enter your password to continue.');
    expect(confirm.text).toContain('name="password"');
    const wrong = await browser.post('/settings/security/confirm', { next: SETUP, password: 'Wrong-Otter-9' });
    expect(wrong.status).toBe(401);
    expect(visibleText(wrong.text)).toContain('That password is incorrect.');
    const right = await browser.post('/settings/security/confirm', { next: SETUP, password });
    expect(right.location).toBe(SETUP);
    expect((await browser.get(SETUP)).status).toBe(200);
  });

  it('sends "confirm it’s you" back only to its own pages, never elsewhere', async () => {
    const browser = await signedIn();
    service.clock.advance(11 * MINUTE);
    await browser.get(confirmFor('https://evil.example/'));
    const done = await browser.post('/settings/security/confirm', { next: 'https://evil.example/', password });
    expect(done.location).toBe(SECURITY);
  });
});

describe('once it is on, changes need a recent proof of the factor (SECURITY 89)', () => {
  it('sends a session older than ten minutes to prove a code before turning off or renewing the codes', async () => {
    const browser = await signedIn();
    const { key } = await turnOn(browser);
    service.clock.advance(11 * MINUTE);
    expect((await browser.get(OFF)).location).toBe(confirmFor(OFF));
    expect((await browser.get(CODES)).location).toBe(confirmFor(CODES));
    // The forms posted anyway change nothing.
    await browser.get(SECURITY);
    expect((await browser.post(OFF, {})).location).toBe(confirmFor(OFF));
    expect((await browser.post(CODES, {})).location).toBe(confirmFor(CODES));
    expect(visibleText((await browser.get(SECURITY)).text)).toContain('Two-step verification On');

    const confirm = await browser.get(confirmFor(OFF));
    expect(visibleText(confirm.text)).toContain(
      'For your security, enter a code from your authenticator app to continue.',
    );
    const field = /<input[^>]*name="code"[^>]*>/.exec(confirm.text)?.[0] ?? '';
    expect(field).toContain('autocomplete="one-time-code"');
    // With a factor, the password is no proof.
    const byPassword = await browser.post('/settings/security/confirm', { next: OFF, password });
    expect(byPassword.status).toBe(401);
    await browser.get(confirmFor(OFF));
    const wrong = await browser.post('/settings/security/confirm', { next: OFF, code: '000000' });
    expect(wrong.status).toBe(401);
    expect(visibleText(wrong.text)).toContain('That code is not right.');
    const right = await browser.post('/settings/security/confirm', { next: OFF, code: nextCode(key) });
    expect(right.location).toBe(OFF);
    const off = await browser.get(OFF);
    expect(off.status).toBe(200);
    expect(visibleText(off.text)).toContain('Turn off two-step verification?');
    expect((await browser.get(CODES)).status).toBe(200);
  });

  it('takes a recovery code instead, with ?with=recovery, once', async () => {
    const browser = await signedIn();
    const { codes } = await turnOn(browser);
    service.clock.advance(11 * MINUTE);
    const page = await browser.get(`${confirmFor(CODES)}&with=recovery`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('name="recovery_code"');
    const done = await browser.post('/settings/security/confirm', { next: CODES, recovery_code: codes[0] as string });
    expect(done.location).toBe(CODES);
    expect((await browser.get(CODES)).status).toBe(200);
    service.clock.advance(11 * MINUTE);
    await browser.get(`${confirmFor(CODES)}&with=recovery`);
    const again = await browser.post('/settings/security/confirm', { next: CODES, recovery_code: codes[0] as string });
    expect(again.status).toBe(401);
    expect(visibleText(again.text)).toContain('That recovery code is not right, or it has already been used.');
    expect(visibleText((await browser.get(SECURITY)).text)).toContain('Recovery codes: 9 of 10 left');
  });
});

describe('turning it off', () => {
  it('says so, shows the card Off, emails the owner, and signing in asks for the password only (SECURITY 89)', async () => {
    const browser = await signedIn();
    await turnOn(browser);
    await browser.get(OFF);
    const done = await browser.post(OFF, {});
    expect(done.location).toBe(`${SECURITY}?notice=two-step-off`);
    const page = visibleText((await browser.get(done.location as string)).text);
    expect(page).toContain('Two-step verification is off. Your account is protected by your password only.');
    expect(page).toContain('Two-step verification Off');
    expect(page).toContain('Two-step verification turned off');
    expect(await subjects()).toContain('Two-step verification is off for your Sales Connect account');
    expect((await new TestBrowser(service.url).signIn('ada@example.com', password)).location).toBe('/settings');
    expect((await browser.get('/settings/profile')).status).toBe(200);
  });
});

describe('new recovery codes', () => {
  it('shows ten new codes; the old ones are refused at sign-in and the new ones work (SECURITY 87)', async () => {
    const browser = await signedIn();
    const { codes: old } = await turnOn(browser);
    const confirm = await browser.get(CODES);
    expect(visibleText(confirm.text)).toContain('Get new recovery codes?');
    const renewed = await browser.post(CODES, {});
    expect(renewed.status).toBe(200);
    expect(visibleText(renewed.text)).toContain('Your new recovery codes are ready. The old ones no longer work.');
    const fresh = codesOf(renewed);
    expect(fresh).toHaveLength(10);
    expect(fresh.filter((code) => old.includes(code))).toEqual([]);
    expect(await subjects()).toContain('New Sales Connect recovery codes');

    const signingIn = await passwordOnly();
    await signingIn.get('/login/verify?with=recovery');
    const refused = await signingIn.post('/login/verify', { recovery_code: old[0] as string });
    expect(refused.status).toBe(401);
    expect(visibleText(refused.text)).toContain('That recovery code is not right, or it has already been used.');
    const accepted = await signingIn.post('/login/verify', { recovery_code: fresh[0] as string });
    expect(accepted.location).toBe('/settings');
  });
});

describe('the password change from My Profile, with a factor (SECURITY 89)', () => {
  it('is refused without a recent proof, with the step-up message, and the page links to "Confirm it’s you"; after the code it goes through', async () => {
    const browser = await signedIn();
    const { key } = await turnOn(browser);
    service.clock.advance(11 * MINUTE);
    const profile = await browser.get('/settings/profile');
    expect(profile.status).toBe(200);
    const link = `href="${confirmFor('/settings/profile').replace(/&/g, '&amp;')}"`;
    expect(profile.text).toContain(link);
    expect(visibleText(profile.text)).toContain(
      'To change your password, first confirm it’s you with your authenticator app. Confirm it’s you',
    );
    const refused = await browser.changePassword(password, newPassword);
    expect(refused.status).toBe(422);
    expect(visibleText(refused.text)).toContain(
      'Confirm it’s you with your authenticator app first, then change your password.',
    );
    // The password did not change.
    expect((await new TestBrowser(service.url).signIn('ada@example.com', newPassword)).status).toBe(401);
    expect((await new TestBrowser(service.url).signIn('ada@example.com', password)).location).toBe('/login/verify');

    await browser.get(confirmFor('/settings/profile'));
    const proven = await browser.post('/settings/security/confirm', { next: '/settings/profile', code: nextCode(key) });
    expect(proven.location).toBe('/settings/profile');
    expect((await browser.get('/settings/profile')).text).not.toContain(link);
    const changed = await browser.changePassword(password, newPassword);
    expect(changed.status).toBe(303);
    expect((await new TestBrowser(service.url).signIn('ada@example.com', newPassword)).location).toBe('/login/verify');
  });
});

describe('in French', () => {
  it('speaks French to a French profile: the card, the setup, the codes, "confirm it’s you"', async () => {
    await service.addUser({ email: 'zoe@example.com', password, name: 'Zoë Martin', locale: 'fr' });
    const browser = await signedIn('zoe@example.com');
    const card = await browser.get(SECURITY);
    expect(card.text).toContain('lang="fr"');
    expect(visibleText(card.text)).toContain('Vérification en deux étapes Désactivée');
    expect(visibleText(card.text)).toContain('Configurer une application d’authentification');
    const setup = await browser.get(SETUP);
    expect(setup.text).toContain('aria-label="Code QR à scanner avec votre application d’authentification"');
    const { key, sealed } = setupOf(setup);
    const wrong = await browser.post(SETUP, { code: '000000', setup: sealed });
    expect(visibleText(wrong.text)).toContain(
      'Ce code est incorrect. Saisissez le code affiché maintenant par l’application.',
    );
    const done = await browser.post(SETUP, { code: currentCode(key, service.clock.now()), setup: sealed });
    expect(visibleText(done.text)).toContain('Enregistrez vos codes de secours');
    expect(visibleText(done.text)).toContain('J’ai enregistré mes codes');
    expect(visibleText((await browser.get(SECURITY)).text)).toMatch(/Codes de secours\s:\s10 sur 10 restants/);
    service.clock.advance(11 * MINUTE);
    const confirm = await browser.get(confirmFor(OFF));
    expect(visibleText(confirm.text)).toContain('Confirmez votre identité');
    expect(await subjects()).toContain('La vérification en deux étapes est activée sur votre compte Sales Connect');
  });

  it('speaks French to a French browser whose account has no language yet (Accept-Language: fr)', async () => {
    const { addUser } = await import('../../flows/add-user.ts');
    expect((await addUser(service.deps, { email: 'demo@example.com', name: 'Demo User', password })).ok).toBe(true);
    const browser = new TestBrowser(service.url, { 'accept-language': 'fr-FR,fr;q=0.9' });
    expect((await browser.signIn('demo@example.com', password)).location).toBe('/settings');
    const setup = await browser.get(SETUP);
    expect(setup.text).toContain('lang="fr"');
    expect(visibleText(setup.text)).toContain('Configurer votre application d’authentification');
    const { key, sealed } = setupOf(setup);
    await browser.post(SETUP, { code: currentCode(key, service.clock.now()), setup: sealed });
    const signingIn = await passwordOnly('demo@example.com', { 'accept-language': 'fr' });
    const step = await signingIn.get('/login/verify');
    expect(visibleText(step.text)).toContain('Saisissez le code à 6 chiffres de votre application d’authentification.');
    const wrong = await signingIn.post('/login/verify', { code: '000000' });
    expect(wrong.status).toBe(401);
    expect(visibleText(wrong.text)).toContain('Ce code est incorrect.');
  });
});
