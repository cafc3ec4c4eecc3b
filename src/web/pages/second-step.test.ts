// The second step of a sign-in over HTTP, as its user and an attacker holding the password see it: the
// half-signed-in browser that gets nothing, the code form, the recovery code, the throttle, the expiry, a
// reset that keeps the factor, and REQUIRE_2FA=required (SECURITY 85–87, 90).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Page, TestBrowser, visibleText } from '../../../test/support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { startService, type TestService } from '../../../test/support/service.ts';
import { resetLinkOf } from '../../../test/support/smtp.ts';
import { currentCode } from '../../factors/totp.ts';
import { findUserByEmail } from '../../store/users.ts';

const password = 'Velvet-Otter-9';
const MINUTE = 60_000;
const SETUP = '/settings/security/two-step/setup';

let service: TestService;
const started: TestService[] = [];
const databases: TestDatabase[] = [];

async function start(env: Record<string, string> = {}): Promise<TestService> {
  const one = await startService(env);
  started.push(one);
  return one;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((one) => one.close()));
  await Promise.all(databases.splice(0).map((database) => database.drop()));
});

function setupOf(page: Page) {
  const key = (/data-setup-key[^>]*>([^<]+)</.exec(page.text)?.[1] ?? '').replace(/ /g, '');
  const sealed = /name="setup" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
  return { key, sealed };
}

const codesOf = (page: Page) =>
  [...page.text.matchAll(/<code>([0-9a-z]{5}-[0-9a-z]{5})<\/code>/g)].map((match) => match[1] as string);

/** The code the phone shows once the next 30-second step has begun: a step is accepted once (SECURITY 86). */
function nextCode(key: string): string {
  service.clock.advance(30_000);
  return currentCode(key, service.clock.now());
}

const setCookieNames = (page: Page) =>
  page.headers
    .getSetCookie()
    .filter((line) => !/max-age=0|expires=thu, 01 jan 1970/i.test(line))
    .map((line) => line.slice(0, line.indexOf('=')));

/** An account with the authenticator app turned on in Settings: its key and its recovery codes. */
async function enrolled(email = 'ada@example.com', locale: 'en' | 'fr' = 'en') {
  await service.addUser({ email, password, locale });
  const browser = new TestBrowser(service.url);
  expect((await browser.signIn(email, password)).location).toBe('/settings');
  const { key, sealed } = setupOf(await browser.get(SETUP));
  const done = await browser.post(SETUP, { code: currentCode(key, service.clock.now()), setup: sealed });
  expect(done.status).toBe(200);
  return { email, key, codes: codesOf(done), browser };
}

/** A fresh browser that gave the right password and now owes the second step. */
async function halfSignedIn(email = 'ada@example.com', headers: Record<string, string> = {}) {
  const browser = new TestBrowser(service.url, headers);
  const answer = await browser.signIn(email, password);
  expect(answer.status).toBe(303);
  expect(answer.location).toBe('/login/verify');
  return { browser, answer };
}

