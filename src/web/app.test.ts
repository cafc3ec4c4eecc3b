// Web hygiene over HTTP, as a browser and an attacker see it: headers on every response, CSRF and origin
// checks, sign-out, cookies, sessions and their timeouts, malformed requests, the language switch, the
// throttled sign-in, and what reaches the log. SECURITY 15, 17–19, 21–25, 58–63, 65–69.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Page, type PostOptions, TestBrowser, visibleText } from '../../test/support/browser.ts';
import { startService, type TestService } from '../../test/support/service.ts';
import type { Locale } from '../core/locale.ts';
import { countSessionsOfUser } from '../store/sessions.ts';
import { findUserById, type User } from '../store/users.ts';
import { buildApp } from './app.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;
const password = 'Correct-Horse-42';
const otherPassword = 'Amber-Heron-27!';
let service: TestService;

// Every password, cookie value and CSRF token this file uses; the last test looks for them in the logs.
const secrets = new Set<string>([password, otherPassword]);
const serviceLogs: string[][] = [];

/** A TestBrowser that remembers every password it types and every session and CSRF value it holds. */
class Browser extends TestBrowser {
  override async post(path: string, fields: Record<string, string | string[]>, options?: PostOptions): Promise<Page> {
    for (const [name, value] of Object.entries(fields))
      if (name.includes('password')) for (const one of [value].flat()) secrets.add(one);
    return super.post(path, fields, options);
  }

  override async request(path: string, init: RequestInit & { headers?: Record<string, string> }): Promise<Page> {
    this.remember();
    const page = await super.request(path, init);
    this.remember();
    return page;
  }

  private remember() {
    for (const [name, value] of this.cookies) if (/session|csrf/.test(name)) secrets.add(value);
    if (this.csrf) secrets.add(this.csrf);
  }
}

beforeAll(async () => {
  service = await startService();
  serviceLogs.push(service.logs);
});
afterAll(() => service.close());

// Every request of this file comes from 127.0.0.1, and wrong passwords count against that client for a day
// (throttles.ts). Each test starts a day later, so no test inherits the failures of another.
beforeEach(() => service.clock.advance(DAY));

let accounts = 0;

async function newAccount(locale: Locale = 'en'): Promise<{ email: string; user: User; browser: Browser }> {
  const email = `user${++accounts}@example.com`;
  const user = await service.addUser({ email, password, locale });
  const browser = new Browser(service.url);
  expect((await browser.signIn(email, password)).status).toBe(303);
  return { email, user, browser };
}

const signsIn = async (email: string, attempt: string) =>
  (await new Browser(service.url).signIn(email, attempt)).status;
const isSignedIn = async (browser: TestBrowser) => (await browser.get('/settings/profile')).status === 200;

/** A Save that would change the name and the password, for every refusal to leave undone. */
const hostileSave = {
  name: 'Mallory',
  locale: 'fr',
  change_password: 'on',
  current_password: password,
  new_password: otherPassword,
  confirm_password: otherPassword,
};

/** After a refusal: the account as it was, the session alive, the old password good, the new one not. */
async function expectNothingChanged(account: { email: string; user: User; browser: TestBrowser }) {
  expect(await findUserById(service.deps.db, account.user.id)).toEqual(account.user);
  expect(await isSignedIn(account.browser)).toBe(true);
  expect(await signsIn(account.email, password)).toBe(303);
  expect(await signsIn(account.email, otherPassword)).toBe(401);
}

/** The message of an error page. */
const lead = (page: Page) => /<p class="lead">([^<]*)<\/p>/.exec(page.text)?.[1];

/** Methods fetch refuses to send (TRACE), through node:http. */
function rawRequest(method: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(new URL(path, service.url), { method }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/** Bytes no HTTP client library would send, over a bare TCP connection; the answer as Node wrote it. */
function rawExchange(request: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(new URL(service.url).port), '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const [head = '', body = ''] = received.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(
        lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
      );
      if (!statusLine.startsWith('HTTP/1.1 ')) reject(new Error(`no answer: ${received.slice(0, 100)}`));
      else resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
    });
    socket.end(request);
  });
}

function expectSecurityHeaders(page: Page, what: string) {
  const csp = page.headers.get('content-security-policy') ?? '';
  expect(csp, what).toContain("default-src 'none'");
  expect(csp, what).toContain("frame-ancestors 'none'");
  expect(csp, what).toContain("script-src 'self'");
  expect(csp, what).not.toContain('unsafe-inline');
  expect(csp, what).not.toContain('unsafe-eval');
  expect(page.headers.get('x-frame-options'), what).toBe('DENY');
  expect(page.headers.get('x-content-type-options'), what).toBe('nosniff');
  expect(page.headers.get('referrer-policy'), what).toBe('same-origin');
}

