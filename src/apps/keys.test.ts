// The provider's keys: made once on the first start, shared through the database, rotated without an app
// ever meeting a token it cannot verify, and dropped once nothing they signed is alive (housekeeping).
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { redeem, registerApp, signInThroughApp, type TestApp, uniqueEmail } from '../../test/support/apps.ts';
import { TestBrowser } from '../../test/support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { startService, type TestService } from '../../test/support/service.ts';
import { password } from '../../test/support/web.ts';
import { KEY_PROPAGATION_MS, KEY_RELOAD_MS, SIGNED_LIFETIME_MS } from '../core/key-generations.ts';
import { sweep } from '../housekeeping.ts';
import { rotateKeys } from './keys.ts';

let database: TestDatabase;
let service: TestService;
let app: TestApp;
let ada: { email: string; password: string };
beforeEach(async () => {
  database = await createTestDatabase();
  service = await startService({ DATABASE_URL: database.url }, { clockStart: Date.now() });
  app = await registerApp(service);
  ada = { email: uniqueEmail(), password };
  await service.addUser(ada);
});
afterEach(async () => {
  await service.close();
  await database.drop();
});

const published = async () =>
  ((await (await fetch(`${service.url}/oidc/jwks`)).json()) as { keys: { kid: string }[] }).keys.map((key) => key.kid);

async function idTokenKid(): Promise<string> {
  const tokens = await redeem(app, await signInThroughApp(app, new TestBrowser(service.url), ada));
  return decodeProtectedHeader(tokens.id_token!).kid!;
}

const signingRows = () =>
  service.deps.db.selectFrom('provider_keys').select(['kid', 'generation']).where('use', '=', 'signing').execute();

describe('signing keys', () => {
  it('are made once and kept in the database: a restart publishes the same key', async () => {
    const before = await published();
    expect(before).toHaveLength(1);
    expect((await signingRows()).map((row) => row.kid)).toEqual(before);
    expect(await idTokenKid()).toBe(before[0]);
    // A second service on the same database (another instance, or this one restarted) publishes it too.
    const other = await startService({ DATABASE_URL: database.url }, { clockStart: Date.now() });
    try {
      const keys = (await (await fetch(`${other.url}/oidc/jwks`)).json()) as { keys: { kid: string }[] };
      expect(keys.keys.map((key) => key.kid)).toEqual(before);
    } finally {
      await other.close();
    }
  });

  it('rotate: the new key is published at once, signs once every instance has read it, the old one stays published', async () => {
    const [old] = await published();
    const { kid } = await rotateKeys(service.deps.db, service.clock.now());
    service.clock.advance(KEY_RELOAD_MS);
    expect(await published()).toEqual(expect.arrayContaining([old, kid]));
    // Not signing yet: an instance that has not read it would publish a JWKS without it.
    expect(await idTokenKid()).toBe(old);
    service.clock.advance(KEY_PROPAGATION_MS);
    expect(await idTokenKid()).toBe(kid);
    expect(await published()).toEqual([kid, old]);
  });

  it('an ID token signed before a rotation still verifies after it, until the old key is dropped', async () => {
    const tokens = await redeem(app, await signInThroughApp(app, new TestBrowser(service.url), ada));
    await rotateKeys(service.deps.db, service.clock.now());
    service.clock.advance(KEY_PROPAGATION_MS + KEY_RELOAD_MS);
    const oldKid = decodeProtectedHeader(tokens.id_token!).kid;
    const verifies = async () => {
      const jwks = createLocalJWKSet(await (await fetch(`${service.url}/oidc/jwks`)).json());
      return jwtVerify(tokens.id_token!, jwks, { issuer: service.url, audience: app.clientId }).then(
        () => true,
        () => false,
      );
    };
    expect(await verifies()).toBe(true);
    // What the old key signed lives an hour at most: after that, housekeeping drops it.
    service.clock.advance(SIGNED_LIFETIME_MS);
    await sweep(service.deps);
    service.clock.advance(KEY_RELOAD_MS);
    expect(await published()).not.toContain(oldKid);
    expect(await published()).toHaveLength(1);
  });

  it('two rotations in a row leave three generations published, the oldest signing until the newest is ready', async () => {
    const [first] = await published();
    const second = await rotateKeys(service.deps.db, service.clock.now());
    service.clock.advance(KEY_PROPAGATION_MS + KEY_RELOAD_MS);
    const third = await rotateKeys(service.deps.db, service.clock.now());
    expect((await signingRows()).map((row) => row.generation).sort()).toEqual([1, 2, 3]);
    service.clock.advance(KEY_RELOAD_MS);
    expect(await idTokenKid()).toBe(second.kid);
    expect(await published()).toEqual([second.kid, third.kid, first]);
  });
});

describe('housekeeping of what the provider issued', () => {
  it('deletes codes, tokens and grants past their expiry, and keeps the live ones', async () => {
    const tokens = await redeem(
      app,
      await signInThroughApp(app, new TestBrowser(service.url), ada, {
        scope: 'openid offline_access',
        prompt: 'consent',
      }),
    );
    const rows = async () =>
      (await service.deps.db.selectFrom('oidc_payloads').select('model').execute()).map((row) => row.model).sort();
    await sweep(service.deps);
    expect(await rows()).toEqual(expect.arrayContaining(['AccessToken', 'Grant', 'RefreshToken', 'Session']));
    expect(await rows()).not.toContain('Interaction');
    // Past the access token's ten minutes: it goes, the refresh token stays and still works.
    service.clock.advance(11 * 60_000);
    await sweep(service.deps);
    expect(await rows()).not.toContain('AccessToken');
    expect((await oidc.refreshTokenGrant(app.config, tokens.refresh_token!)).access_token).toBeTruthy();
  });
});