describe('the password of an account with a factor', () => {
  beforeEach(async () => {
    service = await start({ ALLOWED_APP_ORIGINS: 'https://app.example.com' });
  });

  it('leads to /login/verify with only the second-step cookie, and no session cookie (SECURITY 90)', async () => {
    await enrolled();
    const { browser, answer } = await halfSignedIn();
    const names = setCookieNames(answer);
    expect(names).toContain('second-step');
    expect(names).not.toContain('session');
    const cookie = answer.headers.getSetCookie().find((line) => line.startsWith('second-step=')) ?? '';
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/Max-Age=300/i);
    expect(browser.cookies.has('session')).toBe(false);
    const page = await browser.get('/login/verify');
    expect(page.status).toBe(200);
    const text = visibleText(page.text);
    expect(text).toContain('Enter the 6-digit code from your authenticator app.');
    expect(text).toContain('Signing in as ada@example.com');
    const field = /<input[^>]*name="code"[^>]*>/.exec(page.text)?.[0] ?? '';
    expect(field).toContain('autocomplete="one-time-code"');
    expect(field).toContain('inputmode="numeric"');
  });

  it('gives the half-signed-in browser nothing anywhere (SECURITY 90)', async () => {
    await enrolled();
    const { browser } = await halfSignedIn();
    expect((await browser.get('/settings/profile')).location).toBe('/login');
    expect((await browser.get('/settings/security')).location).toBe('/login');
    expect((await browser.get('/api/session')).status).toBe(401);
    expect((await browser.get('/auth/check')).status).toBe(401);
    await browser.get('/login/verify');
    const save = await browser.post('/settings/profile', { name: 'Mallory', locale: 'fr' });
    expect(save.status).toBe(303);
    expect(save.location).toBe('/login');
    expect((await findUserByEmail(service.deps.db, 'ada@example.com'))?.name).toBe('Ada Lovelace');

    // The second step's cookie is no session, whatever name it is sent under.
    const value = browser.cookies.get('second-step') as string;
    const forged = new TestBrowser(service.url);
    forged.cookies.set('session', value);
    expect((await forged.get('/settings/profile')).location).toBe('/login');
    expect((await forged.get('/api/session')).status).toBe(401);
    expect((await forged.get('/auth/check')).status).toBe(401);
  });

  it('signs in with the code from the app: 303 to /settings, a session, the second-step cookie gone', async () => {
    const { key } = await enrolled();
    const { browser } = await halfSignedIn();
    await browser.get('/login/verify');
    const done = await browser.post('/login/verify', { code: nextCode(key) });
    expect(done.status).toBe(303);
    expect(done.location).toBe('/settings');
    expect(setCookieNames(done)).toContain('session');
    expect(browser.cookies.has('second-step')).toBe(false);
    expect((await browser.get('/settings/profile')).status).toBe(200);
    expect((await browser.get('/api/session')).status).toBe(200);
    expect((await browser.get('/auth/check')).status).toBe(200);
    // The form cannot be posted twice.
    expect((await browser.post('/login/verify', { code: nextCode(key) })).location).toBe(
      '/login?notice=second-step-expired',
    );
  });

  it('takes the code typed as an app shows it, "123 456"', async () => {
    const { key } = await enrolled();
    const { browser } = await halfSignedIn();
    await browser.get('/login/verify');
    const code = nextCode(key);
    expect((await browser.post('/login/verify', { code: `${code.slice(0, 3)} ${code.slice(3)}` })).location).toBe(
      '/settings',
    );
  });

  it('carries an allow-listed return_to through the second step, and drops any other', async () => {
    const { key } = await enrolled();
    const back = 'https://app.example.com/deals/42?tab=notes';
    const browser = new TestBrowser(service.url);
    await browser.get(`/login?return_to=${encodeURIComponent(back)}`);
    const answer = await browser.post('/login', { email: 'ada@example.com', password, return_to: back });
    expect(answer.location).toBe(`/login/verify?return_to=${encodeURIComponent(back)}`);
    const page = await browser.get(answer.location as string);
    expect(page.text).toContain(`name="return_to" value="${back.replace(/&/g, '&amp;')}"`);
    const done = await browser.post('/login/verify', { code: nextCode(key), return_to: back });
    expect(done.location).toBe(back);

    const other = new TestBrowser(service.url);
    await other.get('/login');
    const hostile = await other.post('/login', {
      email: 'ada@example.com',
      password,
      return_to: 'https://evil.example/',
    });
    expect(hostile.location).toBe('/login/verify');
    await other.get('/login/verify?return_to=https%3A%2F%2Fevil.example%2F');
    const landed = await other.post('/login/verify', { code: nextCode(key), return_to: 'https://evil.example/' });
    expect(landed.location).toBe('/settings');
  });

  it('refuses a code already used, from another browser too (SECURITY 86)', async () => {
    const { key } = await enrolled();
    const first = await halfSignedIn();
    const second = await halfSignedIn();
    const code = nextCode(key);
    await first.browser.get('/login/verify');
    expect((await first.browser.post('/login/verify', { code })).location).toBe('/settings');
    await second.browser.get('/login/verify');
    const replay = await second.browser.post('/login/verify', { code });
    expect(replay.status).toBe(401);
    expect(second.browser.cookies.has('session')).toBe(false);
    // And the code of a step already spent is refused even after it: the app's next code is needed.
    expect((await second.browser.post('/login/verify', { code: nextCode(key) })).location).toBe('/settings');
  });

  it('refuses a wrong code with 401 and says why, in the account’s language', async () => {
    await enrolled();
    await enrolled('zoe@example.com', 'fr');
    const { browser } = await halfSignedIn();
    await browser.get('/login/verify');
    const wrong = await browser.post('/login/verify', { code: '000000' });
    expect(wrong.status).toBe(401);
    expect(visibleText(wrong.text)).toContain(
      'That code is not right. Check that your phone’s clock is correct, and try the code it shows now.',
    );
    expect(browser.cookies.has('session')).toBe(false);

    const french = (await halfSignedIn('zoe@example.com')).browser;
    const page = await french.get('/login/verify');
    expect(page.text).toContain('lang="fr"');
    expect(visibleText(page.text)).toContain('Vérification en deux étapes');
    const faux = await french.post('/login/verify', { code: '000000' });
    expect(faux.status).toBe(401);
    expect(visibleText(faux.text)).toContain(
      'Ce code est incorrect. Vérifiez que l’horloge de votre téléphone est à l’heure',
    );
  });

  it('asks again with 422 for an empty code or recovery code', async () => {
    await enrolled();
    const { browser } = await halfSignedIn();
    await browser.get('/login/verify');
    const empty = await browser.post('/login/verify', { code: '  ' });
    expect(empty.status).toBe(422);
    expect(visibleText(empty.text)).toContain('Enter the 6-digit code from your app.');
    await browser.get('/login/verify?with=recovery');
    const none = await browser.post('/login/verify', { recovery_code: '' });
    expect(none.status).toBe(422);
    expect(visibleText(none.text)).toContain('Enter one of your recovery codes.');
  });

  it('throttles repeated wrong codes with 429 and Retry-After, even for the right code, until the wait is over (SECURITY 86)', async () => {
    const { key } = await enrolled();
    const { browser } = await halfSignedIn();
    await browser.get('/login/verify');
    const statuses: number[] = [];
    let throttled: Page | undefined;
    for (let attempt = 0; attempt < 12 && !throttled; attempt++) {
      const answer = await browser.post('/login/verify', { code: '000000' });
      statuses.push(answer.status);
      if (answer.status === 429) throttled = answer;
    }
    expect(throttled, `statuses: ${statuses.join(' ')}`).toBeDefined();
    // The owner's five free mistakes come first.
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    const page = throttled as Page;
    expect(Number(page.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(visibleText(page.text)).toContain('Too many incorrect codes. Try again');
    const code = currentCode(key, service.clock.now() + 30_000);
    expect((await browser.post('/login/verify', { code })).status).toBe(429);
    expect(browser.cookies.has('session')).toBe(false);
    expect((await browser.post('/login/verify', { code: nextCode(key) })).location).toBe('/settings');
  });

  it('signs in with a recovery code, once, and tells the owner by email (SECURITY 87)', async () => {
    const { codes } = await enrolled();
    const { browser } = await halfSignedIn();
    const page = await browser.get('/login/verify');
    expect(page.text).toContain('href="/login/verify?with=recovery"');
    const recovery = await browser.get('/login/verify?with=recovery');
    expect(visibleText(recovery.text)).toContain('Enter one of the recovery codes you saved');
    expect(recovery.text).toContain('name="recovery_code"');
    const done = await browser.post('/login/verify', { recovery_code: (codes[0] as string).toUpperCase() });
    expect(done.location).toBe('/settings');
    expect(visibleText((await browser.get('/settings/security')).text)).toContain('Recovery codes: 9 of 10 left');
    await service.outbox.drain();
    const email = service.smtp.received.find(
      (one) => one.subject === 'A recovery code of your Sales Connect account was used',
    );
    expect(email?.text).toContain('You have 9 recovery codes left.');

    const again = (await halfSignedIn()).browser;
    await again.get('/login/verify?with=recovery');
    const refused = await again.post('/login/verify', { recovery_code: codes[0] as string });
    expect(refused.status).toBe(401);
    expect(visibleText(refused.text)).toContain('That recovery code is not right, or it has already been used.');
  });

  it('lives five minutes, then sends the browser back to sign in again with a notice (SECURITY 90)', async () => {
    const { key } = await enrolled();
    const { browser } = await halfSignedIn();
    service.clock.advance(4 * MINUTE + 50_000);
    expect((await browser.get('/login/verify')).status).toBe(200);
    service.clock.advance(11_000);
    const expired = await browser.get('/login/verify');
    expect(expired.status).toBe(303);
    expect(expired.location).toBe('/login?notice=second-step-expired');
    expect(visibleText((await browser.get(expired.location as string)).text)).toContain(
      'Your sign-in took too long. Please sign in again.',
    );
    const late = await halfSignedIn();
    service.clock.advance(5 * MINUTE + 1000);
    await late.browser.get('/login');
    const posted = await late.browser.post('/login/verify', { code: currentCode(key, service.clock.now()) });
    expect(posted.location).toBe('/login?notice=second-step-expired');
    expect(late.browser.cookies.has('session')).toBe(false);
  });

  it('dies when the owner signs out everywhere else: a password thief’s half-finished sign-in ends (SECURITY 90)', async () => {
    const { key, browser: owner } = await enrolled();
    const thief = (await halfSignedIn()).browser;
    await owner.get('/settings/security');
    expect((await owner.post('/settings/security/sign-out-others', {})).location).toBe(
      '/settings/security?notice=signed-out-others',
    );
    await thief.get('/login');
    const late = await thief.post('/login/verify', { code: nextCode(key) });
    expect(late.location).toBe('/login?notice=second-step-expired');
    expect(thief.cookies.has('session')).toBe(false);
  });

  it('survives a reset by email: after Set Password the sign-in still asks for the code, and a second step begun before dies (SECURITY 85, 90)', async () => {
    const { key } = await enrolled();
    const before = await halfSignedIn();
    const browser = new TestBrowser(service.url);
    await browser.get('/forgot-password');
    await browser.post('/forgot-password', { email: 'ada@example.com' });
    await service.outbox.drain();
    const link = resetLinkOf(service.smtp.received.find((email) => email.text.includes('/reset-password?token='))!);
    await browser.get(link.pathname + link.search);
    await browser.get('/reset-password');
    const newPassword = 'Amber-Heron-27!';
    const set = await browser.post('/reset-password', { new_password: newPassword, confirm_password: newPassword });
    expect(set.location).toBe('/login?notice=password-reset');
    expect(browser.cookies.has('session')).toBe(false);

    await browser.get('/login');
    const signIn = await browser.post('/login', { email: 'ada@example.com', password: newPassword });
    expect(signIn.location).toBe('/login/verify');
    expect((await browser.get('/settings/profile')).location).toBe('/login');
    await browser.get('/login/verify');
    expect((await browser.post('/login/verify', { code: nextCode(key) })).location).toBe('/settings');

    await before.browser.get('/login');
    const stale = await before.browser.post('/login/verify', { code: nextCode(key) });
    expect(stale.location).toBe('/login?notice=second-step-expired');
  });
});

describe('REQUIRE_2FA=required', () => {
  beforeEach(async () => {
    service = await start({ REQUIRE_2FA: 'required' });
  });

  it('sends an account without a factor to set one up after its password, with no session yet', async () => {
    await service.addUser({ email: 'ada@example.com', password });
    const browser = new TestBrowser(service.url);
    const answer = await browser.signIn('ada@example.com', password);
    expect(answer.location).toBe('/login/two-step-setup');
    expect(setCookieNames(answer)).not.toContain('session');
    expect((await browser.get('/settings/profile')).location).toBe('/login');
    expect((await browser.get('/api/session')).status).toBe(401);
    const page = await browser.get('/login/two-step-setup');
    expect(page.status).toBe(200);
    expect(visibleText(page.text)).toContain(
      'Sales Connect requires two-step verification. Set up an authenticator app on your phone to finish signing in.',
    );
    expect(page.text).toMatch(/role="img" aria-label="QR code to scan with your authenticator app"[^>]*><svg/);
    const { key, sealed } = setupOf(page);
    const wrong = await browser.post('/login/two-step-setup', { code: '000000', setup: sealed });
    expect(wrong.status).toBe(422);
    expect(setupOf(wrong).key).toBe(key);
    expect(browser.cookies.has('session')).toBe(false);

    const done = await browser.post('/login/two-step-setup', {
      code: currentCode(key, service.clock.now()),
      setup: sealed,
    });
    expect(done.status).toBe(200);
    expect(codesOf(done)).toHaveLength(10);
    expect(visibleText(done.text)).toContain('Save your recovery codes');
    expect(done.text).toMatch(/<a class="button button-primary" href="\/settings">I have saved my codes<\/a>/);
    expect(setCookieNames(done)).toContain('session');
    expect((await browser.get('/settings/profile')).status).toBe(200);
    expect((await browser.get('/api/session')).status).toBe(200);

    // From now on, the second step as for everyone with a factor.
    const later = new TestBrowser(service.url);
    expect((await later.signIn('ada@example.com', password)).location).toBe('/login/verify');
    await later.get('/login/verify');
    expect((await later.post('/login/verify', { code: nextCode(key) })).location).toBe('/settings');
  });

  it('refuses to turn it off (SECURITY 85)', async () => {
    await service.addUser({ email: 'ada@example.com', password });
    const browser = new TestBrowser(service.url);
    await browser.signIn('ada@example.com', password);
    const { key, sealed } = setupOf(await browser.get('/login/two-step-setup'));
    await browser.post('/login/two-step-setup', { code: currentCode(key, service.clock.now()), setup: sealed });
    const card = await browser.get('/settings/security');
    expect(visibleText(card.text)).toContain(
      'Your organisation requires two-step verification, so it cannot be turned off.',
    );
    expect(card.text).not.toContain('href="/settings/security/two-step/off"');
    expect((await browser.get('/settings/security/two-step/off')).location).toBe('/settings/security?notice=required');
    const posted = await browser.post('/settings/security/two-step/off', {});
    expect(posted.location).toBe('/settings/security?notice=required');
    const page = visibleText((await browser.get(posted.location as string)).text);
    expect(page).toContain('Your organisation requires two-step verification: it cannot be turned off.');
    expect(page).toContain('Two-step verification On');
  });

  it('lets a session begun before the policy, on an account without a factor, only set one up', async () => {
    const database = await createTestDatabase();
    databases.push(database);
    const before = await start({ DATABASE_URL: database.url });
    await before.addUser({ email: 'ada@example.com', password });
    const earlier = new TestBrowser(before.url);
    expect((await earlier.signIn('ada@example.com', password)).location).toBe('/settings');

    service = await start({ DATABASE_URL: database.url, REQUIRE_2FA: 'required' });
    const browser = new TestBrowser(service.url);
    for (const [name, value] of earlier.cookies) browser.cookies.set(name, value);
    expect((await browser.get('/settings/profile')).location).toBe(SETUP);
    expect((await browser.get('/settings/security')).location).toBe(SETUP);
    expect((await browser.get('/api/session')).status).toBe(401);
    expect((await browser.get('/auth/check')).status).toBe(401);
    const setup = await browser.get(SETUP);
    expect(setup.status).toBe(200);
    const { key, sealed } = setupOf(setup);
    const done = await browser.post(SETUP, { code: currentCode(key, service.clock.now()), setup: sealed });
    expect(done.status).toBe(200);
    expect(codesOf(done)).toHaveLength(10);
    expect((await browser.get('/settings/profile')).status).toBe(200);
    expect((await browser.get('/api/session')).status).toBe(200);
  });
});
