// Passkeys over HTTP, as their owner and an attacker see them: Settings → Security → Add a passkey (after a
// recent proof), the list with Rename and Remove, the second step at /login/verify, "Sign in with a passkey"
// on the log-in page, and "confirm it's you" (SECURITY 85, 88–90). The service runs at
// http://localhost:<port> (an RP ID is a host name), and a software authenticator plays the browser's part.
import { afterEach, describe, expect, it } from 'vitest';
import { ceremonyOf, optionsOf, SoftAuthenticator, type Tamper } from '../../../test/support/authenticator.ts';
import { type Page, TestBrowser, visibleText } from '../../../test/support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { startPasskeyService, type TestService } from '../../../test/support/service.ts';
import { digest } from '../../core/tokens.ts';

const password = 'Velvet-Otter-9';
const MINUTE = 60_000;
const SECURITY = '/settings/security';
const ADD = '/settings/security/passkeys/add';
const RENAME = '/settings/security/passkeys/rename';
const REMOVE = '/settings/security/passkeys/remove';
const CONFIRM = '/settings/security/confirm';
const confirmFor = (next: string) => `${CONFIRM}?next=${encodeURIComponent(next)}`;

type CreationOptions = Parameters<SoftAuthenticator['createCredential']>[0];

let service: TestService;
const started: TestService[] = [];
const databases: TestDatabase[] = [];

async function start(env: Record<string, string> = {}): Promise<TestService> {
  service = await startPasskeyService(env);
  started.push(service);
  return service;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((one) => one.close()));
  await Promise.all(databases.splice(0).map((database) => database.drop()));
});

const codesOf = (page: Page) =>
  [...page.text.matchAll(/<code>([0-9a-z]{5}-[0-9a-z]{5})<\/code>/g)].map((match) => match[1] as string);

async function signedIn(email = 'ada@example.com'): Promise<TestBrowser> {
  const browser = new TestBrowser(service.url);
  expect((await browser.signIn(email, password)).location).toBe('/settings');
  return browser;
}

/** Settings → Security → Add a passkey, the browser's ceremony run by `authenticator`, and Create passkey. */
async function addPasskey(
  browser: TestBrowser,
  authenticator: SoftAuthenticator,
  name = 'Work laptop',
  tamper: Tamper = {},
) {
  const page = await browser.get(ADD);
  expect(page.status).toBe(200);
  const response = authenticator.createCredential(optionsOf<CreationOptions>(page.text, ADD), service.url, tamper);
  const fields = { ceremony: ceremonyOf(page.text, ADD), credential: JSON.stringify(response), name };
  return { page, response, fields, done: await browser.post(ADD, fields) };
}

/** An account whose only factor is a passkey, added from a browser that stays signed in. */
async function enrolled(email = 'ada@example.com', options: { synced?: boolean } = {}) {
  await service.addUser({ email, password });
  const browser = await signedIn(email);
  const authenticator = new SoftAuthenticator(options);
  const { done, response } = await addPasskey(browser, authenticator);
  expect(done.status).toBe(200);
  return { email, browser, authenticator, credentialId: response.id, codes: codesOf(done) };
}

/** A fresh browser that gave the right password and now owes the second step. */
async function halfSignedIn(email = 'ada@example.com') {
  const browser = new TestBrowser(service.url);
  expect((await browser.signIn(email, password)).location).toBe('/login/verify');
  return browser;
}

/** The answer a page's passkey form would post: `action`'s ceremony, answered by `authenticator`. */
function answer(page: Page, action: string, authenticator: SoftAuthenticator, tamper: Tamper = {}, from = service.url) {
  const credential = authenticator.getAssertion(optionsOf(page.text, action), from, tamper);
  return { ceremony: ceremonyOf(page.text, action), credential: JSON.stringify(credential) };
}

/** "Sign in with a passkey" on the log-in page of a fresh browser. */
async function passkeyFromLoginPage(authenticator: SoftAuthenticator, tamper: Tamper = {}, from = service.url) {
  const browser = new TestBrowser(service.url);
  const login = await browser.get('/login');
  const fields = answer(login, '/login/passkey', authenticator, tamper, from);
  return { browser, fields, done: await browser.post('/login/passkey', fields) };
}

