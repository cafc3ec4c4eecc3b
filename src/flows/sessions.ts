// Sessions: start, resume, rename, end. The only flow file that is not a documented action; sign-in,
// sign-out and the password changes all go through it.
// SECURITY 59: 256-bit random ids, stored as SHA-256. SECURITY 62: idle and absolute expiry, on the server.
// SECURITY 63: the id comes only from the cookie (the web layer reads nothing else).
import { type ClientInfo, storedUserAgent } from '../core/client-address.ts';
import { isSessionOver, needsTouch } from '../core/session-expiry.ts';
import { digest, isTokenShaped, newToken } from '../core/tokens.ts';
import type { Deps } from '../deps.ts';
import type { Executor } from '../store/database.ts';
import { moveSessionHash } from '../store/oidc-payloads.ts';
import {
  deleteSession,
  findSessionWithUser,
  insertSession,
  renameSession,
  type SessionRow,
  touchSession,
} from '../store/sessions.ts';
import type { User } from '../store/users.ts';
import { endAppAccess } from './app-access.ts';

export interface SignedIn {
  user: User;
  session: SessionRow;
}

/**
 * 'enrol': REQUIRE_2FA=required and the account has no second factor yet: the session may enrol one and
 * nothing else (flows/two-step.ts); 'new-password': the password was found breached at sign-in (SECURITY 7),
 * and the session may choose a new one and nothing else (flows/breached-password.ts). Every other page and
 * app treats either as no session.
 */
export type ResumeOutcome =
  | { status: 'active'; signedIn: SignedIn }
  | { status: 'enrol' | 'new-password'; signedIn: SignedIn }
  | { status: 'expired' }
  | { status: 'none' };

/** The amr (RFC 8176) of a session proven with the password only, and with a second factor too. */
export const PASSWORD_ONLY = 'pwd';
export const TWO_FACTORS = 'pwd otp mfa';

/** Starts a session and returns the cookie value, which is never stored. */
export async function startSession(
  db: Executor,
  now: number,
  userId: string,
  client: ClientInfo,
  factors = PASSWORD_ONLY,
): Promise<string> {
  const token = newToken();
  await insertSession(db, {
    id_hash: digest(token),
    user_id: userId,
    created_at: now,
    last_seen_at: now,
    client_address: client.address,
    user_agent: storedUserAgent(client),
    factors,
    proven_at: factors === PASSWORD_ONLY ? null : now,
  });
  return token;
}

/**
 * SECURITY 85: what a live session may do. One proven without the second factor its account has now (signed
 * in while REQUIRE_2FA was off, or before a factor was added elsewhere) is over; under REQUIRE_2FA=required,
 * one of an account without a factor may only enrol one.
 */
function standing(deps: Deps, found: SignedIn): 'full' | 'enrol' | 'new-password' | 'over' {
  const factor = factorStanding(deps, found);
  if (factor !== 'full') return factor;
  return found.user.password_breached_at !== null ? 'new-password' : 'full';
}

function factorStanding(deps: Deps, found: SignedIn): 'full' | 'enrol' | 'over' {
  const policy = deps.config.twoStep;
  if (policy === 'off') return 'full';
  if (found.user.second_factor_at !== null) return hasSecondFactor(found.session) ? 'full' : 'over';
  return policy === 'required' ? 'enrol' : 'full';
}

/** Proven with more than one factor: a password and a code or passkey, or a passkey alone (amr mfa). */
export const hasSecondFactor = (session: SessionRow): boolean => session.factors.split(' ').includes('mfa');

export async function resumeSession(deps: Deps, token: string | undefined): Promise<ResumeOutcome> {
  if (token === undefined || !isTokenShaped(token)) return { status: 'none' };
  const idHash = digest(token);
  const found = await findSessionWithUser(deps.db, idHash);
  if (!found) return { status: 'none' };
  const now = deps.clock.now();
  const timeouts = { idleMs: deps.config.sessionIdleTimeoutMs, absoluteMs: deps.config.sessionAbsoluteTimeoutMs };
  const stand = standing(deps, found);
  if (stand === 'over') {
    // Proven without the factor the account has now: what the apps were given from it ends too.
    if (await deps.db.transaction().execute((tx) => endSession(tx, now, token))) deps.wakeOutbox();
    return { status: 'expired' };
  }
  if (isSessionOver(found.session, timeouts, now) || found.user.disabled_at !== null) {
    await deleteSession(deps.db, idHash);
    return { status: 'expired' };
  }
  if (needsTouch(found.session, timeouts.idleMs, now)) {
    await touchSession(deps.db, idHash, now);
    found.session.last_seen_at = now;
  }
  return { status: stand === 'full' ? 'active' : stand, signedIn: found };
}

/**
 * Who the session belongs to, if it is live, without a write: for pages that only want the user's language
 * (an error page, a refused request, which must change nothing).
 */
export async function peekSession(deps: Deps, token: string | undefined): Promise<SignedIn | undefined> {
  if (token === undefined || !isTokenShaped(token)) return undefined;
  const found = await findSessionWithUser(deps.db, digest(token));
  const timeouts = { idleMs: deps.config.sessionIdleTimeoutMs, absoluteMs: deps.config.sessionAbsoluteTimeoutMs };
  if (!found || isSessionOver(found.session, timeouts, deps.clock.now()) || found.user.disabled_at !== null)
    return undefined;
  return standing(deps, found) === 'full' ? found : undefined;
}

/** Gives the session a new id (after a privilege change): the new cookie value, or undefined if it ended. */
export async function renewSessionId(db: Executor, now: number, session: SessionRow): Promise<string | undefined> {
  const token = newToken();
  if (!(await renameSession(db, session.id_hash, digest(token), now))) return undefined;
  await moveSessionHash(db, session.id_hash, digest(token));
  return token;
}

/** Ends the session and what the apps were given from it (app-access.ts): true if that was anything. */
export async function endSession(tx: Executor, now: number, token: string | undefined): Promise<boolean> {
  if (token === undefined || !isTokenShaped(token)) return false;
  await deleteSession(tx, digest(token));
  return (await endAppAccess(tx, { session: digest(token) }, now)) > 0;
}

/**
 * A sign-in from a browser that still had a session: that one ends (SECURITY 61). If it was the same
 * account's (signing in again, as an app's prompt=login asks), what the apps were given from it stays, now
 * tied to the new session; another account's ends with it.
 */
export async function replaceSession(
  tx: Executor,
  now: number,
  previousToken: string | undefined,
  next: { userId: string; token: string },
): Promise<boolean> {
  if (previousToken === undefined || !isTokenShaped(previousToken)) return false;
  const previous = await findSessionWithUser(tx, digest(previousToken));
  if (previous?.session.user_id === next.userId) {
    await deleteSession(tx, digest(previousToken));
    await moveSessionHash(tx, digest(previousToken), digest(next.token));
    return false;
  }
  return endSession(tx, now, previousToken);
}
