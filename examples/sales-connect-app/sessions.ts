// The app's own sessions: an opaque random cookie, and the session itself in this process's memory (enough
// for a demo; a real app keeps them in its database or Redis). The map is keyed by the SHA-256 of the cookie,
// so what is kept in memory cannot be replayed as a cookie.
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What the app keeps between "Sign in" and the callback (RFC 9700 §2.1: state, nonce and PKCE). */
export interface PendingSignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
  startedAt: number;
}

/** Who signed in, from the ID token (and userinfo), and the ID token itself for the logout. */
export interface SignedInUser {
  sub: string;
  /** The provider's session: a back-channel logout names it. */
  sid: string | undefined;
  name: string | undefined;
  email: string | undefined;
  locale: string | undefined;
  /** When the user signed in at the provider (seconds since the epoch). */
  authTime: number | undefined;
  idToken: string;
}

export interface AppSession {
  pending?: PendingSignIn;
  user?: SignedInUser;
  createdAt: number;
}

const PENDING_LIFETIME_MS = 10 * 60 * 1000;
const SESSION_LIFETIME_MS = 12 * 60 * 60 * 1000;

export interface SessionStore {
  read(request: IncomingMessage): AppSession | undefined;
  /** Starts a session under a new cookie, ending the one the browser had (no session fixation). */
  start(request: IncomingMessage, response: ServerResponse, session: Omit<AppSession, 'createdAt'>): AppSession;
  end(request: IncomingMessage, response: ServerResponse): void;
  /** Back-channel logout: ends every session of the provider's session `sid`, or of the user `sub`. */
  endMatching(match: { sid?: string; sub?: string }): number;
  close(): void;
}

function key(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index > 0) cookies.set(part.slice(0, index).trim(), part.slice(index + 1).trim());
  }
  return cookies;
}

export function createSessionStore(options: { secure: boolean; now?: () => number }): SessionStore {
  const now = options.now ?? Date.now;
  // __Host-: over https only, no Domain, Path=/; so neither a subdomain nor plain http can plant one.
  const cookieName = options.secure ? '__Host-demo_session' : 'demo_session';
  const attributes = `Path=/; HttpOnly; SameSite=Lax${options.secure ? '; Secure' : ''}`;
  const sessions = new Map<string, AppSession>();

  const expired = (session: AppSession, at: number) =>
    session.user
      ? at - session.createdAt > SESSION_LIFETIME_MS
      : at - (session.pending?.startedAt ?? session.createdAt) > PENDING_LIFETIME_MS;

  // Visitors who click "Sign in" and never come back leave a pending session: swept every minute.
  const sweeper = setInterval(() => {
    const at = now();
    for (const [id, session] of sessions) if (expired(session, at)) sessions.delete(id);
  }, 60_000);
  sweeper.unref();

  function idOf(request: IncomingMessage): string | undefined {
    const token = parseCookies(request.headers.cookie).get(cookieName);
    return token && /^[A-Za-z0-9_-]{43}$/.test(token) ? key(token) : undefined;
  }

  const clear = (response: ServerResponse) =>
    response.appendHeader('set-cookie', `${cookieName}=; ${attributes}; Max-Age=0`);

  return {
    read(request) {
      const id = idOf(request);
      const session = id === undefined ? undefined : sessions.get(id);
      if (!session || !id) return undefined;
      if (expired(session, now())) {
        sessions.delete(id);
        return undefined;
      }
      return session;
    },
    start(request, response, fields) {
      const old = idOf(request);
      if (old) sessions.delete(old);
      const token = randomBytes(32).toString('base64url');
      const session: AppSession = { ...fields, createdAt: now() };
      sessions.set(key(token), session);
      // No Max-Age: the cookie ends with the browser; the server ends the session after SESSION_LIFETIME_MS.
      response.appendHeader('set-cookie', `${cookieName}=${token}; ${attributes}`);
      return session;
    },
    end(request, response) {
      const id = idOf(request);
      if (id) sessions.delete(id);
      clear(response);
    },
    endMatching({ sid, sub }) {
      let ended = 0;
      for (const [id, session] of sessions) {
        const user = session.user;
        if (!user) continue;
        const matches =
          sid !== undefined ? user.sid === sid && (sub === undefined || user.sub === sub) : user.sub === sub;
        if (matches) {
          sessions.delete(id);
          ended += 1;
        }
      }
      return ended;
    },
    close() {
      clearInterval(sweeper);
    },
  };
}
