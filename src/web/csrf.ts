// SECURITY 24, 55: every form carries a CSRF token, checked against a secret kept in a cookie of its own.
import fastifyCsrf from '@fastify/csrf-protection';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import { cookieNames, cookieOptions } from './cookies.ts';

export async function registerCsrf(app: FastifyInstance, config: Config): Promise<void> {
  await app.register(fastifyCsrf, {
    cookieKey: cookieNames(config).csrf,
    cookieOpts: cookieOptions(config),
    // From the form only: the token never travels in a header or a URL.
    getToken: (request: FastifyRequest) => {
      const token = (request.body as { _csrf?: unknown } | undefined)?._csrf;
      return typeof token === 'string' ? token : '';
    },
  });
}

/**
 * SECURITY 23, 55: a new CSRF secret whenever who is signed in changes. A token read from the signed-out
 * log-in page, or by the previous user of this browser, must not work for the next one.
 */
export function renewCsrfSecret(config: Config, request: FastifyRequest, reply: FastifyReply): void {
  delete request.cookies[cookieNames(config).csrf];
  reply.generateCsrf();
}
