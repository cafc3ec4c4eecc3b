// buildApp(deps): the whole HTTP side, plugins registered by hand in a fixed order, then the error and
// not-found pages, then each page. main.ts listens; tests build it the same way.

import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import helmet from 'helmet';
import { renderToString } from 'preact-render-to-string';
import type { Config } from '../config.ts';
import { type Locale, locales } from '../core/locale.ts';
import { TemporarilyUnavailable, type UnavailableReason } from '../core/unavailable.ts';
import type { Deps } from '../deps.ts';
import { formatWait, type MessageKey, pickLocale, translator } from '../i18n/index.ts';
import { loadAssets, registerAssets } from './assets.ts';
import { cookieNames, cookieOptions } from './cookies.ts';
import { parseFormBody } from './forms.ts';
import { registerDevMailbox } from './pages/dev-mailbox.ts';
import { registerForgotPassword } from './pages/forgot-password.ts';
import { registerLanguageSwitch } from './pages/language.ts';
import { registerLoginPage } from './pages/login.ts';
import { registerOps } from './pages/ops.ts';
import { registerResetPassword } from './pages/reset-password.ts';
import { registerSecurityPage } from './pages/security.ts';
import { registerSessionApi } from './pages/session-api.ts';
import { registerSettingsPages } from './pages/settings.ts';
import { registerSignOut } from './pages/sign-out.ts';
import { sendPage } from './render.ts';
import { sameOriginCheck } from './same-origin.ts';
import { BusyView, ErrorView } from './views/error-page.tsx';
import { pageContext, publicPageContext, type WebContext } from './web-context.ts';

// SECURITY 65: forms here are a few short fields; anything bigger is refused before it is parsed.
const BODY_LIMIT = 16 * 1024;
// A year, subdomains included: over https only (over http it would be ignored, and pin a development host).
const HSTS = { maxAge: 31_536_000, includeSubDomains: true };

