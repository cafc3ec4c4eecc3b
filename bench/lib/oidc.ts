// An app signing its users in through our service, as the benchmark's client: the whole authorization-code
// flow with PKCE over plain HTTP (a cookie jar per browser, the log-in form posted, the code redeemed), and
// refresh-token chains that rotate. Lean on purpose: the client shares the two cores with the service, so it
// parses with a regular expression what openid-client would check; one flow is checked in full first.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { type Answer, nextClient, type RequestOptions, request } from './load.ts';
import { cliEnvironment, type Ours, PASSWORD, PUBLIC_URL } from './systems.ts';

/** Where the bench app's codes are sent: nothing listens there, the client reads the Location header. */
export const CALLBACK = 'http://127.0.0.1:9/callback';

export interface BenchApp {
  clientId: string;
  clientSecret: string;
}

/** Registers a confidential first-party app through the admin command line, before the service starts. */
export function registerApp(databaseUrl: string): BenchApp {
  const result = spawnSync(
    process.execPath,
    ['src/cli/main.ts', 'clients', 'add', '--name', 'Bench App', '--redirect-uri', CALLBACK, '--first-party'],
    { env: cliEnvironment(databaseUrl), encoding: 'utf8' },
  );
  const clientId = /^client_id: (\S+)$/m.exec(result.stdout)?.[1];
  const clientSecret = /^client_secret: (\S+)$/m.exec(result.stdout)?.[1];
  if (result.status !== 0 || !clientId || !clientSecret) throw new Error(`clients add: ${result.stderr}`);
  return { clientId, clientSecret };
}

/** The known-device cookie of a browser that has signed in as `email` before (see appClient). */
export async function knownDevice(ours: Ours, email: string): Promise<string> {
  const { cookie = '' } = (await ours.signInRequest(email)).headers;
  const device = cookie.split('; ').find((pair) => pair.startsWith('__Host-device='));
  if (!device) throw new Error('the log-in gave no known-device cookie');
  return device;
}

export interface Tokens {
  access_token: string;
  id_token?: string;
  refresh_token?: string;
}

/** One browser's cookies, with the attributes that matter to a jar that goes to one site: expiry. */
class Jar {
  readonly cookies = new Map<string, string>();

