// Forgot password? (« Mot de passe oublié ? ») on the log-in page → the email address → Send Reset Email
// (« Envoyer un e-mail de réinitialisation »). PRODUCT.md "Signed out", steps 1–2.
// SECURITY 27 (the same answer for every address), 28 (same work and timing, never waiting for SMTP; the
// email is queued durably), 29 (the worker mails the stored address of the matched account), 30 (capped
// per address, silently, and per client), 32 (nothing on the account changes).

import type { ClientInfo } from '../core/client-address.ts';
import { clientKey } from '../core/client-address.ts';
import { isEmailAddress, normaliseEmail } from '../core/email-address.ts';
import { digest } from '../core/tokens.ts';
import type { Deps } from '../deps.ts';
import { recordEventForAddress } from '../store/events.ts';
import { enqueueEmailForAddress } from '../store/outbox.ts';

export type SendResetEmailOutcome =
  | { ok: true }
  | { ok: false; reason: 'invalid-email' }
  | { ok: false; reason: 'throttled'; retryAfterMs: number };

export async function sendResetEmail(
  deps: Deps,
  /** returnTo: an allow-listed address (core/return-to.ts) the reset link leads back to, once used. */
  input: { email: string; client: ClientInfo; returnTo?: string },
): Promise<SendResetEmailOutcome> {
  const address = normaliseEmail(input.email);
  if (!isEmailAddress(address)) return { ok: false, reason: 'invalid-email' };
  const keys = { address: digest(address), client: clientKey(input.client.address) };
  const now = deps.clock.now();

  // One transaction, the same statements for every address: the counters, counted before they are
  // judged (SECURITY 20: a burst of parallel requests cannot all pass), the event, then an insert that
  // finds the account itself and queues one row whatever the address, tied to the account only if there is
  // one and the address is not capped (only that one is ever sent).
  const result = await deps.db.transaction().execute(async (tx) => {
    // The per-client limit answers 429: it says something about the client, nothing about the address.
    const { client: clientWait } = await deps.throttles.resetEmail.take({ client: keys.client }, now, tx);
    if (clientWait > 0) return { throttled: clientWait };
    const capped = (await deps.throttles.resetEmail.take({ address: keys.address }, now, tx)).address > 0;
    // Every request leaves one event, the same row for every address; it shows in the owner's activity only
    // when an email goes out, so a flood of requests for their address cannot bury what they need to see.
    await recordEventForAddress(tx, capped ? '' : address, 'reset-requested', input.client, now);
    return {
      queued: await enqueueEmailForAddress(
        tx,
        'reset-email',
        capped ? '' : address,
        { requestedAt: now, returnTo: input.returnTo },
        now,
      ),
      capped,
    };
  });
  if (result.throttled !== undefined) return { ok: false, reason: 'throttled', retryAfterMs: result.throttled };
  const { queued, capped } = result;
  // Every address wakes the outbox, which sends the email or drops the row of no account: when the worker
  // runs after the answer does not depend on the address (what it does there does, out of the request).
  deps.wakeOutbox();
  deps.metrics.resetsRequested.inc();
  deps.log.info({ event: 'reset-requested', client: input.client.address, queued, capped });
  return { ok: true };
}
