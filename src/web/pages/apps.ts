// The OpenID Connect provider inside the service (src/apps/): its endpoints under /oidc and discovery at
// /.well-known/openid-configuration, handed to oidc-provider untouched (no body parser of ours, the reply
// hijacked), and the pages it shows, in our look and the user's language. The sign-in and consent pages it
// sends browsers to are pages/interaction.ts.
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { currentProvider } from '../../apps/current-provider.ts';
import { PROVIDER_PREFIX, type ProviderPages } from '../../apps/provider.ts';
import { TemporarilyUnavailable } from '../../core/unavailable.ts';
import { formatWait } from '../../i18n/index.ts';
import { signedInProfile } from '../auth.ts';
import { pageHtml } from '../render.ts';
import { LoggedOutView, LogoutView } from '../views/app-logout.tsx';
import { ErrorView } from '../views/error-page.tsx';
import { pageContext, type WebContext } from '../web-context.ts';
import { registerInteractionPages } from './interaction.ts';

export async function registerApps(app: FastifyInstance, web: WebContext): Promise<void> {
  const { config } = web.deps;
  // The Fastify request and reply of each request the provider handles, for the pages it asks us to render.
  const requests = new WeakMap<IncomingMessage, { request: FastifyRequest; reply: FastifyReply }>();
  const providers = currentProvider(web.deps, {
    pages: providerPages(web, requests),
    sessionCookie: web.cookies.session,
    cookieNames: web.cookies.provider,
  });
  const handlers = new WeakMap<Provider, ReturnType<Provider['callback']>>();
  // Built now, while the database answers (the service has just migrated it): a later outage leaves this
  // provider in service, and what needs the database answers 503 (apps/guards.ts).
  await providers.get();

  async function handle(request: FastifyRequest, reply: FastifyReply) {
    const provider = await providers.get();
    let handler = handlers.get(provider);
    if (!handler) {
      handler = provider.callback();
      handlers.set(provider, handler);
    }
    // The provider builds its URLs and reads the client's address from these (provider.proxy): our
    // PUBLIC_URL, and the address Fastify already decided to believe (TRUST_PROXY).
    const headers = request.raw.headers;
    headers['x-forwarded-proto'] = config.publicUrl.protocol.slice(0, -1);
    headers['x-forwarded-host'] = config.publicUrl.host;
    headers['x-forwarded-for'] = request.ip;
    requests.set(request.raw, { request, reply });
    reply.hijack();
    await handler(request.raw, reply.raw);
  }

  await app.register(async (scope) => {
    // The provider reads its own bodies.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null));
    scope.all('/.well-known/openid-configuration', handle);
    scope.all(`${PROVIDER_PREFIX}/*`, handle);
  });
  registerInteractionPages(app, web, providers);
}

function providerPages(
  web: WebContext,
  requests: WeakMap<IncomingMessage, { request: FastifyRequest; reply: FastifyReply }>,
): ProviderPages {
  async function context(ctx: KoaContextWithOIDC, signedIn: boolean) {
    const { request, reply } = requests.get(ctx.req)!;
    const uiLocales = (ctx.oidc?.params as { ui_locales?: string } | undefined)?.ui_locales;
    const profile = signedIn ? await signedInProfile(web, request) : undefined;
    // The reply is the provider's, not Fastify's: a CSRF token (for the language switch) can be made only
    // from the secret the browser already holds, since no cookie of ours can be set on this answer.
    const forms = request.cookies[web.cookies.csrf] ? reply : undefined;
    return pageContext(web, request, forms, profile, typeof uiLocales === 'string' ? uiLocales : undefined);
  }
  const send = (ctx: KoaContextWithOIDC, html: string) => {
    ctx.type = 'html';
    ctx.body = html;
  };
  return {
    async error(ctx, _out, cause) {
      // SECURITY 71: no redirect is safe here (an unknown client, a redirect_uri it did not register): a
      // page in the user's language says so, and the details stay in the log.
      const unavailable = cause instanceof TemporarilyUnavailable;
      const page = await context(ctx, !unavailable && ctx.status < 500);
      const wait = formatWait(page.locale, (unavailable ? cause.retryAfterSeconds : 1) * 1000);
      const [title, message] =
        ctx.status >= 500
          ? [page.t('page.error.title'), page.t(unavailable ? 'page.503.unavailable' : 'page.500', { wait })]
          : [page.t('app.error.title'), page.t('app.error.message')];
      send(ctx, pageHtml(ErrorView({ ctx: page, title, message })));
    },
    async logoutConfirmation(ctx, form) {
      const page = await context(ctx, true);
      const action = /action="([^"]+)"/.exec(form)?.[1] ?? `${PROVIDER_PREFIX}/session/end/confirm`;
      const xsrf = /name="xsrf" value="([^"]+)"/.exec(form)?.[1] ?? '';
      // An id_token_hint the app issued to this very session proves the logout is the app's own request for
      // this user: no need to ask. Anyone's ID token (an attacker's own, in a link) proves nothing.
      const automatic = hintNamesThisSession(ctx);
      const request = { action, xsrf, app: ctx.oidc.client?.clientName, automatic };
      send(ctx, pageHtml(LogoutView({ ctx: page, request })));
    },
    async loggedOut(ctx) {
      send(ctx, pageHtml(LoggedOutView({ ctx: await context(ctx, true) })));
    },
  };
}

/** The id_token_hint is for the provider session's account, and its sid is that session's at the app. */
function hintNamesThisSession(ctx: KoaContextWithOIDC): boolean {
  const hint = ctx.oidc.entities.IdTokenHint as { payload: { sub?: string; sid?: string; aud?: string } } | undefined;
  const { client, session } = ctx.oidc;
  if (!hint || !client || !session?.accountId) return false;
  if (hint.payload.sub !== session.accountId) return false;
  return hint.payload.sid === undefined || hint.payload.sid === session.sidFor(client.clientId);
}