describe('security headers (SECURITY 58, 65)', () => {
  it('are on every response: pages, redirects, 404, error pages, static assets', async () => {
    const { browser } = await newAccount();
    const visitor = new Browser(service.url);
    const login = await visitor.get('/login');
    const responses: Array<[string, Page, 'page' | 'asset']> = [
      ['log-in page', login, 'page'],
      ['settings page', await browser.get('/settings/profile'), 'page'],
      ['redirect', await browser.get('/settings'), 'page'],
      ['signed-out redirect', await visitor.get('/settings/profile'), 'page'],
      ['404', await visitor.get('/no-such-page'), 'page'],
      ['403', await visitor.post('/login', { email: 'a@example.com', password: 'x' }, { csrf: null }), 'page'],
      ['400', await visitor.post('/login', { email: 'a@example.com' }), 'page'],
      [
        '415',
        await visitor.request('/login', {
          method: 'POST',
          body: '{}',
          headers: { 'content-type': 'application/json', origin: service.url },
        }),
        'page',
      ],
      ['health check', await visitor.get('/healthz'), 'page'],
    ];
    for (const asset of login.text.matchAll(/(?:href|src)="(\/assets\/[^"]+)"/g)) {
      responses.push([asset[1]!, await visitor.get(asset[1]!), 'asset']);
    }
    expect(responses.filter(([, , kind]) => kind === 'asset')).toHaveLength(3);

    for (const [what, page, kind] of responses) {
      expectSecurityHeaders(page, what);
      // Pages carry account data and CSRF tokens: no cache may keep them. Assets are public and versioned.
      if (kind === 'page') expect(page.headers.get('cache-control'), what).toBe('no-store');
      else expect(page.status, what).toBe(200);
      // No HSTS over plain http (it would be ignored, and it would pin a development host).
      expect(page.headers.get('strict-transport-security'), what).toBeNull();
    }
    expect(responses.find(([what]) => what === '404')![1].status).toBe(404);
    // No account page belongs in a search engine.
    for (const [what, page, kind] of responses) {
      if (kind === 'page' && page.headers.get('content-type')?.startsWith('text/html')) {
        expect(page.text, what).toContain('<meta name="robots" content="noindex, nofollow"/>');
      }
    }
  });

  it('are on the answers Node gives before Fastify sees the request: headers too large, a broken request line', async () => {
    const cases: Array<[string, string, number]> = [
      ['headers over 16 KiB', `GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: ${'x'.repeat(20_000)}\r\n\r\n`, 431],
      ['a broken request line', 'GET /login HTTP/9\r\n\r\n', 400],
      ['a header without a name', 'GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\n: nameless\r\n\r\n', 400],
    ];
    for (const [what, request, status] of cases) {
      const answer = await rawExchange(request);
      expect(answer.status, what).toBe(status);
      expect(answer.headers['content-security-policy'], what).toContain("frame-ancestors 'none'");
      expect(answer.headers['x-frame-options'], what).toBe('DENY');
      expect(answer.headers['x-content-type-options'], what).toBe('nosniff');
      expect(answer.headers['cache-control'], what).toBe('no-store');
      expect(answer.body, what).toBe('Bad request / Requête incorrecte');
    }
  });
});

describe('static assets', () => {
  it('come from memory: with every libuv thread taken, as by a flood of sign-ins hashing, the stylesheet still comes', async () => {
    const login = await new Browser(service.url).get('/login');
    const stylesheet = /href="(\/assets\/app\.css\?v=[^"]+)"/.exec(login.text)![1]!;
    const folder = mkdtempSync(join(tmpdir(), 'sc-fifo-'));
    const fifo = join(folder, 'fifo');
    execFileSync('mkfifo', [fifo]);
    // Opening a FIFO to read holds a libuv thread until a writer comes: all of them, here.
    const held = Array.from({ length: Number(process.env.UV_THREADPOOL_SIZE ?? 4) }, () => open(fifo, 'r'));
    try {
      const answer = await Promise.race([
        // As it is stored, not compressed: decoding gzip would need one of the threads this very process holds.
        fetch(service.url + stylesheet, { headers: { 'accept-encoding': 'identity' } }).then(async (response) => ({
          status: response.status,
          type: response.headers.get('content-type'),
          body: await response.text(),
        })),
        new Promise((resolve) => setTimeout(() => resolve('still waiting for a thread'), 5000)),
      ]);
      expect(answer).toMatchObject({ status: 200, type: 'text/css; charset=utf-8' });
    } finally {
      let writer: number | undefined;
      while (writer === undefined) {
        try {
          writer = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      }
      for (const handle of await Promise.all(held)) await handle.close();
      closeSync(writer);
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('are cached for a year under a versioned URL, answer 304 to a revalidation, and 404 for anything else', async () => {
    const visitor = new Browser(service.url);
    const login = await visitor.get('/login');
    const script = /src="(\/assets\/app\.js\?v=([^"]+))"/.exec(login.text)!;
    const first = await visitor.get(script[1]!);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(first.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    // Compressed (fetch asks for gzip): the file's tag, weak, as for every encoding but the file itself.
    expect(first.headers.get('etag')).toBe(`W/"${script[2]}"`);
    for (const ifNoneMatch of [`"${script[2]}"`, `W/"${script[2]}"`, `"0123456789ab", W/"${script[2]}"`, '*']) {
      expect(
        (await visitor.request(script[1]!, { headers: { 'if-none-match': ifNoneMatch } })).status,
        ifNoneMatch,
      ).toBe(304);
    }
    expect((await visitor.request(script[1]!, { headers: { 'if-none-match': '"0123456789ab"' } })).status).toBe(200);
    // Another version, as a page from a newer instance asks during a rolling deploy, or none: what is here,
    // not to be kept for a year under that URL.
    for (const other of ['/assets/app.js?v=0123456789ab', '/assets/app.js']) {
      const answer = await visitor.get(other);
      expect(answer.status, other).toBe(200);
      expect(answer.headers.get('cache-control'), other).toBe('no-cache');
    }
    for (const path of ['/assets/', '/assets/app.scss', '/assets/build-assets.ts', '/assets/%2e%2e%2fpackage.json']) {
      expect((await visitor.get(path)).status, path).toBe(404);
    }
  });

  it('come compressed, brotli first, then gzip, as Accept-Encoding allows, each with Vary', async () => {
    const login = await new Browser(service.url).get('/login');
    for (const asset of login.text.matchAll(/(?:href|src)="(\/assets\/[^"]+)"/g)) {
      const path = asset[1]!;
      const plain = await rawAsset(path, 'identity');
      expect(plain.headers['content-encoding'], path).toBeUndefined();
      for (const [acceptEncoding, expected] of [
        ['br, gzip', 'br'],
        ['gzip;q=1, br;q=0.5', 'br'],
        ['gzip, deflate', 'gzip'],
        ['br;q=0, gzip', 'gzip'],
        ['*', 'br'],
        ['identity', undefined],
        ['', undefined],
      ] as const) {
        const answer = await rawAsset(path, acceptEncoding);
        expect(answer.headers['content-encoding'], `${path} ${acceptEncoding}`).toBe(expected);
        expect(answer.headers.vary, path).toMatch(/accept-encoding/i);
        const decoded =
          expected === 'br'
            ? brotliDecompressSync(answer.body)
            : expected === 'gzip'
              ? gunzipSync(answer.body)
              : answer.body;
        expect(decoded.equals(plain.body), `${path} ${acceptEncoding}`).toBe(true);
        if (expected && path.endsWith('.css')) expect(answer.body.length, path).toBeLessThan(plain.body.length / 3);
      }
    }
  });
});

