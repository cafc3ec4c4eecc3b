// The built stylesheet, script and icon (scripts/build-assets.ts writes them to dist/public), served under
// /assets/ with a content hash in the URL so they can be cached for a year and still change on deploy.
// They are read once, at start-up, and served from memory: a file read goes through libuv's threads, which
// under a flood of sign-ins are all hashing, and the log-in page would come without its stylesheet (ratio
// 4c of BENCHMARKS.md). Each is compressed
// then too, with brotli and gzip, and served in the best encoding the browser accepts.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';

// Both src/web/ and dist/web/ sit two levels below the project root.
const publicDir = fileURLToPath(new URL('../../dist/public/', import.meta.url));

const contentTypes: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export interface AssetUrls {
  css: string;
  js: string;
  icon: string;
}

type Encoding = 'br' | 'gzip' | 'identity';

interface Asset {
  /** The content in each encoding; identity is the file as built. */
  bodies: Record<Encoding, Buffer>;
  type: string;
  /** The first 12 hex digits of the content's SHA-256: the `v` of its URL, and (per encoding) of its ETag. */
  version: string;
}

export interface Assets {
  urls: AssetUrls;
  files: ReadonlyMap<string, Asset>;
}

export function loadAssets(): Assets {
  const files = new Map<string, Asset>();
  for (const name of readdirSync(publicDir)) {
    const type = contentTypes[extname(name)];
    if (!type) continue;
    const body = readFileSync(`${publicDir}${name}`);
    const bodies = {
      identity: body,
      br: brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY } }),
      gzip: gzipSync(body, { level: 9 }),
    };
    files.set(name, { bodies, type, version: createHash('sha256').update(body).digest('hex').slice(0, 12) });
  }
  const url = (name: string) => {
    const asset = files.get(name);
    if (!asset) throw new Error(`${publicDir}${name} is missing: run npm run build`);
    return `/assets/${name}?v=${asset.version}`;
  };
  return { urls: { css: url('app.css'), js: url('app.js'), icon: url('icon.svg') }, files };
}

export function registerAssets(app: FastifyInstance, assets: Assets): void {
  app.get<{ Params: { name: string }; Querystring: { v?: string } }>('/assets/:name', async (request, reply) => {
    const asset = assets.files.get(request.params.name);
    if (!asset) return reply.callNotFound();
    // A year of caching only under the URL of this very content. Another version asked of this instance
    // (a page from a newer instance during a rolling deploy) gets what is here, to be checked again next
    // time, rather than old bytes cached for a year under the new URL.
    const current = request.query.v === asset.version;
    const encoding = bestEncoding(request);
    // A compressed representation says the same as the file: the same tag, weak (RFC 9110, 8.8.1), and
    // caches keep the encodings apart (Vary).
    reply
      .header('cache-control', current ? 'public, max-age=31536000, immutable' : 'no-cache')
      .header('vary', 'accept-encoding')
      .header('etag', encoding === 'identity' ? `"${asset.version}"` : `W/"${asset.version}"`);
    if (matches(request.headers['if-none-match'], asset.version)) return reply.status(304).send();
    if (encoding !== 'identity') reply.header('content-encoding', encoding);
    return reply.type(asset.type).send(asset.bodies[encoding]);
  });
}

/** brotli, else gzip, else as is: what Accept-Encoding allows (a q of 0 refuses one). */
function bestEncoding(request: FastifyRequest): Encoding {
  const accepted = new Map<string, number>();
  for (const part of (request.headers['accept-encoding'] ?? '').split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((param) => /^\s*q=([\d.]+)\s*$/.exec(param)?.[1]).find((value) => value !== undefined);
    if (name) accepted.set(name, q === undefined ? 1 : Number(q));
  }
  const allows = (name: string) => (accepted.get(name) ?? accepted.get('*') ?? 0) > 0;
  if (allows('br')) return 'br';
  if (allows('gzip')) return 'gzip';
  return 'identity';
}

/** If-None-Match as RFC 9110 reads it: `*`, or a list of tags, weak (`W/"…"`) or strong, any of them ours. */
function matches(ifNoneMatch: string | undefined, version: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed.replace(/^W\//, '') === `"${version}"`;
  });
}
