// SECURITY 24, 55: every state-changing request carries a CSRF token (the plugin) and must come from our own
// origin. Browsers send Origin on every POST; a non-browser client without it still needs the token.
import type { FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';

export class ForeignOrigin extends Error {
  readonly statusCode = 403;
  constructor() {
    super('request from another origin');
  }
}

export function sameOriginCheck(config: Config) {
  const expected = config.publicUrl.origin;
  return async (request: FastifyRequest): Promise<void> => {
    const origin = request.headers.origin;
    if (origin !== undefined) {
      if (origin !== expected) throw new ForeignOrigin();
      return;
    }
    const site = request.headers['sec-fetch-site'];
    if (site === 'cross-site' || site === 'same-site') throw new ForeignOrigin();
  };
}
