// A software WebAuthn authenticator and the browser's half of a ceremony, for tests: it makes passkeys
// (attestation "none", ES256 on P-256 or EdDSA on Ed25519) and answers assertions as a platform
// authenticator with user verification would, written by hand from the WebAuthn spec (§6.1 authenticator
// data, §6.5 attestation object, §5.8.1 client data). Its knobs are the attacks SECURITY 88 is about: no user
// verification, another origin or RP ID, a counter that goes back, a cloned credential.
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { isoCBOR } from '@simplewebauthn/server/helpers';

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;

export type Algorithm = 'ES256' | 'EdDSA';
const COSE_ALG: Record<Algorithm, number> = { ES256: -7, EdDSA: -8 };

export interface AuthenticatorOptions {
  algorithm?: Algorithm;
  /** A passkey synced across devices (backup eligible and backed up: BE and BS); one device's otherwise. */
  synced?: boolean;
}

/** What a test may make the authenticator, or the browser around it, do wrong. */
export interface Tamper {
  /** false: no user verification (UV not set), as a security key without a PIN would answer. */
  userVerified?: boolean;
  /** The RP ID whose hash goes into the authenticator data (the options' RP ID otherwise). */
  rpId?: string;
  /** This signature counter instead of the next one. */
  counter?: number;
  /** Answer with this credential, whatever allowCredentials says (a passkey of another account). */
  credentialId?: string;
  /** clientDataJSON's type ('webauthn.create' or 'webauthn.get' otherwise). */
  type?: string;
  /** The challenge in clientDataJSON (the options' one otherwise). */
  challenge?: string;
}

interface Credential {
  id: string;
  rpId: string;
  /** The user handle the RP gave at registration, base64url as in the options. */
  userHandle: string;
  algorithm: Algorithm;
  privateKey: KeyObject;
  publicKey: KeyObject;
  counter: number;
  synced: boolean;
}

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

function uint32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value >>> 0);
  return bytes;
}

/** The credential's public key as a COSE_Key (RFC 9053): EC2 P-256 or OKP Ed25519. */
function coseKey(credential: Credential): Uint8Array {
  const jwk = credential.publicKey.export({ format: 'jwk' });
  const x = Buffer.from(jwk.x as string, 'base64url');
  if (credential.algorithm === 'EdDSA') {
    return isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 1],
        [3, -8],
        [-1, 6],
        [-2, x],
      ]),
    );
  }
  const y = Buffer.from(jwk.y as string, 'base64url');
  return isoCBOR.encode(
    new Map<number, number | Uint8Array>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, x],
      [-3, y],
    ]),
  );
}

function flagsOf(credential: Credential, tamper: Tamper, attested: boolean): number {
  let flags = FLAG_UP;
  if (tamper.userVerified !== false) flags |= FLAG_UV;
  if (credential.synced) flags |= FLAG_BE | FLAG_BS;
  if (attested) flags |= FLAG_AT;
  return flags;
}

/** §6.1: rpIdHash | flags | signCount, and for a new credential its attested credential data. */
function authenticatorData(credential: Credential, tamper: Tamper, counter: number, attested: boolean): Buffer {
  const parts = [
    sha256(tamper.rpId ?? credential.rpId),
    Buffer.from([flagsOf(credential, tamper, attested)]),
    uint32(counter),
  ];
  if (attested) {
    const id = Buffer.from(credential.id, 'base64url');
    const length = Buffer.alloc(2);
    length.writeUInt16BE(id.length);
    parts.push(Buffer.alloc(16), length, id, Buffer.from(coseKey(credential)));
  }
  return Buffer.concat(parts);
}

function clientData(type: string, challenge: string, origin: string): Buffer {
  return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }), 'utf8');
}

function signed(credential: Credential, data: Buffer): Buffer {
  // ECDSA in DER (what WebAuthn carries), or a raw 64-byte Ed25519 signature.
  return sign(credential.algorithm === 'ES256' ? 'sha256' : null, data, credential.privateKey);
}

export class SoftAuthenticator {
  readonly algorithm: Algorithm;
  readonly synced: boolean;
  private readonly credentials: Credential[];

  constructor(options: AuthenticatorOptions = {}, credentials: Credential[] = []) {
    this.algorithm = options.algorithm ?? 'ES256';
    this.synced = options.synced ?? false;
    this.credentials = credentials;
  }

  /** The ids of the passkeys it holds, oldest first. */
  get credentialIds(): string[] {
    return this.credentials.map((credential) => credential.id);
  }

  /** The counter its next assertion with `credentialId` would start from. */
  counterOf(credentialId: string): number {
    return this.find(credentialId).counter;
  }

  /** A copy of its keys and counters, as an attacker who extracted them holds: each counts on its own. */
  clone(): SoftAuthenticator {
    return new SoftAuthenticator(
      { algorithm: this.algorithm, synced: this.synced },
      this.credentials.map((credential) => ({ ...credential })),
    );
  }