/** An asset as it travels, not decoded the way fetch decodes it. */
function rawAsset(
  path: string,
  acceptEncoding: string,
): Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      new URL(path, service.url),
      { headers: { 'accept-encoding': acceptEncoding } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ headers: response.headers, body: Buffer.concat(chunks) }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('CSRF and origin checks (SECURITY 24, 55)', () => {
  it('refuse a Save without a token, with a wrong one or with another browser’s, and change nothing', async () => {
    const account = await newAccount();
    const stranger = new Browser(service.url);
    await stranger.get('/login');
    const attacker = await newAccount();
    await attacker.browser.get('/settings/profile');
    await account.browser.get('/settings/profile');
    const good = account.browser.csrf!;
    const forged = `${good.slice(0, -4)}${good.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;

    for (const [what, csrf] of [
      ['no token', null],
      ['a made-up token', forged],
      ['an empty token', ''],
      ['the token of a signed-out browser', stranger.csrf!],
      ['the token of another account’s browser', attacker.browser.csrf!],
    ] as const) {
      const page = await account.browser.post('/settings/profile', hostileSave, { csrf });
      expect(page.status, what).toBe(403);
      expect(lead(page), what).toBe(
        'This form has expired or was sent from another site. Go back, reload the page and try again.',
      );
    }
    // A second token beside the good one does not slip through either (SECURITY 67).
    const doubled = await account.browser.post('/settings/profile', { ...hostileSave, _csrf: forged }, { csrf: good });
    expect(doubled.status).toBe(403);
    await expectNothingChanged(account);
  });

  it('refuse a post from another origin, even with a good token, and change nothing', async () => {
    const account = await newAccount();
    await account.browser.get('/settings/profile');
    for (const [what, origin, headers] of [
      ['another site', 'https://evil.example', {}],
      ['another port of this host', 'http://127.0.0.1:1', {}],
      ['an opaque origin', 'null', {}],
      ['no Origin, cross-site fetch metadata', null, { 'sec-fetch-site': 'cross-site' }],
      ['no Origin, same-site fetch metadata', null, { 'sec-fetch-site': 'same-site' }],
    ] as const) {
      const page = await account.browser.post('/settings/profile', hostileSave, { origin, headers });
      expect(page.status, what).toBe(403);
    }
    await expectNothingChanged(account);
    // The same form from our own origin goes through: the token was good, the origin was the reason.
    const own = await account.browser.post('/settings/profile', { name: 'Ada King', locale: 'en' });
    expect(own.status).toBe(303);
    expect((await findUserById(service.deps.db, account.user.id))?.name).toBe('Ada King');
  });

  it('protect the log-in form as well: no session is started by a forged sign-in', async () => {
    await service.addUser({ email: 'login-csrf@example.com', password });
    const victim = new Browser(service.url);
    await victim.get('/login');
    const other = new Browser(service.url);
    await other.get('/login');
    const credentials = { email: 'login-csrf@example.com', password };
    for (const [what, options] of [
      ['no token', { csrf: null }],
      ['another browser’s token', { csrf: other.csrf! }],
      ['another origin', { origin: 'https://evil.example' }],
      ['cross-site fetch metadata', { origin: null, headers: { 'sec-fetch-site': 'cross-site' } }],
    ] as const) {
      const page = await victim.post('/login', credentials, options);
      expect(page.status, what).toBe(403);
      expect(
        page.headers.getSetCookie().some((line) => line.startsWith('session=')),
        what,
      ).toBe(false);
    }
    expect(victim.cookies.has('session')).toBe(false);
    expect((await victim.get('/settings/profile')).location).toBe('/login');
  });

  it('are renewed by signing in and by signing out: no token read before works after', async () => {
    await service.addUser({ email: 'csrf-renewed@example.com', password });
    const shared = new Browser(service.url);
    await shared.get('/login');
    const signedOutToken = shared.csrf!;
    const signedOutSecret = shared.cookies.get('csrf');
    expect((await shared.post('/login', { email: 'csrf-renewed@example.com', password })).status).toBe(303);
    expect(shared.cookies.get('csrf')).not.toBe(signedOutSecret);
    // The token of the log-in page, taken by whoever saw that page, does not work once signed in.
    const withOldToken = await shared.post('/settings/profile', hostileSave, { csrf: signedOutToken });
    expect(withOldToken.status).toBe(403);

    await shared.get('/settings/profile');
    const firstUsersToken = shared.csrf!;
    expect((await shared.post('/logout', {})).status).toBe(303);
    // The next person at this browser signs in: the previous user's token is dead for them.
    await shared.get('/login');
    const nextUser = await newAccount();
    for (const [name, value] of nextUser.browser.cookies) if (name === 'session') shared.cookies.set(name, value);
    const replayed = await shared.post(
      '/settings/profile',
      { ...hostileSave, current_password: password },
      { csrf: firstUsersToken },
    );
    expect(replayed.status).toBe(403);
    expect(await findUserById(service.deps.db, nextUser.user.id)).toEqual(nextUser.user);
    // …and so is the one of the signed-out page shown after sign-out, once someone signs in from it.
    const afterSignOut = shared.csrf!;
    expect((await shared.post('/login', { email: 'csrf-renewed@example.com', password })).status).toBe(303);
    expect((await shared.post('/settings/profile', hostileSave, { csrf: afterSignOut })).status).toBe(403);
  });
});

describe('sign-out (SECURITY 24, 61)', () => {
  it('is a POST only, behind the CSRF check', async () => {
    const account = await newAccount();
    const get = await account.browser.get('/logout');
    expect([404, 405]).toContain(get.status);
    expect(await isSignedIn(account.browser)).toBe(true);
    const noToken = await account.browser.post('/logout', {}, { csrf: null });
    expect(noToken.status).toBe(403);
    const foreign = await account.browser.post('/logout', {}, { origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(await isSignedIn(account.browser)).toBe(true);
    expect(await countSessionsOfUser(service.deps.db, account.user.id)).toBe(1);
  });

  it('ends the session on the server, so a copy of the cookie is dead too', async () => {
    const account = await newAccount();
    const cookie = account.browser.cookies.get('session')!;
    await account.browser.get('/settings/profile');
    const answer = await account.browser.post('/logout', {});
    expect(answer.status).toBe(303);
    expect(answer.location).toBe('/login?notice=signed-out');
    expect(answer.headers.getSetCookie().find((line) => line.startsWith('session='))).toMatch(
      /^session=;.*(Max-Age=0|Expires=Thu, 01 Jan 1970)/,
    );
    expect(visibleText((await account.browser.get(answer.location!)).text)).toContain('You have been signed out.');

    const copy = new Browser(service.url);
    copy.cookies.set('session', cookie);
    const replayed = await copy.get('/settings/profile');
    expect(replayed.status).toBe(303);
    expect(replayed.location).toBe('/login');
    expect(await countSessionsOfUser(service.deps.db, account.user.id)).toBe(0);
  });
});

describe('cookies (SECURITY 59, 60)', () => {
  it('are HttpOnly and SameSite=Lax, and not Secure over plain http', async () => {
    await service.addUser({ email: 'cookies@example.com', password });
    const browser = new Browser(service.url);
    const login = await browser.get('/login');
    const signIn = await browser.post('/login', { email: 'cookies@example.com', password });
    // Signing in renewed the CSRF secret: the form comes from a page read after it.
    await browser.get('/settings/profile');
    const language = await browser.post('/language', { locale: 'fr', next: '/settings/profile' });
    const lines = [
      ...login.headers.getSetCookie(),
      ...signIn.headers.getSetCookie(),
      ...language.headers.getSetCookie(),
    ];
    for (const name of ['csrf', 'session', 'lang']) {
      const line = lines.find((cookie) => cookie.startsWith(`${name}=`));
      expect(line, name).toBeDefined();
      expect(line).toMatch(/; HttpOnly/);
      expect(line).toMatch(/; SameSite=Lax/);
      expect(line).toMatch(/; Path=\//);
      expect(line).not.toMatch(/; Secure/);
      expect(line).not.toMatch(/; Domain=/i);
    }
    // The session ends with the browser; the server enforces the timeouts.
    expect(lines.find((cookie) => cookie.startsWith('session='))).not.toMatch(/Max-Age|Expires/i);
    // 256 random bits, base64url, and only their digest is stored.
    const token = browser.cookies.get('session')!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rows = await service.deps.db.selectFrom('sessions').select('id_hash').execute();
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.id_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('get the __Host- prefix and Secure when PUBLIC_URL is https, and the origin check follows PUBLIC_URL', async () => {
    const origin = 'https://accounts.example.test';
    const secure = await startService({ PUBLIC_URL: origin });
    serviceLogs.push(secure.logs);
    try {
      await secure.addUser({ email: 'https@example.com', password });
      const browser = new Browser(secure.url);
      const login = await browser.get('/login');
      expect(login.headers.get('strict-transport-security')).toMatch(/max-age=\d{7,}/);
      // Even the answer to a URL that cannot be routed, given before any hook runs.
      const unroutable = await browser.get('/reset-password%zz');
      expect(unroutable.status).toBe(400);
      expect(unroutable.headers.get('strict-transport-security')).toMatch(/max-age=\d{7,}/);
      expect(login.headers.get('content-security-policy')).toContain('upgrade-insecure-requests');
      // The Host of the request is not our origin: PUBLIC_URL is.
      const fromHost = await browser.post('/login', { email: 'https@example.com', password }, { origin: secure.url });
      expect(fromHost.status).toBe(403);
      const signIn = await browser.post('/login', { email: 'https@example.com', password }, { origin });
      expect(signIn.status).toBe(303);
      await browser.get('/settings/profile');
      const language = await browser.post('/language', { locale: 'fr', next: '/' }, { origin });
      expect(language.status).toBe(303);

      const lines = [
        ...login.headers.getSetCookie(),
        ...signIn.headers.getSetCookie(),
        ...language.headers.getSetCookie(),
      ];
      for (const name of ['csrf', 'session', 'lang']) {
        const line = lines.find((cookie) => cookie.startsWith(`__Host-${name}=`));
        expect(line, name).toBeDefined();
        expect(line).toMatch(/; Secure/);
        expect(line).toMatch(/; HttpOnly/);
        expect(line).toMatch(/; SameSite=Lax/);
        expect(line).toMatch(/; Path=\/(;|$)/);
        expect(line).not.toMatch(/; Domain=/i);
      }
      expect(lines.some((line) => /^(session|csrf|lang)=/.test(line))).toBe(false);
      const settings = await browser.get('/settings/profile');
      expect(settings.status).toBe(200);
      expect(settings.text).toContain('lang="fr"');
    } finally {
      await secure.close();
    }
  });
});

describe('sessions (SECURITY 23, 62, 63)', () => {
  it('never promotes a session id sent before signing in', async () => {
    // An attacker plants their own session cookie in the victim's browser, then waits for the victim to sign in.
    const attacker = await newAccount();
    const planted = attacker.browser.cookies.get('session')!;
    const victim = await service.addUser({ email: 'fixation@example.com', password });
    const victimBrowser = new Browser(service.url);
    await victimBrowser.get('/login');
    victimBrowser.cookies.set('session', planted);
    expect((await victimBrowser.post('/login', { email: 'fixation@example.com', password })).status).toBe(303);
    expect(victimBrowser.cookies.get('session')).not.toBe(planted);
    expect((await attacker.browser.get('/settings/profile')).location).toBe('/login');
    const page = await victimBrowser.get('/settings/profile');
    expect(page.text).toContain('fixation@example.com');
    expect(await countSessionsOfUser(service.deps.db, victim.id)).toBe(1);

    // A made-up id of the right shape is not adopted either.
    const madeUp = 'A'.repeat(43);
    const other = new Browser(service.url);
    other.cookies.set('session', madeUp);
    expect((await other.signIn('fixation@example.com', password)).status).toBe(303);
    expect(other.cookies.get('session')).not.toBe(madeUp);
    const guesser = new Browser(service.url);
    guesser.cookies.set('session', madeUp);
    expect((await guesser.get('/settings/profile')).location).toBe('/login');
  });

  it('reads the session id only from the cookie', async () => {
    const account = await newAccount();
    const token = account.browser.cookies.get('session')!;
    const elsewhere = new Browser(service.url);
    for (const [what, path, headers] of [
      ['query string', `/settings/profile?session=${token}`, {}],
      ['Authorization header', '/settings/profile', { authorization: `Bearer ${token}` }],
      ['another header', '/settings/profile', { 'x-session-id': token }],
    ] as const) {
      const page = await elsewhere.get(path, headers);
      expect(page.status, what).toBe(303);
      expect(page.location, what).toBe('/login');
    }
    expect(await isSignedIn(account.browser)).toBe(true);
  });

  it('ends after an hour without activity, on the server', async () => {
    const account = await newAccount();
    const cookie = account.browser.cookies.get('session')!;
    service.clock.advance(59 * MINUTE);
    expect(await isSignedIn(account.browser)).toBe(true);
    service.clock.advance(HOUR + MINUTE);
    const expired = await account.browser.get('/settings/profile');
    expect(expired.status).toBe(303);
    expect(expired.location).toBe('/login?notice=session-expired');
    expect(await countSessionsOfUser(service.deps.db, account.user.id)).toBe(0);
    expect(visibleText((await account.browser.get(expired.location!)).text)).toContain(
      'Your session has expired. Please sign in again.',
    );
    // A copy of the cookie made before is dead as well.
    const copy = new Browser(service.url);
    copy.cookies.set('session', cookie);
    expect((await copy.get('/settings/profile')).location).toBe('/login');
  });

  it('stays alive while used every few seconds, with the shortest idle timeout allowed', async () => {
    const short = await startService({ SESSION_IDLE_TIMEOUT: '1m' });
    try {
      await short.addUser({ email: 'brisk@example.com', password });
      const browser = new Browser(short.url);
      expect((await browser.signIn('brisk@example.com', password)).status).toBe(303);
      // Five minutes of a page every 7 s: each visit within the timeout of the one before.
      for (let visit = 0; visit < 43; visit++) {
        short.clock.advance(7_000);
        expect((await browser.get('/settings/profile')).status, `visit ${visit}`).toBe(200);
      }
      short.clock.advance(MINUTE + 6_000);
      expect((await browser.get('/settings/profile')).location).toBe('/login?notice=session-expired');
    } finally {
      await short.close();
    }
  });

  it('is kept alive by activity, but never past twelve hours after signing in', async () => {
    const account = await newAccount();
    // 14 × 50 minutes = 11 h 40: each visit comes before the idle limit.
    for (let visit = 0; visit < 14; visit++) {
      service.clock.advance(50 * MINUTE);
      expect(await isSignedIn(account.browser), `visit ${visit}`).toBe(true);
    }
    service.clock.advance(20 * MINUTE);
    const expired = await account.browser.get('/settings/profile');
    expect(expired.status).toBe(303);
    expect(expired.location).toBe('/login?notice=session-expired');
    expect(await countSessionsOfUser(service.deps.db, account.user.id)).toBe(0);
  });
});

describe('malformed requests (SECURITY 65–67)', () => {
  it('each get a 4xx page in the user’s language, never a 500, and change nothing', async () => {
    const account = await newAccount('fr');
    const french = new Browser(service.url, { 'accept-language': 'fr-FR,fr;q=0.9' });
    for (const [name, value] of account.browser.cookies) french.cookies.set(name, value);
    await french.get('/settings/profile');

    const form = (fields: Record<string, string | string[]>) => {
      const body = new URLSearchParams({ _csrf: french.csrf! });
      for (const [name, value] of Object.entries(fields)) for (const one of [value].flat()) body.append(name, one);
      return body.toString();
    };
    // Bytes as a client may send them, not as a browser would: raw, outside any %-escape.
    const withRawBytes = (bytes: number[]) => {
      const [before, after] = form({ ...hostileSave, name: 'x' }).split('name=x');
      return new Blob([`${before}name=Eve`, new Uint8Array(bytes), after!]);
    };
    const post = (body: string | Blob, type = 'application/x-www-form-urlencoded') =>
      french.request('/settings/profile', {
        method: 'POST',
        body,
        headers: { 'content-type': type, origin: service.url },
      });
    const understood = 'La requête n’a pas pu être comprise. Revenez en arrière et réessayez.';

    const cases: Array<[string, () => Promise<Page>, number, string]> = [
      [
        'a broken %-escape',
        () => post(form({ ...hostileSave, name: 'x' }).replace('name=x', 'name=Mallory%ZZ')),
        400,
        understood,
      ],
      [
        'escapes that are not UTF-8',
        () => post(form({ ...hostileSave, name: 'x' }).replace('name=x', 'name=%FF%FE')),
        400,
        understood,
      ],
      [
        'a truncated escape',
        () => post(form({ ...hostileSave, name: 'x' }).replace('name=x', 'name=%E2%82')),
        400,
        understood,
      ],
      [
        'an escaped UTF-16 surrogate',
        () => post(form({ ...hostileSave, name: 'x' }).replace('name=x', 'name=%ED%A0%80')),
        400,
        understood,
      ],
      ['a raw byte that is not UTF-8', () => post(withRawBytes([0xff])), 400, understood],
      ['a raw overlong encoding', () => post(withRawBytes([0xc0, 0xaf])), 400, understood],
      ['a raw truncated sequence', () => post(withRawBytes([0xe2, 0x82])), 400, understood],
      ['a raw UTF-16 surrogate', () => post(withRawBytes([0xed, 0xa0, 0x80])), 400, understood],
      [
        'JSON',
        () => post(JSON.stringify({ _csrf: french.csrf, ...hostileSave }), 'application/json'),
        415,
        'Ce type de contenu n’est pas accepté ici.',
      ],
      ['plain text', () => post(form(hostileSave), 'text/plain'), 415, 'Ce type de contenu n’est pas accepté ici.'],
      [
        'more than 16 KiB',
        () => post(form({ ...hostileSave, filler: 'x'.repeat(17 * 1024) })),
        413,
        'Ce que vous avez envoyé est trop volumineux.',
      ],
      ['the name twice', () => post(form({ ...hostileSave, name: ['Mallory', 'Ada Lovelace'] })), 400, understood],
      [
        'the new password twice',
        () => post(form({ ...hostileSave, new_password: [otherPassword, 'x'] })),
        400,
        understood,
      ],
      ['the checkbox twice', () => post(form({ ...hostileSave, change_password: ['on', 'on'] })), 400, understood],
      ['the language twice', () => post(form({ ...hostileSave, locale: ['fr', 'en'] })), 400, understood],
      ['no name', () => post(form({ locale: 'fr' })), 400, understood],
      ['a name far too long', () => post(form({ ...hostileSave, name: 'M'.repeat(5000) })), 400, understood],
    ];
    for (const [what, send, status, message] of cases) {
      const page = await send();
      expect(page.status, what).toBe(status);
      expect(page.headers.get('content-type'), what).toBe('text/html; charset=utf-8');
      expect(page.text, what).toContain('lang="fr"');
      expect(lead(page), what).toBe(message);
      expect(visibleText(page.text), what).not.toMatch(/Error|FST_|stack|node_modules|\.ts:\d+/);
      expectSecurityHeaders(page, what);
    }
    await expectNothingChanged(account);
  });

  it('leave even the session as it was: a refused request does not count as its use', async () => {
    const account = await newAccount('fr');
    await account.browser.get('/settings/profile');
    const sessions = () => service.deps.db.selectFrom('sessions').selectAll().orderBy('id_hash').execute();
    // Long enough since the last use that any use would be recorded.
    service.clock.advance(10 * MINUTE);
    const before = await sessions();
    for (const refusal of [
      await account.browser.post('/settings/profile', hostileSave, { csrf: null }),
      await account.browser.post('/settings/profile', { ...hostileSave, name: ['Mallory', 'Eve'] }),
      await account.browser.get('/no-such-page'),
    ]) {
      expect([403, 400, 404]).toContain(refusal.status);
      expect(refusal.text).toContain('lang="fr"');
    }
    expect(await sessions()).toEqual(before);
  });

  it('show a signed-in user the app’s frame and its gear menu, and anyone else the signed-out one', async () => {
    const gear = /<details class="gear-menu"/;
    const account = await newAccount();
    for (const page of [
      await account.browser.get('/no-such-page'),
      await account.browser.post('/settings/profile', hostileSave, { csrf: null }),
    ]) {
      expect(page.text).toMatch(gear);
      expect(visibleText(page.text)).toContain(account.email);
    }
    const visitor = new Browser(service.url);
    const signedOut = await visitor.get('/no-such-page');
    expect(signedOut.status).toBe(404);
    expect(signedOut.text).not.toMatch(gear);
  });

  it('speak the signed-in user’s profile language, whatever the browser asks for', async () => {
    const account = await newAccount('fr');
    const english = new Browser(service.url, { 'accept-language': 'en-GB,en;q=0.9' });
    english.cookies.set('session', account.browser.cookies.get('session')!);
    await english.get('/settings/profile');
    const pages: Array<[string, Page, string]> = [
      ['404', await english.get('/no-such-page'), 'Cette page n’existe pas.'],
      [
        '403',
        await english.post('/settings/profile', hostileSave, { csrf: null }),
        'Ce formulaire a expiré ou a été envoyé depuis un autre site. Revenez en arrière, rechargez la page et réessayez.',
      ],
      [
        '400',
        await english.post('/settings/profile', { ...hostileSave, name: ['Mallory', 'Eve'] }),
        'La requête n’a pas pu être comprise. Revenez en arrière et réessayez.',
      ],
    ];
    for (const [what, page, message] of pages) {
      expect(page.text, what).toContain('lang="fr"');
      expect(lead(page), what).toBe(message);
    }
    // Signed out, the browser's language decides.
    expect(lead(await new Browser(service.url, { 'accept-language': 'en' }).get('/no-such-page'))).toBe(
      'This page does not exist.',
    );
    await expectNothingChanged(account);
  });

  it('do not answer TRACE, nor serve source-control, environment or debug files', async () => {
    expect((await rawRequest('TRACE', '/login')).status).not.toBe(200);
    expect((await rawRequest('TRACK', '/login')).status).not.toBe(200);
    const visitor = new Browser(service.url);
    for (const path of [
      '/.git/config',
      '/.git/HEAD',
      '/.env',
      '/assets/.env',
      '/assets/app.js.map',
      '/assets/%2e%2e/package.json',
      '/assets/..%2f..%2fpackage.json',
      '/package.json',
      '/src/config.ts',
      '/dist/main.js',
      '/data/app.db',
      '/debug',
      '/documentation',
    ]) {
      const page = await visitor.get(path);
      expect([403, 404], path).toContain(page.status);
      expect(page.text, path).not.toMatch(/\[core\]|DATABASE_URL|"dependencies"|SQLite format/);
      expectSecurityHeaders(page, path);
    }
  });

  it('end, when something breaks, in a generic page with a reference, the details only in the log (SECURITY 66)', async () => {
    const app = await buildApp(service.deps);
    app.get('/breaks', async () => {
      throw new Error('the disk is on fire at /srv/accounts/store/users.ts:42');
    });
    try {
      const reply = await app.inject({ method: 'GET', url: '/breaks', headers: { 'accept-language': 'fr' } });
      expect(reply.statusCode).toBe(500);
      expect(reply.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(reply.headers['cache-control']).toBe('no-store');
      const text = visibleText(reply.body);
      expect(text).toContain('Une erreur inattendue est survenue. Elle a été enregistrée\u00a0; veuillez réessayer.');
      const reference = /Référence\u00a0: ([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})/.exec(
        text,
      )?.[1];
      expect(reference).toBeDefined();
      expect(reply.body).not.toMatch(/fire|\/srv|users\.ts|Error/);
      const logged = service.logs.map(
        (line) => JSON.parse(line) as { level: number; reqId?: string; err?: { message: string } },
      );
      expect(logged.find((line) => line.reqId === reference && line.level >= 50)?.err?.message).toContain(
        'the disk is on fire',
      );
    } finally {
      await app.close();
    }
  });
});

describe('the language switch and the choice of language (SECURITY 25)', () => {
  it('remembers the choice in a cookie, and in the profile of a signed-in user', async () => {
    const visitor = new Browser(service.url, { 'accept-language': 'en' });
    await visitor.get('/login');
    const switched = await visitor.post('/language', { locale: 'fr', next: '/login' });
    expect(switched.status).toBe(303);
    expect(switched.location).toBe('/login');
    expect(visitor.cookies.get('lang')).toBe('fr');
    expect((await visitor.get('/login')).text).toContain('<h1>Connexion à Sales Connect</h1>');

    const account = await newAccount('en');
    await account.browser.get('/settings/profile');
    const answer = await account.browser.post('/language', { locale: 'fr', next: '/settings/profile' });
    expect(answer.location).toBe('/settings/profile');
    expect((await findUserById(service.deps.db, account.user.id))?.locale).toBe('fr');
    // The profile wins over the browser's language, on any device.
    const laptop = new Browser(service.url, { 'accept-language': 'en-GB,en;q=0.9' });
    await laptop.signIn(account.email, password);
    const page = await laptop.get('/settings/profile');
    expect(page.text).toContain('lang="fr"');
    expect(visibleText(page.text)).toContain('Détails du compte');
  });

  it('never sends anyone off-site, whatever `next` says', async () => {
    const visitor = new Browser(service.url);
    await visitor.get('/login');
    const offSite = [
      '//evil.example',
      '/\\evil.example',
      '\\\\evil.example',
      'https://evil.example',
      'http:evil.example',
      '//evil.example/%2F..',
      '/\t/evil.example',
      ' //evil.example',
      'javascript:alert(1)',
      '/€',
      '/\u0000',
      '/\r\nLocation: https://evil.example',
      '',
    ];
    for (const next of offSite) {
      const page = await visitor.post('/language', { locale: 'en', next });
      expect(page.status, JSON.stringify(next)).toBe(303);
      expect(page.location, JSON.stringify(next)).toBe('/');
    }
    expect((await visitor.post('/language', { locale: 'en', next: '/settings/profile?notice=saved' })).location).toBe(
      '/settings/profile?notice=saved',
    );
  });

  it('and signing in always lands on Settings, whatever `next` the link carried', async () => {
    await service.addUser({ email: 'next@example.com', password });
    const browser = new Browser(service.url);
    await browser.get('/login?next=https://evil.example');
    const answer = await browser.post('/login?next=https://evil.example&redirect=//evil.example', {
      email: 'next@example.com',
      password,
      next: 'https://evil.example',
      redirect: '//evil.example',
    });
    expect(answer.status).toBe(303);
    expect(answer.location).toBe('/settings');
  });

  it('refuses a language we do not speak, and sets nothing', async () => {
    const visitor = new Browser(service.url);
    await visitor.get('/login');
    const page = await visitor.post('/language', { locale: 'de', next: '/login' });
    expect(page.status).toBe(400);
    expect(visitor.cookies.has('lang')).toBe(false);
  });

  it('follows Accept-Language when nothing else says, French included', async () => {
    const pick = async (acceptLanguage: string) =>
      /<html lang="(\w+)"/.exec(
        (await new Browser(service.url).get('/login', { 'accept-language': acceptLanguage })).text,
      )?.[1];
    expect(await pick('fr-CA,fr;q=0.9,en;q=0.5')).toBe('fr');
    expect(await pick('de-DE,fr;q=0.8,en;q=0.5')).toBe('fr');
    expect(await pick('en-US,fr;q=0.5')).toBe('en');
    expect(await pick('de-DE')).toBe('en');
    const missing = await new Browser(service.url).get('/nowhere', { 'accept-language': 'fr' });
    expect(missing.status).toBe(404);
    expect(visibleText(missing.text)).toContain('Page introuvable');
  });
});

describe('the throttled sign-in (SECURITY 15, 17–19, 21, 22)', () => {
  it('gives a disabled account the answer of a wrong password, and ends its sessions (SECURITY 17)', async () => {
    const account = await newAccount();
    await service.deps.db
      .updateTable('users')
      .set({ disabled_at: service.clock.now() })
      .where('id', '=', account.user.id)
      .execute();
    const disabled = await new Browser(service.url).signIn(account.email, password);
    const wrong = await new Browser(service.url).signIn('nobody-at-all@example.com', password);
    expect(disabled.status).toBe(401);
    expect(visibleText(disabled.text).replace(account.email, 'EMAIL')).toBe(
      visibleText(wrong.text).replace('nobody-at-all@example.com', 'EMAIL'),
    );
    expect(await isSignedIn(account.browser)).toBe(false);
  });

  it('counts a client by its connection, not by headers it can forge (SECURITY 22)', async () => {
    const account = await newAccount();
    for (let failure = 0; failure < 6; failure++) {
      const address = `198.51.100.${failure + 1}`;
      const spoofing = new Browser(service.url, {
        'x-forwarded-for': address,
        'x-real-ip': address,
        forwarded: `for=${address}`,
      });
      expect((await spoofing.signIn(account.email, `Wrong-Horse-${failure}`)).status).toBe(401);
    }
    const fresh = new Browser(service.url, { 'x-forwarded-for': '203.0.113.99', 'x-real-ip': '203.0.113.99' });
    expect((await fresh.signIn(account.email, password)).status).toBe(429);
  });

  it('sheds a flood of sign-ins with 503 and Retry-After instead of queueing without bound (SECURITY 15)', async () => {
    const small = await startService({ HASH_CONCURRENCY: '1', HASH_QUEUE_LIMIT: '1' });
    serviceLogs.push(small.logs);
    try {
      await small.addUser({ email: 'flood@example.com', password });
      const browser = new Browser(small.url);
      await browser.get('/login');
      const answers = await Promise.all(
        Array.from({ length: 24 }, (_, index) =>
          browser.post('/login', { email: `flood-${index}@example.com`, password: `Wrong-Horse-${index}` }),
        ),
      );
      const statuses = answers.map((answer) => answer.status);
      expect(
        statuses.every((status) => status === 401 || status === 503),
        statuses.join(' '),
      ).toBe(true);
      const shed = answers.filter((answer) => answer.status === 503);
      expect(shed.length).toBeGreaterThan(0);
      for (const answer of shed) {
        expectSecurityHeaders(answer, '503');
        expect(answer.headers.get('cache-control')).toBe('no-store');
        expect(answer.headers.get('retry-after')).toBe('1');
        expect(lead(answer)).toBe('The service is busy. Try again in 1 second.');
      }
      // Once the flood is over, the owner signs in as usual.
      expect((await new Browser(small.url).signIn('flood@example.com', password)).status).toBe(303);
    } finally {
      await small.close();
    }
  });

  it('answers 429 with Retry-After, the same whether the password is right or wrong and whether the account exists', async () => {
    const known = 'throttled@example.com';
    const unknown = 'nobody-here@example.com';
    const user = await service.addUser({ email: known, password });
    const attempt = (email: string, attemptPassword: string, headers: Record<string, string> = {}) =>
      new Browser(service.url, headers).signIn(email, attemptPassword);

    // throttles.ts: five free failures per account and client, then 1 s, 2 s, 4 s… Unknown addresses alike.
    for (const email of [known, unknown]) {
      for (let failure = 0; failure < 6; failure++) {
        const page = await attempt(email, `Wrong-Horse-${failure}`);
        expect(page.status).toBe(401);
      }
    }

    const answers = [
      await attempt(known, password),
      await attempt(known, 'Wrong-Horse-9'),
      await attempt(unknown, password),
      await attempt(unknown, 'Wrong-Horse-9'),
    ];
    const comparable = (page: Page) => ({
      status: page.status,
      retryAfter: page.headers.get('retry-after'),
      setsSession: page.headers.getSetCookie().some((line) => line.startsWith('session=')),
      html: page.text
        .replaceAll(page.csrf ?? '', 'TOKEN')
        .replaceAll(known, 'EMAIL')
        .replaceAll(unknown, 'EMAIL'),
    });
    const first = comparable(answers[0]!);
    expect(first.status).toBe(429);
    expect(first.retryAfter).toBe('1');
    expect(first.setsSession).toBe(false);
    expect(visibleText(first.html)).toContain('Too many attempts. Try again in 1 second.');
    for (const answer of answers.slice(1)) expect(comparable(answer)).toEqual(first);
    expect(await countSessionsOfUser(service.deps.db, user.id)).toBe(0);

    const french = await attempt(known, password, { 'accept-language': 'fr' });
    expect(french.status).toBe(429);
    expect(visibleText(french.text)).toContain('Trop de tentatives. Réessayez dans 1 seconde.');

    // A delay, not a lockout: a second later the owner signs in.
    service.clock.advance(1000);
    expect((await attempt(known, password)).status).toBe(303);
  });
});

// Last: it reads the logs of every test above.
describe('the logs (SECURITY 68)', () => {
  it('record sign-ins, and never a password, cookie value or CSRF token used in this file', async () => {
    // A log-injection attempt: a forged line in the address.
    const forged = 'x@example.com\n{"level":60,"msg":"forged"}';
    expect(await signsIn(forged, 'Wrong-Horse-1')).toBe(401);

    const lines = serviceLogs.flat();
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.some((entry) => entry.msg === 'forged')).toBe(false);
    expect(
      entries.some(
        (entry) => entry.event === 'sign-in' && entry.outcome === 'succeeded' && typeof entry.userId === 'string',
      ),
    ).toBe(true);
    expect(entries.some((entry) => entry.event === 'sign-in' && entry.outcome === 'failed')).toBe(true);
    expect(entries.some((entry) => entry.event === 'sign-in' && entry.outcome === 'throttled')).toBe(true);

    const used = [...secrets].filter((secret) => secret.length >= 8);
    expect(used.length).toBeGreaterThan(20);
    for (const secret of used) {
      const leaks = lines.filter((line) => line.includes(secret) || line.includes(encodeURIComponent(secret)));
      expect(leaks, secret).toEqual([]);
    }
  });
});

describe('findings of the security review', () => {
  it('answers a URL it cannot route with the security headers and without echoing it (SECURITY 46, 65, 66)', async () => {
    const page = await new Browser(service.url).get('/reset-password%zz?token=Secret-Token-In-Url');
    expect(page.status).toBe(400);
    expect(page.text).not.toContain('Secret-Token-In-Url');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('cache-control')).toBe('no-store');
  });

  it('believes X-Forwarded-For only from the proxies TRUST_PROXY names (SECURITY 22)', async () => {
    const behindProxy = await startService({ TRUST_PROXY: '1' });
    try {
      const email = 'proxied@example.com';
      await behindProxy.addUser({ email, password });
      const from = (address: string) => new TestBrowser(behindProxy.url, { 'x-forwarded-for': address });
      for (let i = 0; i < 6; i++)
        expect((await from('203.0.113.50').signIn(email, `Wrong-Horse-${i}`)).status).toBe(401);
      expect((await from('203.0.113.50').signIn(email, password)).status).toBe(429);
      expect((await from('198.51.100.60').signIn(email, password)).status).toBe(303);
      const events = await behindProxy.deps.db.selectFrom('security_events').select('client_address').execute();
      expect(new Set(events.map((event) => event.client_address))).toEqual(new Set(['203.0.113.50', '198.51.100.60']));
    } finally {
      await behindProxy.close();
    }
  });
});
