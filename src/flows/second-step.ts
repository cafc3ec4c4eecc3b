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
import { deviceOwner } from '../store/devices.ts';
import { recordEvent } from '../store/events.ts';
import { deletePendingSignIn, findPendingSignIn, insertPendingSignIn, type PendingSignIn } from '../store/factors.ts';
import { findUserById, lockUser, type User } from '../store/users.ts';
import { KNOWN_DEVICE_MS } from '../throttles.ts';
import { rememberNewDevice } from './new-device.ts';
import { provePasskey } from './passkeys.ts';
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
  /** How the session was proven (amr): 'pwd otp mfa', 'pwd swk mfa', 'hwk mfa'… */
  factors: string;
  /** A new known-device cookie, when the browser had none for the account (SECURITY 21). */
  deviceToken?: string;
}

/**
 * The session a finished sign-in opens, inside the transaction that finishes it: the half-finished sign-in
 * spent, once, and only while the password is still the one it was given. Undefined otherwise (finished in
 * another tab, or the password changed): the browser starts again.
 */
function openSessionIn(
  deps: Deps,
  from: Pending,
  input: { token: string; client: ClientInfo; previousToken?: string; factors: string },
): (tx: Executor) => Promise<Started | undefined> {
  const { pending, user } = from;
  return async (tx) => {
    if (!(await deletePendingSignIn(tx, digest(input.token)))) return undefined;
    const current = await lockUser(tx, user.id);
    if (!current || current.password_hash !== pending.password_hash || current.disabled_at !== null) return undefined;
    return startSessionIn(tx, deps, user, { ...input, knownDevice: pending.known_device === 1 });
  };
}

interface Started {
  token: string;
  deviceToken: string | undefined;
  appsOwed: boolean;
  factors: string;
}

/** What a sign-in does with its new session: the known device, the event, the session sent in ended. */
async function startSessionIn(
  tx: Executor,
  deps: Deps,
  user: User,
  input: { client: ClientInfo; previousToken?: string; knownDevice: boolean; factors: string },
): Promise<Started> {
  const now = deps.clock.now();
  await recordEvent(tx, user.id, 'sign-in-succeeded', input.client, now);
  const deviceToken = input.knownDevice ? undefined : await rememberNewDevice(tx, user.id, input.client, now);
  const token = await startSession(tx, now, user.id, input.client, input.factors);
  const appsOwed = await replaceSession(tx, now, input.previousToken, { userId: user.id, token });
  return { token, deviceToken, appsOwed, factors: input.factors };
}

/** After the commit: the outbox woken for the apps, the log line, the metric, and the outcome. */
function opened(deps: Deps, user: User, started: Started | undefined): SessionOpened | undefined {
  if (!started) return undefined;
  if (started.appsOwed || started.deviceToken) deps.wakeOutbox();
  deps.log.info({ event: 'sign-in', outcome: 'succeeded', userId: user.id, factors: started.factors });
  deps.metrics.signIns.inc({ outcome: 'succeeded' });
  const { token, factors, deviceToken } = started;
  return deviceToken ? { ok: true, user, token, factors, deviceToken } : { ok: true, user, token, factors };
}

export type SecondStepOutcome =
  | (SessionOpened & { usedRecoveryCode: boolean })
  /** No live half-finished sign-in (expired, finished, or its password changed): sign in again. */
  | { ok: false; reason: 'expired' }
  | { ok: false; reason: 'wrong-code' | 'unavailable' }
  | { ok: false; reason: 'throttled'; retryAfterMs: number };

