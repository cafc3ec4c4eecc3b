// In development the service is reached at its loopback address under any of its spellings: PUBLIC_URL says
// http://localhost:3000, and the browser may be at http://127.0.0.1:3000 (what the server listens on) or
// http://[::1]:3000. Forms must come from PUBLIC_URL's origin (same-origin.ts), and cookies belong to one host:
// any other loopback spelling of the same port is sent to PUBLIC_URL's, the path and query kept.
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import { isLoopbackHost } from '../core/hosts.ts';

const MACHINE_ROUTES = ['/auth/check', '/api/session'];

export function registerCanonicalHost(app: FastifyInstance, config: Config): void {
  const canonical = config.publicUrl;
  if (config.production || !isLoopbackHost(canonical.hostname)) return;
  app.addHook('onRequest', async (request, reply) => {
    // A proxy or an app's back end asking who is signed in follows no redirect, and sets no cookie.
    if (MACHINE_ROUTES.some((path) => request.url === path || request.url.startsWith(`${path}?`))) return;
    const host = request.headers.host;
    if (host === undefined || host === canonical.host) return;
    const asked = URL.canParse(`http://${host}`) ? new URL(`http://${host}`) : undefined;
    if (!asked || !isLoopbackHost(asked.hostname) || (asked.port || '80') !== (canonical.port || '80')) return;
    // 308 keeps the method and body, should a form have been posted from the other spelling. The path is
    // appended to the origin, never resolved against it: "//elsewhere/x" is a path here, not another host.
    return reply.header('cache-control', 'no-store').redirect(`${canonical.origin}${request.url}`, 308);
  });
}
