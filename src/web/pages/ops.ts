// Endpoints for the machines that run the service.
import type { FastifyInstance } from 'fastify';

export function registerOps(app: FastifyInstance): void {
  // Answered only once start-up (migrations included) is over: main.ts listens after that.
  app.get('/healthz', async (_request, reply) => reply.header('cache-control', 'no-store').send({ status: 'ok' }));
}
