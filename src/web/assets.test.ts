// The stylesheet, script and icon as browsers get them: from memory even when every libuv thread is busy,
// cached for a year under a versioned URL, compressed as the browser allows; nothing else is served under
// /assets/ (SECURITY 69).
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestBrowser } from '../../test/support/browser.ts';
import { startService, type TestService } from '../../test/support/service.ts';

let service: TestService;

beforeAll(async () => {
  service = await startService();
});
afterAll(() => service.close());

describe('static assets', () => {
  it('come from memory: with every libuv thread taken, as by a flood of sign-ins hashing, the stylesheet still comes', async () => {
    const login = await new TestBrowser(service.url).get('/login');
    const stylesheet = /href="(\/assets\/app\.css\?v=[^"]+)"/.exec(login.text)![1]!;
    const folder = mkdtempSync(join(tmpdir(), 'sc-fifo-'));
    const fifo = join(folder, 'fifo');
    execFileSync('mkfifo', [fifo]);
    // Opening a FIFO to read holds a libuv thread until a writer comes: all of them, here.
    const held = Array.from({ length: Number(process.env.UV_THREADPOOL_SIZE ?? 4) }, () => open(fifo, 'r'));
    try {
      const answer = await Promise.race([
        // As it is stored, not compressed: decoding gzip would need one of the threads this very process holds.
        fetch(service.url + stylesheet, { headers: { 'accept-encoding': 'identity' } }).then(async (response) => ({
          status: response.status,
          type: response.headers.get('content-type'),
          body: await response.text(),
        })),
        new Promise((resolve) => setTimeout(() => resolve('still waiting for a thread'), 5000)),
      ]);
      expect(answer).toMatchObject({ status: 200, type: 'text/css; charset=utf-8' });
    } finally {
      let writer: number | undefined;
      while (writer === undefined) {
        try {
          writer = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      }
      for (const handle of await Promise.all(held)) await handle.close();
      closeSync(writer);
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('are cached for a year under a versioned URL, answer 304 to a revalidation, and 404 for anything else', async () => {
    const visitor = new TestBrowser(service.url);
    const login = await visitor.get('/login');
    const script = /src="(\/assets\/app\.js\?v=([^"]+))"/.exec(login.text)!;
    const first = await visitor.get(script[1]!);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(first.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    // Compressed (fetch asks for gzip): the file's tag, weak, as for every encoding but the file itself.
    expect(first.headers.get('etag')).toBe(`W/"${script[2]}"`);
    for (const ifNoneMatch of [`"${script[2]}"`, `W/"${script[2]}"`, `"0123456789ab", W/"${script[2]}"`, '*']) {
      expect(
        (await visitor.request(script[1]!, { headers: { 'if-none-match': ifNoneMatch } })).status,
        ifNoneMatch,
      ).toBe(304);
    }
    expect((await visitor.request(script[1]!, { headers: { 'if-none-match': '"0123456789ab"' } })).status).toBe(200);
    // Another version, as a page from a newer instance asks during a rolling deploy, or none: what is here,
    // not to be kept for a year under that URL.
    for (const other of ['/assets/app.js?v=0123456789ab', '/assets/app.js']) {
      const answer = await visitor.get(other);
      expect(answer.status, other).toBe(200);
      expect(answer.headers.get('cache-control'), other).toBe('no-cache');
    }
    for (const path of ['/assets/', '/assets/app.scss', '/assets/build-assets.ts', '/assets/%2e%2e%2fpackage.json']) {
      expect((await visitor.get(path)).status, path).toBe(404);
    }
  });

  it('come compressed, brotli first, then gzip, as Accept-Encoding allows, each with Vary', async () => {
    const login = await new TestBrowser(service.url).get('/login');
    for (const asset of login.text.matchAll(/(?:href|src)="(\/assets\/[^"]+)"/g)) {
      const path = asset[1]!;
      const plain = await rawAsset(path, 'identity');
      expect(plain.headers['content-encoding'], path).toBeUndefined();
      for (const [acceptEncoding, expected] of [
        ['br, gzip', 'br'],
        ['gzip;q=1, br;q=0.5', 'br'],
        ['gzip, deflate', 'gzip'],
        ['br;q=0, gzip', 'gzip'],
        ['*', 'br'],
        ['identity', undefined],
        ['', undefined],
      ] as const) {
        const answer = await rawAsset(path, acceptEncoding);
        expect(answer.headers['content-encoding'], `${path} ${acceptEncoding}`).toBe(expected);
        expect(answer.headers.vary, path).toMatch(/accept-encoding/i);
        const decoded =
          expected === 'br'
            ? brotliDecompressSync(answer.body)
            : expected === 'gzip'
              ? gunzipSync(answer.body)
              : answer.body;
        expect(decoded.equals(plain.body), `${path} ${acceptEncoding}`).toBe(true);
        if (expected && path.endsWith('.css')) expect(answer.body.length, path).toBeLessThan(plain.body.length / 3);
      }
    }
  });
});

/** An asset as it travels, not decoded the way fetch decodes it. */
function rawAsset(
  path: string,
  acceptEncoding: string,
): Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      new URL(path, service.url),
      { headers: { 'accept-encoding': acceptEncoding } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ headers: response.headers, body: Buffer.concat(chunks) }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}
