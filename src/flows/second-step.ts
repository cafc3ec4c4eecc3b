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
import { deviceOwner, insertDevice } from '../store/devices.ts';
import { recordEvent } from '../store/events.ts';
import { deletePendingSignIn, findPendingSignIn, insertPendingSignIn, type PendingSignIn } from '../store/factors.ts';
import { findUserById, lockUser, type User } from '../store/users.ts';
import { KNOWN_DEVICE_MS } from '../throttles.ts';
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
 * The session a finished sign-in opens, and what the first step put off: the known device, the event, the
 * previous session ended. Undefined when the half-finished sign-in was finished meanwhile, or its password
 * changed: the browser starts again.
 */
async function openSession(
  deps: Deps,
  from: Pending,
  input: { token: string; client: ClientInfo; previousToken?: string; factors: string },
): Promise<SessionOpened | undefined> {
  const { pending, user } = from;
  return startProvenSession(deps, user, {
    ...input,
    knownDevice: pending.known_device === 1,
    // The half-finished sign-in is spent once, and only while the password is still the one it was given.
    claim: async (tx) => {
      if (!(await deletePendingSignIn(tx, digest(input.token)))) return false;
      const current = await lockUser(tx, user.id);
      return current !== undefined && current.password_hash === pending.password_hash && current.disabled_at === null;
    },
  });
}

/**
 * A session proven with `factors`, and what a sign-in does with it: the known device, the event, the session
 * the browser sent in ended. Undefined when `claim` says the sign-in it finishes is no longer good.
 */
export async function startProvenSession(
  deps: Deps,
  user: User,
  input: {
    client: ClientInfo;
    previousToken?: string;
    knownDevice: boolean;
    factors: string;
    claim: (tx: Executor) => Promise<boolean>;
  },
): Promise<SessionOpened | undefined> {
  const deviceToken = input.knownDevice ? undefined : newToken();
  let appsOwed = false;
  const token = await deps.db.transaction().execute(async (tx) => {
    if (!(await input.claim(tx))) return undefined;
    const now = deps.clock.now();
    await recordEvent(tx, user.id, 'sign-in-succeeded', input.client, now);
    if (deviceToken) await insertDevice(tx, digest(deviceToken), user.id, now);
    const started = await startSession(tx, now, user.id, input.client, input.factors);
    appsOwed = await replaceSession(tx, now, input.previousToken, { userId: user.id, token: started });
    return started;
  });
  if (appsOwed) deps.wakeOutbox();
  if (token === undefined) return undefined;
  deps.log.info({ event: 'sign-in', outcome: 'succeeded', userId: user.id, factors: input.factors });
  deps.metrics.signIns.inc({ outcome: 'succeeded' });
  const { factors } = input;
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
  input: { token: string | undefined; proof: FactorProof; client: ClientInfo; previousToken?: string },
): Promise<SecondStepOutcome> {
  const from = await pendingSignIn(deps, input.token);
  if (!from || from.pending.stage !== 'verify' || input.token === undefined) return { ok: false, reason: 'expired' };
  const guessed = await guessFactor(deps, from.user, input.proof, {
    client: input.client,
    knownDevice: from.pending.known_device === 1,
  });
  if (!guessed.ok) return guessed;
  const opened = await openSession(deps, from, { ...input, token: input.token, factors: TWO_FACTORS });
  if (!opened) return { ok: false, reason: 'expired' };
  return { ...opened, usedRecoveryCode: guessed.usedRecoveryCode };
}

export type PasskeyStepOutcome = SessionOpened | { ok: false; reason: 'expired' | 'failed' };

/** The second step with one of the account's passkeys, answering the ceremony its page began. */
export async function completeSecondStepWithPasskey(
  deps: Deps,
  input: { token: string | undefined; sealed: string; credential: string; client: ClientInfo; previousToken?: string },
): Promise<PasskeyStepOutcome> {
  const from = await pendingSignIn(deps, input.token);
  if (!from || from.pending.stage !== 'verify' || input.token === undefined) return { ok: false, reason: 'expired' };
  const proven = await provePasskey(deps, {
    purpose: 'second-step',
    holder: from.pending.token_hash,
    sealed: input.sealed,
    credential: input.credential,
    userId: from.user.id,
  });
  if (!proven.ok) return { ok: false, reason: proven.reason };
  const opened = await openSession(deps, from, { ...input, token: input.token, factors: `pwd ${proven.amr} mfa` });
  return opened ?? { ok: false, reason: 'expired' };
}

/**
 * "Sign in with a passkey", on its own: any discoverable passkey of this site, with user verification, signs
 * its account in (amr hwk or swk, and mfa); no password, no second step.
 */
export async function signInWithPasskey(
  deps: Deps,
  input: { sealed: string; credential: string; client: ClientInfo; previousToken?: string; deviceToken?: string },
): Promise<PasskeyStepOutcome> {
  const proven = await provePasskey(deps, { purpose: 'sign-in', holder: '', ...input });
  if (!proven.ok) {
    deps.log.info({ event: 'sign-in', outcome: 'failed', with: 'passkey' });
    return { ok: false, reason: proven.reason };
  }
  const { user } = proven;
  const knownDevice =
    input.deviceToken !== undefined &&
    isTokenShaped(input.deviceToken) &&
    (await deviceOwner(deps.db, digest(input.deviceToken), deps.clock.now() - KNOWN_DEVICE_MS)) === user.id;
  const opened = await startProvenSession(deps, user, {
    ...input,
    knownDevice,
    factors: `${proven.amr} mfa`,
    claim: async (tx) => {
      const current = await lockUser(tx, user.id);
      return current !== undefined && current.disabled_at === null;
    },
  });
  return opened ?? { ok: false, reason: 'failed' };
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
  const opened = await openSession(deps, from, { ...input, token: input.token, factors: TWO_FACTORS });
  if (!opened) return { ok: false, reason: 'expired' };
  return { ...opened, codes: confirmed.codes };
}
