// GET /api/session: who is signed in, as JSON, for the Sales Connect app's own pages and scripts. The
// same session check as every page: the cookie, its digest, one indexed query (SECURITY 59, 62, 63).
import type { FastifyInstance } from 'fastify';
import { currentSession } from '../auth.ts';
import type { WebContext } from '../web-context.ts';

export function registerSessionApi(app: FastifyInstance, web: WebContext): void {
  app.get('/api/session', async (request, reply) => {
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
}
