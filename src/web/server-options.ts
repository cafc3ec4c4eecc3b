// The options of the Fastify server: its logger, request ids, the proxies it believes, and the answers it
// gives before any hook of ours can run (a URL it cannot route, a request Node's parser refuses).
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import type { Config } from '../config.ts';
import { BODY_LIMIT } from './forms.ts';
import { bareSecurityHeaders } from './security-headers.ts';

const BAD_REQUEST = 'Bad request / Requête incorrecte';

export function serverOptions(config: Config, log: FastifyBaseLogger): FastifyServerOptions {
  const bareHeaders = bareSecurityHeaders(config);
  return {
    loggerInstance: log,
    bodyLimit: BODY_LIMIT,
    // A client-chosen request id would let anyone write into our logs; ours are random (a counter would tell
    // anyone who sees an error page's reference how busy the service is). randomUUID draws from a cached
    // pool of entropy, where randomBytes asks the CSPRNG on every request.
    requestIdHeader: false,
    genReqId: () => randomUUID(),
    routerOptions: { maxParamLength: 200 },
    // A URL Fastify cannot even route (bad percent-encoding, an over-long parameter) is refused before any
    // hook runs: answered with the same headers as every page, and without echoing the URL back, which may
    // hold a token (SECURITY 46, 65, 66).
    frameworkErrors: (error, _request, generic) => {
      // Fastify types this reply with the route's generics, which do not exist yet at this stage.
      const reply = generic as unknown as FastifyReply;
      reply
        .status(error.statusCode ?? 400)
        .headers(bareHeaders)
        .type('text/plain; charset=utf-8')
        .send(BAD_REQUEST);
    },
    // Node's HTTP parser refuses some requests before Fastify sees them (headers too large, a malformed
    // request line): those answers carry the same headers as every other (SECURITY 65).
    clientErrorHandler: (error, socket) => answerClientError(error, socket, bareHeaders),
    // SECURITY 22: X-Forwarded-For counts only when TRUST_PROXY says which proxies to believe.
    trustProxy: typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : config.trustProxy,
    // SECURITY 46, 68: Fastify's "incoming request" line logs the whole URL, and a query string is where a
    // link's token travels (or a session id a client misplaced there): only the path is written.
    childLoggerFactory: (logger, bindings, options) =>
      logger.child(bindings, { ...options, serializers: { ...options.serializers, req: logRequest } }),
  };
}

const clientErrors: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout'],
};

/** What Fastify's own client-error handler writes, with our headers and a bilingual line. */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex, headers: Record<string, string>): void {
  // A connection reset by the client has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason] = clientErrors[error.code ?? ''] ?? [400, 'Bad Request'];
  if (socket.writable) {
    const lines = Object.entries({
      ...headers,
      'content-type': 'text/plain; charset=utf-8',
      'content-length': String(Buffer.byteLength(BAD_REQUEST)),
      connection: 'close',
    });
    const head = lines.map(([name, value]) => `${name}: ${value}`).join('\r\n');
    socket.write(`HTTP/1.1 ${status} ${reason}\r\n${head}\r\n\r\n${BAD_REQUEST}`);
  }
  socket.destroy(error);
}

/** "Trust the n proxies nearest to us": proxy-addr's meaning of a number, which Fastify's types omit. */
function trustHops(hops: number) {
  return (_address: string, hop: number) => hop < hops;
}

function logRequest(request: FastifyRequest) {
  const query = request.url.indexOf('?');
  return {
    method: request.method,
    url: query === -1 ? request.url : `${request.url.slice(0, query)}?[redacted]`,
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