/** How the browser's session was proven (amr), as the database keeps it. */
async function factorsOf(browser: TestBrowser): Promise<string | undefined> {
  const token = browser.cookies.get('session');
  if (!token) return undefined;
  const row = await service.deps.db
    .selectFrom('sessions')
    .select('factors')
    .where('id_hash', '=', digest(token))
    .executeTakeFirst();
  return row?.factors;
}

const subjects = async () => {
  await service.outbox.drain();
  return service.smtp.received.map((email) => email.subject);
};

const PASSKEY_FAILED = 'That passkey could not be verified. Try again.';
const LOGIN_FAILED = 'That passkey could not sign you in. Try again, or sign in with your password.';

describe('adding a passkey', () => {
  it("carries the WebAuthn options in the form, HTML-escaped: PUBLIC_URL's host, user verification, a discoverable credential", async () => {
    await start();
    await service.addUser({ email: 'ada@example.com', password });
    const browser = await signedIn();
    const page = await browser.get(ADD);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    const tag = /<form\b[^>]*data-passkey="create"[^>]*>/.exec(page.text)?.[0] ?? '';
    expect(tag).toContain(`action="${ADD}"`);
    expect(tag).toMatch(/data-options="\{&quot;/);
    const options = optionsOf<CreationOptions>(page.text, ADD);
    expect(options.rp.id).toBe('localhost');
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'required', userVerification: 'required' });
    expect(options.pubKeyCredParams.map((param) => param.alg)).toEqual([-8, -7, -257]);
    expect(options.user.name).toBe('ada@example.com');
    expect(ceremonyOf(page.text, ADD)).not.toContain(options.challenge);
    expect(visibleText(page.text)).toContain('Passkeys need JavaScript, and a browser that supports them.');
  });

  it('needs a recent proof: a session older than ten minutes is sent to /settings/security/confirm (SECURITY 89)', async () => {
    await start();
    await service.addUser({ email: 'ada@example.com', password });
    const browser = await signedIn();
    const early = await browser.get(ADD);
    const response = new SoftAuthenticator().createCredential(optionsOf<CreationOptions>(early.text, ADD), service.url);
    service.clock.advance(11 * MINUTE);
    expect((await browser.get(ADD)).location).toBe(confirmFor(ADD));
    const late = await browser.post(ADD, {
      ceremony: ceremonyOf(early.text, ADD),
      credential: JSON.stringify(response),
      name: 'Work laptop',
    });
    expect(late.location).toBe(confirmFor(ADD));
    expect(visibleText((await browser.get(SECURITY)).text)).toContain('No passkey yet.');

    const confirm = await browser.get(confirmFor(ADD));
    expect(visibleText(confirm.text)).toContain('For your security, enter your password to continue.');
    expect((await browser.post(CONFIRM, { next: ADD, password })).location).toBe(ADD);
    const { done } = await addPasskey(browser, new SoftAuthenticator());
    expect(done.status).toBe(200);
  });

  it('the first passkey shows ten recovery codes, ends the other sessions, emails "A passkey was added…" (SECURITY 85, 89)', async () => {
    await start();
    await service.addUser({ email: 'ada@example.com', password });
    const phone = await signedIn();
    const laptop = await signedIn();
    const before = laptop.cookies.get('session');
    const { done } = await addPasskey(laptop, new SoftAuthenticator());
    expect(done.status).toBe(200);
    const codes = codesOf(done);
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    const text = visibleText(done.text);
    expect(text).toContain('Your passkey has been added.');
    expect(text).toContain('Save your recovery codes');
    // This session goes on under a new id, proven with both factors; the other one is over.
    expect(laptop.cookies.get('session')).not.toBe(before);
    expect(await factorsOf(laptop)).toBe('pwd hwk mfa');
    expect((await laptop.get('/settings/profile')).status).toBe(200);
    expect((await phone.get('/settings/profile')).location).toMatch(/^\/login/);
    expect((await phone.get('/api/session')).status).toBe(401);
    expect(await subjects()).toContain('A passkey was added to your Sales Connect account');
    const mail = service.smtp.received.find((email) => email.subject.startsWith('A passkey was added'));
    expect(mail?.text).toContain('A passkey named “Work laptop” was added');
  });

  it('a second passkey shows no codes and goes back to the Security page', async () => {
    await start();
    const ada = await enrolled();
    const { done } = await addPasskey(ada.browser, new SoftAuthenticator({ synced: true }), 'Phone');
    expect(done.location).toBe(`${SECURITY}?notice=passkey-added`);
    const page = visibleText((await ada.browser.get(done.location as string)).text);
    expect(page).toContain('Your passkey has been added.');
    expect(page).toContain('Recovery codes: 10 of 10 left');
  });

  it('refuses an empty name, a name too long, or one with control characters, with the message (SECURITY 88)', async () => {
    await start();
    await service.addUser({ email: 'ada@example.com', password });
    const browser = await signedIn();
    for (const name of ['', '   ', 'x'.repeat(61), 'Work\u0007laptop', 'Work\nlaptop']) {
      const { done } = await addPasskey(browser, new SoftAuthenticator(), name);
      expect(done.status, JSON.stringify(name)).toBe(422);
      expect(visibleText(done.text)).toContain('Give the passkey a name of 1 to 60 characters on one line.');
      // A new ceremony to try again with.
      expect(() => ceremonyOf(done.text, ADD)).not.toThrow();
    }
    expect(visibleText((await browser.get(SECURITY)).text)).toContain('No passkey yet.');
  });

  it('refuses a passkey made without user verification, for another origin or RP ID, or the same answer twice (SECURITY 88)', async () => {
    await start();
    await service.addUser({ email: 'ada@example.com', password });
    const browser = await signedIn();
    for (const tamper of [{ userVerified: false }, { rpId: '127.0.0.1' }, { rpId: 'evil.example' }]) {
      const { done } = await addPasskey(browser, new SoftAuthenticator(), 'Work laptop', tamper);
      expect(done.status, JSON.stringify(tamper)).toBe(422);
      expect(visibleText(done.text)).toContain(PASSKEY_FAILED);
    }
    const page = await browser.get(ADD);
    const elsewhere = new SoftAuthenticator().createCredential(
      optionsOf<CreationOptions>(page.text, ADD),
      'http://evil.example',
    );
    const phished = await browser.post(ADD, {
      ceremony: ceremonyOf(page.text, ADD),
      credential: JSON.stringify(elsewhere),
      name: 'Work laptop',
    });
    expect(phished.status).toBe(422);
    expect(visibleText((await browser.get(SECURITY)).text)).toContain('No passkey yet.');
    const { done, fields } = await addPasskey(browser, new SoftAuthenticator());
    expect(done.status).toBe(200);
    const again = await browser.post(ADD, fields);
    expect(again.status).toBe(422);
  });
});