  /** navigator.credentials.create() with this authenticator: a new discoverable credential. */
  createCredential(
    options: PublicKeyCredentialCreationOptionsJSON,
    origin: string,
    tamper: Tamper = {},
  ): RegistrationResponseJSON {
    const rpId = options.rp.id ?? new URL(origin).hostname;
    const excluded = new Set((options.excludeCredentials ?? []).map((descriptor) => descriptor.id));
    if (this.credentials.some((credential) => credential.rpId === rpId && excluded.has(credential.id)))
      throw new Error('InvalidStateError: this authenticator already holds a passkey for this account');
    const algorithm = COSE_ALG[this.algorithm];
    if (!options.pubKeyCredParams.some((param) => param.alg === algorithm))
      throw new Error(`NotSupportedError: the site does not accept ${this.algorithm}`);
    const { privateKey, publicKey } =
      this.algorithm === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
    const credential: Credential = {
      id: b64url(randomBytes(32)),
      rpId,
      userHandle: options.user.id,
      algorithm: this.algorithm,
      privateKey,
      publicKey,
      counter: 0,
      synced: this.synced,
    };
    const counter = tamper.counter ?? credential.counter;
    const authData = authenticatorData(credential, tamper, counter, true);
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Uint8Array | Map<string, number>>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, number>()],
        ['authData', authData],
      ]),
    );
    this.credentials.push(credential);
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(
          clientData(tamper.type ?? 'webauthn.create', tamper.challenge ?? options.challenge, origin),
        ),
        attestationObject: b64url(attestationObject),
        authenticatorData: b64url(authData),
        publicKeyAlgorithm: algorithm,
        transports: ['internal', 'hybrid'],
      },
    };
  }

  /**
   * navigator.credentials.get() with this authenticator: one of `allowCredentials` it holds or, when the
   * list is empty, its newest passkey for the RP ID (a discoverable credential). The counter goes up by one.
   */
  getAssertion(
    options: PublicKeyCredentialRequestOptionsJSON,
    origin: string,
    tamper: Tamper = {},
  ): AuthenticationResponseJSON {
    const credential = this.choose(options, origin, tamper);
    const counter = tamper.counter ?? credential.counter + 1;
    credential.counter = counter;
    const authData = authenticatorData(credential, tamper, counter, false);
    const clientDataJSON = clientData(tamper.type ?? 'webauthn.get', tamper.challenge ?? options.challenge, origin);
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signed(credential, Buffer.concat([authData, sha256(clientDataJSON)]))),
        userHandle: credential.userHandle,
      },
    };
  }

  private choose(options: PublicKeyCredentialRequestOptionsJSON, origin: string, tamper: Tamper): Credential {
    if (tamper.credentialId !== undefined) return this.find(tamper.credentialId);
    const rpId = options.rpId ?? new URL(origin).hostname;
    const allowed = new Set((options.allowCredentials ?? []).map((descriptor) => descriptor.id));
    const candidates = this.credentials.filter(
      (credential) => credential.rpId === rpId && (allowed.size === 0 || allowed.has(credential.id)),
    );
    const chosen = candidates.at(-1);
    if (!chosen) throw new Error(`NotAllowedError: no passkey for ${rpId} on this authenticator`);
    return chosen;
  }

  private find(credentialId: string): Credential {
    const found = this.credentials.find((credential) => credential.id === credentialId);
    if (!found) throw new Error(`no credential ${credentialId} on this authenticator`);
    return found;
  }
}

/** The WebAuthn options a page's passkey form carries in `data-options` (HTML-escaped in the attribute). */
export function optionsOf<T = PublicKeyCredentialRequestOptionsJSON>(html: string, action?: string): T {
  const forms = [...html.matchAll(/<form\b[^>]*\bdata-passkey="(?:create|get)"[^>]*>/g)].map((match) => match[0]);
  const form = action === undefined ? forms[0] : forms.find((tag) => tag.includes(`action="${action}"`));
  const escaped = form && /\bdata-options="([^"]*)"/.exec(form)?.[1];
  if (escaped === undefined) throw new Error(`no passkey form${action ? ` posting to ${action}` : ''} on the page`);
  return JSON.parse(unescapeAttribute(escaped)) as T;
}

/** The sealed ceremony of that form: its hidden `ceremony` field. */
export function ceremonyOf(html: string, action?: string): string {
  const pattern = /<form\b[^>]*\bdata-passkey="(?:create|get)"[^>]*>([\s\S]*?)<\/form>/g;
  for (const match of html.matchAll(pattern)) {
    if (action !== undefined && !match[0].includes(`action="${action}"`)) continue;
    const sealed = /name="ceremony" value="([^"]+)"/.exec(match[1] ?? '')?.[1];
    if (sealed) return sealed;
  }
  throw new Error(`no ceremony field${action ? ` in the form posting to ${action}` : ''} on the page`);
}

function unescapeAttribute(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
