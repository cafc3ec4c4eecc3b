// Every malformed or hostile authorization request gets the RFC's error at the app's redirect URI, or, where
// no redirect is safe, a page in the user's language; never a 5xx, never a redirect elsewhere (SECURITY 70,
// 71, 73, 80). And the prompts the app may ask for: prompt=login, max_age, ui_locales.
import * as oidc from 'openid-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  authorizationRequest,
  CALLBACK,
  follow,
  newUser,
  redeem,
  registerApp,
  signInThroughApp,
  type TestApp,
} from '../../test/support/apps.ts';
import { TestBrowser, visibleText } from '../../test/support/browser.ts';
import { startService, type TestService } from '../../test/support/service.ts';
import { password } from '../../test/support/web.ts';

let service: TestService;
let app: TestApp;
let ada: { email: string; password: string; id: string };
beforeEach(async () => {
  service = await startService({}, { clockStart: Date.now() });
  app = await registerApp(service);
  ada = await newUser(service);
});
afterEach(() => service.close());

/** The authorization endpoint with exactly these parameters, from a browser signed in here. */
async function authorize(parameters: Record<string, string>, browser?: TestBrowser) {
  const signedIn = browser ?? new TestBrowser(service.url);
  if (!browser) await signedIn.signIn(ada.email, password);
  return follow(signedIn, `/oidc/auth?${new URLSearchParams(parameters)}`);
}

async function valid(extra: Record<string, string> = {}) {
  const request = await authorizationRequest(app, extra);
  return Object.fromEntries(request.url.searchParams);
}

/** The error the app received at its redirect URI. */
function errorAtCallback(page: { location?: string }) {
  expect(page.location).toMatch(/^http:\/\/127\.0\.0\.1:9\/callback\?/);
  const url = new URL(page.location!);
  expect(url.searchParams.get('iss')).toBe(service.url);
  return url.searchParams.get('error');
}

describe('requests no redirect can answer: a page, in the user’s language', () => {
  it('an unknown client_id', async () => {
    const page = await authorize({ ...(await valid()), client_id: 'nobody' });
    expect(page.status).toBe(400);
    expect(page.location).toBeUndefined();
    expect(visibleText(page.text)).toContain('The app’s request cannot be completed');
  });

  it('a redirect_uri the client did not register, or one that differs by a character', async () => {
    for (const redirect of [
      'https://attacker.example/callback',
      `${CALLBACK}/`,
      `${CALLBACK}?x=1`,
      'http://127.0.0.1:9/Callback',
    ]) {
      const page = await authorize({ ...(await valid()), redirect_uri: redirect });
      expect(page.status, redirect).toBe(400);
      expect(page.location, redirect).toBeUndefined();
      // Named only in the language switch's way back to this very page: no link or form leads there.
      expect(page.text).not.toMatch(/(href|action)="https:\/\/attacker/);
    }
  });

  it('in French for a French browser, and for ui_locales=fr', async () => {
    const browser = new TestBrowser(service.url, { 'accept-language': 'fr-FR,fr;q=0.9' });
    const page = await follow(
      browser,
      `/oidc/auth?${new URLSearchParams({ ...(await valid()), client_id: 'nobody' })}`,
    );
    expect(visibleText(page.text)).toContain('La demande de l’application ne peut pas aboutir');
    const asked = await follow(
      new TestBrowser(service.url),
      `/oidc/auth?${new URLSearchParams({ ...(await valid()), client_id: 'nobody', ui_locales: 'fr-CA en' })}`,
    );
    expect(asked.text).toContain('lang="fr"');
  });

  it('with our security headers and no cache', async () => {
    const page = await authorize({ ...(await valid()), client_id: 'nobody' });
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('cache-control')).toContain('no-store');
  });
});