describe('the Security page', () => {
  it('lists each passkey with its name and whether it is synced, and renames it', async () => {
    await start();
    const ada = await enrolled();
    await addPasskey(ada.browser, new SoftAuthenticator({ synced: true }), 'Phone');
    const page = await ada.browser.get(SECURITY);
    const text = visibleText(page.text);
    expect(text).toContain('Two-step verification On');
    expect(text).toContain('Work laptop On one device');
    expect(text).toContain('Phone Synced across your devices');
    expect(text).toContain('Never used');
    expect(text).toContain('Passkey added');
    expect(page.text).toContain(`name="passkey" value="${ada.credentialId}"`);

    const renamed = await ada.browser.post(RENAME, { passkey: ada.credentialId, name: '  Home laptop ' });
    expect(renamed.location).toBe(`${SECURITY}?notice=passkey-renamed`);
    const after = visibleText((await ada.browser.get(renamed.location as string)).text);
    expect(after).toContain('That passkey has been renamed.');
    expect(after).toContain('Home laptop On one device');
    expect(after).not.toContain('Work laptop');
  });

  it('refuses a new name that is empty, too long or has control characters, with the message', async () => {
    await start();
    const ada = await enrolled();
    await ada.browser.get(SECURITY);
    for (const name of ['', 'x'.repeat(61), 'Home\u0000laptop', 'Home\u202elaptop']) {
      const refused = await ada.browser.post(RENAME, { passkey: ada.credentialId, name });
      expect(refused.location, JSON.stringify(name)).toBe(`${SECURITY}?notice=passkey-name`);
    }
    const page = visibleText((await ada.browser.get(`${SECURITY}?notice=passkey-name`)).text);
    expect(page).toContain('Give the passkey a name of 1 to 60 characters on one line.');
    expect(page).toContain('Work laptop On one device');
  });

  it("cannot rename or remove another account's passkey", async () => {
    await start();
    const ada = await enrolled();
    const bob = await enrolled('bob@example.com');
    await bob.browser.get(SECURITY);
    expect((await bob.browser.post(RENAME, { passkey: ada.credentialId, name: 'Mine' })).location).toBe(
      `${SECURITY}?notice=passkey-gone`,
    );
    expect((await bob.browser.post(REMOVE, { passkey: ada.credentialId })).location).toBe(
      `${SECURITY}?notice=passkey-gone`,
    );
    expect(visibleText((await ada.browser.get(SECURITY)).text)).toContain('Work laptop On one device');
  });
});

