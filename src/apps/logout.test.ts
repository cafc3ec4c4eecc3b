// What ends an app's sign-in, and how the app hears of it: the service's security events end the grants
// they concern and send the apps that asked for it a Back-Channel Logout token through the outbox
// (SECURITY 75); RP-initiated logout ends the session here too, after a confirmation unless the app proves
// with an id_token_hint that the request is its own.
import { createServer, type Server } from 'node:http';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AFTER_LOGOUT,
  follow,
  newUser,
  redeem,
  registerApp,
  signInThroughApp,
  type TestApp,
  uniqueEmail,
} from '../../test/support/apps.ts';
import { TestBrowser, visibleText } from '../../test/support/browser.ts';
import { freePort, startService, type TestService } from '../../test/support/service.ts';
import { newestResetEmail, resetLinkOf } from '../../test/support/smtp.ts';
import { otherPassword, password } from '../../test/support/web.ts';
import { disableUser, revokeAllSessions } from '../flows/administer.ts';

/** An app's back-channel logout endpoint: what it received, and the answer it gives. */
interface Receiver {
  url: string;
  tokens: string[];
  status: number;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const port = await freePort();
  const receiver: Receiver & { server?: Server } = {
    url: `http://127.0.0.1:${port}/backchannel`,
    tokens: [],
    status: 200,
    close: () => new Promise((resolve) => receiver.server!.close(() => resolve())),
  };
  receiver.server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    request.on('end', () => {
      const token = new URLSearchParams(body).get('logout_token');
      if (token) receiver.tokens.push(token);
      response.writeHead(receiver.status).end();
    });
  });
  await new Promise<void>((resolve) => receiver.server!.listen(port, '127.0.0.1', resolve));
  return receiver;
}

let service: TestService;
let receiver: Receiver;
let app: TestApp;
let ada: { email: string; password: string; id: string };
beforeEach(async () => {
  service = await startService({}, { clockStart: Date.now() });
  receiver = await startReceiver();
  app = await registerApp(service, { backchannelLogoutUri: receiver.url });
  ada = await newUser(service);
});
afterEach(async () => {
  await receiver.close();
  await service.close();
});

const offline = { scope: 'openid offline_access', prompt: 'consent' };

/** Ada signed in to the service and, from the same browser, to the app, which holds a refresh token. */
async function signedInToApp(browser = new TestBrowser(service.url)) {
  const flow = await signInThroughApp(app, browser, ada, offline);
  const tokens = await redeem(app, flow);
  return { browser, tokens };
}

/** The logout tokens delivered once the outbox ran, each checked as an app must check it. */
async function delivered() {
  await service.outbox.drain();
  const jwks = createRemoteJWKSet(new URL(`${service.url}/oidc/jwks`));
  return Promise.all(
    receiver.tokens.map(async (token) => {
      const { payload, protectedHeader } = await jwtVerify(token, jwks, {
        issuer: service.url,
        audience: app.clientId,
        typ: 'logout+jwt',
        maxTokenAge: '2m',
      });
      expect(protectedHeader.alg).toBe('ES256');
      expect(payload.events).toEqual({ 'http://schemas.openid.net/event/backchannel-logout': {} });
      expect(payload).not.toHaveProperty('nonce');
      return payload;
    }),
  );
}

async function refreshRefused(tokens: { refresh_token?: string }) {
  await expect(oidc.refreshTokenGrant(app.config, tokens.refresh_token!)).rejects.toThrow();
}

