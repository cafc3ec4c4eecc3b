// "Choose a new password" over HTTP (SECURITY 7): a password found breached at sign-in lets its owner in only
// to this page, in their language, until a new one is chosen. The range API is a server the test runs on a
// loopback port (BREACHED_PASSWORDS_URL), so what it is asked, and how often, is read from it.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type Page, TestBrowser, visibleText } from '../../../test/support/browser.ts';
import { startService, type TestService } from '../../../test/support/service.ts';
import type { Locale } from '../../core/locale.ts';
import type { User } from '../../store/users.ts';

const sha1 = (password: string) => createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const APP = 'http://app.test';

interface RangeServer {
  url: URL;
  /** The paths it was asked for, in order. */
  received: string[];
  breach(password: string): void;
  close(): Promise<void>;
}

/** A "Pwned Passwords"-style range server on a loopback port: the suffixes under a prefix, padded. */
async function startRangeServer(): Promise<RangeServer> {
  const received: string[] = [];
  const breached = new Set<string>();
  const server = createServer((request, response) => {
    received.push(request.url ?? '');
    const prefix = /^\/range\/([0-9A-F]{5})$/.exec(request.url ?? '')?.[1];
    if (prefix === undefined) return void response.writeHead(404).end();
    const lines = [...breached].filter((hash) => hash.startsWith(prefix)).map((hash) => `${hash.slice(5)}:42`);
    for (let i = 0; i < 20; i++) lines.push(`${sha1(`padding ${i}`).slice(5)}:0`);
    response.writeHead(200, { 'content-type': 'text/plain' }).end(lines.join('\r\n'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: new URL(`http://127.0.0.1:${port}/range/`),
    received,
    breach: (password) => void breached.add(sha1(password)),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The password each account signs in with, found breached after it was chosen. */
const leaked = 'Correct-Horse-42';
const good = 'Coral-Finch-31!';
/** Listed by the range server from the start: refused as a new password. */
const alsoLeaked = 'Amber-Heron-27!';

let range: RangeServer;
let service: TestService;

async function start() {
  range = await startRangeServer();
  range.breach(alsoLeaked);
  service = await startService({ BREACHED_PASSWORDS_URL: range.url.href, ALLOWED_APP_ORIGINS: APP });
}
afterEach(async () => {
  await service.close();
  await range.close();
});

let accounts = 0;

/** An account whose password was fine when chosen, and is found breached a day later. */
async function breachedAccount(locale: Locale = 'en'): Promise<{ email: string; user: User }> {
  const email = `person${++accounts}@example.com`;
  const user = await service.addUser({ email, password: leaked, locale });
  range.breach(leaked);
  service.clock.advance(DAY);
  range.received.length = 0;
  return { email, user };
}

/** Signs in and follows the redirects on our own site, as a browser would: the page it lands on. */
async function signInAndFollow(
  browser: TestBrowser,
  email: string,
  password = leaked,
): Promise<Page & { path: string }> {
  const answer = await browser.signIn(email, password);
  expect(answer.status).toBe(303);
  return follow(browser, answer.location!);
}

async function follow(browser: TestBrowser, start: string): Promise<Page & { path: string }> {
  let path = start;
  for (let hops = 0; hops < 10; hops++) {
    const page = await browser.get(path);
    if (page.status !== 303 && page.status !== 302) return { ...page, path };
    path = page.location!;
    if (!path.startsWith('/')) return { ...page, path };
  }
  throw new Error(`redirect loop from ${start}`);
}

const title = (page: Page) => visibleText(/<h1[^>]*>([\s\S]*?)<\/h1>/.exec(page.text)?.[1] ?? '');
/** The fields of the page's own form (not the language switcher's). */
const fieldNames = (page: Page) => {
  const form = /<form[^>]*action="\/settings\/new-password"[\s\S]*?<\/form>/.exec(page.text)?.[0] ?? '';
  return [...form.matchAll(/<input[^>]*\sname="([^"]+)"/g)].map((match) => match[1]).filter((name) => name !== '_csrf');
};

const choose = (browser: TestBrowser, next: string, confirm = next) =>
  browser.post('/settings/new-password', { username: '', new_password: next, confirm_password: confirm });

describe('signing in with a password found breached', () => {
  it('lands on "Choose a new password", which asks only for the new password twice', async () => {
    await start();
    const { email } = await breachedAccount('en');
    const browser = new TestBrowser(service.url);
    const page = await signInAndFollow(browser, email);
    expect(page.path).toBe('/settings/new-password');
    expect(page.status).toBe(200);
    expect(title(page)).toBe('Choose a new password');
    expect(visibleText(page.text)).toContain('has appeared in a data breach');
    expect(fieldNames(page)).toEqual(['username', 'new_password', 'confirm_password']);
    expect(page.text).not.toContain('current_password');
  });

  it('speaks the account’s language: « Choisissez un nouveau mot de passe »', async () => {
    await start();
    const { email } = await breachedAccount('fr');
    const page = await signInAndFollow(new TestBrowser(service.url), email);
    expect(page.path).toBe('/settings/new-password');
    expect(title(page)).toBe('Choisissez un nouveau mot de passe');
    expect(page.text).toContain('lang="fr"');
  });

  it('opens no other page, and counts as not signed in for the apps', async () => {
    await start();
    const { email } = await breachedAccount();
    const browser = new TestBrowser(service.url);
    await signInAndFollow(browser, email);
    for (const path of ['/settings/profile', '/settings/security', '/settings']) {
      expect((await follow(browser, path)).path, path).toBe('/settings/new-password');
    }
    const profile = await browser.get('/settings/profile');
    expect(profile).toMatchObject({ status: 303, location: '/settings/new-password' });
    const api = await browser.get('/api/session');
    expect(api.status).toBe(401);
    expect(JSON.parse(api.text)).toEqual({ signedIn: false });
    const check = await browser.get('/auth/check');
    expect(check.status).toBe(401);
    expect(check.headers.get('x-user-id')).toBeNull();
    // Saving the profile, the one form that could change the password, is not open either.
    await browser.get('/settings/new-password');
    const save = await browser.post('/settings/profile', {
      name: 'Mallory',
      locale: 'en',
      change_password: 'on',
      current_password: leaked,
      new_password: good,
      confirm_password: good,
    });
    expect(save.status).toBe(303);
    expect(save.location).toBe('/settings/new-password');
    expect((await new TestBrowser(service.url).signIn(email, good)).status).toBe(401);
  });

  it('sends someone who signed in from an app to choose a new password, not round and round the log-in page', async () => {
    await start();
    const { email } = await breachedAccount();
    const browser = new TestBrowser(service.url);
    await browser.get(`/login?return_to=${encodeURIComponent(`${APP}/deals`)}`);
    const answer = await browser.post('/login', { email, password: leaked, return_to: `${APP}/deals` });
    expect(answer.status).toBe(303);
    // Sent to the app, whose /auth/check says "not signed in", the browser comes back to the log-in page.
    const next = answer.location!.startsWith(APP)
      ? `/login?return_to=${encodeURIComponent(answer.location!)}`
      : answer.location!;
    expect((await follow(browser, next)).path).toBe('/settings/new-password');
  });

  it('refuses a new password that is breached too, or not confirmed, with the message, and stays on the page', async () => {
    await start();
    const { email } = await breachedAccount();
    const browser = new TestBrowser(service.url);
    await signInAndFollow(browser, email);

    const breachedAgain = await choose(browser, alsoLeaked);
    expect(breachedAgain.status).toBe(422);
    expect(visibleText(breachedAgain.text)).toContain(
      'This password has appeared in a data breach, so attackers try it first.',
    );
    expect(breachedAgain.text).not.toContain(alsoLeaked);

    const mismatch = await choose(browser, good, 'Coral-Finch-32!');
    expect(mismatch.status).toBe(422);
    expect(visibleText(mismatch.text)).toContain('The passwords do not match.');

    const same = await choose(browser, leaked);
    expect(same.status).toBe(422);

    expect((await browser.get('/settings/profile')).location).toBe('/settings/new-password');
    const signsIn = async (password: string) => (await new TestBrowser(service.url).signIn(email, password)).status;
    expect(await signsIn(alsoLeaked)).toBe(401);
    expect(await signsIn(good)).toBe(401);
  });

  it('in French, refuses a breached new password in French', async () => {
    await start();
    const { email } = await breachedAccount('fr');
    const browser = new TestBrowser(service.url);
    await signInAndFollow(browser, email);
    const page = await choose(browser, alsoLeaked);
    expect(page.status).toBe(422);
    expect(visibleText(page.text)).toContain('Ce mot de passe figure dans une fuite de données');
  });

  it('with a good new password: a new session id, Settings open, every other session ended, an email sent', async () => {
    await start();
    const { email } = await breachedAccount();
    const browser = new TestBrowser(service.url);
    const otherDevice = new TestBrowser(service.url);
    await signInAndFollow(otherDevice, email);
    await signInAndFollow(browser, email);
    const before = new Map(browser.cookies);

    const done = await choose(browser, good);
    expect(done.status).toBe(303);
    expect(done.location).toBe('/settings/profile?notice=password-changed');
    const changedCookie = [...browser.cookies].some(([name, value]) => before.has(name) && before.get(name) !== value);
    expect(changedCookie).toBe(true);

    const profile = await browser.get(done.location!);
    expect(profile.status).toBe(200);
    expect(visibleText(profile.text)).toContain('Your password has been changed.');
    const api = await browser.get('/api/session');
    expect(api.status).toBe(200);
    expect(JSON.parse(api.text)).toMatchObject({ signedIn: true, user: { email } });
    expect((await browser.get('/auth/check')).status).toBe(200);
    // The page has nothing left to do.
    expect((await browser.get('/settings/new-password')).location).toBe('/settings/profile');

    expect((await otherDevice.get('/settings/profile')).location).toMatch(/^\/login/);
    expect((await otherDevice.get('/api/session')).status).toBe(401);

    await service.outbox.drain();
    // Among the new-device notices of the two sign-ins, the one that says the password changed.
    const subjects = service.smtp.received
      .filter((message) => message.envelope.to.includes(email))
      .map((message) => message.subject);
    expect(subjects).toContain('Your Sales Connect password was changed');

    expect((await new TestBrowser(service.url).signIn(email, leaked)).status).toBe(401);
    const again = await signInAndFollow(new TestBrowser(service.url), email, good);
    expect(again.path).toBe('/settings/profile');
    expect(again.status).toBe(200);
  });

  it('looks the password up at most once a day per account', async () => {
    await start();
    const { email } = await breachedAccount();
    await signInAndFollow(new TestBrowser(service.url), email);
    // Past the hour the service keeps an answer: a second lookup would reach the range server.
    service.clock.advance(2 * HOUR);
    expect((await signInAndFollow(new TestBrowser(service.url), email)).path).toBe('/settings/new-password');
    expect(range.received).toEqual([`/range/${sha1(leaked).slice(0, 5)}`]);
    service.clock.advance(DAY);
    expect((await signInAndFollow(new TestBrowser(service.url), email)).path).toBe('/settings/new-password');
    expect(range.received).toHaveLength(2);
  });

  it('records the finding as a security event, shown on the Security page once the password is changed', async () => {
    await start();
    const { email, user } = await breachedAccount();
    const browser = new TestBrowser(service.url);
    await signInAndFollow(browser, email);
    const events = await service.deps.db
      .selectFrom('security_events')
      .select(['kind', 'client_address'])
      .where('user_id', '=', user.id)
      .where('kind', '=', 'password-breached')
      .execute();
    expect(events).toEqual([{ kind: 'password-breached', client_address: '127.0.0.1' }]);
    await choose(browser, good);
    const security = await browser.get('/settings/security');
    expect(security.status).toBe(200);
    expect(visibleText(security.text)).toContain('Password found in a data breach at sign-in');
  });

  it('lets an account whose password is not breached straight in, after the same one lookup', async () => {
    await start();
    const email = `person${++accounts}@example.com`;
    await service.addUser({ email, password: good });
    service.clock.advance(DAY);
    range.received.length = 0;
    const page = await signInAndFollow(new TestBrowser(service.url), email, good);
    expect(page.path).toBe('/settings/profile');
    expect(page.status).toBe(200);
    expect(range.received).toHaveLength(1);
  });

  it('sends a visitor without a session to the log-in page, and a whole session to its profile', async () => {
    await start();
    expect((await new TestBrowser(service.url).get('/settings/new-password')).location).toBe('/login');
    const email = `person${++accounts}@example.com`;
    await service.addUser({ email, password: good });
    const browser = new TestBrowser(service.url);
    await signInAndFollow(browser, email, good);
    expect((await browser.get('/settings/new-password')).location).toBe('/settings/profile');
    await browser.get('/settings/profile');
    const post = await choose(browser, 'Slate-Marten-58?');
    expect(post.location).toBe('/settings/profile');
    expect((await new TestBrowser(service.url).signIn(email, 'Slate-Marten-58?')).status).toBe(401);
  });
});
