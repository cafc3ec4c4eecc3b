// /api/session: "who am I" (as Kratos' whoami) for the apps beside this service. Their back ends call it with
// the browser's cookie; their pages may read it from the browser with credentials when their origin is in
// ALLOWED_APP_ORIGINS (SECURITY 82: an exact allow-list, never a wildcard, Vary: Origin on every answer).
// The same session check as every page: the cookie, its digest, one indexed query (SECURITY 59, 62, 63).
// DELETE ends the session: a browser can only send it from our pages or an allowed origin (a cross-origin
// DELETE needs a preflight that only those pass), a back end with the session's cookie.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { signOut } from '../../flows/sign-out.ts';
import { currentSession } from '../auth.ts';
import { clearSessionCookie, cookieOptions, readSessionCookie } from '../cookies.ts';
import { ForeignOrigin } from '../same-origin.ts';
import type { WebContext } from '../web-context.ts';

const METHODS = ['GET', 'DELETE'];
const PREFLIGHT_CACHE_SECONDS = 600;

export function registerSessionApi(app: FastifyInstance, web: WebContext): void {
  const { config } = web.deps;
  const allowed = new Set([config.publicUrl.origin, ...config.appOrigins]);

  /** The origin of a cross-origin caller that may read the answer; undefined for every other. */
  function readerOf(request: FastifyRequest, reply: FastifyReply): string | undefined {
    reply.header('vary', 'Origin');
    const origin = request.headers.origin;
    if (origin === undefined || !allowed.has(origin) || origin === config.publicUrl.origin) return undefined;
    reply.header('access-control-allow-origin', origin).header('access-control-allow-credentials', 'true');
    return origin;
  }

  app.get('/api/session', async (request, reply) => {
    readerOf(request, reply);
    const current = await currentSession(web, request);
    reply.header('cache-control', 'no-store');
    if (current.status !== 'active') return reply.status(401).send({ signedIn: false });
    const { user, session } = current.signedIn;
    return reply.send({
      signedIn: true,
      user: { id: user.id, email: user.email, name: user.name, locale: user.locale },
      session: {
        createdAt: new Date(session.created_at).toISOString(),
        lastSeenAt: new Date(session.last_seen_at).toISOString(),
      },
    });
  });

  app.delete('/api/session', async (request, reply) => {
    readerOf(request, reply);
    const origin = request.headers.origin;
    if (origin !== undefined && !allowed.has(origin)) throw new ForeignOrigin();
    const site = request.headers['sec-fetch-site'];
    if (origin === undefined && (site === 'cross-site' || site === 'same-site')) throw new ForeignOrigin();
    const token = readSessionCookie(config, request);
    const ended = (await currentSession(web, request)).status === 'active';
    await signOut(web.deps, token);
    clearSessionCookie(config, reply);
    reply.clearCookie(web.cookies.returnTo, cookieOptions(config));
    reply.header('cache-control', 'no-store');
    return ended ? reply.status(204).send() : reply.status(401).send({ signedIn: false });
  });

  // The preflight of an allowed origin's DELETE (or of a GET with headers beyond the simple ones).
  app.options('/api/session', async (request, reply) => {
    const method = request.headers['access-control-request-method'];
    if (typeof method !== 'string' || !METHODS.includes(method) || readerOf(request, reply) === undefined) {
      return reply.status(403).header('vary', 'Origin').header('cache-control', 'no-store').send();
    }
    return reply
      .status(204)
      .header('access-control-allow-methods', METHODS.join(', '))
      .header('access-control-allow-headers', 'Content-Type')
      .header('access-control-max-age', PREFLIGHT_CACHE_SECONDS)
      .send();
  });
}