export async function buildApp(deps: Deps): Promise<FastifyInstance> {
  const { config } = deps;
  const bareHeaders = bareErrorHeaders(config);
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
    // A client-chosen request id would let anyone write into our logs; ours are random (a counter would tell
    // anyone who sees an error page's reference how busy the service is). randomUUID draws from a cached
    // pool of entropy, where randomBytes asks the CSPRNG on every request.
    requestIdHeader: false,
    genReqId: () => randomUUID(),
    routerOptions: { maxParamLength: 200 },
    // A URL Fastify cannot even route (bad percent-encoding, an over-long parameter) is refused before any
    // hook runs: answered here with the same headers as every page, and without echoing the URL back,
    // which may hold a token (SECURITY 46, 65, 66).
    frameworkErrors: (error, _request, generic) => {
      // Fastify types this reply with the route's generics, which do not exist yet at this stage.
      const reply = generic as unknown as FastifyReply;
      reply
        .status(error.statusCode ?? 400)
        .headers(bareHeaders)
        .type('text/plain; charset=utf-8')
        .send('Bad request / Requête incorrecte');
    },
    // Node's HTTP parser refuses some requests before Fastify sees them (headers too large, a malformed
    // request line): those answers carry the same headers as every other (SECURITY 65).
    clientErrorHandler: (error, socket) => answerClientError(error, socket, bareHeaders),
    // SECURITY 22: X-Forwarded-For counts only when TRUST_PROXY says which proxies to believe.
    trustProxy: typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : config.trustProxy,
    // SECURITY 46, 68: Fastify's "incoming request" line logs the whole URL, and a query string is where a
    // link's token travels (or a session id a client misplaced there): only the path is written.
    childLoggerFactory: (logger, bindings, options) =>
      logger.child(bindings, { ...options, serializers: { ...options.serializers, req: logRequest } }),
  });

  // SECURITY 58, 65: helmet's middleware, built once (@fastify/helmet built it anew for every request).
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        ...(config.secureCookies ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    // Same-origin keeps the Origin header on our own form posts (the origin check needs it) and sends
    // nothing to any other site.
    referrerPolicy: { policy: 'same-origin' },
    strictTransportSecurity: config.secureCookies ? HSTS : false,
    crossOriginEmbedderPolicy: false,
    frameguard: { action: 'deny' },
  });
  app.addHook('onRequest', (request, reply, done) =>
    securityHeaders(request.raw, reply.raw, (error) => done(error as FastifyError | undefined)),
  );
  // Only the form encoding our pages use; JSON and text bodies are refused with 415.
  app.removeAllContentTypeParsers();
  await app.register(fastifyCookie);
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'buffer', bodyLimit: BODY_LIMIT },
    (_request, body, done) => {
      try {
        done(null, parseFormBody(body as Buffer));
      } catch (error) {
        done(error as Error);
      }
    },
  );
  await app.register(fastifyCsrf, {
    cookieKey: cookieNames(config).csrf,
    cookieOpts: cookieOptions(config),
    getToken: (request: FastifyRequest) => {
      const token = (request.body as { _csrf?: unknown } | undefined)?._csrf;
      return typeof token === 'string' ? token : '';
    },
  });
  const assets = loadAssets();
  registerAssets(app, assets);

  const web: WebContext = {
    deps,
    assets: assets.urls,
    cookies: cookieNames(config),
    protect: [sameOriginCheck(config), app.csrfProtection],
  };

  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, never the raw URL: labels stay few, and no token or address becomes one.
    const route = request.routeOptions.url ?? 'unmatched';
    deps.metrics.requestDuration.observe(
      { method: request.method, route, status_code: reply.statusCode },
      reply.elapsedTime / 1000,
    );
  });
  // Graceful stop: requests in flight when SIGTERM comes still get their answer, and their keep-alive
  // connections are closed after it, or the server would wait for the clients to hang up.
  // Routes marked { config: { hashes: true } } need an Argon2id hash: when the queue is full they are
  // refused at once, before the body is parsed or the CSRF token checked.
  const busy = busyPages(web);
  app.addHook('onRequest', async (request, reply) => {
    if (!(request.routeOptions.config as { hashes?: boolean } | undefined)?.hashes || deps.hasher.admit()) return;
    // A page rendered once per language: under a flood the answer to the excess must cost nothing, or it
    // would take the CPU the hashes in progress need.
    const locale = pickLocale({
      cookie: request.cookies[web.cookies.locale],
      acceptLanguage: request.headers['accept-language'],
      fallback: config.defaultLocale,
    });
    return reply
      .status(503)
      .header('retry-after', 1)
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(busy[locale]);
  });
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  app.setErrorHandler((error: FastifyError, request, reply) => sendError(web, error, request, reply));
  app.setNotFoundHandler(async (request, reply) => {
    if (request.url.startsWith('/api/'))
      return reply.status(404).header('cache-control', 'no-store').send({ error: 'not-found' });
    const ctx = await publicPageContext(web, request, reply);
    return sendPage(reply, 404, ErrorView({ ctx, title: ctx.t('page.404.title'), message: ctx.t('page.404') }));
  });

  registerOps(app, web);
  registerLoginPage(app, web);
  registerSignOut(app, web);
  registerSettingsPages(app, web);
  registerSecurityPage(app, web);
  registerSessionApi(app, web);
  registerLanguageSwitch(app, web);
  registerForgotPassword(app, web);
  registerResetPassword(app, web);
  // SECURITY 69: no development endpoint in production, whatever else is configured.
  if (deps.devMailbox && !config.production) registerDevMailbox(app, web, deps.devMailbox);
  return app;
}

/** The 503 page of a full hashing queue, per language: no form, so nothing in it varies per request. */
function busyPages(web: WebContext): Record<Locale, string> {
  const render = (locale: Locale) => {
    const t = translator(locale);
    const ctx = {
      locale,
      t,
      brand: web.deps.config.appName,
      path: '/',
      csrfToken: '',
      assets: web.assets,
      passwordPolicy: web.deps.config.passwordPolicy,
    };
    return `<!doctype html>${renderToString(BusyView({ ctx, title: t('page.error.title'), message: t('page.503', { wait: formatWait(locale, 1000) }) }))}`;
  };
  return Object.fromEntries(locales.map((locale) => [locale, render(locale)])) as Record<Locale, string>;
}

