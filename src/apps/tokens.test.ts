// What an app holds after the sign-in, and what ends it: the code once, refresh tokens that rotate and
// betray their reuse, revocation, introspection (SECURITY 72, 74, 76, 78).
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
import { TestBrowser } from '../../test/support/browser.ts';
import { startService, type TestService } from '../../test/support/service.ts';

let service: TestService;
let app: TestApp;
let ada: { email: string; password: string; id: string };
beforeEach(async () => {
  service = await startService({}, { clockStart: Date.now() });
  app = await registerApp(service);
  ada = await newUser(service);
});
afterEach(() => service.close());

/** The OAuth error code of a refused openid-client call. */
async function oauthError(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    const e = error as { error?: string; cause?: { error?: string } | { parameters?: { error?: string } }[] };
    const cause = Array.isArray(e.cause) ? e.cause[0]?.parameters?.error : (e.cause as { error?: string })?.error;
    return e.error ?? cause ?? String(error);
  }
  throw new Error('the call succeeded');
}

/** A raw token request, as an attacker would send it. */
function tokenRequest(fields: Record<string, string>, client: TestApp = app) {
  const basic = Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64');
  return fetch(`${service.url}/oidc/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` },
    body: new URLSearchParams(fields),
  });
}

const offline = { scope: 'openid profile email offline_access', prompt: 'consent' };

