// An app signing its users in through the service, as a company's app would: openid-client as its relying
// party, PKCE and state on every request, and a TestBrowser as the user's browser.
import { randomUUID } from 'node:crypto';
import * as oidc from 'openid-client';
import { expect } from 'vitest';
import { addClient, type ClientInput } from '../../src/apps/clients.ts';
import { type Page, type TestBrowser, visibleText } from './browser.ts';
import type { TestService } from './service.ts';
import { password } from './web.ts';

/** Where the app's redirect URIs point: nothing listens there, the test reads the Location header. */
export const CALLBACK = 'http://127.0.0.1:9/callback';
export const AFTER_LOGOUT = 'http://127.0.0.1:9/signed-out';

export interface TestApp {
  clientId: string;
  clientSecret?: string;
  config: oidc.Configuration;
}

export async function registerApp(service: TestService, input: Partial<ClientInput> = {}): Promise<TestApp> {
  const added = await addClient(service.deps, {
    name: 'Sales Connect',
    redirectUris: [CALLBACK],
    postLogoutRedirectUris: [AFTER_LOGOUT],
    firstParty: true,
    ...input,
  });
  if (!added.ok) throw new Error(added.problem);
  const config = await oidc.discovery(
    new URL(service.url),
    added.clientId,
    added.clientSecret === undefined ? undefined : added.clientSecret,
    added.clientSecret === undefined ? oidc.None() : oidc.ClientSecretBasic(added.clientSecret),
    { execute: [oidc.allowInsecureRequests] },
  );
  return { clientId: added.clientId, clientSecret: added.clientSecret, config };
}

export interface AuthorizationRequest {
  url: URL;
  verifier: string;
  state: string;
  nonce: string;
}

export async function authorizationRequest(
  app: TestApp,
  parameters: Record<string, string> = {},
): Promise<AuthorizationRequest> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(app.config, {
    redirect_uri: CALLBACK,
    scope: 'openid profile email',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...parameters,
  });
  return { url, verifier, state, nonce };
}

/**
 * Follows the service's redirects until one leaves it (returned as the last page) or a page is shown; a form
 * the provider submits by script (its form_post to itself, as when another account signs in) is submitted
 * as a browser would.
 */
export async function follow(browser: TestBrowser, start: string | URL): Promise<Page> {
  let page = await browser.get(start.toString());
  const own = new URL(browser.base).origin;
  for (let hops = 0; hops < 10; hops += 1) {
    const selfPost = /<title>Submitting Callback<\/title>[\s\S]*<form method="post" action="([^"]+)">/.exec(page.text);
    if (page.status === 200 && selfPost && new URL(selfPost[1]!).origin === own) {
      const fields = Object.fromEntries(
        [...page.text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\/>/g)].map((m) => [m[1]!, m[2]!]),
      );
      page = await browser.post(new URL(selfPost[1]!).pathname, fields, { csrf: null });
      continue;
    }
    if (page.status < 300 || page.status >= 400 || !page.location) return page;
    const next = new URL(page.location, browser.base);
    if (next.origin !== own) return page;
    page = await browser.get(next.pathname + next.search);
  }
  throw new Error('too many redirects');
}

/** A user signing in to the app: to the service, the log-in page, and back to the app's callback. */
export async function signInThroughApp(
  app: TestApp,
  browser: TestBrowser,
  account: { email: string; password: string },
  parameters: Record<string, string> = {},
): Promise<{ request: AuthorizationRequest; callback: URL }> {
  const request = await authorizationRequest(app, parameters);
  let page = await follow(browser, request.url);
  if (page.status === 200 && page.text.includes('name="password"')) {
    const action = /<form method="post" action="([^"]+)" class="stack"/.exec(page.text)?.[1];
    expect(action).toMatch(/^\/interaction\/[^/]+\/login$/);
    page = await browser.post(action!, { email: account.email, password: account.password });
    expect(page.status).toBe(303);
    page = await follow(browser, page.location!);
  }
  expect(
    page.location ?? `(status ${page.status}: ${visibleText(page.text).slice(0, 300)})`,
    'the sign-in ends at the app',
  ).toMatch(/^http:\/\/127\.0\.0\.1:9\/callback\?/);
  return { request, callback: new URL(page.location!) };
}

/** The app's back end redeeming the code of its callback, as openid-client checks it (state, nonce, PKCE, iss). */
export function redeem(app: TestApp, flow: { request: AuthorizationRequest; callback: URL }) {
  return oidc.authorizationCodeGrant(app.config, flow.callback, {
    pkceCodeVerifier: flow.request.verifier,
    expectedState: flow.request.state,
    expectedNonce: flow.request.nonce,
    idTokenExpected: true,
  });
}

export const uniqueEmail = () => `user-${randomUUID().slice(0, 8)}@example.com`;

/** A new account of the service (English, the test password), as the user who signs in to the apps. */
export async function newUser(service: TestService, locale: 'en' | 'fr' = 'en') {
  const email = uniqueEmail();
  const user = await service.addUser({ email, password, locale });
  return { email, password, id: user.id, user };
}
