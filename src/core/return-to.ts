// Where a user may be sent back to: after signing in, signing out, a reset, and from Settings' "Back to the
// app" link. SECURITY 81: only to an address whose origin is PUBLIC_URL's or one of ALLOWED_APP_ORIGINS,
// compared after the URL parser has normalised it the way a browser would (case, default port, punycode);
// anything else is no target at all, and the caller goes to Settings.

const MAX_LENGTH = 2048;

/**
 * Printable ASCII without space or backslash: what a browser's own encoding of a real address gives. A
 * backslash is read as a slash by browsers but not by every parser, tabs and newlines are dropped by the URL
 * parser (so "java\tscript:" would be javascript:), and anything else cannot go into a Location header.
 */
const PLAIN = /^[\x21-\x5b\x5d-\x7e]+$/;

/**
 * A control character percent-encoded once or twice ("%0d%0a", "%250a": a header split in waiting), or a
 * "%" that starts no escape, which every decoder along the way reads its own way.
 */
const BAD_ESCAPE = /%(?:25)?(?:[01][0-9a-f]|7f)|%(?![0-9a-f]{2})/i;

/**
 * The address to return to, as an absolute URL, or undefined. `origins` are exact serialised origins
 * (URL.origin); a path of ours ("/settings/security") is taken relative to `home`.
 */
export function returnTarget(value: unknown, origins: ReadonlySet<string>, home: URL): string | undefined {
  if (typeof value !== 'string' || value.length > MAX_LENGTH || !PLAIN.test(value)) return undefined;
  if (BAD_ESCAPE.test(value)) return undefined;
  // "//elsewhere" is an address on another host, whatever the base.
  if (value.startsWith('//')) return undefined;
  let url: URL;
  try {
    url = value.startsWith('/') ? new URL(value, home) : new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (url.username !== '' || url.password !== '') return undefined;
  if (url.origin !== home.origin && !origins.has(url.origin)) return undefined;
  return url.href;
}
