// What the apps were given (OpenID Connect grants, src/apps/), as the service's own security events end
// it: signing a session out or revoking it ends what was granted from that browser; a password change,
// "sign out everywhere" ends what other browsers were granted; a reset or a disabled account ends it all.
// Each app that registered a back-channel logout URI is owed a logout token: an outbox row, queued in the
// same transaction as the event, delivered and retried like an email (apps/backchannel.ts). SECURITY 75.
import type { ClientInfo } from '../core/client-address.ts';
import type { Deps } from '../deps.ts';
import type { Executor } from '../store/database.ts';
import { recordEvent } from '../store/events.ts';
import { findClientsByIds } from '../store/oauth-clients.ts';
import { deleteGrants, deleteRows, type GrantScope, liveGrants, providerSessions } from '../store/oidc-payloads.ts';
import { enqueueEmail } from '../store/outbox.ts';
import type { SignedIn } from './sessions.ts';

/** The data of a 'backchannel-logout' outbox row. */
export interface LogoutNotice {
  clientId: string;
  /** The provider's session id at that client, when the grant was made in one. */
  sid?: string;
}

interface StoredSession {
  accountId?: string;
  authorizations?: Record<string, { sid?: string; grantId?: string }>;
}

/** Ends the grants of `scope` (and, but for one app's, the provider's sessions); returns how many grants. */
export async function endAppAccess(tx: Executor, scope: GrantScope, now: number): Promise<number> {
  const grants = await liveGrants(tx, scope, now);
  const sessions = await providerSessions(tx, scope);
  const sids = new Map<string, string>();
  const accounts = new Map<string, string>();
  for (const session of sessions) {
    const stored = JSON.parse(session.payload) as StoredSession;
    for (const authorization of Object.values(stored.authorizations ?? {})) {
      if (authorization.grantId && authorization.sid) sids.set(authorization.grantId, authorization.sid);
    }
  }
  for (const grant of grants) {
    accounts.set(grant.grantId, (JSON.parse(grant.payload) as { accountId: string }).accountId);
  }
  await deleteGrants(
    tx,
    grants.map((grant) => grant.grantId),
  );
  if (!('client' in scope && scope.client !== undefined)) {
    await deleteRows(
      tx,
      'Session',
      sessions.map((session) => session.id),
    );
  }
  const clients = await findClientsByIds(tx, [...new Set(grants.map((grant) => grant.clientId))]);
  const owed = new Set(clients.filter((client) => client.backchannel_logout_uri).map((client) => client.client_id));
  const queued = new Set<string>();
  for (const grant of grants) {
    if (!owed.has(grant.clientId)) continue;
    const notice: LogoutNotice = { clientId: grant.clientId, sid: sids.get(grant.grantId) };
    const key = `${notice.clientId} ${notice.sid ?? ''}`;
    if (queued.has(key)) continue;
    queued.add(key);
    await enqueueEmail(tx, 'backchannel-logout', accounts.get(grant.grantId)!, notice, now);
  }
  return grants.length;
}

export interface ConnectedApp {
  clientId: string;
  name: string;
  /** The scopes granted, beyond openid. */
  scopes: string[];
  /** When the first of its live grants was made. */
  since: number;
}

/** Settings → Security → Connected apps: the apps the account let in, one line each, however many grants. */
export async function connectedApps(deps: Deps, userId: string): Promise<ConnectedApp[]> {
  const grants = await liveGrants(deps.db, { accountId: userId }, deps.clock.now());
  const clients = new Map(
    (
      await findClientsByIds(
        deps.db,
        grants.map((grant) => grant.clientId),
      )
    ).map((c) => [c.client_id, c]),
  );
  const apps = new Map<string, ConnectedApp>();
  for (const grant of grants) {
    const client = clients.get(grant.clientId);
    if (!client) continue;
    const stored = JSON.parse(grant.payload) as { iat?: number; openid?: { scope?: string } };
    const app = apps.get(grant.clientId) ?? {
      clientId: grant.clientId,
      name: client.name,
      scopes: [],
      since: Number.POSITIVE_INFINITY,
    };
    for (const scope of (stored.openid?.scope ?? '').split(' ')) {
      if (scope && scope !== 'openid' && !app.scopes.includes(scope)) app.scopes.push(scope);
    }
    app.since = Math.min(app.since, (stored.iat ?? 0) * 1000);
    apps.set(grant.clientId, app);
  }
  return [...apps.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export type RevokeAppOutcome = { ok: true; name: string } | { ok: false; reason: 'not-found' };

/** The user takes back what one app was given: every grant, its tokens; the app is told (back-channel). */
export async function revokeApp(
  deps: Deps,
  signedIn: SignedIn,
  clientId: string,
  client: ClientInfo,
): Promise<RevokeAppOutcome> {
  const app = (await connectedApps(deps, signedIn.user.id)).find((candidate) => candidate.clientId === clientId);
  if (!app) return { ok: false, reason: 'not-found' };
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (tx) => {
    await endAppAccess(tx, { accountId: signedIn.user.id, client: clientId }, now);
    await recordEvent(tx, signedIn.user.id, 'app-revoked', client, now);
  });
  deps.wakeOutbox();
  deps.log.info({ event: 'app-revoked', userId: signedIn.user.id, clientId });
  return { ok: true, name: app.name };
}
