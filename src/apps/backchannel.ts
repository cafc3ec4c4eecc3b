// OpenID Connect Back-Channel Logout 1.0: the logout token an app is owed when the service ends what it was
// given (flows/app-access.ts queues it in the outbox). The outbox worker calls deliverLogoutNotice for each
// row, and retries it like an email when the app does not answer 200. The URI is the one the administrator
// registered for the client; the token is signed with the key that signs ID tokens.
import { importJWK, SignJWT } from 'jose';
import { MINUTE, SECOND } from '../core/duration.ts';
import { newToken } from '../core/tokens.ts';
import type { Deps } from '../deps.ts';
import type { LogoutNotice } from '../flows/app-access.ts';
import { findClient } from '../store/oauth-clients.ts';
import type { OutboxRow } from '../store/outbox.ts';
import { loadKeys } from './keys.ts';

const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
/** How long an app has to answer, and how long the token it receives stays valid. */
const ANSWER_TIMEOUT_MS = 5 * SECOND;
const TOKEN_LIFETIME_MS = 2 * MINUTE;

/** Throws when the app did not take it (a retry follows); returns when it did, or has no URI any more. */
export function logoutNoticeDelivery(deps: Deps) {
  return async (row: OutboxRow): Promise<void> => {
    const notice = JSON.parse(row.data) as LogoutNotice;
    const client = await findClient(deps.db, notice.clientId);
    // The client was removed, or no longer wants them: nothing is owed.
    if (!client?.backchannel_logout_uri || row.user_id === null) return;
    const now = deps.clock.now();
    const [signer] = (await loadKeys(deps.db, now)).signing;
    const key = await importJWK(signer!.jwk, 'ES256');
    const token = await new SignJWT({
      sub: row.user_id,
      ...(notice.sid ? { sid: notice.sid } : {}),
      events: { [BACKCHANNEL_EVENT]: {} },
    })
      .setProtectedHeader({ alg: 'ES256', kid: signer!.kid, typ: 'logout+jwt' })
      .setIssuer(deps.config.publicUrl.origin)
      .setAudience(client.client_id)
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(Math.floor((now + TOKEN_LIFETIME_MS) / 1000))
      .setJti(newToken())
      .sign(key);
    const response = await fetch(client.backchannel_logout_uri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'cache-control': 'no-store' },
      body: new URLSearchParams({ logout_token: token }),
      redirect: 'manual',
      signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS),
    });
    await response.body?.cancel();
    if (response.status !== 200 && response.status !== 204) {
      throw new Error(`the app answered ${response.status} to its back-channel logout`);
    }
  };
}