export async function completeSecondStep(
  deps: Deps,
  input: {
    token: string | undefined;
    proof: FactorProof;
    client: ClientInfo;
    previousToken?: string;
    /** The half-finished sign-in of `token`, when the caller has just read it. */
    pending?: Pending;
  },
): Promise<SecondStepOutcome> {
  const from = input.pending ?? (await pendingSignIn(deps, input.token));
  if (!from || from.pending.stage !== 'verify' || input.token === undefined) return { ok: false, reason: 'expired' };
  const session = openSessionIn(deps, from, { ...input, token: input.token, factors: TWO_FACTORS });
  const context = { client: input.client, knownDevice: from.pending.known_device === 1 };
  const guessed = await guessFactor(deps, from.user, input.proof, context, session);
  if (!guessed.ok) return guessed;
  const done = opened(deps, from.user, guessed.result);
  return done ? { ...done, usedRecoveryCode: guessed.usedRecoveryCode } : { ok: false, reason: 'expired' };
}

export type PasskeyStepOutcome = SessionOpened | { ok: false; reason: 'expired' | 'failed' };

/** The second step with one of the account's passkeys, answering the ceremony its page began. */
export async function completeSecondStepWithPasskey(
  deps: Deps,
  input: { token: string | undefined; sealed: string; credential: string; client: ClientInfo; previousToken?: string },
): Promise<PasskeyStepOutcome> {
  const from = await pendingSignIn(deps, input.token);
  const { token } = input;
  if (!from || from.pending.stage !== 'verify' || token === undefined) return { ok: false, reason: 'expired' };
  const ceremony = {
    purpose: 'second-step' as const,
    holder: from.pending.token_hash,
    sealed: input.sealed,
    credential: input.credential,
    userId: from.user.id,
  };
  // One transaction: the answer spent, the counter moved, the half-finished sign-in spent, the session opened.
  const outcome = await deps.db.transaction().execute(async (tx) => {
    const proven = await provePasskey(deps, ceremony, tx);
    if (!proven.ok) return proven;
    const factors = `pwd ${proven.amr} mfa`;
    return (await openSessionIn(deps, from, { ...input, token, factors })(tx)) ?? 'expired';
  });
  if (outcome === 'expired') return { ok: false, reason: 'expired' };
  if ('ok' in outcome) return { ok: false, reason: outcome.reason };
  return opened(deps, from.user, outcome) ?? { ok: false, reason: 'expired' };
}

/**
 * "Sign in with a passkey", on its own: any discoverable passkey of this site, with user verification, signs
 * its account in (amr hwk or swk, and mfa); no password, no second step.
 */
export async function signInWithPasskey(
  deps: Deps,
  input: { sealed: string; credential: string; client: ClientInfo; previousToken?: string; deviceToken?: string },
): Promise<PasskeyStepOutcome> {
  // Read before the transaction, which holds SQLite's one connection.
  const { deviceToken } = input;
  const deviceOf =
    deviceToken !== undefined && isTokenShaped(deviceToken)
      ? await deviceOwner(deps.db, digest(deviceToken), deps.clock.now() - KNOWN_DEVICE_MS)
      : undefined;
  // One transaction: the answer spent, the counter moved, the session opened.
  const outcome = await deps.db.transaction().execute(async (tx) => {
    const proven = await provePasskey(deps, { purpose: 'sign-in', holder: '', ...input }, tx);
    if (!proven.ok) return proven;
    const current = await lockUser(tx, proven.user.id);
    if (!current || current.disabled_at !== null) return { ok: false as const, reason: 'failed' as const };
    const factors = `${proven.amr} mfa`;
    const knownDevice = deviceOf === current.id;
    const started = await startSessionIn(tx, deps, proven.user, { ...input, knownDevice, factors });
    return { user: proven.user, started };
  });
  if ('ok' in outcome) {
    deps.log.info({ event: 'sign-in', outcome: 'failed', with: 'passkey' });
    return { ok: false, reason: outcome.reason };
  }
  return opened(deps, outcome.user, outcome.started) ?? { ok: false, reason: 'failed' };
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
  const session = openSessionIn(deps, from, { ...input, token: input.token, factors: TWO_FACTORS });
  const done = opened(deps, from.user, await deps.db.transaction().execute(session));
  return done ? { ...done, codes: confirmed.codes } : { ok: false, reason: 'expired' };
}