describe('the service’s security events end the app’s grant and tell the app', () => {
  it('signing out from the gear menu', async () => {
    const { browser, tokens } = await signedInToApp();
    await browser.get('/settings/profile');
    expect((await browser.post('/logout', {})).status).toBe(303);
    await refreshRefused(tokens);
    const [logout] = await delivered();
    expect(logout!.sub).toBe(ada.id);
    expect(typeof logout!.sid).toBe('string');
    expect(logout!.sid).toBe(tokens.claims()!.sid);
  });

  it('a password change in Settings ends what other browsers gave the app, not this one', async () => {
    const here = await signedInToApp();
    const elsewhere = await signedInToApp(new TestBrowser(service.url));
    expect((await here.browser.changePassword(password, otherPassword)).status).toBe(303);
    await refreshRefused(elsewhere.tokens);
    const kept = await oidc.refreshTokenGrant(app.config, here.tokens.refresh_token!);
    expect(kept.access_token).toBeTruthy();
    const tokens = await delivered();
    expect(tokens.map((token) => token.sid)).toEqual([elsewhere.tokens.claims()!.sid]);
    // The session here got a new id; what the app was given from it still ends with it.
    await here.browser.get('/settings/profile');
    await here.browser.post('/logout', {});
    await expect(oidc.refreshTokenGrant(app.config, kept.refresh_token!)).rejects.toThrow();
  });

  it('a reset by email ends every grant of the account', async () => {
    const { tokens } = await signedInToApp();
    const browser = new TestBrowser(service.url);
    await browser.get('/forgot-password');
    await browser.post('/forgot-password', { email: ada.email });
    await service.outbox.drain();
    const link = resetLinkOf(newestResetEmail(service.smtp.received));
    await browser.get(link.pathname + link.search);
    await browser.get('/reset-password');
    const done = await browser.post('/reset-password', {
      new_password: otherPassword,
      confirm_password: otherPassword,
    });
    expect(done.location).toBe('/login?notice=password-reset');
    await refreshRefused(tokens);
    expect((await delivered()).map((token) => token.sub)).toEqual([ada.id]);
  });

  it('a session revoked in the Security tab, and "Sign out everywhere else"', async () => {
    const laptop = new TestBrowser(service.url);
    await laptop.signIn(ada.email, password);
    const phone = await signedInToApp();
    const page = await laptop.get('/settings/security');
    const id = /name="session" value="([^"]+)"/.exec(page.text)![1]!;
    await laptop.post('/settings/security/sessions/revoke', { session: id });
    await refreshRefused(phone.tokens);
    expect(await delivered()).toHaveLength(1);
    const tablet = await signedInToApp();
    await laptop.get('/settings/security');
    await laptop.post('/settings/security/sign-out-others', {});
    await refreshRefused(tablet.tokens);
    expect(await delivered()).toHaveLength(2);
  });

  it('the administrator signing the account out everywhere, or disabling it', async () => {
    const first = await signedInToApp();
    await revokeAllSessions(service.deps, ada.email);
    await refreshRefused(first.tokens);
    expect(await delivered()).toHaveLength(1);
    const second = await signedInToApp();
    await disableUser(service.deps, ada.email);
    await refreshRefused(second.tokens);
    expect(await delivered()).toHaveLength(2);
  });

  it('is retried until the app answers 200, like an email', async () => {
    const { browser } = await signedInToApp();
    receiver.status = 503;
    await browser.get('/settings/profile');
    await browser.post('/logout', {});
    await service.outbox.drain();
    expect(receiver.tokens).toHaveLength(1);
    const row = await service.deps.db
      .selectFrom('outbox')
      .selectAll()
      .where('kind', '=', 'backchannel-logout')
      .executeTakeFirstOrThrow();
    expect(row.sent_at).toBeNull();
    expect(row.attempts).toBe(1);
    receiver.status = 200;
    service.clock.advance(31_000);
    await service.outbox.drain();
    expect(receiver.tokens).toHaveLength(2);
    const after = await service.deps.db
      .selectFrom('outbox')
      .selectAll()
      .where('id', '=', row.id)
      .executeTakeFirstOrThrow();
    expect(after.sent_at).not.toBeNull();
  });

  it('an app without a back-channel URI is owed nothing, and its grant still ends', async () => {
    const plain = await registerApp(service, { name: 'Plain' });
    const browser = new TestBrowser(service.url);
    const tokens = await redeem(plain, await signInThroughApp(plain, browser, ada, offline));
    await browser.get('/settings/profile');
    await browser.post('/logout', {});
    await expect(oidc.refreshTokenGrant(plain.config, tokens.refresh_token!)).rejects.toThrow();
    await service.outbox.drain();
    expect(
      await service.deps.db.selectFrom('outbox').selectAll().where('kind', '=', 'backchannel-logout').execute(),
    ).toEqual([]);
  });
});