describe('the code', () => {
  it('is redeemed once: a second redemption is refused and revokes what the first one issued', async () => {
    const flow = await signInThroughApp(app, new TestBrowser(service.url), ada, offline);
    const tokens = await redeem(app, flow);
    const code = flow.callback.searchParams.get('code')!;
    const replay = await tokenRequest({
      grant_type: 'authorization_code',
      code,
      redirect_uri: CALLBACK,
      code_verifier: flow.request.verifier,
    });
    expect(replay.status).toBe(400);
    expect(((await replay.json()) as { error: string }).error).toBe('invalid_grant');
    // RFC 9700 §4.2.4: the tokens of the first redemption die with the replay.
    expect(await oauthError(oidc.fetchUserInfo(app.config, tokens.access_token, ada.id))).toBe('invalid_token');
    expect(await oauthError(oidc.refreshTokenGrant(app.config, tokens.refresh_token!))).toBe('invalid_grant');
  });

  it('is refused without its PKCE verifier, or with another one (no downgrade)', async () => {
    const flow = await signInThroughApp(app, new TestBrowser(service.url), ada);
    const code = flow.callback.searchParams.get('code')!;
    const without = await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK });
    expect(without.status).toBe(400);
    expect(((await without.json()) as { error: string }).error).toBe('invalid_grant');
    const other = await tokenRequest({
      grant_type: 'authorization_code',
      code,
      redirect_uri: CALLBACK,
      code_verifier: oidc.randomPKCECodeVerifier(),
    });
    expect(((await other.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('is refused to another client, even one with the same redirect URI', async () => {
    const other = await registerApp(service, { name: 'Other' });
    const flow = await signInThroughApp(app, new TestBrowser(service.url), ada);
    const stolen = await tokenRequest(
      {
        grant_type: 'authorization_code',
        code: flow.callback.searchParams.get('code')!,
        redirect_uri: CALLBACK,
        code_verifier: flow.request.verifier,
      },
      other,
    );
    expect(stolen.status).toBe(400);
    expect(((await stolen.json()) as { error: string }).error).toBe('invalid_grant');
  });

  it('expires a minute after it was issued', async () => {
    const flow = await signInThroughApp(app, new TestBrowser(service.url), ada);
    service.clock.advance(61_000);
    expect(await oauthError(redeem(app, flow))).toBe('invalid_grant');
  });

  it('is only stored as a digest, and the database holds no token an app was given', async () => {
    const flow = await signInThroughApp(app, new TestBrowser(service.url), ada, offline);
    const tokens = await redeem(app, flow);
    const rows = await service.deps.db.selectFrom('oidc_payloads').selectAll().execute();
    const dump = JSON.stringify(rows);
    for (const secret of [flow.callback.searchParams.get('code')!, tokens.access_token, tokens.refresh_token!]) {
      expect(dump).not.toContain(secret);
    }
    expect(dump).not.toContain(app.clientSecret!);
  });

  it('keeps no cookie value of the provider’s in the database, not even in an interaction under way', async () => {
    const browser = new TestBrowser(service.url);
    await signInThroughApp(app, browser, ada);
    await follow(browser, (await authorizationRequest(app, { prompt: 'login' })).url);
    const rows = await service.deps.db.selectFrom('oidc_payloads').selectAll().execute();
    expect(rows.map((row) => row.model)).toContain('Interaction');
    const dump = JSON.stringify(rows);
    const values = [...browser.cookies].filter(([name]) => name.startsWith('app-')).map(([, value]) => value);
    expect(values.length).toBeGreaterThan(0);
    for (const value of values) expect(dump).not.toContain(value);
  });
});

it('writes no code, token, client secret or key into the log (SECURITY 77, 84)', async () => {
  const flow = await signInThroughApp(app, new TestBrowser(service.url), ada, offline);
  const tokens = await redeem(app, flow);
  await oidc.refreshTokenGrant(app.config, tokens.refresh_token!);
  await tokenRequest({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token! });
  await tokenRequest({ grant_type: 'refresh_token', refresh_token: 'x' }, { ...app, clientSecret: 'wrong-secret' });
  const log = service.logs.join('\n');
  expect(log).toContain('app-refused');
  const keys = await service.deps.db.selectFrom('provider_keys').select('secret').execute();
  const secrets = [
    flow.callback.searchParams.get('code')!,
    tokens.access_token,
    tokens.refresh_token!,
    tokens.id_token!,
    app.clientSecret!,
    'wrong-secret',
    ...keys.map((key) => (key.secret.startsWith('{') ? (JSON.parse(key.secret) as { d: string }).d : key.secret)),
  ];
  for (const secret of secrets) expect(log).not.toContain(secret);
});

describe('refresh tokens', () => {
  it('are given only for offline_access asked with prompt=consent', async () => {
    const flow = await signInThroughApp(app, new TestBrowser(service.url), ada, { scope: 'openid offline_access' });
    expect((await redeem(app, flow)).refresh_token).toBeUndefined();
  });

  it('rotate: each refresh gives a new one, and the access token it gives works', async () => {
    const tokens = await redeem(app, await signInThroughApp(app, new TestBrowser(service.url), ada, offline));
    const refreshed = await oidc.refreshTokenGrant(app.config, tokens.refresh_token!);
    expect(refreshed.refresh_token).toBeDefined();
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect((await oidc.fetchUserInfo(app.config, refreshed.access_token, ada.id)).sub).toBe(ada.id);
    expect(refreshed.claims()!.sub).toBe(ada.id);
  });

  it('betray their reuse: a refresh token used twice ends the whole grant (RFC 9700 §4.14.2)', async () => {
    const tokens = await redeem(app, await signInThroughApp(app, new TestBrowser(service.url), ada, offline));
    const refreshed = await oidc.refreshTokenGrant(app.config, tokens.refresh_token!);
    expect(await oauthError(oidc.refreshTokenGrant(app.config, tokens.refresh_token!))).toBe('invalid_grant');
    // The thief's replay ended the legitimate app's tokens too: both must sign in again.
    expect(await oauthError(oidc.refreshTokenGrant(app.config, refreshed.refresh_token!))).toBe('invalid_grant');
    expect(await oauthError(oidc.fetchUserInfo(app.config, refreshed.access_token, ada.id))).toBe('invalid_token');
  });

  it('of parallel refreshes with one token, at most one succeeds: the others count as its reuse', async () => {
    const tokens = await redeem(app, await signInThroughApp(app, new TestBrowser(service.url), ada, offline));
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => oidc.refreshTokenGrant(app.config, tokens.refresh_token!)),
    );
    expect(results.filter((result) => result.status === 'fulfilled').length).toBeLessThanOrEqual(1);
  });

  it('stop working for a disabled account', async () => {
    const tokens = await redeem(app, await signInThroughApp(app, new TestBrowser(service.url), ada, offline));
    await service.deps.db.updateTable('users').set({ disabled_at: Date.now() }).where('id', '=', ada.id).execute();
    expect(await oauthError(oidc.refreshTokenGrant(app.config, tokens.refresh_token!))).toBe('invalid_grant');
    expect(await oauthError(oidc.fetchUserInfo(app.config, tokens.access_token, ada.id))).toBe('invalid_token');
  });
});

describe('revocation and introspection', () => {
  it('revoking the refresh token ends the grant', async () => {
    const tokens = await redeem(app, await signInThroughApp(app, new TestBrowser(service.url), ada, offline));
    await oidc.tokenRevocation(app.config, tokens.refresh_token!);
    expect(await oauthError(oidc.refreshTokenGrant(app.config, tokens.refresh_token!))).toBe('invalid_grant');
  });

  it('introspection says active for a live token, and to its own client only', async () => {
    const tokens = await redeem(app, await signInThroughApp(app, new TestBrowser(service.url), ada));
    const introspected = await oidc.tokenIntrospection(app.config, tokens.access_token);
    expect(introspected).toMatchObject({ active: true, sub: ada.id, client_id: app.clientId });
    const other = await registerApp(service, { name: 'Other' });
    expect((await oidc.tokenIntrospection(other.config, tokens.access_token)).active).toBe(false);
    await oidc.tokenRevocation(app.config, tokens.access_token);
    expect((await oidc.tokenIntrospection(app.config, tokens.access_token)).active).toBe(false);
  });

  it('another client cannot revoke a token it was not given', async () => {
    const tokens = await redeem(app, await signInThroughApp(app, new TestBrowser(service.url), ada));
    const other = await registerApp(service, { name: 'Other' });
    await oidc.tokenRevocation(other.config, tokens.access_token).catch(() => undefined);
    expect((await oidc.tokenIntrospection(app.config, tokens.access_token)).active).toBe(true);
  });
});

describe('client authentication', () => {
  it('throttles the token endpoint whatever the spelling of its path', async () => {
    const basic = `Basic ${Buffer.from(`${app.clientId}:not-the-secret`).toString('base64')}`;
    const at = (path: string) =>
      fetch(`${service.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
        body: 'grant_type=refresh_token&refresh_token=x',
      });
    const paths = ['/oidc/Token', '/oidc/token/', '/oidc/TOKEN/introspection', '/oidc/token/revocation/'];
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 12; attempt += 1) statuses.push((await at(paths[attempt % paths.length]!)).status);
    expect(statuses.slice(0, 10).every((status) => status === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });

  it('does not let an outsider lock an app out by making it redeem junk codes', async () => {
    for (let attempt = 0; attempt < 25; attempt += 1) {
      const junk = await tokenRequest({
        grant_type: 'authorization_code',
        code: `junk-${attempt}`,
        redirect_uri: CALLBACK,
        code_verifier: oidc.randomPKCECodeVerifier(),
      });
      expect(junk.status).toBe(400);
    }
    const tokens = await redeem(app, await signInThroughApp(app, new TestBrowser(service.url), ada));
    expect(tokens.access_token).toBeTruthy();
  });

  it('refuses a wrong secret with invalid_client, and a flood of them with 429', async () => {
    const wrong = { ...app, clientSecret: 'not-the-secret' };
    const first = await tokenRequest({ grant_type: 'refresh_token', refresh_token: 'x' }, wrong);
    expect(first.status).toBe(401);
    expect(((await first.json()) as { error: string }).error).toBe('invalid_client');
    let last = first;
    for (let attempt = 0; attempt < 12; attempt += 1) {
      last = await tokenRequest({ grant_type: 'refresh_token', refresh_token: 'x' }, wrong);
    }
    expect(last.status).toBe(429);
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await last.json()) as { error: string }).error).toBe('temporarily_unavailable');
  });
});