describe('the second step with a passkey', () => {
  it('the next sign-in with the password goes to /login/verify, and the passkey finishes it (SECURITY 85, 90)', async () => {
    await start();
    const ada = await enrolled();
    const browser = await halfSignedIn();
    expect(browser.cookies.has('session')).toBe(false);
    expect((await browser.get('/settings/profile')).location).toBe('/login');
    const step = await browser.get('/login/verify');
    expect(step.status).toBe(200);
    expect(visibleText(step.text)).toContain('Use your passkey to finish signing in.');
    // An account with passkeys only is asked for no code.
    expect(step.text).not.toContain('name="code"');
    const options = optionsOf(step.text, '/login/verify/passkey');
    expect(options.rpId).toBe('localhost');
    expect(options.userVerification).toBe('required');
    expect(options.allowCredentials?.map((allowed) => allowed.id)).toEqual([ada.credentialId]);
    const done = await browser.post('/login/verify/passkey', answer(step, '/login/verify/passkey', ada.authenticator));
    expect(done.status).toBe(303);
    expect(done.location).toBe('/settings');
    expect(browser.cookies.has('second-step')).toBe(false);
    expect(await factorsOf(browser)).toBe('pwd hwk mfa');
    expect((await browser.get('/settings/profile')).status).toBe(200);
    expect((await browser.get('/api/session')).status).toBe(200);
    // The Security page says when it was last used.
    expect(visibleText((await browser.get(SECURITY)).text)).toContain('Last used');
  });

  it('a synced passkey gives the session pwd swk mfa', async () => {
    await start();
    const ada = await enrolled('ada@example.com', { synced: true });
    const browser = await halfSignedIn();
    const step = await browser.get('/login/verify');
    await browser.post('/login/verify/passkey', answer(step, '/login/verify/passkey', ada.authenticator));
    expect(await factorsOf(browser)).toBe('pwd swk mfa');
  });

  it("refuses another account's passkey: the step stays where it was, with the message (SECURITY 85)", async () => {
    await start();
    await enrolled();
    const bob = await enrolled('bob@example.com');
    const browser = await halfSignedIn();
    const step = await browser.get('/login/verify');
    const fields = answer(step, '/login/verify/passkey', bob.authenticator, { credentialId: bob.credentialId });
    const refused = await browser.post('/login/verify/passkey', fields);
    expect(refused.location).toBe('/login/verify?passkey=failed');
    expect(browser.cookies.has('session')).toBe(false);
    const again = await browser.get(refused.location as string);
    expect(again.status).toBe(200);
    expect(visibleText(again.text)).toContain(PASSKEY_FAILED);
    expect((await browser.get('/settings/profile')).location).toBe('/login');
  });

  it('refuses no user verification, another origin, another RP ID, a counter that went back (SECURITY 88)', async () => {
    await start();
    const ada = await enrolled();
    const browser = await halfSignedIn();
    const attacks: Array<{ tamper?: Tamper; from?: string }> = [
      { tamper: { userVerified: false } },
      { from: 'http://evil.example' },
      { from: service.url.replace('localhost', '127.0.0.1') },
      { tamper: { rpId: '127.0.0.1' } },
      { tamper: { counter: 0 } },
    ];
    // The passkey has been used once (counter 1), so 0 goes back.
    const first = await halfSignedIn();
    const step1 = await first.get('/login/verify');
    await first.post('/login/verify/passkey', answer(step1, '/login/verify/passkey', ada.authenticator));
    for (const attack of attacks) {
      const step = await browser.get('/login/verify');
      const fields = answer(step, '/login/verify/passkey', ada.authenticator, attack.tamper, attack.from);
      const refused = await browser.post('/login/verify/passkey', fields);
      expect(refused.location, JSON.stringify(attack)).toBe('/login/verify?passkey=failed');
      expect(browser.cookies.has('session')).toBe(false);
    }
  });
});

