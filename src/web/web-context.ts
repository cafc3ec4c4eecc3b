// What the pages of one app share: the service's Deps, the asset URLs and cookie names computed at start-up,
// and the helpers that turn a request into the context a view renders with.
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import type { ClientInfo } from '../core/client-address.ts';
import { returnTarget } from '../core/return-to.ts';
import type { Deps } from '../deps.ts';
import { pickLocale, translator } from '../i18n/index.ts';
import type { AssetUrls } from './assets.ts';
import { signedInProfile } from './auth.ts';
import { type CookieNames, cookieNames } from './cookies.ts';
import { sameOriginCheck } from './same-origin.ts';
import type { PageContext } from './views/context.ts';

export interface WebContext {
  deps: Deps;
  assets: AssetUrls;
  cookies: CookieNames;
  /** The preHandlers of every state-changing route: same origin, then the CSRF token. */
  protect: NonNullable<RouteShorthandOptions['preHandler']>;
  /** A return_to value, if it may be followed (SECURITY 81): as an absolute URL, else undefined. */
  returnTo(value: unknown): string | undefined;
}

/** After the CSRF plugin is registered: its check is one of `protect`. */
export function webContext(app: FastifyInstance, deps: Deps, assets: AssetUrls): WebContext {
  const appOrigins = new Set(deps.config.appOrigins);
  return {
    deps,
    assets,
    cookies: cookieNames(deps.config),
    protect: [sameOriginCheck(deps.config), app.csrfProtection],
    returnTo: (value) => returnTarget(value, appOrigins, deps.config.publicUrl),
  };
}

/**
 * `reply` undefined: a page sent outside Fastify's reply (the OpenID Connect provider's) to a browser with no
 * CSRF secret yet, which that answer cannot set: it carries no form of ours (ctx.csrfToken is empty, and the
 * views leave the language switch out).
 */
export function pageContext(
  web: WebContext,
  request: FastifyRequest,
  reply: FastifyReply | undefined,
  user?: { name: string; email: string; locale: string },
  uiLocales?: string,
): PageContext {
  const locale = pickLocale({
    profile: user?.locale,
    cookie: request.cookies[web.cookies.locale],
    uiLocales,
    acceptLanguage: request.headers['accept-language'],
    fallback: web.deps.config.defaultLocale,
  });
  return {
    locale,
    t: translator(locale),
    brand: web.deps.config.appName,
    path: request.url,
    csrfToken: reply ? reply.generateCsrf() : '',
    assets: web.assets,
    passwordPolicy: web.deps.config.passwordPolicy,
    user: user && { name: user.name, email: user.email },
    backToApp: web.returnTo(request.cookies[web.cookies.returnTo]),
  };
}

/** The context of a page anyone may see, in the signed-in user's language if someone is signed in. */
export async function publicPageContext(
  web: WebContext,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<PageContext> {
  return pageContext(web, request, reply, await signedInProfile(web, request));
}

export function clientInfo(request: FastifyRequest): ClientInfo {
  return { address: request.ip, userAgent: request.headers['user-agent'] ?? '' };
}
