// The demo app of examples/sales-connect-app (issue 14) against a real service: a company's app signing its
// users in through the service with openid-client, signing them out through RP-initiated logout, and ending
// their sessions when a back-channel logout token says so.
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JSONWebKeySet, SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoApp, startDemoApp } from '../examples/sales-connect-app/app.ts';
import { addClient } from '../src/apps/clients.ts';
import { follow, uniqueEmail } from './support/apps.ts';
import { type Page, TestBrowser, visibleText } from './support/browser.ts';
import { freePort, startService, type TestService } from './support/service.ts';
import { password } from './support/web.ts';

const EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const JWT = /^[\w-]+\.[\w-]+\.[\w-]+$/;

let service: TestService;
const apps: DemoApp[] = [];
const logs: string[] = [];

beforeAll(async () => {
  service = await startService({}, { clockStart: Date.now() });
});
afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
  await service?.close();
});

interface RunningApp {
  app: DemoApp;
  clientId: string;
  clientSecret: string;
}

/** Registers the app as `npm run demo` does, and starts it on a port of its own. */
async function startApp(jwks?: JSONWebKeySet): Promise<RunningApp> {
  const port = await freePort();
  const appUrl = `http://127.0.0.1:${port}`;
  const added = await addClient(service.deps, {
    name: 'Sales Connect',
    redirectUris: [`${appUrl}/callback`],
    postLogoutRedirectUris: [`${appUrl}/`],
    backchannelLogoutUri: `${appUrl}/backchannel-logout`,
    firstParty: true,
  });
  if (!added.ok) throw new Error(added.problem);
  const app = await startDemoApp({
    issuer: service.url,
    clientId: added.clientId,
    clientSecret: added.clientSecret,
    appUrl,
    port,
    jwks,
    log: (line) => logs.push(line),
  });
  apps.push(app);
  return { app, clientId: added.clientId, clientSecret: added.clientSecret! };
}

async function account(locale: 'en' | 'fr' = 'en') {
  const email = uniqueEmail();
  const user = await service.addUser({ email, password, locale, name: 'Ada Lovelace' });
  return { email, user };
}

/** One browser for both sites, as a real one: its cookies go to the service and to the app. */
const newBrowser = (language = 'en') => new TestBrowser(service.url, { 'accept-language': language });

/** Sign in on the app: to the service's log-in page, back to the app's callback, and home. */
async function signIn(app: DemoApp, browser: TestBrowser, who: { email: string }): Promise<Page> {
  const start = await browser.get(`${app.url}/login`);
  expect(start.status).toBe(303);
  const authorization = new URL(start.location!);
  expect(`${authorization.origin}${authorization.pathname}`).toBe(`${service.url}/oidc/auth`);
  expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
  expect(authorization.searchParams.get('redirect_uri')).toBe(`${app.url}/callback`);
  for (const parameter of ['state', 'nonce', 'code_challenge'])
    expect(authorization.searchParams.get(parameter)).toBeTruthy();
  let page = await follow(browser, authorization);
  if (page.status === 200) {
    const action = /<form method="post" action="([^"]+)" class="stack"/.exec(page.text)?.[1];
    expect(action).toMatch(/^\/interaction\/[^/]+\/login$/);
    page = await browser.post(action!, { email: who.email, password });
    expect(page.status).toBe(303);
    page = await follow(browser, page.location!);
  }
  expect(page.location).toMatch(new RegExp(`^${app.url}/callback\\?`));
  const callback = await browser.get(page.location!);
  expect(callback.status, visibleText(callback.text)).toBe(303);
  expect(callback.location).toBe('/');
  return browser.get(`${app.url}/`);
}

const signedIn = async (app: DemoApp, browser: TestBrowser) =>
  (await browser.get(`${app.url}/`)).text.includes('class="gear-menu"');

