// The tests' software authenticator (test/support/authenticator.ts) against @simplewebauthn/server itself:
// what it makes must be what a real authenticator makes, and each of its knobs must break what it says.
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { describe, expect, it } from 'vitest';
import { type AuthenticatorOptions, SoftAuthenticator, type Tamper } from './support/authenticator.ts';

const rpID = 'localhost';
const origin = 'http://localhost:3000';
const ALGORITHMS = [-8, -7, -257];

async function registered(options: AuthenticatorOptions = {}, tamper: Tamper = {}) {
  const authenticator = new SoftAuthenticator(options);
  const creation = await generateRegistrationOptions({
    rpName: 'Sales Connect',
    rpID,
    userID: new TextEncoder().encode('user-1'),
    userName: 'ada@example.com',
    attestationType: 'none',
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    supportedAlgorithmIDs: ALGORITHMS,
  });
  const response = authenticator.createCredential(creation, origin, tamper);
  const verification = () =>
    verifyRegistrationResponse({
      response,
      expectedChallenge: creation.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      requireUserVerification: true,
      supportedAlgorithmIDs: ALGORITHMS,
    });
  return { authenticator, creation, response, verification };
}

async function signedUp(options: AuthenticatorOptions = {}) {
  const { authenticator, creation, verification } = await registered(options);
  const { registrationInfo } = await verification();
  return { authenticator, creation, credential: registrationInfo!.credential };
}

async function assertion(
  setup: Awaited<ReturnType<typeof signedUp>>,
  tamper: Tamper = {},
  stored: { counter?: number; allow?: boolean; from?: string } = {},
) {
  const request = await generateAuthenticationOptions({
    rpID,
    userVerification: 'required',
    allowCredentials: stored.allow ? [{ id: setup.credential.id }] : [],
  });
  const response = setup.authenticator.getAssertion(request, stored.from ?? origin, tamper);
  return {
    response,
    verify: () =>
      verifyAuthenticationResponse({
        response,
        expectedChallenge: request.challenge,
        expectedOrigin: origin,
        expectedRPID: rpID,
        requireUserVerification: true,
        credential: { ...setup.credential, counter: stored.counter ?? setup.credential.counter },
      }),
  };
}

describe('making a passkey', () => {
  it('gives a registration response that verifies, with attestation none, user verification and a P-256 key', async () => {
    const { response, verification } = await registered();
    const verified = await verification();
    expect(verified.verified).toBe(true);
    const info = verified.registrationInfo!;
    expect(info.fmt).toBe('none');
    expect(info.userVerified).toBe(true);
    expect(info.credential.id).toBe(response.id);
    expect(info.credential.counter).toBe(0);
    expect(info.credentialDeviceType).toBe('singleDevice');
    expect(info.credentialBackedUp).toBe(false);
    expect(info.aaguid).toBe('00000000-0000-0000-0000-000000000000');
    expect(info.origin).toBe(origin);
    expect(info.rpID).toBe(rpID);
  });

  it('makes an EdDSA (Ed25519) passkey that verifies too', async () => {
    const { verification } = await registered({ algorithm: 'EdDSA' });
    expect((await verification()).verified).toBe(true);
  });

  it('marks a synced passkey as backup eligible and backed up: a multi-device credential', async () => {
    const { verification } = await registered({ synced: true });
    const info = (await verification()).registrationInfo!;
    expect(info.credentialDeviceType).toBe('multiDevice');
    expect(info.credentialBackedUp).toBe(true);
  });

  it('refuses to make a second passkey for an account it already holds one for (excludeCredentials)', async () => {
    const { authenticator, creation, response } = await registered();
    const again = { ...creation, excludeCredentials: [{ id: response.id, type: 'public-key' as const }] };
    expect(() => authenticator.createCredential(again, origin)).toThrow(/InvalidStateError/);
  });

  it('is refused without user verification, from another origin or for another RP ID', async () => {
    await expect((await registered({}, { userVerified: false })).verification()).rejects.toThrow(
      /user could not be verified/i,
    );
    const { authenticator, creation } = await registered();
    const elsewhere = authenticator.createCredential(creation, 'http://evil.example');
    await expect(
      verifyRegistrationResponse({
        response: elsewhere,
        expectedChallenge: creation.challenge,
        expectedOrigin: origin,
        expectedRPID: rpID,
      }),
    ).rejects.toThrow(/origin/i);
    await expect((await registered({}, { rpId: 'evil.example' })).verification()).rejects.toThrow(/RP ID/i);
  });
});