/** For the rare answers given before helmet's hook can run. */
function bareErrorHeaders(config: Config): Record<string, string> {
  return {
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
    'cross-origin-resource-policy': 'same-origin',
    ...(config.secureCookies ? { 'strict-transport-security': `max-age=${HSTS.maxAge}; includeSubDomains` } : {}),
  };
}

const clientErrors: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout'],
};

/** What Fastify's own client-error handler writes, with our headers and a bilingual line. */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex, headers: Record<string, string>): void {
  // A connection reset by the client has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason] = clientErrors[error.code ?? ''] ?? [400, 'Bad Request'];
  const body = 'Bad request / Requête incorrecte';
  if (socket.writable) {
    const lines = Object.entries({
      ...headers,
      'content-type': 'text/plain; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
      connection: 'close',
    });
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\n${lines.map(([name, value]) => `${name}: ${value}`).join('\r\n')}\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/** "Trust the n proxies nearest to us": proxy-addr's meaning of a number, which Fastify's types omit. */
function trustHops(hops: number) {
  return (_address: string, hop: number) => hop < hops;
}

function logRequest(request: FastifyRequest) {
  const query = request.url.indexOf('?');
  return {
    method: request.method,
    url: query === -1 ? request.url : `${request.url.slice(0, query)}?[redacted]`,
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

const statusMessages: Record<number, MessageKey> = {
  400: 'page.400',
  403: 'page.403',
  404: 'page.404',
  405: 'page.405',
  413: 'page.413',
  415: 'page.415',
  429: 'page.429',
};

const unavailableMessages: Record<UnavailableReason, MessageKey> = {
  busy: 'page.503',
  'database-unavailable': 'page.503.unavailable',
};

/** SECURITY 66: a status and a sentence; the details of a 5xx stay in the log, under the request id. */
async function sendError(web: WebContext, error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof TemporarilyUnavailable) return sendUnavailable(web, error, request, reply);
  const status =
    error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
  if (status === 500) request.log.error({ err: error }, 'request failed');
  else request.log.info({ status, code: error.code ?? error.name }, 'request refused');
  const ctx = status < 500 ? await publicPageContext(web, request, reply) : pageContext(web, request, reply);
  const key = statusMessages[status] ?? (status === 500 ? 'page.500' : 'page.400');
  const title = status === 404 ? ctx.t('page.404.title') : ctx.t('page.error.title');
  const message = ctx.t(key, { wait: formatWait(ctx.locale, 1000) });
  return sendPage(reply, status, ErrorView({ ctx, title, message, reference: status >= 500 ? request.id : undefined }));
}

/**
 * 503 with Retry-After, fast: the database is not asked for the user's language (it may be what is away),
 * and the log has one line for the outage (store/availability.ts), not one per request.
 */
function sendUnavailable(web: WebContext, error: TemporarilyUnavailable, request: FastifyRequest, reply: FastifyReply) {
  request.log.info({ status: 503, reason: error.reason }, 'request refused: try again later');
  reply.header('retry-after', error.retryAfterSeconds);
  if (request.url.startsWith('/api/')) {
    return reply
      .status(503)
      .header('cache-control', 'no-store')
      .send({ error: 'unavailable', retryAfterSeconds: error.retryAfterSeconds });
  }
  const ctx = pageContext(web, request, reply);
  const message = ctx.t(unavailableMessages[error.reason], {
    wait: formatWait(ctx.locale, error.retryAfterSeconds * 1000),
  });
  return sendPage(reply, 503, ErrorView({ ctx, title: ctx.t('page.error.title'), message, reference: request.id }));
}
