// Settings → Security → Two-step verification: the authenticator app (enrol, remove), the recovery codes
// (renew), and the proof of a factor that sensitive changes ask for (step-up). The second step of a sign-in
// is flows/second-step.ts; both prove factors here.
// Keys sealed with ENCRYPTION_KEY and bound to the account (README "Two-step verification"). SECURITY 86 (±1
// step, each step once, guesses throttled), 87 (recovery codes random, single use, keyed digests), 89
// (step-up within ten minutes, each change announced and recorded), 85 (enrolling ends every other session,
// and what apps were given from them: from now on the factor holds everywhere).
import type { ClientInfo } from '../core/client-address.ts';
import { clientKey } from '../core/client-address.ts';
import { MINUTE } from '../core/duration.ts';
import { normalisePassword } from '../core/password-policy.ts';
import type { SecretBox } from '../core/secret-box.ts';
import type { Deps } from '../deps.ts';
import { newRecoveryCodes, typedRecoveryCode } from '../factors/recovery-codes.ts';
import { acceptedStep, newTotpSecret, typedCode } from '../factors/totp.ts';
import { asyncCommit } from '../store/connect.ts';
import type { Executor, SecurityEventKind } from '../store/database.ts';
import { recordEvent } from '../store/events.ts';
import {
  advanceTotpStep,
  countUnusedRecoveryCodes,
  deleteFactors,
  findTotpFactor,
  insertTotpFactor,
  replaceRecoveryCodes,
  spendRecoveryCode,
} from '../store/factors.ts';
import { enqueueEmail, type SecurityNotice } from '../store/outbox.ts';
import { deleteSessionsOfUser, markSessionProven, type SessionRow } from '../store/sessions.ts';
import { lockUser, type User } from '../store/users.ts';
import { endAppAccess } from './app-access.ts';
import { type PasskeySummary, passkeysAvailable, passkeysOf, provePasskey } from './passkeys.ts';
import { PASSWORD_ONLY, renewSessionId, type SignedIn, TWO_FACTORS } from './sessions.ts';

/** How long a proof of a factor (or, without one, of the password) lets sensitive changes through. */
export const STEP_UP_MS = 10 * MINUTE;
/** How long an authenticator app's setup page stays good for its first code. */
export const SETUP_MS = 15 * MINUTE;

/** What the user gave as a second factor. */
export type FactorProof = { kind: 'totp'; code: string } | { kind: 'recovery'; code: string };

export interface TwoStepStatus {
  /** The policy lets users enrol (REQUIRE_2FA is not off) and the service can seal keys. */
  available: boolean;
  /** The account has a second factor: an authenticator app, a passkey, or both. */
  enrolled: boolean;
  /** It has an authenticator app. */
  app: boolean;
  passkeys: PasskeySummary[];
  required: boolean;
  recoveryCodesLeft: number;
}

export async function twoStepStatus(deps: Deps, user: User): Promise<TwoStepStatus> {
  const enrolled = user.second_factor_at !== null;
  return {
    available: passkeysAvailable(deps),
    enrolled,
    app: enrolled && (await hasApp(deps, user.id)),
    passkeys: await passkeysOf(deps, user.id),
    required: deps.config.twoStep === 'required',
    recoveryCodesLeft: enrolled ? await countUnusedRecoveryCodes(deps.db, user.id) : 0,
  };
}

/** Whether the account has an authenticator app (it may have passkeys only). */
export async function hasApp(deps: Deps, userId: string): Promise<boolean> {
  return (await findTotpFactor(deps.db, userId)) !== undefined;
}

/** Whether the account's second factor is asked for at all (REQUIRE_2FA=off asks for none). */
export const secondFactorOwed = (deps: Deps, user: User): boolean =>
  deps.config.twoStep !== 'off' && user.second_factor_at !== null;

/** SECURITY 89: a factor (or, for an account without one, the password) proven in this session lately. */
export function recentlyProven(deps: Deps, session: SessionRow): boolean {
  return deps.clock.now() - (session.proven_at ?? session.created_at) <= STEP_UP_MS;
}

const sealedTo = (userId: string) => `totp:${userId}`;
const setupBoundTo = (userId: string, holder: string) => `totp-setup:${userId}:${holder}`;
const recoveryPurpose = (userId: string) => `recovery-code:${userId}`;

/** What is stored of new recovery codes: each one's digest under the sealing key. */
export function recoveryCodeDigests(secrets: SecretBox, userId: string, codes: string[]): string[] {
  return codes.map((code) => secrets.digests(recoveryPurpose(userId), code)[0] as string);
}

export type ProofOutcome = 'proven' | 'wrong' | 'unavailable';

