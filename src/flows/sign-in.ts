// Sign in on the "Sales Connect log-in" page (« Connexion à Sales Connect »): email and password.
// SECURITY 16 (an unknown account costs a full hash), 17 (one answer for every failure), 18–21 (throttled
// per account, client and both, before any hash; a browser that signed in before skips the account-wide
// counter, so an attacker cannot lock the owner out), 23 (a new session; the one sent in is ended), 13 (rehash
// when the parameters rose), 68 (events logged without secrets).

import type { ClientInfo } from '../core/client-address.ts';
import { clientKey } from '../core/client-address.ts';
import { DAY } from '../core/duration.ts';
import { isEmailAddress, normaliseEmail } from '../core/email-address.ts';
import type { Locale } from '../core/locale.ts';
import { MAX_LENGTH, normalisePassword } from '../core/password-policy.ts';
import { digest, isTokenShaped } from '../core/tokens.ts';
import type { Deps } from '../deps.ts';
import { HashingOverloaded } from '../hasher.ts';
import { asyncCommit } from '../store/connect.ts';
import type { Executor } from '../store/database.ts';
import { deviceOwner } from '../store/devices.ts';
import { recordEvent, recordEventForAddress } from '../store/events.ts';
import {
  adoptLocale,
  findUserByEmail,
  lockUser,
  recordBreachCheck,
  type User,
  upgradePasswordHash,
} from '../store/users.ts';
import { KNOWN_DEVICE_MS } from '../throttles.ts';
import { rememberNewDevice } from './new-device.ts';
import { beginSecondStep, type SecondStage, secondStageOf } from './second-step.ts';
import { replaceSession, startSession } from './sessions.ts';

export interface SignInInput {
  email: string;
  password: string;
  client: ClientInfo;
  /** The session cookie the browser sent, if any: it is ended, never promoted. */
  previousToken?: string;
  /** The known-device cookie the browser sent, if any (SECURITY 21). */
  deviceToken?: string;
  /** The language of the page signed in from: an account whose language nobody chose takes it. */
  pageLocale?: Locale;
}

export type SignInOutcome =
  /** `deviceToken`: a new known-device cookie for this browser, when it did not present one. */
  | { ok: true; user: User; token: string; deviceToken?: string }
  /**
   * The password was right, and the account owes a second step (flows/second-step.ts): no session yet, only
   * the value of the `second-step` cookie. Not `ok`, so that nothing reads it as signed in.
   */
  | { ok: false; reason: 'second-step'; user: User; stage: SecondStage; pendingToken: string }
  | { ok: false; reason: 'invalid-credentials' }
  | { ok: false; reason: 'throttled'; retryAfterMs: number };

export async function signIn(deps: Deps, input: SignInInput): Promise<SignInOutcome> {
  const account = normaliseEmail(input.email);
  const client = clientKey(input.client.address);
  const log = deps.log.child({ event: 'sign-in', client: input.client.address });
  // What is not an address is looked up as none (the same statements, matching nothing): it never reaches
  // the database as typed, where a NUL byte would make PostgreSQL refuse the query.
  const lookup = isEmailAddress(account) ? account : '';
  const user = lookup === '' ? undefined : await findUserByEmail(deps.db, lookup);
  const knownDevice = await isKnownDevice(deps, input.deviceToken, user?.id);

  // SECURITY 19, 20: the attempt is counted, and the throttle consulted, before the password is looked at.
  const wait = await asyncCommit(deps.db, (tx) =>
    deps.throttles.signIn.attempt(account, client, deps.clock.now(), { knownDevice, db: tx }),
  );
  if (wait > 0) {
    log.warn({ outcome: 'throttled', retryAfterMs: wait });
    deps.metrics.signIns.inc({ outcome: 'throttled' });
    return { ok: false, reason: 'throttled', retryAfterMs: wait };
  }

  const password = normalisePassword(input.password);
  // No stored password is longer than the policy allows, so a longer one is wrong without hashing it.
  const plausible = password.length <= MAX_LENGTH * 2;
  const active = user !== undefined && user.disabled_at === null;
  const verified = plausible && (await deps.hasher.verify(active ? user.password_hash : null, password));

  if (!verified || !user) {
    // One transaction, the same statements and the same write whether or not the account exists (SECURITY 16, 17).
    const now = deps.clock.now();
    await deps.db.transaction().execute(async (tx) => {
      await deps.throttles.signIn.fail(client, now, tx);
      await recordEventForAddress(tx, lookup, 'sign-in-failed', input.client, now);
    });
    log.info({ outcome: 'failed', userId: user?.id ?? null });
    deps.metrics.signIns.inc({ outcome: 'failed' });
    return { ok: false, reason: 'invalid-credentials' };
  }

  const breach = await breachCheckDue(deps, user, password);
  const stage = secondStageOf(deps, user);
  if (stage) {
    const outcome = await beginSecondStepAfter(deps, user, { account, client, knownDevice, stage, input, breach });
    if (
      !outcome.ok &&
      outcome.reason === 'second-step' &&
      user.password_hash &&
      deps.hasher.needsRehash(user.password_hash)
    )
      upgradeHash(deps, user, user.password_hash, password);
    return outcome;
  }

  let deviceToken: string | undefined;
  let appsOwed = false;
  // One transaction, one commit: the counters, the session sent in, and the new session.
  const token = await deps.db.transaction().execute(async (tx) => {
    // SECURITY 48, 56: a reset or change committed while the password was being verified has ended every
    // session; a session started now from the old password must not outlive it. The account row is locked
    // first, as a password change locks it before it clears the counters: one lock order, no deadlock.
    const current = await lockUser(tx, user.id);
    if (!current || current.password_hash !== user.password_hash || current.disabled_at !== null) return undefined;
    await deps.throttles.signIn.succeed(account, client, tx);
    const now = deps.clock.now();
    await recordEvent(tx, user.id, 'sign-in-succeeded', input.client, now);
    if (breach) await recordBreach(tx, current, breach, input.client, now);
    if (input.pageLocale && current.locale_chosen_at === null) await adoptLocale(tx, user.id, input.pageLocale, now);
    if (!knownDevice) deviceToken = await rememberNewDevice(tx, user.id, input.client, now);
    const started = await startSession(tx, now, user.id, input.client);
    appsOwed = await replaceSession(tx, now, input.previousToken, { userId: user.id, token: started });
    return started;
  });
  if (appsOwed || deviceToken) deps.wakeOutbox();
  if (token === undefined) {
    log.info({ outcome: 'failed', userId: user.id, reason: 'credentials changed meanwhile' });
    deps.metrics.signIns.inc({ outcome: 'failed' });
    return { ok: false, reason: 'invalid-credentials' };
  }
  log.info({ outcome: 'succeeded', userId: user.id });
  deps.metrics.signIns.inc({ outcome: 'succeeded' });
  if (user.password_hash && deps.hasher.needsRehash(user.password_hash))
    upgradeHash(deps, user, user.password_hash, password);
  return deviceToken ? { ok: true, user, token, deviceToken } : { ok: true, user, token };
}

