// Passkeys: Settings → Security → Passkeys (add, rename, remove), a passkey as the second step after the
// password, and "Sign in with a passkey" on its own (discoverable credentials: a passkey with user
// verification is a multi-factor authenticator, and phishing-resistant).
// SECURITY 88: the RP ID and origin come from PUBLIC_URL (factors/passkeys.ts); each ceremony's challenge is
// sealed to its purpose and to who asked for it (the session, the half-finished sign-in), lives five
// minutes and is spent once across instances; counters only move forward. SECURITY 89: adding or removing a
// passkey needs a recent proof, and is announced and recorded. SECURITY 85: the first factor of an account
// ends every other session, as an authenticator app does.
import type { ClientInfo } from '../core/client-address.ts';
import { MINUTE } from '../core/duration.ts';
import { digest, newToken } from '../core/tokens.ts';
import type { Deps } from '../deps.ts';
import {
  amrOf,
  authenticationOptions,
  type PasskeyAmr,
  parsedResponse,
  type RelyingParty,
  registrationOptions,
  type StoredPasskey,
  verifiedAssertion,
  verifiedRegistration,
} from '../factors/passkeys.ts';
import { newRecoveryCodes } from '../factors/recovery-codes.ts';
import type { Executor } from '../store/database.ts';
import { deleteFactors, hasAnyFactor, markSecondFactor, replaceRecoveryCodes } from '../store/factors.ts';
import {
  deletePasskey,
  findPasskey,
  insertPasskey,
  type PasskeyRow,
  passkeysOfUser,
  recordPasskeyUse,
  renamePasskey as renameStoredPasskey,
  spendChallenge,
} from '../store/passkeys.ts';
import { deleteSessionsOfUser, markSessionProven } from '../store/sessions.ts';
import { findUserById, lockUser, type User } from '../store/users.ts';
import { endAppAccess } from './app-access.ts';
import { renewSessionId, type SignedIn } from './sessions.ts';
import { announce, recentlyProven, recoveryCodeDigests } from './two-step.ts';

const CEREMONY_MS = 5 * MINUTE;
export const MAX_PASSKEY_NAME = 60;

/** What a ceremony is for, and so what its challenge may be spent on. */
export type CeremonyPurpose = 'register' | 'second-step' | 'step-up' | 'sign-in';

export interface Ceremony {
  /** The WebAuthn options for the browser (the page carries them to the script). */
  options: object;
  /** The challenge sealed to its purpose and holder: the form carries it back. */
  sealed: string;
}

export function relyingParty(deps: Deps): RelyingParty {
  const { publicUrl, appName } = deps.config;
  return { id: publicUrl.hostname, name: appName, origin: publicUrl.origin };
}

/** Passkeys are offered where second factors are, and need ENCRYPTION_KEY to seal their ceremonies. */
export const passkeysAvailable = (deps: Deps): boolean => deps.config.twoStep !== 'off' && deps.secrets !== undefined;

const boundTo = (purpose: CeremonyPurpose, holder: string) => `webauthn:${purpose}:${holder}`;

function sealChallenge(deps: Deps, purpose: CeremonyPurpose, holder: string): { challenge: string; sealed: string } {
  const challenge = newToken();
  const sealed = deps.secrets!.seal(JSON.stringify({ challenge, at: deps.clock.now() }), boundTo(purpose, holder));
  return { challenge, sealed };
}

/** The challenge of `sealed`, if it was sealed for this purpose and holder less than five minutes ago. */
function openChallenge(deps: Deps, purpose: CeremonyPurpose, holder: string, sealed: string): string | undefined {
  const plain = deps.secrets?.open(sealed, boundTo(purpose, holder));
  if (plain === undefined) return undefined;
  const { challenge, at } = JSON.parse(plain) as { challenge: string; at: number };
  const age = deps.clock.now() - at;
  return age >= 0 && age <= CEREMONY_MS ? challenge : undefined;
}

const stored = (row: PasskeyRow): StoredPasskey => ({
  credentialId: row.credential_id,
  publicKey: row.public_key,
  counter: Number(row.counter),
  transports: JSON.parse(row.transports) as string[],
});

export interface PasskeySummary {
  id: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
  synced: boolean;
}

export async function passkeysOf(deps: Deps, userId: string): Promise<PasskeySummary[]> {
  return (await passkeysOfUser(deps.db, userId)).map((row) => ({
    id: row.credential_id,
    name: row.name,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    synced: row.backed_up === 1,
  }));
}

