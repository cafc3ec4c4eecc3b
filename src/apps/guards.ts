// What the provider's own requests go through before and after oidc-provider answers them (Koa middleware,
// installed by provider.use): the throttle of the endpoints apps authenticate to, the form_post answer's
// place in the Content-Security-Policy, and our own session ending with the provider's on RP-initiated
// logout.
import type { KoaContextWithOIDC } from 'oidc-provider';
import { clientKey } from '../core/client-address.ts';
import { allowFormAction } from '../core/form-action.ts';
import { digest } from '../core/tokens.ts';
import { TemporarilyUnavailable } from '../core/unavailable.ts';
import type { Deps } from '../deps.ts';
import { peekSession } from '../flows/sessions.ts';
import { signOut } from '../flows/sign-out.ts';
import { longest } from '../throttles.ts';

type Next = () => Promise<void>;

/** Whom our own session cookie signs in, if anyone: the one source of truth for single sign-on. */
export async function serviceAccountOf(deps: Deps, ctx: KoaContextWithOIDC, cookie: string) {
  return (await peekSession(deps, ctx.cookies.get(cookie, { signed: false }) ?? undefined))?.user.id;
}

/** The endpoints where an app authenticates and redeems what it holds. */
const authenticated = new Set(['/oidc/token', '/oidc/token/revocation', '/oidc/token/introspection']);

/** The provider's router ignores case and a trailing slash: so does the throttle (/oidc/Token/ is /oidc/token). */
const routeOf = (path: string) => path.toLowerCase().replace(/\/+$/, '');

/** The client_id of a Basic Authorization header, when there is one (RFC 6749 §2.3.1). */
function basicClientId(ctx: KoaContextWithOIDC): string | undefined {
  const header = ctx.get('authorization');
  if (!/^basic /i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  try {
    return decodeURIComponent(decoded.slice(0, colon));
  } catch {
    // Not a client_id the provider would accept either; the request is counted under its address.
    return undefined;
  }
}

function throttleKeys(ctx: KoaContextWithOIDC, clientId: string | undefined) {
  const address = clientKey(ctx.ip);
  // Digested: a client_id an attacker sends may be anything, of any length.
  return { address, ...(clientId ? { clientAtAddress: `${digest(clientId)}@${address}` } : {}) };
}

/** SECURITY 78: failed authentications and redemptions slow down the address (and the client there) that sent them. */
export function throttleAppRequests(deps: Deps) {
  return async (ctx: KoaContextWithOIDC, next: Next) => {
    if (ctx.method !== 'POST' || !authenticated.has(routeOf(ctx.path))) return next();
    const wait = longest(
      await deps.throttles.appRequests.waits(throttleKeys(ctx, basicClientId(ctx)), deps.clock.now()),
    );
    if (wait > 0) {
      ctx.status = 429;
      ctx.set('retry-after', String(Math.ceil(wait / 1000)));
      ctx.set('cache-control', 'no-store');
      ctx.body = { error: 'temporarily_unavailable', error_description: 'too many failed requests; try again later' };
      return;
    }
    await next();
    // Only a client that failed to authenticate: a wrong code or refresh token is the app's to report, and an
    // outsider who makes an app redeem junk codes (through its callback) must not lock the app out.
    if (ctx.status === 401) {
      const clientId = ctx.oidc?.client?.clientId ?? basicClientId(ctx);
      await deps.throttles.appRequests.take(throttleKeys(ctx, clientId), deps.clock.now());
    }
  };
}

const unavailable = { error: 'temporarily_unavailable', error_description: 'the service is briefly unavailable' };

/**
 * The database is away: an app reads the OAuth error for "try again later", with Retry-After, whether the
 * outage met these guards (thrown here) or the provider's own error handler (503, Retry-After set by the
 * listener of provider.ts); a browser gets the 503 page renderError showed.
 */
export function answerFailures(deps: Deps) {
  return async (ctx: KoaContextWithOIDC, next: Next) => {
    try {
      await next();
    } catch (error) {
      // Answered here rather than by Koa, which would drop the security headers and print to stderr.
      ctx.set('cache-control', 'no-store');
      if (error instanceof TemporarilyUnavailable) {
        ctx.status = 503;
        ctx.set('retry-after', String(error.retryAfterSeconds));
        ctx.body = unavailable;
        return;
      }
      deps.log.error({ err: error, path: ctx.path }, 'the OpenID Connect provider failed a request');
      ctx.status = 500;
      ctx.body = { error: 'server_error', error_description: 'an unexpected error occurred' };
      return;
    }
    if (ctx.status === 503 && typeof ctx.body === 'object' && ctx.body !== null) ctx.body = unavailable;
  };
}

/**
 * The provider's pages whose form ends at the app (core/form-action.ts): a form_post answer, which posts the
 * code to the redirect URI, and the logout pages, whose confirmation redirects to the post-logout URI. Only
 * a URI the client registered is added.
 */
export async function allowFormTargets(ctx: KoaContextWithOIDC, next: Next) {
  await next();
  const csp = ctx.response.get('content-security-policy');
  const client = ctx.oidc?.client;
  if (!csp || !client) return;
  const params = ctx.oidc.params as {
    response_mode?: string;
    redirect_uri?: string;
    post_logout_redirect_uri?: string;
  };
  let target: string | undefined;
  if (params.response_mode === 'form_post' && params.redirect_uri && client.redirectUriAllowed(params.redirect_uri))
    target = params.redirect_uri;
  const logout = params.post_logout_redirect_uri;
  if (ctx.oidc.route === 'end_session' && logout && client.postLogoutRedirectUriAllowed(logout)) target = logout;
  if (target) ctx.set('content-security-policy', allowFormAction(csp, target));
}

/**
 * RP-initiated logout ends the session here too (the user confirmed, or the app proved it was theirs with
 * an id_token_hint): whoever signs out of an app through us is signed out of us.
 */
export function endServiceSessionOnLogout(
  deps: Deps,
  sessionCookie: string,
  cookieOptions: { secure: boolean; domain: string | undefined },
) {
  return async (ctx: KoaContextWithOIDC, next: Next) => {
    const token = ctx.cookies.get(sessionCookie, { signed: false }) ?? undefined;
    // Whom our session signs in, before the provider's logout changes anything.
    const ours =
      routeOf(ctx.path) === '/oidc/session/end/confirm' ? await serviceAccountOf(deps, ctx, sessionCookie) : undefined;
    await next();
    if (ctx.oidc?.route !== 'end_session_confirm' || ctx.status >= 400 || !token) return;
    // Only after our confirmation page (or its automatic submission on a valid id_token_hint): a browser
    // with no session of the provider's is sent through without one, and a link must not sign anyone out.
    // And only the account that signed out: a provider session left by someone else (Ada's, after Bob
    // signed in here on the same computer) ends without Bob's.
    if (!(ctx.oidc.params as { logout?: string }).logout) return;
    if (ours === undefined || ours !== ctx.oidc.session?.accountId) return;
    await signOut(deps, token);
    ctx.cookies.set(sessionCookie, null, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: cookieOptions.secure,
      domain: cookieOptions.domain,
      signed: false,
    });
  };
}