describe('"Sign in with a passkey" from the log-in page', () => {
  it('signs in on its own, with no password, amr hwk mfa', async () => {
    await start();
    const ada = await enrolled();
    const browser = new TestBrowser(service.url);
    const login = await browser.get('/login');
    expect(visibleText(login.text)).toContain('Sign in with a passkey');
    const options = optionsOf(login.text, '/login/passkey');
    expect(options.allowCredentials ?? []).toEqual([]);
    expect(options).toMatchObject({ rpId: 'localhost', userVerification: 'required' });
    const done = await browser.post('/login/passkey', answer(login, '/login/passkey', ada.authenticator));
    expect(done.status).toBe(303);
    expect(done.location).toBe('/settings');
    expect(await factorsOf(browser)).toBe('hwk mfa');
    expect((await browser.get('/settings/profile')).status).toBe(200);
  });

  it('refuses an answer replayed: the same ceremony counts once (SECURITY 88)', async () => {
    await start();
    const ada = await enrolled('ada@example.com', { synced: true });
    // A synced passkey that counts nothing: the spent challenge alone stops the copy.
    const { fields, done } = await passkeyFromLoginPage(ada.authenticator, { counter: 0 });
    expect(done.location).toBe('/settings');
    const attacker = new TestBrowser(service.url);
    await attacker.get('/login');
    const replayed = await attacker.post('/login/passkey', fields);
    expect(replayed.location).toBe('/login?notice=passkey-failed');
    expect(attacker.cookies.has('session')).toBe(false);
    expect(visibleText((await attacker.get(replayed.location as string)).text)).toContain(LOGIN_FAILED);
  });

  it('refuses a ceremony older than five minutes', async () => {
    await start();
    const ada = await enrolled();
    const browser = new TestBrowser(service.url);
    const login = await browser.get('/login');
    const fields = answer(login, '/login/passkey', ada.authenticator);
    service.clock.advance(5 * MINUTE + 1000);
    expect((await browser.post('/login/passkey', fields)).location).toBe('/login?notice=passkey-failed');
    expect(browser.cookies.has('session')).toBe(false);
  });

  it('refuses no user verification, another origin or RP ID, a counter that goes back, a clone (SECURITY 88)', async () => {
    await start();
    const ada = await enrolled();
    const clone = ada.authenticator.clone();
    expect((await passkeyFromLoginPage(ada.authenticator)).done.location).toBe('/settings');
    expect((await passkeyFromLoginPage(ada.authenticator)).done.location).toBe('/settings');
    const attacks = [
      await passkeyFromLoginPage(ada.authenticator, { userVerified: false }),
      await passkeyFromLoginPage(ada.authenticator, {}, 'http://evil.example'),
      await passkeyFromLoginPage(ada.authenticator, {}, 'https://localhost'),
      await passkeyFromLoginPage(ada.authenticator, { rpId: 'evil.example' }),
      await passkeyFromLoginPage(ada.authenticator, { counter: 1 }),
      // The copy's counter is behind the original's.
      await passkeyFromLoginPage(clone),
    ];
    for (const [index, attack] of attacks.entries()) {
      expect(attack.done.location, `attack ${index}`).toBe('/login?notice=passkey-failed');
      expect(attack.browser.cookies.has('session')).toBe(false);
    }
  });
});

