// The Sales Connect app: a company's own web app that signs its users in with their Sales Connect account.
// openid-client is its relying party: the authorization code flow with PKCE, state and nonce; RP-initiated
// logout; and a back-channel logout endpoint the account service calls when a user signs out there.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet } from 'jose';
import * as oidc from 'openid-client';
import { logoutTokenVerifier } from './backchannel-logout.ts';
import {
  httpsUnlessLoopback,
  isLoopbackUrl,
  readBody,
  redirect,
  sendPage,
  sendText,
  setSecurityHeaders,
} from './http.ts';
import { pickLocale, translator } from './i18n.ts';
import { homePage, notFoundPage, type PageContext, signInFailedPage } from './pages.ts';
import { createSessionStore } from './sessions.ts';

export interface DemoAppOptions {
  /** The account service's URL (its issuer). */
  issuer: string;
  clientId: string;
  /** A confidential client's secret; none for a public client. */
  clientSecret?: string;
  /** The app's own origin, as browsers reach it: its redirect URIs are made from it. */
  appUrl: string;
  port: number;
  host?: string;
  /** The keys logout tokens are checked against: the provider's published JWKS unless given (tests). */
  jwks?: JSONWebKeySet;
  log?: (line: string) => void;
}

export interface DemoApp {
  url: string;
  /** The port it listens on (the one asked for, or the one the system chose for 0). */
  port: number;
  close(): Promise<void>;
}

