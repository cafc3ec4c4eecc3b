// Settings → Security: the account's recent activity and its active sessions, each of which the owner can
// end, or all but this one ("sign out everywhere else"). SECURITY 61, 68.

import type { ClientInfo } from '../core/client-address.ts';
import { isSessionOver } from '../core/session-expiry.ts';
import { digest } from '../core/tokens.ts';
import type { Deps } from '../deps.ts';
import type { Executor } from '../store/database.ts';
import { recentEvents, recordEvent, type SecurityEvent } from '../store/events.ts';
import { deleteSession, deleteSessionsOfUser, type SessionRow, sessionsOfUser } from '../store/sessions.ts';
import { endAppAccess } from './app-access.ts';
import type { SignedIn } from './sessions.ts';

export interface ActiveSession {
  /** Names the session in forms without revealing anything that could be used as it. */
  id: string;
  current: boolean;
  createdAt: number;
  lastSeenAt: number;
  clientAddress: string;
  userAgent: string;
}

/** A digest of the stored digest: stable, short, and useless to anyone who reads it. */
function publicId(session: SessionRow): string {
  return digest(session.id_hash).slice(0, 32);
}

export async function activeSessions(deps: Deps, signedIn: SignedIn): Promise<ActiveSession[]> {
  const now = deps.clock.now();
  return (await liveSessions(deps, deps.db, signedIn.user.id, now)).map((session) => ({
    id: publicId(session),
    current: session.id_hash === signedIn.session.id_hash,
    createdAt: session.created_at,
    lastSeenAt: session.last_seen_at,
    clientAddress: session.client_address,
    userAgent: session.user_agent,
  }));
}

export interface Activity {
  kind: SecurityEvent['kind'];
  at: number;
  clientAddress: string;
  userAgent: string;
}

export async function recentActivity(deps: Deps, signedIn: SignedIn): Promise<Activity[]> {
  return (await recentEvents(deps.db, signedIn.user.id, 20)).map((event) => ({
    kind: event.kind,
    at: event.at,
    clientAddress: event.client_address,
    userAgent: event.user_agent,
  }));
}

export type RevokeOutcome = { ok: true } | { ok: false; reason: 'not-found' | 'current' };

/** SECURITY 57: only a session of the signed-in account can be found, whatever id is sent. */
export async function revokeSession(
  deps: Deps,
  signedIn: SignedIn,
  id: string,
  client: ClientInfo,
): Promise<RevokeOutcome> {
  const now = deps.clock.now();
  const session = (await liveSessions(deps, deps.db, signedIn.user.id, now)).find(
    (candidate) => publicId(candidate) === id,
  );
  if (!session) return { ok: false, reason: 'not-found' };
  if (session.id_hash === signedIn.session.id_hash) return { ok: false, reason: 'current' };
  await deps.db.transaction().execute(async (tx) => {
    await deleteSession(tx, session.id_hash);
    await endAppAccess(tx, { session: session.id_hash }, now);
    await recordEvent(tx, signedIn.user.id, 'sessions-revoked', client, now);
  });
  deps.wakeOutbox();
  deps.log.info({ event: 'session-revoked', userId: signedIn.user.id });
  return { ok: true };
}

export async function signOutEverywhereElse(deps: Deps, signedIn: SignedIn, client: ClientInfo): Promise<number> {
  const now = deps.clock.now();
  const ended = await deps.db.transaction().execute(async (tx) => {
    const count = await deleteSessionsOfUser(tx, signedIn.user.id, signedIn.session.id_hash);
    await endAppAccess(tx, { accountId: signedIn.user.id, exceptSession: signedIn.session.id_hash }, now);
    if (count > 0) await recordEvent(tx, signedIn.user.id, 'sessions-revoked', client, now);
    return count;
  });
  deps.wakeOutbox();
  deps.log.info({ event: 'sessions-revoked', userId: signedIn.user.id, ended });
  return ended;
}

async function liveSessions(deps: Deps, db: Executor, userId: string, now: number): Promise<SessionRow[]> {
  const timeouts = { idleMs: deps.config.sessionIdleTimeoutMs, absoluteMs: deps.config.sessionAbsoluteTimeoutMs };
  return (await sessionsOfUser(db, userId)).filter((session) => !isSessionOver(session, timeouts, now));
}