describe('a ceremony is bound to its purpose (SECURITY 88)', () => {
  it("the second step's ceremony cannot sign in alone nor confirm a session, and the log-in page's cannot finish a second step", async () => {
    await start();
    const ada = await enrolled();
    service.clock.advance(11 * MINUTE);
    const browser = await halfSignedIn();
    const step = await browser.get('/login/verify');
    const second = answer(step, '/login/verify/passkey', ada.authenticator);
    // Posted to "Sign in with a passkey".
    expect((await browser.post('/login/passkey', second)).location).toBe('/login?notice=passkey-failed');
    expect(browser.cookies.has('session')).toBe(false);
    // Posted to "confirm it's you" of a signed-in session of the account.
    const confirm = await ada.browser.get(confirmFor(SECURITY));
    const stepUp = await ada.browser.post(CONFIRM, { next: SECURITY, ...second });
    expect(stepUp.status).toBe(401);
    expect(visibleText(stepUp.text)).toContain(PASSKEY_FAILED);
    // The log-in page's ceremony, and the confirm page's, on the second step.
    const login = await browser.get('/login');
    const alone = answer(login, '/login/passkey', ada.authenticator);
    await browser.get('/login/verify');
    const fromLogin = await browser.post('/login/verify/passkey', alone);
    // Not this sign-in's ceremony: the browser is sent to start again.
    expect(fromLogin.location).toBe('/login?notice=second-step-expired');
    expect(browser.cookies.has('session')).toBe(false);
    const fromConfirm = answer(confirm, CONFIRM, ada.authenticator);
    const other = await halfSignedIn();
    await other.get('/login/verify');
    expect((await other.post('/login/verify/passkey', fromConfirm)).location).toBe('/login?notice=second-step-expired');
    expect(other.cookies.has('session')).toBe(false);
    // The log-in page's ceremony on "confirm it's you".
    await ada.browser.get(confirmFor(SECURITY));
    const login2 = await new TestBrowser(service.url).get('/login');
    const refused = await ada.browser.post(CONFIRM, {
      next: SECURITY,
      ...answer(login2, '/login/passkey', ada.authenticator),
    });
    expect(refused.status).toBe(401);
    // Refused elsewhere, the second step's answer was not spent: it still finishes its own sign-in.
    expect((await browser.post('/login/verify/passkey', second)).location).toBe('/settings');
    expect(await factorsOf(browser)).toBe('pwd hwk mfa');
  });
});

