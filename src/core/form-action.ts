// A page whose form ends at an app (its sign-in sends the browser back to the app's redirect URI, its
// logout to the app's post-logout URI) must say so in its Content-Security-Policy: browsers hold every
// redirect after a form submission to form-action, and ours is 'self' only. The URI given is one the
// provider checked against what the administrator registered.

/** The CSP source of a URI: its origin, or for an app's private-use scheme (com.example.app:/cb) the scheme. */
export function formActionSource(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  if (url.protocol === 'https:' || url.protocol === 'http:') return url.origin;
  // Reverse-domain schemes only (RFC 8252 §7.1), as apps/clients.ts registers them: never javascript: or data:.
  return /^[a-z][a-z0-9]*(\.[a-z0-9-]+)+:$/.test(url.protocol) ? url.protocol : undefined;
}

/** The policy with `uri`'s source added to form-action (unchanged if it has none, or cannot be a source). */
export function allowFormAction(csp: string, uri: string | undefined): string {
  const source = uri === undefined ? undefined : formActionSource(uri);
  if (!source || /[\s;,']/.test(source)) return csp;
  return csp.replace(/form-action ([^;]*)/, (directive, sources: string) =>
    sources.split(' ').includes(source) ? directive : `form-action ${sources} ${source}`,
  );
}
