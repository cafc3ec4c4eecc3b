// Consent: an app that is not the company's own asks the user first, on a page that lists what it will see;
// the consent is remembered, listed under Settings → Security → Connected apps, and revocable there.
import * as oidc from 'openid-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  authorizationRequest,
  follow,
  newUser,
  redeem,
  registerApp,
  signInThroughApp,
  type TestApp,
  uniqueEmail,
} from '../../test/support/apps.ts';
import { TestBrowser, visibleText } from '../../test/support/browser.ts';
import { startService, type TestService } from '../../test/support/service.ts';
import { password } from '../../test/support/web.ts';

let service: TestService;
let partner: TestApp;
let ada: { email: string; password: string; id: string };
let browser: TestBrowser;
beforeEach(async () => {
  service = await startService({}, { clockStart: Date.now() });
  partner = await registerApp(service, { name: 'Partner CRM', firstParty: false });
  ada = await newUser(service);
  browser = new TestBrowser(service.url);
  await browser.signIn(ada.email, password);
});
afterEach(() => service.close());

async function consentPage(parameters: Record<string, string> = {}) {
  const request = await authorizationRequest(partner, { scope: 'openid profile email', ...parameters });
  const page = await follow(browser, request.url);
  return { request, page, uid: /action="\/interaction\/([^/]+)\/consent"/.exec(page.text)?.[1] };
}

async function allow(uid: string) {
  const allowed = await browser.post(`/interaction/${uid}/consent`, {});
  expect(allowed.status).toBe(303);
  return follow(browser, allowed.location!);
}

describe('the consent page', () => {
  it('names the app and what it will see, in the user’s language', async () => {
    const { page, uid } = await consentPage();
    expect(page.status).toBe(200);
    expect(uid).toBeTruthy();
    const text = visibleText(page.text);
    expect(text).toContain('Allow Partner CRM to use your account?');
    expect(text).toContain(ada.email);
    expect(text).toContain('Your name and language');
    expect(text).toContain('Your email address, and whether it is verified');
    expect(text).not.toContain('This access even when you are away');
    // SECURITY 79: it cannot be framed (clickjacking the Allow button), and its forms carry our CSRF token.
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.text).toMatch(/action="\/interaction\/[^"]+\/consent"><input type="hidden" name="_csrf" value="[^"]+"/);
    await service.deps.db.updateTable('users').set({ locale: 'fr' }).where('id', '=', ada.id).execute();
    const french = visibleText((await consentPage()).page.text);
    expect(french).toContain('Autoriser Partner CRM à utiliser votre compte\u00a0?');
  });

  it('allowing gives the app its code; the next sign-in does not ask again', async () => {
    const { request, uid } = await consentPage();
    const back = await allow(uid!);
    const callback = new URL(back.location!);
    const tokens = await redeem(partner, { request, callback });
    expect((await oidc.fetchUserInfo(partner.config, tokens.access_token, ada.id)).email).toBe(ada.email);
    // A new browser session, the same consent: straight back to the app.
    await browser.post('/logout', {}, { csrf: (await browser.get('/settings/profile')).csrf });
    const again = await signInThroughApp(partner, browser, ada, { scope: 'openid profile email' });
    expect(again.callback.searchParams.get('code')).toBeTruthy();
  });

  it('asks again for what was not granted before', async () => {
    const { uid } = await consentPage({ scope: 'openid profile' });
    await allow(uid!);
    const { page } = await consentPage({ scope: 'openid profile email' });
    expect(visibleText(page.text)).toContain('Your email address');
  });

  it('refuses the consent post without our CSRF token, or for another signed-in account', async () => {
    const { uid } = await consentPage();
    expect((await browser.post(`/interaction/${uid}/consent`, {}, { csrf: null })).status).toBe(403);
    const eve = uniqueEmail();
    await service.addUser({ email: eve, password });
    await browser.signIn(eve, password);
    await browser.get('/settings/profile');
    const hijack = await browser.post(`/interaction/${uid}/consent`, {});
    // Eve signing in here ended what Ada's session held, the provider's sign-in with it: nothing to consent to.
    expect(hijack.status).toBe(400);
    expect(visibleText(hijack.text)).toContain('This sign-in has expired');
  });
});

describe('Settings → Security → Connected apps', () => {
  it('lists the apps the user let in, and revoking one ends its tokens and forgets the consent', async () => {
    const security = async () => visibleText((await browser.get('/settings/security')).text);
    expect(await security()).toContain('No app has access to your account.');
    const { request, uid } = await consentPage({ scope: 'openid profile email offline_access', prompt: 'consent' });
    const tokens = await redeem(partner, { request, callback: new URL((await allow(uid!)).location!) });
    const text = await security();
    expect(text).toContain('Connected apps');
    expect(text).toContain('Partner CRM');
    expect(text).toContain('Sees: your profile (name, language), your email address, and access while you are away');
    const page = await browser.get('/settings/security');
    const client = /name="client" value="([^"]+)"/.exec(page.text)![1]!;
    expect(client).toBe(partner.clientId);
    const revoked = await browser.post('/settings/security/apps/revoke', { client });
    expect(revoked.location).toBe('/settings/security?notice=app-revoked');
    expect(visibleText((await browser.get(revoked.location!)).text)).toContain(
      'That app can no longer use your account',
    );
    await expect(oidc.refreshTokenGrant(partner.config, tokens.refresh_token!)).rejects.toThrow();
    expect(await security()).toContain('No app has access to your account.');
    expect(await security()).toContain('Access of an app revoked');
    expect((await consentPage()).uid).toBeTruthy();
  });

  it('cannot revoke another account’s app, whatever id is sent', async () => {
    const { uid } = await consentPage();
    await allow(uid!);
    const eve = uniqueEmail();
    await service.addUser({ email: eve, password });
    const other = new TestBrowser(service.url);
    await other.signIn(eve, password);
    await other.get('/settings/security');
    const attempt = await other.post('/settings/security/apps/revoke', { client: partner.clientId });
    expect(attempt.location).toBe('/settings/security?notice=app-not-found');
    expect(visibleText((await browser.get('/settings/security')).text)).toContain('Partner CRM');
  });
});
