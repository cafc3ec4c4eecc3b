// Sign in on the "Sales Connect log-in" page (« Connexion à Sales Connect »): email and password.
// SECURITY 16 (an unknown account costs a full hash), 17 (one answer for every failure), 18–21 (throttled
// per account, client and both, before any hash), 23 (a new session; the one sent in is ended), 13 (rehash
// when the parameters rose), 68 (events logged without secrets).
import { clientKey } from '../core/client-address.ts';
import { isEmailAddress, normaliseEmail } from '../core/email-address.ts';
import { MAX_LENGTH, normalisePassword } from '../core/password-policy.ts';
import type { Deps } from '../deps.ts';
import { HashingOverloaded } from '../hasher.ts';
import { recordEvent, recordEventForAddress } from '../store/events.ts';
import { findUserByEmail, upgradePasswordHash, type User } from '../store/users.ts';
import { endSession, startSession, type ClientInfo } from './sessions.ts';

export interface SignInInput {
  email: string;
  password: string;
  client: ClientInfo;
  /** The session cookie the browser sent, if any: it is ended, never promoted. */
  previousToken?: string;
}

export type SignInOutcome =
  | { ok: true; user: User; token: string }
  | { ok: false; reason: 'invalid-credentials' }
  | { ok: false; reason: 'throttled'; retryAfterMs: number };

export async function signIn(deps: Deps, input: SignInInput): Promise<SignInOutcome> {
  const account = normaliseEmail(input.email);
  const client = clientKey(input.client.address);
  const log = deps.log.child({ event: 'sign-in', client: input.client.address });

  // SECURITY 19: the throttle is consulted before the password is looked at, so its answer cannot depend on it.
  const wait = await deps.limits.signIn.wait(account, client, deps.clock.now());
  if (wait > 0) {
    log.warn({ outcome: 'throttled', retryAfterMs: wait });
    deps.metrics.signIns.inc({ outcome: 'throttled' });
    return { ok: false, reason: 'throttled', retryAfterMs: wait };
  }

  const user = isEmailAddress(account) ? await findUserByEmail(deps.db, account) : undefined;
  const password = normalisePassword(input.password);
  // No stored password is longer than the policy allows, so a longer one is wrong without hashing it.
  const plausible = password.length <= MAX_LENGTH * 2;
  const active = user !== undefined && user.disabled_at === null;
  const verified = plausible && (await deps.hasher.verify(active ? user.password_hash : null, password));

  if (!verified || !user) {
    // One transaction, the same statements whether or not the account exists (SECURITY 16, 17).
    const now = deps.clock.now();
    await deps.db.transaction().execute(async (tx) => {
      await deps.limits.signIn.fail(account, client, now, tx);
      await recordEventForAddress(tx, account, 'sign-in-failed', input.client, now);
    });
    log.info({ outcome: 'failed', userId: user?.id ?? null });
    deps.metrics.signIns.inc({ outcome: 'failed' });
    return { ok: false, reason: 'invalid-credentials' };
  }

  await deps.limits.signIn.succeed(account, client);
  await endSession(deps.db, input.previousToken);
  const token = await deps.db.transaction().execute(async (tx) => {
    await recordEvent(tx, user.id, 'sign-in-succeeded', input.client, deps.clock.now());
    return startSession(tx, deps.clock.now(), user.id, input.client);
  });
  log.info({ outcome: 'succeeded', userId: user.id });
  deps.metrics.signIns.inc({ outcome: 'succeeded' });
  if (user.password_hash && deps.hasher.needsRehash(user.password_hash)) upgradeHash(deps, user, user.password_hash, password);
  return { ok: true, user, token };
}

/** Rehash with today's parameters in the background; the sign-in does not wait for it. */
function upgradeHash(deps: Deps, user: User, oldHash: string, password: string): void {
  deps.hasher
    .hash(password)
    .then((newHash) => upgradePasswordHash(deps.db, user.id, oldHash, newHash))
    .catch((error: unknown) => {
      // Under load the rehash waits for the next sign-in; anything else is worth a look.
      if (!(error instanceof HashingOverloaded)) deps.log.error({ err: error, userId: user.id }, 'rehash failed');
    });
}
