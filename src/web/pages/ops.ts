// Endpoints for the machines that run the service: liveness, readiness and Prometheus metrics.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { checkReadiness } from '../../readiness.ts';
import type { WebContext } from '../web-context.ts';

export function registerOps(app: FastifyInstance, web: WebContext): void {
  // Alive: answered as soon as the process listens, which main.ts does only after start-up is over.
  app.get('/healthz', async (_request, reply) => reply.header('cache-control', 'no-store').send({ status: 'ok' }));

  // Ready: the load balancer sends traffic here only while the database answers and is migrated.
  app.get('/readyz', async (_request, reply) => {
    const readiness = await checkReadiness(web.deps);
    reply.header('cache-control', 'no-store');
    return readiness.ready
      ? reply.send({ status: 'ready' })
      : reply.status(503).send({ status: 'not-ready', reason: readiness.reason });
  });

  const { metricsToken, production } = web.deps.config;
  // Metrics tell an outsider how busy the service is and how often sign-ins fail: in production they need
  // METRICS_TOKEN; in development they are open.
  if (production && metricsToken === undefined) return;
  const expected =
    metricsToken === undefined ? undefined : createHash('sha256').update(`Bearer ${metricsToken}`).digest();
  app.get('/metrics', async (request, reply) => {
    if (expected) {
      const given = createHash('sha256')
        .update(request.headers.authorization ?? '')
        .digest();
      if (!timingSafeEqual(given, expected))
        return reply.status(401).header('www-authenticate', 'Bearer').send({ status: 'unauthorized' });
    }
    const { registry } = web.deps.metrics;
    return reply
      .header('cache-control', 'no-store')
      .type(registry.contentType)
      .send(await registry.metrics());
  });
}