describe('the demo app', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp();
  });

  it('offers "Sign in" to a visitor, in the language the browser asks for', async () => {
    const english = await newBrowser('en-GB,en;q=0.9').get(`${running.app.url}/`);
    expect(english.status).toBe(200);
    expect(english.headers.get('cache-control')).toBe('no-store');
    expect(english.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(english.text).toContain('<html lang="en">');
    expect(english.text).toContain('href="/login"');
    expect(visibleText(english.text)).toContain('Sign in');
    const french = await newBrowser('de;q=1, fr-CA;q=0.8').get(`${running.app.url}/`);
    expect(french.text).toContain('<html lang="fr">');
    expect(visibleText(french.text)).toContain('Se connecter');
    const css = await fetch(`${running.app.url}/style.css`);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
  });

  it('signs the user in through the service and says who, with which email and since when', async () => {
    const ada = await account();
    const home = await signIn(running.app, newBrowser(), ada);
    const text = visibleText(home.text);
    expect(text).toContain('Welcome back, Ada Lovelace');
    expect(text).toContain(ada.email);
    expect(home.text).toMatch(/<time datetime="\d{4}-\d\d-\d\dT[\d:.]+Z">/);
    expect(text).not.toContain('Sign in');
  });

  it('speaks the language of the account once signed in, whatever the browser asks for', async () => {
    const home = await signIn(running.app, newBrowser('en'), await account('fr'));
    expect(home.text).toContain('<html lang="fr">');
    expect(visibleText(home.text)).toContain('Bon retour, Ada Lovelace');
  });

  it('has a gear menu with Settings, the service’s My Profile, and Sign out', async () => {
    const home = await signIn(running.app, newBrowser(), await account());
    const menu = /<details class="gear-menu">[\s\S]*?<\/details>/.exec(home.text)?.[0] ?? '';
    const settings = new URL('/settings', service.url);
    settings.searchParams.set('return_to', `${running.app.url}/`);
    expect(menu).toContain(`<a href="${settings.href.replaceAll('&', '&amp;')}">Settings</a>`);
    expect(menu).toMatch(/<form method="post" action="\/logout"><button type="submit">Sign out<\/button><\/form>/);
    expect(menu).toContain('aria-label="Account menu"');
  });

  it('signs out here first, then at the service through its end-session endpoint, and comes back', async () => {
    const browser = newBrowser();
    await signIn(running.app, browser, await account());
    const out = await browser.post(`${running.app.url}/logout`, {}, { csrf: null, origin: running.app.url });
    expect(out.status).toBe(303);
    const end = new URL(out.location!);
    expect(`${end.origin}${end.pathname}`).toBe(`${service.url}/oidc/session/end`);
    expect(end.searchParams.get('id_token_hint')).toMatch(JWT);
    expect(end.searchParams.get('post_logout_redirect_uri')).toBe(`${running.app.url}/`);
    expect(await signedIn(running.app, browser)).toBe(false);
    // A browser submits the service's confirmation by itself (the hint proves the app asked); the test does.
    const confirmation = await browser.get(end.pathname + end.search);
    expect(confirmation.status).toBe(200);
    const action = /<form method="post" action="([^"]+)"/.exec(confirmation.text)?.[1];
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirmation.text)?.[1];
    const done = await browser.post(
      new URL(action!, service.url).pathname,
      { xsrf: xsrf!, logout: 'yes' },
      { csrf: null },
    );
    expect(done.status).toBe(303);
    expect(done.location).toBe(`${running.app.url}/`);
    expect((await browser.get('/settings/profile')).status).toBe(303);
  });

  it('refuses a sign-out posted from another site', async () => {
    const browser = newBrowser();
    await signIn(running.app, browser, await account());
    for (const origin of ['https://evil.example', service.url, 'null', null]) {
      const out = await browser.post(`${running.app.url}/logout`, {}, { csrf: null, origin });
      expect(out.status).toBe(403);
    }
    const crossSite = { csrf: null, origin: null, headers: { 'sec-fetch-site': 'same-site' } };
    expect((await browser.post(`${running.app.url}/logout`, {}, crossSite)).status).toBe(403);
    expect(await signedIn(running.app, browser)).toBe(true);
  });

  it('refuses a callback whose state is not the one it sent, and one it did not start', async () => {
    const browser = newBrowser();
    const start = await browser.get(`${running.app.url}/login`);
    const iss = encodeURIComponent(service.url);
    const forged = await browser.get(`${running.app.url}/callback?code=forged&state=forged&iss=${iss}`);
    expect(forged.status).toBe(400);
    expect(visibleText(forged.text)).toContain('Sign-in did not complete');
    expect(start.location).toBeTruthy();
    const unasked = await newBrowser().get(`${running.app.url}/callback?code=forged&state=forged&iss=${iss}`);
    expect(unasked.status).toBe(400);
    expect(await signedIn(running.app, browser)).toBe(false);
  });

  it('refuses back-channel logout tokens not signed by the provider, and ones that are not tokens', async () => {
    const browser = newBrowser();
    const ada = await account();
    await signIn(running.app, browser, ada);
    const foreign = await generateKeyPair('ES256');
    const token = await logoutToken(foreign.privateKey, { aud: running.clientId, sub: ada.user.id });
    for (const body of [
      new URLSearchParams({ logout_token: token }),
      new URLSearchParams({ logout_token: 'not-a-token' }),
      new URLSearchParams({ logout_token: `${token.split('.').slice(0, 2).join('.')}.` }),
      new URLSearchParams(),
    ]) {
      const answer = await postLogout(running.app, body);
      expect(answer.status).toBe(400);
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect(((await answer.json()) as { error: string }).error).toBe('invalid_request');
    }
    expect(await signedIn(running.app, browser)).toBe(true);
  });
});