describe('confirm it’s you with a passkey (SECURITY 89)', () => {
  it('the step-up page of an account with passkeys only asks for a passkey, and accepts one', async () => {
    await start();
    const ada = await enrolled();
    service.clock.advance(11 * MINUTE);
    expect((await ada.browser.get(ADD)).location).toBe(confirmFor(ADD));
    const confirm = await ada.browser.get(confirmFor(ADD));
    expect(confirm.status).toBe(200);
    expect(visibleText(confirm.text)).toContain('For your security, use your passkey to continue.');
    expect(confirm.text).not.toContain('name="password"');
    expect(optionsOf(confirm.text, CONFIRM).allowCredentials?.map((allowed) => allowed.id)).toEqual([ada.credentialId]);
    // The password is no proof for an account with a factor.
    expect((await ada.browser.post(CONFIRM, { next: ADD, password })).status).toBe(401);
    const fields = answer(confirm, CONFIRM, ada.authenticator);
    const done = await ada.browser.post(CONFIRM, { next: ADD, ...fields });
    expect(done.location).toBe(ADD);
    expect((await ada.browser.get(ADD)).status).toBe(200);
    // The same answer again is spent.
    service.clock.advance(11 * MINUTE);
    await ada.browser.get(confirmFor(ADD));
    expect((await ada.browser.post(CONFIRM, { next: ADD, ...fields })).status).toBe(401);
  });

  it('refuses an answer without user verification', async () => {
    await start();
    const ada = await enrolled();
    service.clock.advance(11 * MINUTE);
    const confirm = await ada.browser.get(confirmFor(SECURITY));
    const refused = await ada.browser.post(CONFIRM, {
      next: SECURITY,
      ...answer(confirm, CONFIRM, ada.authenticator, { userVerified: false }),
    });
    expect(refused.status).toBe(401);
    expect(visibleText(refused.text)).toContain(PASSKEY_FAILED);
  });
});

describe('removing a passkey', () => {
  it('the last one needs a recent proof, takes the recovery codes with it, and the next sign-in is password only (SECURITY 89)', async () => {
    await start();
    const ada = await enrolled();
    service.clock.advance(11 * MINUTE);
    await ada.browser.get(SECURITY);
    const early = await ada.browser.post(REMOVE, { passkey: ada.credentialId });
    expect(early.location).toBe(confirmFor(SECURITY));
    expect(visibleText((await ada.browser.get(SECURITY)).text)).toContain('Work laptop On one device');
    const confirm = await ada.browser.get(confirmFor(SECURITY));
    const proven = await ada.browser.post(CONFIRM, { next: SECURITY, ...answer(confirm, CONFIRM, ada.authenticator) });
    expect(proven.location).toBe(SECURITY);
    await ada.browser.get(SECURITY);
    const removed = await ada.browser.post(REMOVE, { passkey: ada.credentialId });
    expect(removed.location).toBe(`${SECURITY}?notice=passkey-removed-last`);
    const page = visibleText((await ada.browser.get(removed.location as string)).text);
    expect(page).toContain(
      'That passkey has been removed. It was your last second factor: two-step verification is now off, and your recovery codes no longer work.',
    );
    expect(page).toContain('Two-step verification Off');
    expect(page).toContain('No passkey yet.');
    expect(page).not.toContain('Recovery codes:');
    expect(page).toContain('Passkey removed');
    expect(await subjects()).toContain('A passkey was removed from your Sales Connect account');
    const codes = await service.deps.db.selectFrom('recovery_codes').selectAll().execute();
    expect(codes).toEqual([]);
    // This session goes on; the next sign-in asks for the password only, and the passkey signs in no more.
    expect((await ada.browser.get('/settings/profile')).status).toBe(200);
    expect((await new TestBrowser(service.url).signIn(ada.email, password)).location).toBe('/settings');
    expect((await passkeyFromLoginPage(ada.authenticator)).done.location).toBe('/login?notice=passkey-failed');
  });

  it('REQUIRE_2FA=required refuses to remove the last factor', async () => {
    const database = await createTestDatabase();
    databases.push(database);
    await start({ DATABASE_URL: database.url });
    const ada = await enrolled();
    await start({ DATABASE_URL: database.url, REQUIRE_2FA: 'required' });
    const browser = await halfSignedIn();
    const step = await browser.get('/login/verify');
    expect(
      (await browser.post('/login/verify/passkey', answer(step, '/login/verify/passkey', ada.authenticator))).location,
    ).toBe('/settings');
    await browser.get(SECURITY);
    const refused = await browser.post(REMOVE, { passkey: ada.credentialId });
    expect(refused.location).toBe(`${SECURITY}?notice=required`);
    const page = visibleText((await browser.get(refused.location as string)).text);
    expect(page).toContain('Your organisation requires two-step verification: it cannot be turned off.');
    expect(page).toContain('Work laptop On one device');
    expect(page).toContain('Recovery codes: 10 of 10 left');
  });
});
