// Two-step verification as an app sees it through openid-client: the second step of an app's sign-in at
// /interaction/<uid>/verify, and the amr (RFC 8176) of the ID token, which says how the user proved who they
// are (SECURITY 85, 86, 90).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  authorizationRequest,
  follow,
  newUser,
  redeem,
  registerApp,
  signInThroughApp,
  type TestApp,
} from '../../test/support/apps.ts';
import { type Page, TestBrowser, visibleText } from '../../test/support/browser.ts';
import { startService, type TestService } from '../../test/support/service.ts';
import { currentCode } from '../factors/totp.ts';

const SETUP = '/settings/security/two-step/setup';
let service: TestService;
beforeEach(async () => {
  service = await startService({}, { clockStart: Date.now() });
});
afterEach(() => service.close());

const formAction = (page: Page) => /<form method="post" action="([^"]+)" class="stack"/.exec(page.text)?.[1];

/** The code the phone shows once the next 30-second step has begun: a step is accepted once (SECURITY 86). */
function nextCode(key: string): string {
  service.clock.advance(30_000);
  return currentCode(key, service.clock.now());
}

/** A new account with the authenticator app turned on in Settings, from a browser that stays signed in. */
async function userWithFactor() {
  const account = await newUser(service);
  const browser = new TestBrowser(service.url);
  expect((await browser.signIn(account.email, account.password)).location).toBe('/settings');
  const setup = await browser.get(SETUP);
  const key = (/data-setup-key[^>]*>([^<]+)</.exec(setup.text)?.[1] ?? '').replace(/ /g, '');
  const sealed = /name="setup" value="([^"]+)"/.exec(setup.text)?.[1] ?? '';
  const done = await browser.post(SETUP, { code: currentCode(key, service.clock.now()), setup: sealed });
  expect(done.status).toBe(200);
  const codes = [...done.text.matchAll(/<code>([0-9a-z]{5}-[0-9a-z]{5})<\/code>/g)].map((match) => match[1] as string);
  return { ...account, key, codes, browser };
}

/** The app's authorization request, the log-in page, the password: where the browser is sent next. */
async function passwordThroughApp(app: TestApp, browser: TestBrowser, account: { email: string; password: string }) {
  const request = await authorizationRequest(app);
  const login = await follow(browser, request.url);
  const action = formAction(login);
  expect(action).toMatch(/^\/interaction\/[^/]+\/login$/);
  const answer = await browser.post(action as string, { email: account.email, password: account.password });
  expect(answer.status).toBe(303);
  return { request, answer, uid: (action as string).split('/')[2] as string };
}

const isCallback = (page: Page) => /^http:\/\/127\.0\.0\.1:9\/callback\?/.test(page.location ?? '');