describe('back-channel logout with a valid token', () => {
  let running: RunningApp;
  let key: CryptoKey;
  beforeAll(async () => {
    // The app's own checks, one by one: the test signs the tokens the provider would, with a key of its own
    // (test/e2e/apps.spec.ts shows the provider's real ones reaching the app).
    const pair = await generateKeyPair('ES256', { extractable: true });
    key = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'test', alg: 'ES256', use: 'sig' };
    running = await startApp({ keys: [jwk] });
  });

  const valid = (sub: string) => ({ aud: running.clientId, sub });

  it('ends every session of the user it names, answers 200 and is not cached', async () => {
    const ada = await account();
    const [first, second, other] = [newBrowser(), newBrowser(), newBrowser()];
    await signIn(running.app, first, ada);
    await signIn(running.app, second, ada);
    await signIn(running.app, other, await account());
    const answer = await postLogout(
      running.app,
      new URLSearchParams({ logout_token: await logoutToken(key, valid(ada.user.id)) }),
    );
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(await signedIn(running.app, first)).toBe(false);
    expect(await signedIn(running.app, second)).toBe(false);
    expect(await signedIn(running.app, other)).toBe(true);
  });

  it('ends only the sessions of the provider session it names, when it names one', async () => {
    const ada = await account();
    const [laptop, phone] = [newBrowser(), newBrowser()];
    await signIn(running.app, laptop, ada);
    await signIn(running.app, phone, ada);
    const unknown = await logoutToken(key, { ...valid(ada.user.id), sid: 'another-provider-session' });
    expect((await postLogout(running.app, new URLSearchParams({ logout_token: unknown }))).status).toBe(200);
    expect(await signedIn(running.app, laptop)).toBe(true);
    // The provider's token names both: the user, and the session the app's ID token came from.
    const token = await logoutToken(key, { ...valid(ada.user.id), sid: await providerSid(running, laptop) });
    expect((await postLogout(running.app, new URLSearchParams({ logout_token: token }))).status).toBe(200);
    expect(await signedIn(running.app, laptop)).toBe(false);
    expect(await signedIn(running.app, phone)).toBe(true);
  });

  const now = () => Math.floor(Date.now() / 1000);
  const refusals: [string, (sub: string) => Record<string, unknown>, Record<string, string>?][] = [
    ['another audience', (sub) => ({ ...valid(sub), aud: 'another-app' })],
    ['another issuer', (sub) => ({ ...valid(sub), iss: 'https://evil.example' })],
    ['no logout event', (sub) => ({ ...valid(sub), events: { 'https://example.com/other': {} } })],
    ['a nonce (an ID token)', (sub) => ({ ...valid(sub), nonce: 'n' })],
    ['neither sid nor sub', () => ({ aud: running.clientId, sub: undefined })],
    ['an iat from ten minutes ago', (sub) => ({ ...valid(sub), iat: now() - 600, exp: now() + 60 })],
    ['an iat in the future', (sub) => ({ ...valid(sub), iat: now() + 600, exp: now() + 700 })],
    ['expired', (sub) => ({ ...valid(sub), iat: now() - 100, exp: now() - 60 })],
    ['no jti', (sub) => ({ ...valid(sub), jti: undefined })],
    ['the typ of an ID token', (sub) => valid(sub), { typ: 'JWT' }],
  ];
  it.each(refusals)('refuses a token with %s (400), and the session lives on', async (_what, claims, header) => {
    const ada = await account();
    const browser = newBrowser();
    await signIn(running.app, browser, ada);
    const token = await logoutToken(key, claims(ada.user.id), header);
    const answer = await postLogout(running.app, new URLSearchParams({ logout_token: token }));
    expect(answer.status).toBe(400);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(await signedIn(running.app, browser)).toBe(true);
  });

  it('refuses a token it has already accepted', async () => {
    const token = await logoutToken(key, valid((await account()).user.id));
    expect((await postLogout(running.app, new URLSearchParams({ logout_token: token }))).status).toBe(200);
    expect((await postLogout(running.app, new URLSearchParams({ logout_token: token }))).status).toBe(400);
  });
});