export async function startDemoApp(options: DemoAppOptions): Promise<DemoApp> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const issuerUrl = httpsUnlessLoopback('ISSUER', options.issuer);
  const appUrl = httpsUnlessLoopback('APP_URL', options.appUrl).origin;
  const insecure = issuerUrl.protocol === 'http:';
  const config = await oidc.discovery(
    issuerUrl,
    options.clientId,
    options.clientSecret,
    options.clientSecret === undefined ? oidc.None() : oidc.ClientSecretBasic(options.clientSecret),
    { execute: insecure ? [oidc.allowInsecureRequests] : [] },
  );
  const metadata = config.serverMetadata();
  const issuer = metadata.issuer;
  if (!metadata.jwks_uri) throw new Error(`${issuer} publishes no jwks_uri`);
  const logoutTokens = logoutTokenVerifier({
    issuer,
    clientId: options.clientId,
    keys: options.jwks ? createLocalJWKSet(options.jwks) : createRemoteJWKSet(new URL(metadata.jwks_uri)),
  });
  const sessions = createSessionStore({ secure: appUrl.startsWith('https:') });
  const redirectUri = `${appUrl}/callback`;
  const assets = {
    '/style.css': { type: 'text/css; charset=utf-8', body: readFileSync(new URL('./style.css', import.meta.url)) },
    '/icon.svg': { type: 'image/svg+xml', body: readFileSync(new URL('./icon.svg', import.meta.url)) },
  } as Record<string, { type: string; body: Buffer }>;

  function otherLoopbackSpelling(host: string | undefined): boolean {
    const canonical = new URL(appUrl);
    if (!host || host === canonical.host || !isLoopbackUrl(canonical) || !URL.canParse(`http://${host}`)) return false;
    const asked = new URL(`http://${host}`);
    return isLoopbackUrl(asked) && asked.port === canonical.port;
  }

  /** Browsers send Origin with a form POST, or Sec-Fetch-Site, which no page can set. */
  function fromOwnPage(request: IncomingMessage): boolean {
    const { origin } = request.headers;
    if (origin !== undefined && origin !== 'null') return origin === appUrl;
    return request.headers['sec-fetch-site'] === 'same-origin';
  }

  function pageContext(request: IncomingMessage): PageContext {
    const user = sessions.read(request)?.user;
    const locale = pickLocale(user?.locale, request.headers['accept-language']);
    return { locale, t: translator(locale), issuer, appUrl, user };
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    // Origin-form only ("/path?query"): the URL is the app's, whatever the request line says.
    if (!request.url?.startsWith('/')) return sendText(response, 400, 'Bad Request');
    const url = new URL(`${appUrl}${request.url}`);
    // Cookies belong to one host name: http://127.0.0.1:3001 is sent to APP_URL's http://localhost:3001.
    if (otherLoopbackSpelling(request.headers.host)) return redirect(response, url.href, 308);
    const route = `${request.method} ${url.pathname}`;
    const asset = assets[url.pathname];
    if (asset && (request.method === 'GET' || request.method === 'HEAD')) {
      response.writeHead(200, { 'content-type': asset.type, 'cache-control': 'public, max-age=3600' });
      response.end(request.method === 'HEAD' ? undefined : asset.body);
      return;
    }
    if (route === 'GET /' || route === 'HEAD /') return sendPage(response, 200, homePage(pageContext(request)));

    if (route === 'GET /login') {
      if (sessions.read(request)?.user) return redirect(response, '/');
      const pending = {
        state: oidc.randomState(),
        nonce: oidc.randomNonce(),
        codeVerifier: oidc.randomPKCECodeVerifier(),
        startedAt: Date.now(),
      };
      sessions.start(request, response, { pending });
      const authorization = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: 'openid profile email',
        code_challenge: await oidc.calculatePKCECodeChallenge(pending.codeVerifier),
        code_challenge_method: 'S256',
        state: pending.state,
        nonce: pending.nonce,
        // The service's log-in page speaks the language this visitor reads here.
        ui_locales: pageContext(request).locale,
      });
      return redirect(response, authorization.href);
    }

    if (route === 'GET /callback') {
      const pending = sessions.read(request)?.pending;
      if (!pending) return sendPage(response, 400, signInFailedPage(pageContext(request)));
      try {
        // openid-client checks state, iss, the code's PKCE, the ID token's signature, iss, aud, exp and nonce.
        const tokens = await oidc.authorizationCodeGrant(config, url, {
          pkceCodeVerifier: pending.codeVerifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
        });
        const claims = tokens.claims()!;
        // The ID token says who and when; the profile (name, email, locale) comes from userinfo, for the same sub.
        const profile = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
        const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
        // A new cookie for the signed-in session: the pending one is used up (the code works once anyway).
        sessions.start(request, response, {
          user: {
            sub: claims.sub,
            sid: text(claims.sid),
            name: text(claims.name ?? profile.name),
            email: text(claims.email ?? profile.email),
            locale: text(claims.locale ?? profile.locale),
            authTime: typeof claims.auth_time === 'number' ? claims.auth_time : undefined,
            idToken: tokens.id_token!,
          },
        });
        return redirect(response, '/');
      } catch (error) {
        log(`sign-in failed: ${(error as Error).message}`);
        sessions.end(request, response);
        return sendPage(response, 400, signInFailedPage(pageContext(request)));
      }
    }

    if (route === 'POST /logout') {
      // Only the app's own pages may sign the user out.
      if (!fromOwnPage(request)) return sendText(response, 403, 'Forbidden');
      const idToken = sessions.read(request)?.user?.idToken;
      // The app's own session ends first, whatever happens at the provider.
      sessions.end(request, response);
      if (!idToken) return redirect(response, '/');
      const endSession = oidc.buildEndSessionUrl(config, {
        id_token_hint: idToken,
        post_logout_redirect_uri: `${appUrl}/`,
      });
      return redirect(response, endSession.href);
    }

    if (route === 'POST /backchannel-logout') return backchannelLogout(request, response);
    if (['/', '/login', '/callback', '/logout', '/backchannel-logout'].includes(url.pathname))
      return sendText(response, 405, 'Method Not Allowed');
    return sendPage(response, 404, notFoundPage(pageContext(request)));
  }

  async function backchannelLogout(request: IncomingMessage, response: ServerResponse): Promise<void> {
    response.setHeader('cache-control', 'no-store');
    const refuse = (description: string) => {
      log(`back-channel logout refused: ${description}`);
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: 'invalid_request', error_description: description }));
    };
    if (!/^application\/x-www-form-urlencoded\b/i.test(request.headers['content-type'] ?? ''))
      return refuse('the body must be application/x-www-form-urlencoded');
    const body = await readBody(request);
    if (body === undefined) return refuse('the body is too large');
    const tokens = new URLSearchParams(body).getAll('logout_token');
    if (tokens.length !== 1) return refuse('one logout_token is required');
    const check = await logoutTokens.verify(tokens[0]!);
    if (!check.ok) return refuse(`the logout token is not valid (${check.reason})`);
    const ended = sessions.endMatching({ sid: check.sid, sub: check.sub });
    log(`back-channel logout: ${ended} session(s) ended`);
    response.writeHead(200);
    response.end();
  }

  const server = createServer((request, response) => {
    setSecurityHeaders(response, issuer);
    handle(request, response).catch((error: unknown) => {
      log(`request failed: ${(error as Error).stack ?? String(error)}`);
      if (!response.headersSent) sendText(response, 500, 'Something went wrong.');
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: appUrl,
    port,
    async close() {
      sessions.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Requests in flight get five seconds to finish.
      const force = setTimeout(() => server.closeAllConnections(), 5000);
      await closed;
      clearTimeout(force);
    },
  };
}