/**
 * Checks a factor of the account and spends it: a code's time step is recorded (never accepted again), a
 * recovery code is marked used. 'unavailable': the service cannot open the account's key (no or another
 * ENCRYPTION_KEY), which the log says.
 */
export async function proveFactor(deps: Deps, user: User, proof: FactorProof, db: Executor = deps.db) {
  const now = deps.clock.now();
  if (!deps.secrets) return 'unavailable';
  if (proof.kind === 'recovery') {
    const code = typedRecoveryCode(proof.code);
    if (code === undefined) return 'wrong';
    const spent = await spendRecoveryCode(db, user.id, deps.secrets.digests(recoveryPurpose(user.id), code), now);
    return spent ? 'proven' : 'wrong';
  }
  const code = typedCode(proof.code);
  const factor = await findTotpFactor(db, user.id);
  if (code === undefined || !factor) return 'wrong';
  const secret = deps.secrets.open(factor.secret, sealedTo(user.id));
  if (secret === undefined) {
    deps.log.error({ event: 'second-factor', userId: user.id }, 'the key of this authenticator app cannot be opened');
    return 'unavailable';
  }
  const step = acceptedStep(secret, code, now, factor.last_step);
  // Two requests with the same code at once: the step is recorded by one of them only (SECURITY 86).
  return step !== undefined && (await advanceTotpStep(db, user.id, step)) ? 'proven' : 'wrong';
}

export type GuessOutcome<T = undefined> =
  | { ok: true; usedRecoveryCode: boolean; result: T }
  | { ok: false; reason: 'wrong-code' | 'unavailable' }
  | { ok: false; reason: 'throttled'; retryAfterMs: number };

/**
 * A guess at the account's second factor, throttled like a password (SECURITY 86): counted per account at
 * the client and, unless `knownDevice`, per account, before it is checked; a wrong one counts against the
 * client too; a right one clears the account's counters. What a right one leads to (`andThen`: opening the
 * session) commits in the transaction that counts and spends it: the second step is one commit.
 */
export async function guessFactor<T = undefined>(
  deps: Deps,
  user: User,
  proof: FactorProof,
  context: { client: ClientInfo; knownDevice: boolean },
  andThen?: (tx: Executor) => Promise<T>,
): Promise<GuessOutcome<T>> {
  const client = clientKey(context.client.address);
  const throttle = deps.throttles.secondFactor;
  const now = deps.clock.now();
  // One transaction: the attempt counted (SECURITY 20: before the code is looked at, so a burst cannot slip
  // through), the code checked and spent, and what it leads to. Checking a code takes microseconds, not the
  // hash a password takes, so nothing is held long.
  const outcome = await deps.db.transaction().execute(async (tx) => {
    const wait = await throttle.attempt(user.id, client, now, { knownDevice: context.knownDevice, db: tx });
    if (wait > 0) return { proven: 'throttled', wait } as const;
    const proven = await proveFactor(deps, user, proof, tx);
    if (proven !== 'proven') {
      await throttle.fail(client, now, tx);
      if (proven === 'wrong') await recordEvent(tx, user.id, 'second-step-failed', context.client, now);
      return { proven } as const;
    }
    await throttle.succeed(user.id, client, tx);
    if (proof.kind === 'recovery') {
      const left = await countUnusedRecoveryCodes(tx, user.id);
      await announce(tx, user, 'recovery-code-used', context.client, now, { left });
    }
    return { proven, result: andThen ? await andThen(tx) : (undefined as T) } as const;
  });
  if (outcome.proven === 'throttled') return { ok: false, reason: 'throttled', retryAfterMs: outcome.wait };
  if (outcome.proven !== 'proven') {
    deps.log.info({ event: 'second-factor', outcome: outcome.proven, userId: user.id });
    return { ok: false, reason: outcome.proven === 'wrong' ? 'wrong-code' : 'unavailable' };
  }
  if (proof.kind === 'recovery') deps.wakeOutbox();
  return { ok: true, usedRecoveryCode: proof.kind === 'recovery', result: outcome.result as T };
}

/** SECURITY 89: recorded in the activity list and emailed to the owner, in one transaction with the change. */
export async function announce(
  tx: Executor,
  user: User,
  notice: SecurityNotice['notice'],
  client: ClientInfo,
  now: number,
  extra: { left?: number; passkey?: string } = {},
): Promise<void> {
  await recordEvent(tx, user.id, notice satisfies SecurityEventKind, client, now);
  await enqueueEmail(tx, 'security-notice', user.id, { notice, at: now, ...extra } satisfies SecurityNotice, now);
}

export type StepUpProof =
  | FactorProof
  | { kind: 'password'; password: string }
  /** A passkey's answer to the ceremony the confirm page began (flows/passkeys.ts). */
  | { kind: 'passkey'; sealed: string; credential: string };