  constructor(initial: string) {
    for (const pair of initial.split('; ').filter(Boolean)) this.set(pair);
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  take(answer: Answer): void {
    for (const line of answer.headers['set-cookie'] ?? []) {
      const [pair = '', ...attributes] = line.split(';');
      const cleared = attributes.some((attribute) => /^\s*(max-age=0|expires=thu, 01 jan 1970)/i.test(attribute));
      if (cleared) this.cookies.delete(pair.slice(0, pair.indexOf('=')).trim());
      else this.set(pair);
    }
  }

  private set(pair: string): void {
    const index = pair.indexOf('=');
    const name = pair.slice(0, index).trim();
    const value = pair.slice(index + 1).trim();
    if (value === '') this.cookies.delete(name);
    else this.cookies.set(name, value);
  }
}

const base64url = (bytes: Buffer) => bytes.toString('base64url');

export interface AppClient {
  /** A user signing in to the app from a browser with no session of ours: one password verification. */
  signIn(email: string, options?: { offline?: boolean }): Promise<Tokens & { nonce: string }>;
  /** The app's back end exchanging a refresh token for new tokens (the old one is then spent). */
  refresh(refreshToken: string): Promise<Tokens>;
  /** Checks one sign-in as a relying party would: the ID token's signature, issuer, audience and nonce. */
  check(tokens: Tokens & { nonce: string }): Promise<void>;
}

/**
 * `devices` maps an account to its known-device cookie (a returning user, as in the other sign-in loads:
 * no "new sign-in" email). Each sign-in comes from a client address of its own.
 */
export function appClient(
  ours: Ours,
  app: BenchApp,
  devices: Map<string, string>,
  /** Told how long each request of a sign-in took, by step: for a look at where a sign-in's time goes. */
  onStep?: (step: string, ms: number) => void,
): AppClient {
  const basic = `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`;
  const local = (location: string) => {
    const url = new URL(location, PUBLIC_URL);
    return url.origin === PUBLIC_URL || url.origin === ours.url ? ours.url + url.pathname + url.search : undefined;
  };
  /** The step a request is: its path with the interaction's uid left out. */
  const stepOf = (method: string, url: string) =>
    `${method} ${new URL(url).pathname.replace(/^\/(interaction|oidc\/auth)\/[^/]+/, '/$1/<uid>')}`;
  const timed = async (url: string, init: RequestOptions): Promise<Answer> => {
    if (!onStep) return request(url, init);
    const started = performance.now();
    const answer = await request(url, init);
    onStep(stepOf(init.method ?? 'GET', url), performance.now() - started);
    return answer;
  };
  const token = async (fields: Record<string, string>, address: Record<string, string>): Promise<Tokens> => {
    const answer = await timed(`${ours.url}/oidc/token`, {
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded', ...address },
      body: new URLSearchParams(fields).toString(),
    });
    if (answer.status !== 200) throw new Error(`the token endpoint answered ${answer.status}: ${answer.text}`);
    return JSON.parse(answer.text) as Tokens;
  };
  return {
    async signIn(email, options = {}) {
      const address = nextClient();
      const jar = new Jar(devices.get(email) ?? '');
      const verifier = base64url(randomBytes(32));
      const state = base64url(randomBytes(16));
      const nonce = base64url(randomBytes(16));
      const authorize = new URLSearchParams({
        client_id: app.clientId,
        redirect_uri: CALLBACK,
        response_type: 'code',
        // What the demo app asks for; a refresh token needs offline_access, which the provider keeps only
        // with prompt=consent (a first-party app's consent is given without a page).
        scope: options.offline ? 'openid profile email offline_access' : 'openid profile email',
        state,
        nonce,
        code_challenge: base64url(createHash('sha256').update(verifier).digest()),
        code_challenge_method: 'S256',
        ...(options.offline ? { prompt: 'consent' } : {}),
      });
      const send = async (url: string, form?: Record<string, string>) => {
        const answer = await timed(url, {
          method: form ? 'POST' : 'GET',
          headers: {
            cookie: jar.header(),
            ...address,
            ...(form ? { origin: PUBLIC_URL, 'content-type': 'application/x-www-form-urlencoded' } : {}),
          },
          body: form ? new URLSearchParams(form).toString() : undefined,
        });
        jar.take(answer);
        return answer;
      };
      let answer = await send(`${ours.url}/oidc/auth?${authorize}`);
      let signedIn = false;
      for (let step = 0; step < 12; step++) {
        const location = answer.headers.location;
        if (answer.status >= 300 && answer.status < 400 && location?.startsWith(`${CALLBACK}?`)) {
          const callback = new URL(location).searchParams;
          if (callback.get('state') !== state) throw new Error('the callback carries another state');
          const code = callback.get('code');
          if (!code) throw new Error(`the sign-in ended without a code: ${location}`);
          const tokens = await token(
            { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier },
            address,
          );
          return { ...tokens, nonce };
        }
        const next = location && local(location);
        if (answer.status >= 300 && answer.status < 400 && next) {
          answer = await send(next);
          continue;
        }
        const action = /<form method="post" action="(\/interaction\/[^"]+\/login)"/.exec(answer.text)?.[1];
        const csrf = /name="_csrf" value="([^"]+)"/.exec(answer.text)?.[1];
        if (answer.status === 200 && action && csrf && !signedIn) {
          answer = await send(ours.url + action, { _csrf: csrf, email, password: PASSWORD });
          signedIn = true;
          continue;
        }
        throw new Error(`the sign-in stopped at ${answer.status} ${location ?? ''}: ${answer.text.slice(0, 300)}`);
      }
      throw new Error('the sign-in took too many steps');
    },

    refresh: (refreshToken) => token({ grant_type: 'refresh_token', refresh_token: refreshToken }, nextClient()),

    async check(tokens) {
      if (!tokens.id_token) throw new Error('no ID token');
      const keys = createRemoteJWKSet(new URL(`${ours.url}/oidc/jwks`));
      const { payload } = await jwtVerify(tokens.id_token, keys, { issuer: PUBLIC_URL, audience: app.clientId });
      if (payload.nonce !== tokens.nonce) throw new Error('the ID token carries another nonce');
      const me = await request(`${ours.url}/oidc/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      if (me.status !== 200 || (JSON.parse(me.text) as { sub?: string }).sub !== payload.sub)
        throw new Error(`userinfo answered ${me.status}: ${me.text}`);
    },
  };
}

/** Sign-ins by `concurrency` browsers at once, one after the other in each, for `seconds`. */
export async function signInLoop(
  client: AppClient,
  email: string,
  concurrency: number,
  seconds: number,
): Promise<{ done: number; seconds: number }> {
  let done = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await client.signIn(email);
        done++;
      }
    }),
  );
  return { done, seconds: (performance.now() - started) / 1000 };
}

/**
 * Refresh-token chains, each refreshed by a worker of its own, one grant after the other (a refresh token
 * used twice ends its grant), for `seconds`; `chains` then holds each chain's current token. Returns the
 * grants done and the per-grant latencies.
 */
export async function refreshChains(
  client: AppClient,
  chains: string[],
  seconds: number,
): Promise<{ done: number; seconds: number; latenciesMs: number[] }> {
  const latenciesMs: number[] = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    chains.map(async (first, index) => {
      let current = first;
      while (performance.now() < deadline) {
        const sent = performance.now();
        const tokens = await client.refresh(current);
        latenciesMs.push(performance.now() - sent);
        if (!tokens.refresh_token || tokens.refresh_token === current || !tokens.access_token)
          throw new Error('a refresh did not rotate the refresh token');
        current = tokens.refresh_token;
        // Kept, so that the chains can be refreshed again later.
        chains[index] = current;
      }
    }),
  );
  return { done: latenciesMs.length, seconds: (performance.now() - started) / 1000, latenciesMs };
}
