// The one way to send a page: status, headers that keep account data out of caches, Preact → HTML.
import type { FastifyReply } from 'fastify';
import type { VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';

export function sendPage(reply: FastifyReply, status: number, page: VNode): FastifyReply {
  // SECURITY 58, 46: pages carry account data and CSRF tokens; no cache, shared or private, may keep them.
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(pageHtml(page));
}

/** The HTML of a page, for answers not sent through Fastify's reply (the OpenID Connect provider's). */
export function pageHtml(page: VNode): string {
  return `<!doctype html>${renderToString(page)}`;
}

/** 303 after every successful POST, so a reload never sends the form again. */
export function redirect(reply: FastifyReply, location: string): FastifyReply {
  return reply.header('cache-control', 'no-store').redirect(location, 303);
}

/** 429: the page says how long to wait, and Retry-After says it to machines (whole seconds, rounded up). */
export function sendTooSoon(reply: FastifyReply, retryAfterMs: number, page: VNode): FastifyReply {
  reply.header('retry-after', Math.ceil(retryAfterMs / 1000));
  return sendPage(reply, 429, page);
}