describe('requests answered at the registered redirect URI', () => {
  it('no PKCE, or PKCE with plain: invalid_request', async () => {
    const without = await valid();
    delete without.code_challenge;
    delete without.code_challenge_method;
    expect(errorAtCallback(await authorize(without))).toBe('invalid_request');
    const plain = { ...(await valid()), code_challenge_method: 'plain' };
    expect(errorAtCallback(await authorize(plain))).toBe('invalid_request');
  });

  it('implicit and hybrid response types: unsupported_response_type', async () => {
    for (const type of ['token', 'id_token', 'code id_token', 'code token']) {
      const page = await authorize({ ...(await valid()), response_type: type });
      expect(page.status, type).toBeLessThan(500);
      expect(page.location ?? '', type).toMatch(/^http:\/\/127\.0\.0\.1:9\/callback[?#]/);
      expect(page.location, type).toMatch(/error=(unsupported_response_type|invalid_request)/);
      expect(page.location, type).not.toMatch(/access_token|id_token=/);
    }
  });

  it('without openid: invalid_scope is not a sign-in', async () => {
    const page = await authorize({ ...(await valid()), scope: 'profile' });
    expect(errorAtCallback(page)).toMatch(/invalid_request|invalid_scope/);
  });

  it('the state comes back as sent, and the nonce in the ID token', async () => {
    const flow = await signInThroughApp(app, new TestBrowser(service.url), ada, { state: 'state-Ω-1' });
    expect(flow.callback.searchParams.get('state')).toBe('state-Ω-1');
    flow.request.state = 'state-Ω-1';
    expect((await redeem(app, flow)).claims()!.nonce).toBe(flow.request.nonce);
  });

  it('response_mode=form_post posts the code to the app, with its script and its target allowed by the CSP only', async () => {
    const page = await authorize(await valid({ response_mode: 'form_post' }));
    expect(page.status).toBe(200);
    expect(page.text).toContain(`action="${CALLBACK}"`);
    expect(page.text).toContain('name="code"');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).toContain("form-action 'self' http://127.0.0.1:9");
    expect(csp).not.toContain('unsafe-inline');
  });

  it('a user who refuses consent sends the app access_denied', async () => {
    const thirdParty = await registerApp(service, { name: 'Partner CRM', firstParty: false });
    const browser = new TestBrowser(service.url);
    await browser.signIn(ada.email, password);
    const request = await authorizationRequest(thirdParty);
    const consent = await follow(browser, request.url);
    expect(consent.status).toBe(200);
    const uid = /action="\/interaction\/([^/]+)\/deny"/.exec(consent.text)?.[1];
    const denied = await browser.post(`/interaction/${uid}/deny`, {});
    expect(denied.status).toBe(303);
    expect(errorAtCallback(await follow(browser, denied.location!))).toBe('access_denied');
  });
});

describe('the token endpoint', () => {
  const basic = () => `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`;
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${service.url}/oidc/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(), ...headers },
      body,
    });

  it('answers each malformed request with its RFC 6749 error, never a 5xx', async () => {
    const cases: [string, string][] = [
      ['grant_type=password&username=a&password=b', 'unsupported_grant_type'],
      ['grant_type=client_credentials', 'unsupported_grant_type'],
      ['grant_type=implicit', 'unsupported_grant_type'],
      ['', 'invalid_request'],
      ['grant_type=authorization_code', 'invalid_request'],
      [`grant_type=authorization_code&code=x&redirect_uri=${encodeURIComponent(CALLBACK)}`, 'invalid_grant'],
      ['grant_type=refresh_token&refresh_token=nope', 'invalid_grant'],
      ['grant_type=authorization_code&grant_type=authorization_code&code=x', 'invalid_request'],
    ];
    for (const [body, error] of cases) {
      const response = await post(body);
      expect(response.status, body).toBeGreaterThanOrEqual(400);
      expect(response.status, body).toBeLessThan(500);
      expect(((await response.json()) as { error: string }).error, body).toBe(error);
    }
  });

  it('refuses an unknown client, a missing one, and garbage in the header, with invalid_client or invalid_request', async () => {
    const unknown = `Basic ${Buffer.from('nobody:secret').toString('base64')}`;
    const badEscape = `Basic ${Buffer.from('%E0%A4%A:x').toString('base64')}`;
    for (const authorization of [unknown, badEscape, 'Basic !!!', 'Bearer x', `Basic ${'A'.repeat(5000)}`]) {
      const response = await post('grant_type=refresh_token&refresh_token=x', { authorization });
      expect(response.status, authorization.slice(0, 20)).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    }
  });

  it('a body that is not a form, or too large, is refused without a 5xx', async () => {
    for (const [type, body] of [
      ['application/json', '{"grant_type":"refresh_token"}'],
      ['application/x-www-form-urlencoded', `grant_type=refresh_token&refresh_token=${'x'.repeat(200_000)}`],
      ['application/x-www-form-urlencoded', '%E0%A4%A'],
    ] as const) {
      const response = await post(body, { 'content-type': type });
      expect(response.status, type).toBeGreaterThanOrEqual(400);
      expect(response.status, type).toBeLessThan(500);
    }
  });
});