/**
 * The password was right and a second step is owed: the password's counters are cleared (SECURITY 18), the
 * second step's own throttle takes over; the session sent in, the known device and the event wait for it.
 */
async function beginSecondStepAfter(
  deps: Deps,
  user: User,
  context: {
    account: string;
    client: string;
    knownDevice: boolean;
    stage: SecondStage;
    input: SignInInput;
    breach: boolean | undefined;
  },
): Promise<SignInOutcome> {
  const { input } = context;
  // Without waiting for the disk (store/connect.ts): a half-finished sign-in lost in a power cut costs its
  // owner the password typed again, and nothing else; the session, which must last, commits in full later.
  const pendingToken = await asyncCommit(deps.db, async (tx) => {
    const current = await lockUser(tx, user.id);
    if (!current || current.password_hash !== user.password_hash || current.disabled_at !== null) return undefined;
    await deps.throttles.signIn.succeed(context.account, context.client, tx);
    const now = deps.clock.now();
    if (context.breach !== undefined) await recordBreach(tx, current, context.breach, input.client, now);
    if (input.pageLocale && current.locale_chosen_at === null) await adoptLocale(tx, user.id, input.pageLocale, now);
    return beginSecondStep(tx, now, current, context.stage, { client: input.client, knownDevice: context.knownDevice });
  });
  if (pendingToken === undefined) return { ok: false, reason: 'invalid-credentials' };
  deps.log.info({ event: 'sign-in', outcome: 'second-step', stage: context.stage, userId: user.id });
  return { ok: false, reason: 'second-step', user, stage: context.stage, pendingToken };
}

/**
 * SECURITY 7 at sign-in: a password found breached since it was chosen lets its owner in only to choose a
 * new one (flows/sessions.ts). Looked up after the hash verified, at most once a day per account; undefined
 * when not due, or when no list answered (it is asked again at the next sign-in).
 */
async function breachCheckDue(deps: Deps, user: User, password: string): Promise<boolean | undefined> {
  if (user.breach_checked_at !== null && deps.clock.now() - user.breach_checked_at < DAY) return undefined;
  const answer = await deps.breachedPasswords.check(password);
  return answer.answered ? answer.breached : undefined;
}

/** Inside the sign-in's transaction, over the password that was checked. */
async function recordBreach(tx: Executor, user: User, breached: boolean, client: ClientInfo, now: number) {
  if (user.password_hash === null) return;
  await recordBreachCheck(tx, user.id, user.password_hash, breached, now);
  if (breached && user.password_breached_at === null) await recordEvent(tx, user.id, 'password-breached', client, now);
}

/** Looked up whether or not the account exists, so an unknown address costs the same query. */
async function isKnownDevice(
  deps: Deps,
  deviceToken: string | undefined,
  userId: string | undefined,
): Promise<boolean> {
  if (deviceToken === undefined || !isTokenShaped(deviceToken)) return false;
  const owner = await deviceOwner(deps.db, digest(deviceToken), deps.clock.now() - KNOWN_DEVICE_MS);
  return owner !== undefined && owner === userId;
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