export type StepUpOutcome =
  | { ok: true }
  | { ok: false; reason: 'wrong' | 'unavailable' }
  | { ok: false; reason: 'throttled'; retryAfterMs: number };

/**
 * SECURITY 89: "confirm it's you" before a sensitive change: the second factor if the account has one, else
 * the password; guesses count against the account as at sign-in (SECURITY 54, 86).
 */
export async function stepUp(
  deps: Deps,
  signedIn: SignedIn,
  proof: StepUpProof,
  client: ClientInfo,
): Promise<StepUpOutcome> {
  const { user, session } = signedIn;
  if (!secondFactorOwed(deps, user)) {
    if (proof.kind !== 'password') return { ok: false, reason: 'wrong' };
    const verified = await verifyPassword(deps, user, proof.password, client);
    if (!verified.ok) return verified;
  } else if (proof.kind === 'passkey') {
    const { sealed, credential } = proof;
    const proven = await provePasskey(deps, {
      purpose: 'step-up',
      holder: session.id_hash,
      sealed,
      credential,
      userId: user.id,
    });
    if (!proven.ok) return { ok: false, reason: 'wrong' };
  } else {
    if (proof.kind === 'password') return { ok: false, reason: 'wrong' };
    // Counted per account too (at most 100 failures a day, as sign-in's): a stolen session spreading guesses
    // over many addresses must not get unlimited tries at what unlocks every sensitive change.
    const guessed = await guessFactor(deps, user, proof, { client, knownDevice: false });
    if (!guessed.ok && guessed.reason === 'throttled') return guessed;
    if (!guessed.ok) return { ok: false, reason: guessed.reason === 'wrong-code' ? 'wrong' : 'unavailable' };
  }
  await markSessionProven(deps.db, session.id_hash, session.factors, deps.clock.now());
  return { ok: true };
}

/** The password again, through the sign-in throttle and its account counter (SECURITY 54), as Settings' current password is. */
async function verifyPassword(deps: Deps, user: User, password: string, client: ClientInfo): Promise<StepUpOutcome> {
  const key = clientKey(client.address);
  const wait = await asyncCommit(deps.db, (tx) =>
    deps.throttles.signIn.attempt(user.email, key, deps.clock.now(), { db: tx }),
  );
  if (wait > 0) return { ok: false, reason: 'throttled', retryAfterMs: wait };
  if (password !== '' && (await deps.hasher.verify(user.password_hash, normalisePassword(password)))) {
    await deps.throttles.signIn.succeed(user.email, key);
    return { ok: true };
  }
  await asyncCommit(deps.db, (tx) => deps.throttles.signIn.fail(key, deps.clock.now(), tx));
  return { ok: false, reason: 'wrong' };
}

export interface TotpSetup {
  secret: string;
  /** The secret sealed to the account and to whoever started the setup: the form carries it back. */
  sealed: string;
}

/**
 * A new key for an authenticator app, not saved: it counts once its first code confirms it. It is sealed to
 * `holder` (the session, or the half-finished sign-in, that asked for it): nobody else can confirm it, or
 * read it back, even with the account’s password (SECURITY 89).
 */
export function beginTotpSetup(deps: Deps, userId: string, holder: string): TotpSetup | undefined {
  if (!deps.secrets || deps.config.twoStep === 'off') return undefined;
  const secret = newTotpSecret();
  const plain = JSON.stringify({ secret, at: deps.clock.now() });
  return { secret, sealed: deps.secrets.seal(plain, setupBoundTo(userId, holder)) };
}

/** The setup of `sealed`, if it is this holder's and still fresh. */
export function openTotpSetup(deps: Deps, userId: string, holder: string, sealed: string): TotpSetup | undefined {
  const plain = deps.secrets?.open(sealed, setupBoundTo(userId, holder));
  if (plain === undefined) return undefined;
  const { secret, at } = JSON.parse(plain) as { secret: string; at: number };
  const age = deps.clock.now() - at;
  return age >= 0 && age <= SETUP_MS ? { secret, sealed } : undefined;
}

export type ConfirmTotpOutcome =
  /** `codes`: the recovery codes, shown once; `token`: the session's new cookie value, when it has one. */
  | { ok: true; codes: string[]; token: string | undefined }
  | { ok: false; reason: 'wrong-code' | 'expired' | 'already-enrolled' | 'step-up' | 'unavailable' };

/**
 * The first code confirms the setup: the key is saved sealed to the account, ten recovery codes are made,
 * the owner is told. From a signed-in session (`session`), every other session ends with what the apps
 * were given from them, and this one is renamed and counts as proven with both factors.
 */