/** A logout token as the provider makes one (oidc-provider's Client#backchannelLogout); `undefined` drops a claim. */
async function logoutToken(key: CryptoKey, claims: Record<string, unknown>, header: Record<string, string> = {}) {
  const iat = Math.floor(Date.now() / 1000);
  const payload = { iss: service.url, iat, exp: iat + 120, jti: randomUUID(), events: { [EVENT]: {} }, ...claims };
  return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', typ: 'logout+jwt', kid: 'test', ...header }).sign(key);
}

/**
 * The sid the provider gave the app for this browser's session there (one per session and client): the test
 * asks as the app would, single sign-on answers, and the test redeems the code itself.
 */
async function providerSid(running: RunningApp, browser: TestBrowser): Promise<string> {
  const { clientId, clientSecret } = running;
  const config = await oidc.discovery(
    new URL(service.url),
    clientId,
    clientSecret,
    oidc.ClientSecretBasic(clientSecret),
    {
      execute: [oidc.allowInsecureRequests],
    },
  );
  const pkceCodeVerifier = oidc.randomPKCECodeVerifier();
  const expectedState = oidc.randomState();
  const authorization = oidc.buildAuthorizationUrl(config, {
    redirect_uri: `${running.app.url}/callback`,
    scope: 'openid',
    code_challenge: await oidc.calculatePKCECodeChallenge(pkceCodeVerifier),
    code_challenge_method: 'S256',
    state: expectedState,
  });
  const page = await follow(browser, authorization);
  const tokens = await oidc.authorizationCodeGrant(config, new URL(page.location!), {
    pkceCodeVerifier,
    expectedState,
  });
  return String(tokens.claims()!.sid);
}

function postLogout(app: DemoApp, body: URLSearchParams): Promise<Response> {
  return fetch(`${app.url}/backchannel-logout`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
}
