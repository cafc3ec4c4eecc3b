// Section 13 of the benchmark: accounts with an authenticator app, and whole sign-ins as a browser makes
// them: the log-in page, the password, then (with the app) the second step's page and its code.
import Database from 'better-sqlite3';
import { createSecretBox, parseKey } from '../../src/core/secret-box.ts';
import { newToken } from '../../src/core/tokens.ts';
import { type NewPasskey, registrationOptions, verifiedRegistration } from '../../src/factors/passkeys.ts';
import { currentCode, newTotpSecret } from '../../src/factors/totp.ts';
import { ceremonyOf, optionsOf, SoftAuthenticator } from '../../test/support/authenticator.ts';
import { nextClient, request } from './load.ts';
import { BENCH_ENCRYPTION_KEY, PASSWORD, PUBLIC_URL } from './systems.ts';

/**
 * `count` accounts with the password of the others, written straight into the SQLite file as seed.ts does,
 * and with `withApp` an authenticator app sealed with the key the service runs with. Returns each address
 * with its app's key, if any.
 */
export function twoStepAccounts(
  databaseUrl: string,
  options: { prefix: string; count: number; passwordHash: string; withApp: boolean },
): Array<{ email: string; secret?: string }> {
  const box = createSecretBox([parseKey(BENCH_ENCRYPTION_KEY)!]);
  const db = new Database(databaseUrl.slice('sqlite:'.length));
  const now = Date.now();
  const user = db.prepare(
    `INSERT INTO users (id, email, name, locale, password_hash, disabled_at, created_at, updated_at, second_factor_at)
     VALUES (?, ?, 'Bench User', 'en', ?, NULL, ?, ?, ?)`,
  );
  const factor = db.prepare('INSERT INTO totp_factors (user_id, secret, last_step, created_at) VALUES (?, ?, 0, ?)');
  const accounts = db.transaction(() =>
    Array.from({ length: options.count }, (_, i) => {
      const id = `${options.prefix}-${i}`;
      const email = `${options.prefix}${i}@example.com`;
      user.run(id, email, options.passwordHash, now, now, options.withApp ? now : null);
      if (!options.withApp) return { email };
      const secret = newTotpSecret();
      factor.run(id, box.seal(secret, `totp:${id}`), now);
      return { email, secret };
    }),
  )();
  db.close();
  return accounts;
}

/** The cookies a response sets, as a Cookie header's pairs, added to what the browser held. */
function withCookies(held: string, setCookie: string[] | undefined): string {
  const jar = new Map(
    held
      .split('; ')
      .filter(Boolean)
      .map((pair) => [pair.split('=')[0]!, pair] as const),
  );
  for (const line of setCookie ?? []) {
    const pair = line.split(';')[0]!;
    jar.set(pair.split('=')[0]!, pair);
  }
  return [...jar.values()].join('; ');
}

const csrfOf = (text: string) => /name="_csrf" value="([^"]+)"/.exec(text)?.[1] ?? '';

/**
 * One whole sign-in from a browser new to the account, from the log-in page to the answer that sends it
 * to Settings; with `secret`, through the second step with the code the app shows now.
 */
export async function signInAs(url: string, email: string, secret?: string): Promise<void> {
  const client = nextClient();
  const form = await request(`${url}/login`, { headers: client });
  let cookie = withCookies('', form.headers['set-cookie']);
  const post = (path: string, fields: Record<string, string>, csrf: string) =>
    request(`${url}${path}`, {
      method: 'POST',
      headers: { ...client, cookie, origin: PUBLIC_URL, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
    });
  const signedIn = await post('/login', { email, password: PASSWORD }, csrfOf(form.text));
  const next = signedIn.headers.location;
  if (secret === undefined) {
    if (next !== '/settings') throw new Error(`the sign-in of ${email} answered ${signedIn.status} ${next}`);
    return;
  }
  if (next !== '/login/verify') throw new Error(`the sign-in of ${email} answered ${signedIn.status} ${next}`);
  cookie = withCookies(cookie, signedIn.headers['set-cookie']);
  const step = await request(`${url}/login/verify`, { headers: { ...client, cookie } });
  const verified = await post('/login/verify', { code: currentCode(secret, Date.now()) }, csrfOf(step.text));
  if (verified.headers.location !== '/settings')
    throw new Error(`the second step of ${email} answered ${verified.status} ${verified.headers.location}`);
}

const relyingParty = { id: new URL(PUBLIC_URL).hostname, name: 'Sales Connect', origin: new URL(PUBLIC_URL).origin };

/**
 * `count` accounts with a passkey each, made by a software authenticator (test/support/authenticator.ts) as
 * a browser's would be, verified as the service verifies one, and written into the SQLite file.
 */
export async function passkeyAccounts(
  databaseUrl: string,
  options: { prefix: string; count: number; passwordHash: string },
): Promise<Array<{ email: string; authenticator: SoftAuthenticator }>> {
  const made: Array<{ id: string; email: string; authenticator: SoftAuthenticator; passkey: NewPasskey }> = [];
  for (let i = 0; i < options.count; i++) {
    const id = `${options.prefix}-${i}`;
    const email = `${options.prefix}${i}@example.com`;
    const challenge = newToken();
    const creation = await registrationOptions(relyingParty, { id, email, name: 'Bench User' }, challenge, []);
    const authenticator = new SoftAuthenticator();
    const passkey = await verifiedRegistration(
      relyingParty,
      authenticator.createCredential(creation, relyingParty.origin),
      challenge,
    );
    if (!passkey) throw new Error('the software authenticator made a passkey the service would refuse');
    made.push({ id, email, authenticator, passkey });
  }
  const db = new Database(databaseUrl.slice('sqlite:'.length));
  const now = Date.now();
  const user = db.prepare(
    `INSERT INTO users (id, email, name, locale, password_hash, disabled_at, created_at, updated_at, second_factor_at)
     VALUES (?, ?, 'Bench User', 'en', ?, NULL, ?, ?, ?)`,
  );
  const passkey = db.prepare(
    `INSERT INTO passkeys (credential_id, user_id, name, public_key, counter, transports, device_type, backed_up, created_at)
     VALUES (?, ?, 'Bench passkey', ?, ?, ?, ?, ?, ?)`,
  );
  db.transaction(() => {
    for (const account of made) {
      user.run(account.id, account.email, options.passwordHash, now, now, now);
      const key = account.passkey;
      passkey.run(
        key.credentialId,
        account.id,
        key.publicKey,
        key.counter,
        JSON.stringify(key.transports),
        key.deviceType,
        key.backedUp ? 1 : 0,
        now,
      );
    }
  })();
  db.close();
  return made.map(({ email, authenticator }) => ({ email, authenticator }));
}

/** "Sign in with a passkey" from a browser new to the account: the log-in page, then the passkey's answer. */
export async function passkeySignIn(url: string, authenticator: SoftAuthenticator): Promise<void> {
  const client = nextClient();
  const form = await request(`${url}/login`, { headers: client });
  const cookie = withCookies('', form.headers['set-cookie']);
  const answer = authenticator.getAssertion(optionsOf(form.text, '/login/passkey'), relyingParty.origin);
  const signedIn = await request(`${url}/login/passkey`, {
    method: 'POST',
    headers: { ...client, cookie, origin: PUBLIC_URL, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      _csrf: csrfOf(form.text),
      ceremony: ceremonyOf(form.text, '/login/passkey'),
      credential: JSON.stringify(answer),
    }).toString(),
  });
  if (signedIn.headers.location !== '/settings')
    throw new Error(`the passkey sign-in answered ${signedIn.status} ${signedIn.headers.location}`);
}
