// Passkeys (WebAuthn) with @simplewebauthn/server. SECURITY 88: bound to PUBLIC_URL's origin and to its
// host as the RP ID, user verification required, discoverable credentials (a passkey signs in on its own),
// counters and backup state kept. The ceremony's challenge travels sealed (core/secret-box.ts) and is spent
// once (flows/passkeys.ts); this module only speaks WebAuthn.
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';

/** EdDSA, ES256, RS256: what authenticators offer (Node 24 would otherwise put ML-DSA-44 first). */
const ALGORITHMS = [-8, -7, -257];
const TIMEOUT_MS = 5 * 60_000;

/**
 * The challenge (base64url, as the ceremony keeps it) as the bytes it stands for: given a string, the library
 * would take its characters for the bytes, and the browser would answer another challenge than ours.
 */
const challengeBytes = (challenge: string) => new Uint8Array(Buffer.from(challenge, 'base64url'));

export interface RelyingParty {
  /** PUBLIC_URL's host. */
  id: string;
  name: string;
  /** PUBLIC_URL's origin: the only one a response may come from. */
  origin: string;
}

export interface StoredPasskey {
  credentialId: string;
  /** The COSE public key, base64url. */
  publicKey: string;
  counter: number;
  transports: string[];
}

/** amr (RFC 8176): a passkey that lives on one device is a hardware key; one synced across devices is not. */
export type PasskeyAmr = 'hwk' | 'swk';

export interface NewPasskey extends StoredPasskey {
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
}

export function registrationOptions(
  rp: RelyingParty,
  user: { id: string; email: string; name: string },
  challenge: string,
  existing: StoredPasskey[],
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userID: new TextEncoder().encode(user.id),
    userName: user.email,
    userDisplayName: user.name,
    challenge: challengeBytes(challenge),
    timeout: TIMEOUT_MS,
    attestationType: 'none',
    excludeCredentials: existing.map((passkey) => ({ id: passkey.credentialId, transports: passkey.transports })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    supportedAlgorithmIDs: ALGORITHMS,
  });
}

/** The new passkey, or undefined when the response is not one for this challenge, origin and RP ID. */
export async function verifiedRegistration(
  rp: RelyingParty,
  response: RegistrationResponseJSON,
  challenge: string,
): Promise<NewPasskey | undefined> {
  try {
    const verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
      supportedAlgorithmIDs: ALGORITHMS,
    });
    if (!verified.verified) return undefined;
    const { credential, credentialDeviceType, credentialBackedUp } = verified.registrationInfo;
    return {
      credentialId: credential.id,
      publicKey: Buffer.from(credential.publicKey).toString('base64url'),
      counter: credential.counter,
      transports: credential.transports ?? [],
      deviceType: credentialDeviceType,
      backedUp: credentialBackedUp,
    };
  } catch {
    return undefined;
  }
}

/** `allowed` empty: any discoverable passkey of this site may answer (signing in with a passkey alone). */
export function authenticationOptions(
  rp: RelyingParty,
  challenge: string,
  allowed: StoredPasskey[],
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return generateAuthenticationOptions({
    rpID: rp.id,
    challenge: challengeBytes(challenge),
    timeout: TIMEOUT_MS,
    userVerification: 'required',
    allowCredentials: allowed.map((passkey) => ({ id: passkey.credentialId, transports: passkey.transports })),
  });
}

export interface VerifiedAssertion {
  newCounter: number;
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
}

/**
 * The assertion's facts, or undefined when it is not this passkey's for this challenge, origin and RP ID, was
 * made without user verification, or its counter went back (a cloned authenticator).
 */
export async function verifiedAssertion(
  rp: RelyingParty,
  response: AuthenticationResponseJSON,
  challenge: string,
  passkey: StoredPasskey,
): Promise<VerifiedAssertion | undefined> {
  try {
    const verified = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
      credential: {
        id: passkey.credentialId,
        publicKey: Buffer.from(passkey.publicKey, 'base64url'),
        counter: passkey.counter,
        transports: passkey.transports,
      },
    });
    if (!verified.verified) return undefined;
    const info = verified.authenticationInfo;
    return { newCounter: info.newCounter, deviceType: info.credentialDeviceType, backedUp: info.credentialBackedUp };
  } catch {
    return undefined;
  }
}

export const amrOf = (deviceType: NewPasskey['deviceType']): PasskeyAmr =>
  deviceType === 'singleDevice' ? 'hwk' : 'swk';

/** A response as the browser posted it (JSON in a form field), if it has the shape of one. */
export function parsedResponse<T extends { id: string; response: object }>(text: string): T | undefined {
  try {
    const value = JSON.parse(text) as T;
    return typeof value?.id === 'string' && typeof value.response === 'object' && value.response !== null
      ? value
      : undefined;
  } catch {
    return undefined;
  }
}