describe('proving a passkey', () => {
  it('answers with a signature that verifies, the user handle given at registration, and a counter that goes up', async () => {
    const setup = await signedUp();
    const first = await assertion(setup, {}, { allow: true });
    const verified = await first.verify();
    expect(verified.verified).toBe(true);
    expect(verified.authenticationInfo.userVerified).toBe(true);
    expect(verified.authenticationInfo.newCounter).toBe(1);
    expect(Buffer.from(first.response.response.userHandle!, 'base64url').toString()).toBe('user-1');
    expect(first.response.response.userHandle).toBe(setup.creation.user.id);
    const second = await assertion(setup, {}, { counter: 1 });
    expect((await second.verify()).authenticationInfo.newCounter).toBe(2);
  });

  it('answers with EdDSA and with a synced passkey too', async () => {
    const eddsa = await signedUp({ algorithm: 'EdDSA' });
    expect((await (await assertion(eddsa)).verify()).verified).toBe(true);
    const synced = await signedUp({ synced: true });
    const info = (await (await assertion(synced)).verify()).authenticationInfo;
    expect(info.credentialDeviceType).toBe('multiDevice');
    expect(info.credentialBackedUp).toBe(true);
  });

  it('offers nothing when none of its passkeys is allowed', async () => {
    const setup = await signedUp();
    const request = await generateAuthenticationOptions({ rpID, allowCredentials: [{ id: 'AAAA' }] });
    expect(() => setup.authenticator.getAssertion(request, origin)).toThrow(/NotAllowedError/);
    expect(() => setup.authenticator.getAssertion({ ...request, rpId: 'other.example' }, origin)).toThrow(
      /NotAllowedError/,
    );
  });

  it('each knob is refused: no user verification, another origin, another RP ID, another challenge', async () => {
    const setup = await signedUp();
    await expect((await assertion(setup, { userVerified: false })).verify()).rejects.toThrow(
      /user could not be verified/i,
    );
    await expect((await assertion(setup, {}, { from: 'http://evil.example' })).verify()).rejects.toThrow(/origin/i);
    await expect((await assertion(setup, { rpId: 'evil.example' })).verify()).rejects.toThrow(/RP ID/i);
    await expect((await assertion(setup, { challenge: 'c29tZXRoaW5nLWVsc2U' })).verify()).rejects.toThrow(/challenge/i);
    await expect((await assertion(setup, { type: 'webauthn.create' })).verify()).rejects.toThrow(/type/i);
  });

  it('a counter that goes back, and a clone used after the original, are refused', async () => {
    const back = await assertion(await signedUp(), { counter: 3 }, { counter: 5 });
    await expect(back.verify()).rejects.toThrow(/counter/i);
    const setup = await signedUp();
    const copy = setup.authenticator.clone();
    // The original answers three times; the server's counter is 3 by then.
    for (let i = 0; i < 3; i++) await assertion(setup);
    expect(setup.authenticator.counterOf(setup.credential.id)).toBe(3);
    const cloned = await assertion({ ...setup, authenticator: copy }, {}, { counter: 3 });
    expect(copy.counterOf(setup.credential.id)).toBe(1);
    await expect(cloned.verify()).rejects.toThrow(/counter/i);
  });
});
