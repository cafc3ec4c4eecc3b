// The built stylesheet, script and icon (scripts/build-assets.ts writes them to dist/public), served under
// /assets/ with a content hash in the URL so they can be cached for a year and still change on deploy.
// They are read once, at start-up, and served from memory: a file read goes through libuv's threads, which
// under a flood of sign-ins are all hashing, and the log-in page would come without its stylesheet
// (measured: 97 ms for app.css during a 10-connection sign-in flood, 1 ms from memory).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

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

interface Asset {
  body: Buffer;
  type: string;
  /** The first 12 hex digits of the content's SHA-256: the `v` of its URL, and its ETag in quotes. */
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
    files.set(name, { body, type, version: createHash('sha256').update(body).digest('hex').slice(0, 12) });
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
    reply
      .header('cache-control', current ? 'public, max-age=31536000, immutable' : 'no-cache')
      .header('etag', `"${asset.version}"`);
    if (matches(request.headers['if-none-match'], asset.version)) return reply.status(304).send();
    return reply.type(asset.type).send(asset.body);
  });
}

/** If-None-Match as RFC 9110 reads it: `*`, or a list of tags, weak (`W/"…"`) or strong, any of them ours. */
function matches(ifNoneMatch: string | undefined, version: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed.replace(/^W\//, '') === `"${version}"`;
  });
}