describe('prompts', () => {
  it('prompt=login asks a signed-in user for the password again', async () => {
    const browser = new TestBrowser(service.url);
    await browser.signIn(ada.email, password);
    const page = await authorize(await valid({ prompt: 'login' }), browser);
    expect(page.status).toBe(200);
    expect(page.text).toContain('name="password"');
  });

  it('max_age older than the session asks again; a younger one does not', async () => {
    const browser = new TestBrowser(service.url);
    await browser.signIn(ada.email, password);
    service.clock.advance(120_000);
    const old = await authorize(await valid({ max_age: '60' }), browser);
    expect(old.text).toContain('name="password"');
    const young = await signInThroughApp(app, browser, ada, { max_age: '3600' });
    expect(young.callback.searchParams.get('code')).toBeTruthy();
  });

  it('after a fresh sign-in, auth_time is the moment of that sign-in', async () => {
    const browser = new TestBrowser(service.url);
    const before = Math.floor(Date.now() / 1000);
    const flow = await signInThroughApp(app, browser, ada, { prompt: 'login' });
    const claims = (await redeem(app, flow)).claims()!;
    expect(claims.auth_time).toBeGreaterThanOrEqual(before - 1);
  });

  it('the log-in page speaks the language of ui_locales, and names the app', async () => {
    const page = await follow(
      new TestBrowser(service.url),
      (await authorizationRequest(app, { ui_locales: 'fr' })).url,
    );
    expect(page.text).toContain('lang="fr"');
    expect(visibleText(page.text)).toContain('Connectez-vous pour continuer vers Sales Connect.');
  });

  it('a wrong password on the app’s log-in page is refused like on ours, and throttled the same way', async () => {
    const browser = new TestBrowser(service.url);
    const page = await follow(browser, (await authorizationRequest(app)).url);
    const action = /action="(\/interaction\/[^"]+\/login)"/.exec(page.text)![1]!;
    const refused = await browser.post(action, { email: ada.email, password: 'Wrong-Password-1' });
    expect(refused.status).toBe(401);
    expect(visibleText(refused.text)).toContain('The email address or password is incorrect.');
    expect(refused.text).toContain(`action="${action}"`);
  });

  it('an interaction that expired, or another browser’s, shows the expired page', async () => {
    const browser = new TestBrowser(service.url);
    const page = await follow(browser, (await authorizationRequest(app)).url);
    const uid = /action="\/interaction\/([^/]+)\/login"/.exec(page.text)![1]!;
    const stranger = await new TestBrowser(service.url).get(`/interaction/${uid}`);
    expect(stranger.status).toBe(400);
    expect(visibleText(stranger.text)).toContain('This sign-in has expired');
    service.clock.advance(31 * 60_000);
    expect((await browser.get(`/interaction/${uid}`)).status).toBe(400);
  });

  it('lets the log-in and consent forms end at the app’s registered redirect URI, and nowhere else', async () => {
    const formAction = (page: { headers: Headers }) =>
      /form-action ([^;]*)/.exec(page.headers.get('content-security-policy') ?? '')?.[1];
    const browser = new TestBrowser(service.url);
    const login = await follow(browser, (await authorizationRequest(app)).url);
    expect(formAction(login)).toBe("'self' http://127.0.0.1:9");
    const action = /action="(\/interaction\/[^"]+\/login)"/.exec(login.text)![1]!;
    const refused = await browser.post(action, { email: ada.email, password: 'Wrong-Password-1' });
    expect(formAction(refused)).toBe("'self' http://127.0.0.1:9");
    expect(formAction(await new TestBrowser(service.url).get('/login'))).toBe("'self'");
    const thirdParty = await registerApp(service, {
      name: 'Partner',
      firstParty: false,
      redirectUris: ['https://partner.example/cb'],
    });
    await browser.signIn(ada.email, password);
    const consent = await follow(
      browser,
      (await authorizationRequest(thirdParty, { redirect_uri: 'https://partner.example/cb' })).url,
    );
    expect(consent.text).toContain('/consent"');
    expect(formAction(consent)).toBe("'self' https://partner.example");
  });

  it('the interaction form refuses a post without our CSRF token', async () => {
    const browser = new TestBrowser(service.url);
    const page = await follow(browser, (await authorizationRequest(app)).url);
    const action = /action="(\/interaction\/[^"]+\/login)"/.exec(page.text)![1]!;
    const forged = await browser.post(action, { email: ada.email, password }, { csrf: null });
    expect(forged.status).toBe(403);
  });
});

it('a refresh for an openid-client configured from discovery works end to end (sanity of the RP)', async () => {
  const flow = await signInThroughApp(app, new TestBrowser(service.url), ada);
  expect((await redeem(app, flow)).token_type.toLowerCase()).toBe('bearer');
  expect(oidc.skipSubjectCheck).toBeDefined();
});
