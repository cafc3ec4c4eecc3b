// How long each answer took, by route (http_request_duration_seconds).
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../metrics.ts';

export function registerTiming(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, never the raw URL: labels stay few, and no token or address becomes one.
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requestDuration.observe(
      { method: request.method, route, status_code: reply.statusCode },
      reply.elapsedTime / 1000,
    );
  });
}
