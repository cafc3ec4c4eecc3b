// GET /auth/check as a reverse proxy asks it (nginx auth_request, Traefik forwardAuth, Caddy forward_auth),
// for section 12: one answer of each kind checked in full first, then loads that count statuses only.
import { type LoadResult, load, request } from './load.ts';

/** Fails unless a session's cookie gets 200, the identity headers and no body, and no cookie a 401 to sign in. */
export async function checkForwardAuth(url: string, cookie: string, email: string): Promise<void> {
  const signedIn = await request(`${url}/auth/check`, { headers: { cookie } });
  const identity = ['x-user-id', 'x-user-email', 'x-user-name', 'x-user-locale'].map((name) => signedIn.headers[name]);
  if (signedIn.status !== 200 || signedIn.text !== '' || identity.some((value) => !value) || identity[1] !== email)
    throw new Error(`/auth/check with a session answered ${signedIn.status}: ${JSON.stringify(signedIn.headers)}`);
  const anonymous = await request(`${url}/auth/check`);
  if (anonymous.status !== 401 || !anonymous.headers.location?.includes('/login'))
    throw new Error(`/auth/check without a session answered ${anonymous.status} to ${anonymous.headers.location}`);
}

/** `/auth/check` with a session's cookie at `connections`, for `seconds`; every answer must be a 200. */
export async function forwardAuthLoad(
  url: string,
  cookie: string,
  connections: number,
  seconds: number,
): Promise<LoadResult> {
  const result = await load({ url: `${url}/auth/check`, connections, durationSeconds: seconds, headers: { cookie } });
  if ((result.statuses['200'] ?? 0) !== result.total)
    throw new Error(`/auth/check answered ${JSON.stringify(result.statuses)}`);
  return result;
}
