// buildApp(deps): the whole HTTP side, plugins registered by hand in a fixed order, then the error and
// not-found pages, then each page. main.ts listens; tests build it the same way.
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import type { Deps } from '../deps.ts';
import { HashingOverloaded } from '../hasher.ts';
import { formatWait, type MessageKey } from '../i18n/index.ts';
import { assetUrls, publicDir } from './assets.ts';
import { cookieNames, cookieOptions } from './cookies.ts';
import { registerLanguageSwitch } from './pages/language.ts';
import { registerLoginPage } from './pages/login.ts';
import { registerOps } from './pages/ops.ts';
import { registerSettingsPages } from './pages/settings.ts';
import { registerSignOut } from './pages/sign-out.ts';
import { sendPage } from './render.ts';
import { sameOriginCheck } from './same-origin.ts';
import { ErrorView } from './views/error-page.tsx';
import { pageContext, type WebContext } from './web-context.ts';

// SECURITY 65: forms here are a few short fields; anything bigger is refused before it is parsed.
const BODY_LIMIT = 16 * 1024;

export async function buildApp(deps: Deps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
    // A client-chosen request id would let anyone write into our logs; ours are random.
    requestIdHeader: false,
    genReqId: () => randomBytes(8).toString('hex'),
    routerOptions: { maxParamLength: 200 },
    trustProxy: false,
  });

  await app.register(fastifyHelmet, {
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
    strictTransportSecurity: config.secureCookies ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
    frameguard: { action: 'deny' },
  });
  // Only the form encoding our pages use; JSON and text bodies are refused with 415.
  app.removeAllContentTypeParsers();
  await app.register(fastifyCookie);
  await app.register(fastifyFormbody, { bodyLimit: BODY_LIMIT });
  await app.register(fastifyCsrf, {
    cookieKey: cookieNames(config).csrf,
    cookieOpts: cookieOptions(config),
    getToken: (request: FastifyRequest) => {
      const token = (request.body as { _csrf?: unknown } | undefined)?._csrf;
      return typeof token === 'string' ? token : '';
    },
  });
  await app.register(fastifyStatic, {
    root: publicDir,
    prefix: '/assets/',
    // URLs carry a content hash (web/assets.ts): a year of caching is safe.
    maxAge: '365d',
    immutable: true,
    index: false,
    dotfiles: 'deny',
  });

  const web: WebContext = {
    deps,
    assets: assetUrls(),
    cookies: cookieNames(config),
    protect: [sameOriginCheck(config), app.csrfProtection],
  };

  app.setErrorHandler((error: FastifyError, request, reply) => sendError(web, error, request, reply));
  app.setNotFoundHandler((request, reply) => {
    const ctx = pageContext(web, request, reply);
    return sendPage(reply, 404, ErrorView({ ctx, title: ctx.t('page.404.title'), message: ctx.t('page.404') }));
  });

  registerOps(app);
  registerLoginPage(app, web);
  registerSignOut(app, web);
  registerSettingsPages(app, web);
  registerLanguageSwitch(app, web);
  return app;
}

const statusMessages: Record<number, MessageKey> = {
  400: 'page.400',
  403: 'page.403',
  404: 'page.404',
  405: 'page.405',
  413: 'page.413',
  415: 'page.415',
  429: 'page.429',
  503: 'page.503',
};

/** SECURITY 66: a status and a sentence; the details of a 5xx stay in the log, under the request id. */
function sendError(web: WebContext, error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  let status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
  let retryAfterMs: number | undefined;
  if (error instanceof HashingOverloaded) {
    status = 503;
    retryAfterMs = error.retryAfterSeconds * 1000;
    reply.header('retry-after', error.retryAfterSeconds);
  }
  if (status === 500) request.log.error({ err: error }, 'request failed');
  else request.log.info({ status, code: error.code ?? error.name }, 'request refused');

  const ctx = pageContext(web, request, reply);
  const key = statusMessages[status] ?? (status === 500 ? 'page.500' : 'page.400');
  const message = ctx.t(key, { wait: formatWait(ctx.locale, retryAfterMs ?? 1000) });
  const title = status === 404 ? ctx.t('page.404.title') : ctx.t('page.error.title');
  return sendPage(reply, status, ErrorView({ ctx, title, message, reference: status >= 500 ? request.id : undefined }));
}
