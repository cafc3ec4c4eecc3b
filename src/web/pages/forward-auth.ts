// GET /auth/check: forward-auth for a reverse proxy in front of an app (nginx auth_request, Traefik
// forwardAuth, Caddy forward_auth). The proxy asks on every request of the app, so this is the session check of
// /api/session and nothing more: the cookie, its digest, one indexed query, no hash, no body to parse.
// SECURITY 83: a valid session answers 200 with the identity headers, which the proxy copies onto the
// request it passes on (overwriting whatever the client sent under those names); anything else answers 401
// with where to sign in and nothing about any account.
import proxyAddr from '@fastify/proxy-addr';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { currentSession } from '../auth.ts';
import { pageHtml } from '../render.ts';
import { SignInRedirect } from '../views/sign-in-redirect.tsx';
import type { WebContext } from '../web-context.ts';

/**
 * Header values are bytes, and names are not ASCII everywhere ("Zoë", "Łukasz"): any character outside
 * printable ASCII, and "%" itself, is percent-encoded as UTF-8, so ASCII values read as they are and any
 * value decodes with decodeURIComponent.
 */
export function headerValue(text: string): string {
  return text.replace(/[^\x20-\x24\x26-\x7e]/gu, (character) => encodeURIComponent(character));
}

export function registerForwardAuth(app: FastifyInstance, web: WebContext): void {
  const { config } = web.deps;
  const trusted = trustedPeer(config.trustProxy);

  /** The address the proxy was asked for, from its own headers, when TRUST_PROXY says to believe them. */
  function originalUrl(request: FastifyRequest): string | undefined {
    if (!trusted(request.socket.remoteAddress ?? '')) return undefined;
    const headers = request.headers;
    const original = headers['x-original-url'];
    if (typeof original === 'string') return original;
    const [proto, host, uri] = [headers['x-forwarded-proto'], headers['x-forwarded-host'], headers['x-forwarded-uri']];
    if (typeof proto !== 'string' || typeof host !== 'string' || typeof uri !== 'string') return undefined;
    if (!uri.startsWith('/')) return undefined;
    return `${lastEntry(proto)}://${lastEntry(host)}${uri}`;
  }

  app.get('/auth/check', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    const current = await currentSession(web, request);
    if (current.status === 'active') {
      const { user } = current.signedIn;
      return reply
        .status(200)
        .header('x-user-id', user.id)
        .header('x-user-email', headerValue(user.email))
        .header('x-user-name', headerValue(user.name))
        .header('x-user-locale', user.locale)
        .send();
    }
    const signIn = new URL('/login', config.publicUrl);
    const back = web.returnTo(originalUrl(request));
    if (back !== undefined) signIn.searchParams.set('return_to', back);
    reply.status(401).header('location', signIn.href);
    // Traefik and Caddy hand this answer to the browser as it is: a page that goes on to sign in by itself.
    if (!(request.headers.accept ?? '').includes('text/html')) return reply.send();
    return reply.type('text/html; charset=utf-8').send(pageHtml(SignInRedirect({ href: signIn.href })));
  });
}

/** X-Forwarded-* may carry one entry per proxy: the nearest proxy's is the last. */
function lastEntry(value: string): string {
  return value.split(',').at(-1)!.trim();
}

/** Whether the proxy that connected to us is one TRUST_PROXY believes. */
function trustedPeer(trustProxy: false | number | string[]): (address: string) => boolean {
  if (trustProxy === false) return () => false;
  if (typeof trustProxy === 'number') return () => trustProxy > 0;
  const trust = proxyAddr.compile(trustProxy);
  return (address) => trust(address, 0);
}
