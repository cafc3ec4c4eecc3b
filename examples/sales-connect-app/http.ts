// The app's HTTP plumbing: the URLs it accepts, its security headers, and the ways it answers.
import type { IncomingMessage, ServerResponse } from 'node:http';

const BODY_LIMIT = 16 * 1024;

export function isLoopbackUrl(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Plain http is for a service on this machine only: anywhere else codes and tokens would cross in clear. */
export function httpsUnlessLoopback(name: string, text: string): URL {
  const url = new URL(text);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackUrl(url)))
    throw new Error(`${name} must be an https URL (http only on a loopback address such as localhost): got ${text}`);
  return url;
}

export function setSecurityHeaders(response: ServerResponse, issuer: string): void {
  // Chromium checks form-action on the redirects after a form too: Sign out goes on to the service.
  response.setHeader(
    'content-security-policy',
    `default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self' ${new URL(issuer).origin}; frame-ancestors 'none'; base-uri 'none'`,
  );
  response.setHeader('x-content-type-options', 'nosniff');
  // The callback's URL carries the code: no other site learns it. (no-referrer would make forms send Origin: null.)
  response.setHeader('referrer-policy', 'same-origin');
  response.setHeader('x-frame-options', 'DENY');
}

export function sendPage(response: ServerResponse, status: number, html: string): void {
  response.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  response.end(html);
}

export function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  response.end(text);
}

export function redirect(response: ServerResponse, location: string, status = 303): void {
  response.writeHead(status, { location, 'cache-control': 'no-store' });
  response.end();
}

/** The body as text, or undefined past BODY_LIMIT. */
export async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_LIMIT) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