describe('RP-initiated logout', () => {
  it('with the app’s id_token_hint: no question, the session here ends, back to the app with its state', async () => {
    const { browser, tokens } = await signedInToApp();
    const url = oidc.buildEndSessionUrl(app.config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: AFTER_LOGOUT,
      state: 'bye',
    });
    const page = await follow(browser, url);
    expect(page.status).toBe(200);
    expect(page.text).toContain('data-auto-submit');
    // Its confirmation redirects to the app: the app's origin is a place this page's form may end.
    expect(page.headers.get('content-security-policy')).toContain("form-action 'self' http://127.0.0.1:9;");
    const action = /<form method="post" action="([^"]+)"/.exec(page.text)![1]!;
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(page.text)![1]!;
    const done = await browser.post(action, { xsrf, logout: 'yes' }, { csrf: null });
    expect(done.location).toBe(`${AFTER_LOGOUT}?state=bye`);
    expect((await browser.get('/settings/profile')).location).toMatch(/^\/login/);
    await refreshRefused(tokens);
  });

  it('without an id_token_hint: a confirmation page, in the user’s language, and nothing ends unless confirmed', async () => {
    const { browser } = await signedInToApp();
    const page = await follow(browser, `/oidc/session/end?client_id=${app.clientId}`);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('data-auto-submit');
    expect(page.headers.get('content-security-policy')).toContain("form-action 'self';");
    // SECURITY 79: not framed; its form carries the provider's own anti-forgery value, checked on submission.
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(visibleText(page.text)).toContain('Sales Connect asks to sign you out.');
    expect((await browser.get('/settings/profile')).status).toBe(200);
    // The user's own language wins over the app's ui_locales; and the page switches, like every other.
    const again = await follow(browser, `/oidc/session/end?client_id=${app.clientId}&ui_locales=fr`);
    expect(again.text).toContain('lang="en"');
    expect(again.text).toContain('action="/language"');
    const action = /<form method="post" action="([^"]+)"/.exec(again.text)![1]!;
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(again.text)![1]!;
    expect((await browser.post(action, { xsrf: 'forged', logout: 'yes' }, { csrf: null })).status).toBe(400);
    expect((await browser.get('/settings/profile')).status).toBe(200);
    const stayed = await browser.post(action, { xsrf }, { csrf: null });
    expect(stayed.status).toBe(303);
    expect((await browser.get('/settings/profile')).status).toBe(200);
  });

  it('someone else’s ID token in a link is no proof: the confirmation is asked, and nothing ends without it', async () => {
    const mallory = { email: uniqueEmail(), password };
    await service.addUser(mallory);
    const hers = await redeem(app, await signInThroughApp(app, new TestBrowser(service.url), mallory));
    const { browser, tokens } = await signedInToApp();
    const page = await follow(browser, `/oidc/session/end?${new URLSearchParams({ id_token_hint: hers.id_token! })}`);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('data-auto-submit');
    expect((await browser.get('/settings/profile')).status).toBe(200);
    expect((await oidc.refreshTokenGrant(app.config, tokens.refresh_token!)).access_token).toBeTruthy();
  });

  it('a provider session left behind by another account does not sign out the one signed in now', async () => {
    const browser = new TestBrowser(service.url);
    await signedInToApp(browser);
    // Ada closes the browser (our session cookie ends with it; the provider's is kept), Bob signs in there.
    for (const name of [...browser.cookies.keys()]) if (name === 'session') browser.cookies.delete(name);
    const bob = { email: uniqueEmail(), password };
    const bobId = (await service.addUser(bob)).id;
    await browser.signIn(bob.email, password);
    const flow = await signInThroughApp(app, browser, bob);
    expect((await redeem(app, flow)).claims()!.sub).toBe(bobId);
    expect((await browser.get('/settings/profile')).status).toBe(200);
  });

  it('refuses a post_logout_redirect_uri the app did not register', async () => {
    const { browser, tokens } = await signedInToApp();
    const page = await follow(
      browser,
      `/oidc/session/end?${new URLSearchParams({ id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'https://attacker.example/' })}`,
    );
    expect(page.status).toBe(400);
    expect(page.location).toBeUndefined();
  });

  it('a browser with no session of the provider is not signed out here by a link', async () => {
    const browser = new TestBrowser(service.url);
    await browser.signIn(ada.email, password);
    // The provider answers with a form that submits itself (follow submits it, as a browser would): a link
    // alone would sign the user out.
    const page = await follow(browser, '/oidc/session/end');
    expect(visibleText(page.text)).toContain('You are signed out of the app, and still signed in to Sales Connect.');
    expect((await browser.get('/settings/profile')).status).toBe(200);
  });
});
