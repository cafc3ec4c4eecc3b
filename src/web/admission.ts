// What is let in. Routes marked { config: { hashes: true } } need an Argon2id hash: when the hashing queue
// is full they are refused at once with 503 and Retry-After, before the body is parsed or the CSRF token
// checked (SECURITY 15). During a graceful stop, every answer closes its connection, or the server would
// wait for the clients to hang up their keep-alive connections.
import type { FastifyInstance } from 'fastify';
import { renderToString } from 'preact-render-to-string';
import { type Locale, locales } from '../core/locale.ts';
import { formatWait, pickLocale, translator } from '../i18n/index.ts';
import { BusyView } from './views/error-page.tsx';
import type { WebContext } from './web-context.ts';

export function registerAdmission(app: FastifyInstance, web: WebContext): void {
  const { config, hasher } = web.deps;
  const busy = busyPages(web);
  app.addHook('onRequest', async (request, reply) => {
    if (!(request.routeOptions.config as { hashes?: boolean } | undefined)?.hashes || hasher.admit()) return;
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
    const message = t('page.503', { wait: formatWait(locale, 1000) });
    return `<!doctype html>${renderToString(BusyView({ ctx, title: t('page.error.title'), message }))}`;
  };
  return Object.fromEntries(locales.map((locale) => [locale, render(locale)])) as Record<Locale, string>;
}
