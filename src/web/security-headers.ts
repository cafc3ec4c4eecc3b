// SECURITY 58, 65: the headers of every answer. helmet's middleware, built once rather than per request (as
// @fastify/helmet would), runs first on every request; the answers given before it can run carry the same
// essentials (bareSecurityHeaders).
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import helmet from 'helmet';
import type { Config } from '../config.ts';
import { allowFormAction } from '../core/form-action.ts';

// A year, subdomains included: over https only (over http it would be ignored, and pin a development host).
const HSTS = { maxAge: 31_536_000, includeSubDomains: true };

export function registerSecurityHeaders(app: FastifyInstance, config: Config): void {
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        ...(config.secureCookies ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    // Same-origin keeps the Origin header on our own form posts (the origin check needs it) and sends
    // nothing to any other site.
    referrerPolicy: { policy: 'same-origin' },
    strictTransportSecurity: config.secureCookies ? HSTS : false,
    crossOriginEmbedderPolicy: false,
    frameguard: { action: 'deny' },
  });
  app.addHook('onRequest', (request, reply, done) =>
    securityHeaders(request.raw, reply.raw, (error) => done(error as FastifyError | undefined)),
  );
}

/** A page whose form ends at an app: its registered URI joins form-action (core/form-action.ts). */
export function allowFormTarget(reply: FastifyReply, uri: string | undefined): void {
  const csp = reply.getHeader('content-security-policy');
  if (typeof csp === 'string') reply.header('content-security-policy', allowFormAction(csp, uri));
}

/** For the rare answers given before helmet's hook can run. */
export function bareSecurityHeaders(config: Config): Record<string, string> {
  return {
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
    'cross-origin-resource-policy': 'same-origin',
    ...(config.secureCookies ? { 'strict-transport-security': `max-age=${HSTS.maxAge}; includeSubDomains` } : {}),
  };
}
