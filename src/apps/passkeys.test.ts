// Passkeys as an app sees them through openid-client: the second step of an app's sign-in finished with a
// passkey at /interaction/<uid>/verify/passkey, "Sign in with a passkey" alone at /interaction/<uid>/passkey,
// and the amr (RFC 8176) of the ID token: hwk for a passkey on one device, swk for a synced one, and mfa
// (SECURITY 85, 88, 90). The service runs at http://localhost:<port>: an RP ID is a host name.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authorizationRequest, follow, newUser, redeem, registerApp, type TestApp } from '../../test/support/apps.ts';
import { ceremonyOf, optionsOf, SoftAuthenticator, type Tamper } from '../../test/support/authenticator.ts';
import { type Page, TestBrowser, visibleText } from '../../test/support/browser.ts';
import { startPasskeyService, type TestService } from '../../test/support/service.ts';

const ADD = '/settings/security/passkeys/add';
let service: TestService;
beforeEach(async () => {
  service = await startPasskeyService({}, { clockStart: Date.now() });
});
afterEach(() => service.close());

const formAction = (page: Page) => /<form method="post" action="([^"]+)" class="stack"/.exec(page.text)?.[1];
const isCallback = (page: Page) => /^http:\/\/127\.0\.0\.1:9\/callback\?/.test(page.location ?? '');

/** A new account whose only factor is a passkey, added in Settings from a browser that stays signed in. */
async function userWithPasskey(options: { synced?: boolean } = {}) {
  const account = await newUser(service);
  const browser = new TestBrowser(service.url);
  expect((await browser.signIn(account.email, account.password)).location).toBe('/settings');
  const page = await browser.get(ADD);
  const authenticator = new SoftAuthenticator(options);
  const response = authenticator.createCredential(optionsOf(page.text, ADD), service.url);
  const done = await browser.post(ADD, {
    ceremony: ceremonyOf(page.text, ADD),
    credential: JSON.stringify(response),
    name: 'Work laptop',
  });
  expect(done.status).toBe(200);
  return { ...account, authenticator, browser, credentialId: response.id };
}

/** The answer the page's passkey form posting to `action` would send. */
function answer(page: Page, action: string, authenticator: SoftAuthenticator, tamper: Tamper = {}) {
  const credential = authenticator.getAssertion(optionsOf(page.text, action), service.url, tamper);
  return { ceremony: ceremonyOf(page.text, action), credential: JSON.stringify(credential) };
}

/** The app's authorization request, followed to the log-in page of its interaction. */
async function loginPageOfApp(app: TestApp, browser: TestBrowser) {
  const request = await authorizationRequest(app);
  const login = await follow(browser, request.url);
  const action = formAction(login);
  expect(action).toMatch(/^\/interaction\/[^/]+\/login$/);
  return { request, login, uid: (action as string).split('/')[2] as string };
}

async function amrAtCallback(app: TestApp, browser: TestBrowser, request: { url: URL }, answered: Page) {
  expect(answered.status).toBe(303);
  const callback = await follow(browser, answered.location as string);
  expect(isCallback(callback), `${callback.status} ${callback.location}`).toBe(true);
  const tokens = await redeem(app, {
    request: request as Parameters<typeof redeem>[1]['request'],
    callback: new URL(callback.location as string),
  });
  return tokens.claims()!;
}

describe('an account with a passkey signing in to an app', () => {
  it('finishes the second step with the passkey at /interaction/<uid>/verify/passkey: amr pwd, hwk, mfa (SECURITY 85)', async () => {
    const app = await registerApp(service);
    const ada = await userWithPasskey();
    const browser = new TestBrowser(service.url);
    const { request, uid } = await loginPageOfApp(app, browser);
    const password = await browser.post(`/interaction/${uid}/login`, { email: ada.email, password: ada.password });
    expect(password.location).toBe(`/interaction/${uid}/verify`);
    expect(browser.cookies.has('session')).toBe(false);
    const step = await browser.get(password.location as string);
    expect(step.status).toBe(200);
    expect(visibleText(step.text)).toContain('Use your passkey to finish signing in.');
    const action = `/interaction/${uid}/verify/passkey`;
    const verified = await browser.post(action, answer(step, action, ada.authenticator));
    const claims = await amrAtCallback(app, browser, request, verified);
    expect(claims.sub).toBe(ada.id);
    expect(claims.amr).toEqual(['pwd', 'hwk', 'mfa']);
    expect((await browser.get('/settings/profile')).status).toBe(200);
  });

  it('signs in with the passkey alone at /interaction/<uid>/passkey: amr hwk, mfa', async () => {
    const app = await registerApp(service);
    const ada = await userWithPasskey();
    const browser = new TestBrowser(service.url);
    const { request, login, uid } = await loginPageOfApp(app, browser);
    const action = `/interaction/${uid}/passkey`;
    expect(optionsOf(login.text, action).allowCredentials ?? []).toEqual([]);
    const signedIn = await browser.post(action, answer(login, action, ada.authenticator));
    const claims = await amrAtCallback(app, browser, request, signedIn);
    expect(claims.sub).toBe(ada.id);
    expect(claims.amr).toEqual(['hwk', 'mfa']);
  });

  it('a synced passkey alone gives amr swk, mfa', async () => {
    const app = await registerApp(service);
    const ada = await userWithPasskey({ synced: true });
    const browser = new TestBrowser(service.url);
    const { request, login, uid } = await loginPageOfApp(app, browser);
    const action = `/interaction/${uid}/passkey`;
    const claims = await amrAtCallback(
      app,
      browser,
      request,
      await browser.post(action, answer(login, action, ada.authenticator)),
    );
    expect(claims.amr).toEqual(['swk', 'mfa']);
  });

  it('gives the app nothing for a passkey answer without user verification (SECURITY 88)', async () => {
    const app = await registerApp(service);
    const ada = await userWithPasskey();
    const browser = new TestBrowser(service.url);
    const { login, uid } = await loginPageOfApp(app, browser);
    const action = `/interaction/${uid}/passkey`;
    const refused = await browser.post(action, answer(login, action, ada.authenticator, { userVerified: false }));
    expect(refused.location).toBe(`/interaction/${uid}?passkey=failed`);
    expect(browser.cookies.has('session')).toBe(false);
    const again = await browser.get(refused.location as string);
    expect(again.status).toBe(200);
    expect(visibleText(again.text)).toContain(
      'That passkey could not sign you in. Try again, or sign in with your password.',
    );
  });

  it('single sign-on from a session proven with a passkey alone carries hwk and mfa', async () => {
    const app = await registerApp(service);
    const ada = await userWithPasskey();
    const browser = new TestBrowser(service.url);
    const login = await browser.get('/login');
    expect((await browser.post('/login/passkey', answer(login, '/login/passkey', ada.authenticator))).location).toBe(
      '/settings',
    );
    const request = await authorizationRequest(app);
    const callback = await follow(browser, request.url);
    expect(isCallback(callback), `${callback.status} ${callback.location}`).toBe(true);
    const claims = (await redeem(app, { request, callback: new URL(callback.location as string) })).claims()!;
    expect(claims.amr).toEqual(['hwk', 'mfa']);
  });
});