/** The options to create a passkey from this session; undefined when passkeys are not offered. */
export async function beginRegistration(deps: Deps, signedIn: SignedIn): Promise<Ceremony | undefined> {
  if (!passkeysAvailable(deps)) return undefined;
  const { user, session } = signedIn;
  const { challenge, sealed } = sealChallenge(deps, 'register', session.id_hash);
  const existing = (await passkeysOfUser(deps.db, user.id)).map(stored);
  const options = await registrationOptions(relyingParty(deps), user, challenge, existing);
  return { options, sealed };
}

/** A name on one line, 1 to 60 characters, without control or invisible characters. */
export function passkeyName(typed: string): string | undefined {
  const name = typed.trim();
  if (name === '' || [...name].length > MAX_PASSKEY_NAME || /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(name)) return undefined;
  return name;
}

export type AddPasskeyOutcome =
  /** `codes`: the recovery codes, when the passkey is the account's first factor; `token`: the renamed session. */
  | { ok: true; codes: string[]; token: string | undefined }
  | { ok: false; reason: 'step-up' | 'expired' | 'failed' | 'invalid-name' | 'unavailable' };

export async function addPasskey(
  deps: Deps,
  signedIn: SignedIn,
  input: { sealed: string; credential: string; name: string; client: ClientInfo },
): Promise<AddPasskeyOutcome> {
  const { user, session } = signedIn;
  const secrets = deps.secrets;
  if (!secrets || !passkeysAvailable(deps)) return { ok: false, reason: 'unavailable' };
  const name = passkeyName(input.name);
  if (name === undefined) return { ok: false, reason: 'invalid-name' };
  if (!recentlyProven(deps, session)) return { ok: false, reason: 'step-up' };
  const challenge = openChallenge(deps, 'register', session.id_hash, input.sealed);
  if (challenge === undefined) return { ok: false, reason: 'expired' };
  const response = parsedResponse<Parameters<typeof verifiedRegistration>[1]>(input.credential);
  const passkey = response && (await verifiedRegistration(relyingParty(deps), response, challenge));
  if (!passkey) return { ok: false, reason: 'failed' };
  const now = deps.clock.now();
  if (!(await spendChallenge(deps.db, digest(challenge), now + CEREMONY_MS))) return { ok: false, reason: 'expired' };
  const amr = amrOf(passkey.deviceType);
  const done = await deps.db.transaction().execute(async (tx) => {
    const current = await lockUser(tx, user.id);
    if (!current || current.disabled_at !== null) return { ok: false as const, reason: 'expired' as const };
    if (await findPasskey(tx, passkey.credentialId)) return { ok: false as const, reason: 'failed' as const };
    await insertPasskey(tx, {
      credential_id: passkey.credentialId,
      user_id: user.id,
      name,
      public_key: passkey.publicKey,
      counter: passkey.counter,
      transports: JSON.stringify(passkey.transports),
      device_type: passkey.deviceType,
      backed_up: passkey.backedUp ? 1 : 0,
      created_at: now,
      last_used_at: null,
    });
    await announce(tx, user, 'passkey-added', input.client, now, { passkey: name });
    if (current.second_factor_at !== null) return { ok: true as const, codes: [], token: undefined };
    // The account's first factor: recovery codes for the day the passkey is lost, and no session that was
    // proven without it goes on (SECURITY 85).
    const codes = newRecoveryCodes();
    await markSecondFactor(tx, user.id, now);
    await replaceRecoveryCodes(tx, user.id, recoveryCodeDigests(secrets, user.id, codes), now);
    await deleteSessionsOfUser(tx, user.id, session.id_hash);
    await endAppAccess(tx, { accountId: user.id, exceptSession: session.id_hash }, now);
    await markSessionProven(tx, session.id_hash, `pwd ${amr} mfa`, now);
    const token = await renewSessionId(tx, now, session);
    return token === undefined
      ? { ok: false as const, reason: 'expired' as const }
      : { ok: true as const, codes, token };
  });
  if (done.ok) {
    deps.wakeOutbox();
    deps.log.info({ event: 'passkey-added', userId: user.id, amr });
  }
  return done;
}

export async function renamePasskey(deps: Deps, signedIn: SignedIn, credentialId: string, typed: string) {
  const name = passkeyName(typed);
  if (name === undefined) return { ok: false as const, reason: 'invalid-name' as const };
  const renamed = await renameStoredPasskey(deps.db, signedIn.user.id, credentialId, name);
  return renamed ? { ok: true as const } : { ok: false as const, reason: 'not-found' as const };
}

export type RemovePasskeyOutcome =
  | { ok: true; lastFactor: boolean }
  | { ok: false; reason: 'step-up' | 'not-found' | 'required' };