describe('an account with a factor signing in to an app', () => {
  it('gets the second step at /interaction/<uid>/verify, then the ID token says pwd, otp and mfa (SECURITY 85)', async () => {
    const app = await registerApp(service);
    const ada = await userWithFactor();
    const browser = new TestBrowser(service.url);
    const { request, answer, uid } = await passwordThroughApp(app, browser, ada);
    expect(answer.location).toBe(`/interaction/${uid}/verify`);
    expect(browser.cookies.has('session')).toBe(false);
    const step = await browser.get(answer.location as string);
    expect(step.status).toBe(200);
    expect(visibleText(step.text)).toContain('Enter the 6-digit code from your authenticator app.');
    expect(formAction(step)).toBe(`/interaction/${uid}/verify`);
    const verified = await browser.post(`/interaction/${uid}/verify`, { code: nextCode(ada.key) });
    expect(verified.status).toBe(303);
    const callback = await follow(browser, verified.location as string);
    expect(isCallback(callback), `${callback.status} ${callback.location}`).toBe(true);
    const tokens = await redeem(app, { request, callback: new URL(callback.location as string) });
    const claims = tokens.claims()!;
    expect(claims.sub).toBe(ada.id);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    // The browser is now signed in to the service too, with both factors.
    expect((await browser.get('/settings/profile')).status).toBe(200);
  });

  it('gives the app nothing for a wrong code, and the half-signed-in browser no session (SECURITY 86, 90)', async () => {
    const app = await registerApp(service);
    const ada = await userWithFactor();
    const browser = new TestBrowser(service.url);
    const { uid } = await passwordThroughApp(app, browser, ada);
    await browser.get(`/interaction/${uid}/verify`);
    const wrong = await browser.post(`/interaction/${uid}/verify`, { code: '000000' });
    expect(wrong.status).toBe(401);
    expect(visibleText(wrong.text)).toContain('That code is not right.');
    expect(wrong.location).toBeUndefined();
    expect((await browser.get('/settings/profile')).location).toBe('/login');
    expect((await browser.get('/api/session')).status).toBe(401);
  });

  it('takes a recovery code at /interaction/<uid>/verify?with=recovery, and the ID token says so (SECURITY 87)', async () => {
    const app = await registerApp(service);
    const ada = await userWithFactor();
    const recovery = ada.codes[0] as string;
    const browser = new TestBrowser(service.url);
    const { request, uid } = await passwordThroughApp(app, browser, ada);
    const page = await browser.get(`/interaction/${uid}/verify?with=recovery`);
    expect(page.text).toContain('name="recovery_code"');
    const verified = await browser.post(`/interaction/${uid}/verify`, { recovery_code: recovery });
    const callback = await follow(browser, verified.location as string);
    expect(isCallback(callback)).toBe(true);
    const claims = (await redeem(app, { request, callback: new URL(callback.location as string) })).claims()!;
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
  });
});

describe('an account without a factor', () => {
  it('gets an ID token whose amr is ["pwd"]', async () => {
    const app = await registerApp(service);
    const bob = await newUser(service);
    const flow = await signInThroughApp(app, new TestBrowser(service.url), bob);
    expect((await redeem(app, flow)).claims()!.amr).toEqual(['pwd']);
  });
});

describe('single sign-on', () => {
  it('from a session proven with both factors, by setting up the app, carries them (SECURITY 85)', async () => {
    const app = await registerApp(service);
    const ada = await userWithFactor();
    const flow = await signInThroughApp(app, ada.browser, ada);
    expect((await redeem(app, flow)).claims()!.amr).toEqual(['pwd', 'otp', 'mfa']);
  });

  it('from a session proven with both factors at /login/verify, carries them', async () => {
    const app = await registerApp(service);
    const ada = await userWithFactor();
    const browser = new TestBrowser(service.url);
    expect((await browser.signIn(ada.email, ada.password)).location).toBe('/login/verify');
    await browser.get('/login/verify');
    expect((await browser.post('/login/verify', { code: nextCode(ada.key) })).location).toBe('/settings');
    const flow = await signInThroughApp(app, browser, ada);
    expect((await redeem(app, flow)).claims()!.amr).toEqual(['pwd', 'otp', 'mfa']);
  });

  it('does not come from a session proven with the password only before the factor was added (SECURITY 85)', async () => {
    const app = await registerApp(service);
    const account = await newUser(service);
    const older = new TestBrowser(service.url);
    expect((await older.signIn(account.email, account.password)).location).toBe('/settings');
    const laptop = new TestBrowser(service.url);
    await laptop.signIn(account.email, account.password);
    const setup = await laptop.get(SETUP);
    const key = (/data-setup-key[^>]*>([^<]+)</.exec(setup.text)?.[1] ?? '').replace(/ /g, '');
    const sealed = /name="setup" value="([^"]+)"/.exec(setup.text)?.[1] ?? '';
    expect((await laptop.post(SETUP, { code: currentCode(key, service.clock.now()), setup: sealed })).status).toBe(200);
    const { answer, uid } = await passwordThroughApp(app, older, account);
    expect(answer.location).toBe(`/interaction/${uid}/verify`);
  });
});
