// The service as an OpenID Connect provider, as an app's back end sees it through openid-client: discovery,
// the authorization code flow with PKCE, the ID token's claims, userinfo, single sign-on.
import * as oidc from 'openid-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CALLBACK, newUser, redeem, registerApp, signInThroughApp } from '../../test/support/apps.ts';
import { TestBrowser } from '../../test/support/browser.ts';
import { startService, type TestService } from '../../test/support/service.ts';
import { password } from '../../test/support/web.ts';

let service: TestService;
beforeEach(async () => {
  service = await startService({}, { clockStart: Date.now() });
});
afterEach(() => service.close());

describe('discovery', () => {
  it('publishes the issuer, the endpoints and what the provider allows: code with S256 only', async () => {
    const response = await fetch(`${service.url}/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    const metadata = (await response.json()) as Record<string, unknown>;
    expect(metadata.issuer).toBe(service.url);
    expect(metadata.authorization_endpoint).toBe(`${service.url}/oidc/auth`);
    expect(metadata.token_endpoint).toBe(`${service.url}/oidc/token`);
    expect(metadata.userinfo_endpoint).toBe(`${service.url}/oidc/me`);
    expect(metadata.jwks_uri).toBe(`${service.url}/oidc/jwks`);
    expect(metadata.revocation_endpoint).toBe(`${service.url}/oidc/token/revocation`);
    expect(metadata.introspection_endpoint).toBe(`${service.url}/oidc/token/introspection`);
    expect(metadata.end_session_endpoint).toBe(`${service.url}/oidc/session/end`);
    expect(metadata.response_types_supported).toEqual(['code']);
    expect(metadata.grant_types_supported).toEqual(['authorization_code', 'refresh_token']);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.id_token_signing_alg_values_supported).toEqual(['ES256']);
    expect(metadata.authorization_response_iss_parameter_supported).toBe(true);
    expect(metadata.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', 'email', 'offline_access']));
    expect(metadata.backchannel_logout_supported).toBe(true);
    expect(metadata).not.toHaveProperty('registration_endpoint');
    expect(metadata).not.toHaveProperty('pushed_authorization_request_endpoint');
  });

  it('publishes the public half of one signing key, and the same one on every read', async () => {
    const first = (await (await fetch(`${service.url}/oidc/jwks`)).json()) as { keys: Record<string, string>[] };
    expect(first.keys).toHaveLength(1);
    expect(first.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(first.keys[0]).not.toHaveProperty('d');
    const again = (await (await fetch(`${service.url}/oidc/jwks`)).json()) as { keys: unknown[] };
    expect(again).toEqual(first);
  });
});

describe('the authorization code flow', () => {
  it('signs a user in through the log-in page and gives the app an ID token saying who, when and how', async () => {
    const app = await registerApp(service);
    const ada = await newUser(service);
    const browser = new TestBrowser(service.url);
    const flow = await signInThroughApp(app, browser, ada);
    expect(flow.callback.searchParams.get('iss')).toBe(service.url);
    expect(flow.callback.searchParams.get('state')).toBe(flow.request.state);
    const tokens = await redeem(app, flow);
    const claims = tokens.claims()!;
    expect(claims.sub).toBe(ada.user.id);
    expect(claims.iss).toBe(service.url);
    expect(claims.aud).toBe(app.clientId);
    expect(claims.amr).toEqual(['pwd']);
    expect(typeof claims.auth_time).toBe('number');
    expect(Math.abs((claims.auth_time as number) - Date.now() / 1000)).toBeLessThan(60);
    expect(tokens.refresh_token).toBeUndefined();
    const info = await oidc.fetchUserInfo(app.config, tokens.access_token, ada.user.id);
    expect(info).toEqual({
      sub: ada.user.id,
      name: 'Ada Lovelace',
      locale: 'en',
      email: ada.email,
      email_verified: false,
    });
  });

  it('does not ask a user signed in here again: single sign-on', async () => {
    const app = await registerApp(service);
    const ada = await newUser(service);
    const browser = new TestBrowser(service.url);
    expect((await browser.signIn(ada.email, password)).status).toBe(303);
    const flow = await signInThroughApp(app, browser, { email: 'nobody@example.com', password: 'wrong' });
    const tokens = await redeem(app, flow);
    expect(tokens.claims()!.sub).toBe(ada.user.id);
    // And the provider's sign-in left the user signed in here, with the same session.
    expect((await browser.get('/settings/profile')).status).toBe(200);
  });

  it('sends the code to the registered redirect URI only', async () => {
    const app = await registerApp(service);
    const ada = await newUser(service);
    const flow = await signInThroughApp(app, new TestBrowser(service.url), ada);
    expect(`${flow.callback.origin}${flow.callback.pathname}`).toBe(CALLBACK);
  });
});