/** Removes one passkey; the account's last factor goes with its recovery codes, refused under REQUIRE_2FA=required. */
export async function removePasskey(
  deps: Deps,
  signedIn: SignedIn,
  credentialId: string,
  client: ClientInfo,
): Promise<RemovePasskeyOutcome> {
  const { user, session } = signedIn;
  if (!recentlyProven(deps, session)) return { ok: false, reason: 'step-up' };
  const now = deps.clock.now();
  const outcome = await deps.db
    .transaction()
    .execute(async (tx): Promise<RemovePasskeyOutcome> => {
      const removed = await deletePasskey(tx, user.id, credentialId);
      if (!removed) return { ok: false, reason: 'not-found' };
      const lastFactor = !(await hasAnyFactor(tx, user.id));
      if (lastFactor && deps.config.twoStep === 'required') throw new KeepLastFactor();
      if (lastFactor) {
        await deleteFactors(tx, user.id);
        await markSessionProven(tx, session.id_hash, 'pwd', session.proven_at ?? now);
      }
      await announce(tx, user, 'passkey-removed', client, now, { passkey: removed.name });
      return { ok: true, lastFactor };
    })
    .catch((error: unknown) => {
      if (error instanceof KeepLastFactor) return { ok: false as const, reason: 'required' as const };
      throw error;
    });
  if (outcome.ok) deps.wakeOutbox();
  return outcome;
}

/** Rolls the removal back: REQUIRE_2FA=required keeps an account's last factor. */
class KeepLastFactor extends Error {}

/**
 * The options to prove a passkey: one of `user`'s (the second step, step-up), or, without a user, any
 * discoverable passkey of this site (signing in with a passkey alone).
 */
export async function beginAssertion(
  deps: Deps,
  purpose: Exclude<CeremonyPurpose, 'register'>,
  holder: string,
  user?: User,
): Promise<Ceremony | undefined> {
  if (!passkeysAvailable(deps)) return undefined;
  const allowed = user ? (await passkeysOfUser(deps.db, user.id)).map(stored) : [];
  if (user && allowed.length === 0) return undefined;
  const { challenge, sealed } = sealChallenge(deps, purpose, holder);
  return { options: await authenticationOptions(relyingParty(deps), challenge, allowed), sealed };
}

export type AssertionOutcome = { ok: true; user: User; amr: PasskeyAmr } | { ok: false; reason: 'failed' | 'expired' };

/**
 * Checks and spends a passkey's answer to a ceremony: of `userId`'s passkeys, when one is given. Given the
 * transaction of what the answer leads to (a session), the challenge is spent and the counter moved in it.
 */
export async function provePasskey(
  deps: Deps,
  input: {
    purpose: Exclude<CeremonyPurpose, 'register'>;
    holder: string;
    sealed: string;
    credential: string;
    userId?: string;
  },
  db: Executor = deps.db,
): Promise<AssertionOutcome> {
  if (!passkeysAvailable(deps)) return { ok: false, reason: 'failed' };
  const challenge = openChallenge(deps, input.purpose, input.holder, input.sealed);
  if (challenge === undefined) return { ok: false, reason: 'expired' };
  const response = parsedResponse<Parameters<typeof verifiedAssertion>[1]>(input.credential);
  const row = response && (await findPasskey(db, response.id));
  if (!response || !row || (input.userId !== undefined && row.user_id !== input.userId))
    return { ok: false, reason: 'failed' };
  // The user handle, when the authenticator gives one, is the account the passkey was made for (WebAuthn §7.2).
  const handle = response.response.userHandle;
  if (handle !== undefined && Buffer.from(handle, 'base64url').toString('utf8') !== row.user_id)
    return { ok: false, reason: 'failed' };
  const user = await findUserById(db, row.user_id);
  if (!user || user.disabled_at !== null) return { ok: false, reason: 'failed' };
  const verified = await verifiedAssertion(relyingParty(deps), response, challenge, stored(row));
  if (!verified) return { ok: false, reason: 'failed' };
  const now = deps.clock.now();
  if (!(await spendChallenge(db, digest(challenge), now + CEREMONY_MS))) return { ok: false, reason: 'expired' };
  // A counter that another answer moved meanwhile: one of the two was a copy.
  const use = { from: Number(row.counter), counter: verified.newCounter, backedUp: verified.backedUp, now };
  if (!(await recordPasskeyUse(db, row.credential_id, use))) return { ok: false, reason: 'failed' };
  return { ok: true, user, amr: amrOf(verified.deviceType) };
}
