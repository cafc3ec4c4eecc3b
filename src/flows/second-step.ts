// The second step of a sign-in (« Vérification en deux étapes »): after a right password, an account with a
// second factor gets a half-finished sign-in instead of a session, and gives a code from its authenticator
// app or a recovery code; under REQUIRE_2FA=required, an account without one enrols one there and then.
// SECURITY 90: the half-finished sign-in grants nothing else (its own cookie and table, never a session),
// lives five minutes, is bound to the browser that gave the password, and dies with a password change, a
// reset or "sign out everywhere"; the known-device and throttling rules of the first step still apply.
import type { ClientInfo } from '../core/client-address.ts';
import { storedUserAgent } from '../core/client-address.ts';
import { MINUTE } from '../core/duration.ts';
import { digest, isTokenShaped, newToken } from '../core/tokens.ts';
import type { Deps } from '../deps.ts';
import type { Executor } from '../store/database.ts';
import { insertDevice } from '../store/devices.ts';
import { recordEvent } from '../store/events.ts';
import { deletePendingSignIn, findPendingSignIn, insertPendingSignIn, type PendingSignIn } from '../store/factors.ts';
import { findUserById, lockUser, type User } from '../store/users.ts';
import { replaceSession, startSession, TWO_FACTORS } from './sessions.ts';
import { confirmTotp, type FactorProof, guessFactor } from './two-step.ts';

export const PENDING_SIGN_IN_MS = 5 * MINUTE;

export type SecondStage = 'verify' | 'enrol';

/** What a right password leads to for this account: a session at once (undefined), or a second step. */
export function secondStageOf(deps: Deps, user: User): SecondStage | undefined {
  if (deps.config.twoStep === 'off') return undefined;
  if (user.second_factor_at !== null) return 'verify';
  return deps.config.twoStep === 'required' ? 'enrol' : undefined;
}

/** Inside the sign-in's transaction, instead of a session: the value of the `second-step` cookie. */
export async function beginSecondStep(
  tx: Executor,
  now: number,
  user: User,
  stage: SecondStage,
  context: { client: ClientInfo; knownDevice: boolean },
): Promise<string> {
  const token = newToken();
  await insertPendingSignIn(tx, {
    token_hash: digest(token),
    user_id: user.id,
    stage,
    password_hash: user.password_hash ?? '',
    known_device: context.knownDevice ? 1 : 0,
    client_address: context.client.address,
    user_agent: storedUserAgent(context.client),
    created_at: now,
    expires_at: now + PENDING_SIGN_IN_MS,
  });
  return token;
}

export interface Pending {
  pending: PendingSignIn;
  user: User;
}

/** The browser's half-finished sign-in, if it is live and the account's password is still the one given. */
export async function pendingSignIn(deps: Deps, token: string | undefined): Promise<Pending | undefined> {
  if (token === undefined || !isTokenShaped(token)) return undefined;
  const pending = await findPendingSignIn(deps.db, digest(token), deps.clock.now());
  if (!pending) return undefined;
  const user = await findUserById(deps.db, pending.user_id);
  if (!user || user.disabled_at !== null || user.password_hash !== pending.password_hash) return undefined;
  return { pending, user };
}

export interface SessionOpened {
  ok: true;
  user: User;
  token: string;
  /** A new known-device cookie, when the browser had none for the account (SECURITY 21). */
  deviceToken?: string;
}

/**
 * The session a finished sign-in opens, and what the first step put off: the known device, the event, the
 * previous session ended. Undefined when the half-finished sign-in was finished meanwhile, or its password
 * changed: the browser starts again.
 */
async function openSession(
  deps: Deps,
  from: Pending,
  input: { token: string; client: ClientInfo; previousToken?: string },
): Promise<SessionOpened | undefined> {
  const { pending, user } = from;
  const deviceToken = pending.known_device === 1 ? undefined : newToken();
  let appsOwed = false;
  const token = await deps.db.transaction().execute(async (tx) => {
    if (!(await deletePendingSignIn(tx, digest(input.token)))) return undefined;
    const current = await lockUser(tx, user.id);
    if (!current || current.password_hash !== pending.password_hash || current.disabled_at !== null) return undefined;
    const now = deps.clock.now();
    await recordEvent(tx, user.id, 'sign-in-succeeded', input.client, now);
    if (deviceToken) await insertDevice(tx, digest(deviceToken), user.id, now);
    const started = await startSession(tx, now, user.id, input.client, TWO_FACTORS);
    appsOwed = await replaceSession(tx, now, input.previousToken, { userId: user.id, token: started });
    return started;
  });
  if (appsOwed) deps.wakeOutbox();
  if (token === undefined) return undefined;
  deps.log.info({ event: 'sign-in', outcome: 'succeeded', userId: user.id, factors: TWO_FACTORS });
  deps.metrics.signIns.inc({ outcome: 'succeeded' });
  return deviceToken ? { ok: true, user, token, deviceToken } : { ok: true, user, token };
}

export type SecondStepOutcome =
  | (SessionOpened & { usedRecoveryCode: boolean })
  /** No live half-finished sign-in (expired, finished, or its password changed): sign in again. */
  | { ok: false; reason: 'expired' }
  | { ok: false; reason: 'wrong-code' | 'unavailable' }
  | { ok: false; reason: 'throttled'; retryAfterMs: number };

export async function completeSecondStep(
  deps: Deps,
  input: { token: string | undefined; proof: FactorProof; client: ClientInfo; previousToken?: string },
): Promise<SecondStepOutcome> {
  const from = await pendingSignIn(deps, input.token);
  if (!from || from.pending.stage !== 'verify' || input.token === undefined) return { ok: false, reason: 'expired' };
  const guessed = await guessFactor(deps, from.user, input.proof, {
    client: input.client,
    knownDevice: from.pending.known_device === 1,
  });
  if (!guessed.ok) return guessed;
  const opened = await openSession(deps, from, { ...input, token: input.token });
  if (!opened) return { ok: false, reason: 'expired' };
  return { ...opened, usedRecoveryCode: guessed.usedRecoveryCode };
}

export type EnrolmentOutcome =
  | (SessionOpened & { codes: string[] })
  | { ok: false; reason: 'expired' | 'wrong-code' | 'unavailable' };

/** REQUIRE_2FA=required: the first code of the app set up on the second step opens the session. */
export async function completeEnrolment(
  deps: Deps,
  input: { token: string | undefined; sealed: string; code: string; client: ClientInfo; previousToken?: string },
): Promise<EnrolmentOutcome> {
  const from = await pendingSignIn(deps, input.token);
  if (!from || from.pending.stage !== 'enrol' || input.token === undefined) return { ok: false, reason: 'expired' };
  const confirmed = await confirmTotp(deps, {
    user: from.user,
    holder: from.pending.token_hash,
    sealed: input.sealed,
    code: input.code,
    client: input.client,
  });
  if (!confirmed.ok) {
    if (confirmed.reason === 'wrong-code' || confirmed.reason === 'unavailable')
      return { ok: false, reason: confirmed.reason };
    return { ok: false, reason: 'expired' };
  }
  const opened = await openSession(deps, from, { ...input, token: input.token });
  if (!opened) return { ok: false, reason: 'expired' };
  return { ...opened, codes: confirmed.codes };
}