export async function confirmTotp(
  deps: Deps,
  input: { user: User; holder: string; sealed: string; code: string; client: ClientInfo; session?: SessionRow },
): Promise<ConfirmTotpOutcome> {
  const { user, session } = input;
  if (!deps.secrets) return { ok: false, reason: 'unavailable' };
  if (session && !recentlyProven(deps, session)) return { ok: false, reason: 'step-up' };
  const setup = openTotpSetup(deps, user.id, input.holder, input.sealed);
  if (!setup) return { ok: false, reason: 'expired' };
  const code = typedCode(input.code);
  const now = deps.clock.now();
  const step = code === undefined ? undefined : acceptedStep(setup.secret, code, now, 0);
  if (step === undefined) return { ok: false, reason: 'wrong-code' };
  const secrets = deps.secrets;
  const done = await deps.db.transaction().execute(async (tx) => {
    const current = await lockUser(tx, user.id);
    if (!current || current.disabled_at !== null) return { ok: false as const, reason: 'expired' as const };
    if (await findTotpFactor(tx, user.id)) return { ok: false as const, reason: 'already-enrolled' as const };
    // Recovery codes come with the account's first factor; an app added beside a passkey keeps them.
    const first = current.second_factor_at === null;
    const codes = first ? newRecoveryCodes() : [];
    const secret = secrets.seal(setup.secret, sealedTo(user.id));
    const codeDigests = recoveryCodeDigests(secrets, user.id, codes);
    await insertTotpFactor(tx, { userId: user.id, secret, lastStep: step, codeDigests }, now);
    await announce(tx, user, 'two-step-enabled', input.client, now);
    if (!first) return { ok: true as const, codes, token: undefined };
    // Nothing proven without the factor goes on: the other sessions, what the apps were given (SECURITY 85);
    // on the way in (no session yet) the half-finished sign-in that holds the setup is spared.
    await deleteSessionsOfUser(tx, user.id, session?.id_hash ?? input.holder);
    await endAppAccess(tx, { accountId: user.id, exceptSession: session?.id_hash }, now);
    if (!session) return { ok: true as const, codes, token: undefined };
    await markSessionProven(tx, session.id_hash, TWO_FACTORS, now);
    const token = await renewSessionId(tx, now, session);
    return token === undefined
      ? { ok: false as const, reason: 'expired' as const }
      : { ok: true as const, codes, token };
  });
  if (done.ok) {
    deps.wakeOutbox();
    deps.log.info({ event: 'two-step-enabled', userId: user.id });
  }
  return done;
}

export type TwoStepChangeOutcome =
  | { ok: true; codes: string[] }
  | { ok: false; reason: 'step-up' | 'not-enrolled' | 'required' | 'unavailable' };

/** Removes the authenticator app and the recovery codes; refused while REQUIRE_2FA=required. */
export async function removeTwoStep(deps: Deps, signedIn: SignedIn, client: ClientInfo): Promise<TwoStepChangeOutcome> {
  const { user, session } = signedIn;
  if (deps.config.twoStep === 'required') return { ok: false, reason: 'required' };
  // Under REQUIRE_2FA=off no factor is asked, so none proves the owner: the factors wait, untouched.
  if (deps.config.twoStep === 'off') return { ok: false, reason: 'unavailable' };
  if (!recentlyProven(deps, session)) return { ok: false, reason: 'step-up' };
  const now = deps.clock.now();
  const removed = await deps.db.transaction().execute(async (tx) => {
    if (!(await deleteFactors(tx, user.id))) return false;
    await markSessionProven(tx, session.id_hash, PASSWORD_ONLY, session.proven_at ?? now);
    await announce(tx, user, 'two-step-disabled', client, now);
    return true;
  });
  if (!removed) return { ok: false, reason: 'not-enrolled' };
  deps.wakeOutbox();
  deps.log.info({ event: 'two-step-disabled', userId: user.id });
  return { ok: true, codes: [] };
}

/** Ten new recovery codes; the old ones die. */
export async function renewRecoveryCodes(
  deps: Deps,
  signedIn: SignedIn,
  client: ClientInfo,
): Promise<TwoStepChangeOutcome> {
  const { user, session } = signedIn;
  const secrets = deps.secrets;
  if (!secrets || deps.config.twoStep === 'off') return { ok: false, reason: 'unavailable' };
  if (user.second_factor_at === null) return { ok: false, reason: 'not-enrolled' };
  if (!recentlyProven(deps, session)) return { ok: false, reason: 'step-up' };
  const codes = newRecoveryCodes();
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (tx) => {
    await replaceRecoveryCodes(tx, user.id, recoveryCodeDigests(secrets, user.id, codes), now);
    await announce(tx, user, 'recovery-codes-renewed', client, now);
  });
  deps.wakeOutbox();
  return { ok: true, codes };
}
