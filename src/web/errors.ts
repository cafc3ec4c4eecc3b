// The answers of what went wrong: the not-found page, and one error handler for every route. SECURITY 66:
// a status and a sentence in the user's language; the details of a 5xx stay in the log, under the request
// id the page shows. Under /api/, the same in JSON.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TemporarilyUnavailable, type UnavailableReason } from '../core/unavailable.ts';
import { formatWait, type MessageKey } from '../i18n/index.ts';
import { sendPage } from './render.ts';
import { ErrorView } from './views/error-page.tsx';
import { pageContext, publicPageContext, type WebContext } from './web-context.ts';

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

const isApi = (request: FastifyRequest) => request.url.startsWith('/api/');

export function registerErrorPages(app: FastifyInstance, web: WebContext): void {
  app.setErrorHandler((error: FastifyError, request, reply) => sendError(web, error, request, reply));
  app.setNotFoundHandler(async (request, reply) => {
    if (isApi(request)) return reply.status(404).header('cache-control', 'no-store').send({ error: 'not-found' });
    const ctx = await publicPageContext(web, request, reply);
    return sendPage(reply, 404, ErrorView({ ctx, title: ctx.t('page.404.title'), message: ctx.t('page.404') }));
  });
}

async function sendError(web: WebContext, error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof TemporarilyUnavailable) return sendUnavailable(web, error, request, reply);
  const status =
    error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
  if (status === 500) request.log.error({ err: error }, 'request failed');
  else request.log.info({ status, code: error.code ?? error.name }, 'request refused');
  // A 5xx may come from the database itself: it is not asked again for the user's language then.
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
  if (isApi(request)) {
    return reply
      .status(503)
      .header('cache-control', 'no-store')
      .send({ error: 'unavailable', retryAfterSeconds: error.retryAfterSeconds });
  }
  const ctx = pageContext(web, request, reply);
  const wait = formatWait(ctx.locale, error.retryAfterSeconds * 1000);
  const message = ctx.t(unavailableMessages[error.reason], { wait });
  return sendPage(reply, 503, ErrorView({ ctx, title: ctx.t('page.error.title'), message, reference: request.id }));
}
