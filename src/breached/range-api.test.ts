// The range API (SECURITY 7) against a "Pwned Passwords"-style server the test runs on a loopback port: what
// the service makes of each answer, how long it waits, and what the server ever learns of the password.
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type TestDeps, testDeps } from '../../test/support/deps.ts';
import { freePort } from '../../test/support/service.ts';
import { createRangeApi } from './range-api.ts';

const sha1 = (password: string) => createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();

interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface RangeServer {
  /** The base the prefix is appended to, as BREACHED_PASSWORDS_URL gives it. */
  url: URL;
  /** Every request, in order, as the server read it. */
  received: Received[];
  /** SHA-1 (upper-case hex) → how often seen: the passwords this server knows breached. */
  breached: Map<string, number>;
  close(): Promise<void>;
}

type Answer = (request: IncomingMessage, response: ServerResponse, prefix: string | undefined) => void;

const servers: RangeServer[] = [];
const timers = new Set<NodeJS.Timeout>();
afterEach(async () => {
  for (const timer of timers) clearInterval(timer);
  timers.clear();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** Like the public service: the suffixes under the prefix, and, when asked for, padding lines of count 0. */
function honestAnswer(breached: Map<string, number>): Answer {
  return (request, response, prefix) => {
    if (prefix === undefined) return void response.writeHead(404).end('Not found');
    const lines = [...breached].filter(([hash]) => hash.startsWith(prefix)).map(([hash, n]) => `${hash.slice(5)}:${n}`);
    if (request.headers['add-padding'] === 'true')
      for (let i = 0; i < 40; i++) lines.push(`${sha1(`padding ${prefix} ${i}`).slice(5)}:0`);
    response.writeHead(200, { 'content-type': 'text/plain' }).end(lines.join('\r\n'));
  };
}

async function startRangeServer(answer?: Answer): Promise<RangeServer> {
  const received: Received[] = [];
  const breached = new Map<string, number>();
  const respond = answer ?? honestAnswer(breached);
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      received.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers, body });
      const prefix = /^\/range\/([0-9A-Fa-f]{5})$/.exec(request.url ?? '')?.[1]?.toUpperCase();
      respond(request, response, prefix);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const range: RangeServer = {
    url: new URL(`http://127.0.0.1:${port}/range/`),
    received,
    breached,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(range);
  return range;
}

/** How long `work` took, with what it returned. */
async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await work();
  return { value, ms: performance.now() - start };
}

const password = 'Velvet-Otter-9';
const hash = sha1(password);
const prefix = hash.slice(0, 5);
const suffix = hash.slice(5);

describe('the answer of the range API', () => {
  it('finds a breached password among the suffixes of its prefix, in upper case', async () => {
    const server = await startRangeServer();
    server.breached.set(hash, 3_861_493);
    const answer = await createRangeApi(server.url)(prefix);
    expect(answer.ok).toBe(true);
    if (!answer.ok) return;
    expect(answer.suffixes.has(suffix)).toBe(true);
    // Only the real entry counts: the forty padding lines are not passwords.
    expect(answer.suffixes.size).toBe(1);
  });

  it('answers "not found" for a password the server does not list under its prefix', async () => {
    const server = await startRangeServer();
    server.breached.set(sha1('Another-Password-1'), 12);
    const answer = await createRangeApi(server.url)(prefix);
    expect(answer).toEqual({ ok: true, suffixes: new Set() });
  });

  it('reads lower-case hex, LF or CRLF line ends and blank lines as the public service may send them', async () => {
    const body = `\r\n${'0'.repeat(35)}:1\r\n${suffix.toLowerCase()}:2\n\n`;
    const server = await startRangeServer((_request, response) => response.writeHead(200).end(body));
    const answer = await createRangeApi(server.url)(prefix);
    expect(answer).toEqual({ ok: true, suffixes: new Set(['0'.repeat(35), suffix]) });
  });

  it('does not count padded entries (count 0) as breached, even for the suffix asked about', async () => {
    const body = [`${suffix}:0`, `${'A'.repeat(35)}:0`, `${'B'.repeat(35)}:7`].join('\r\n');
    const server = await startRangeServer((_request, response) => response.writeHead(200).end(body));
    const answer = await createRangeApi(server.url)(prefix);
    expect(answer).toEqual({ ok: true, suffixes: new Set(['B'.repeat(35)]) });
  });
});

describe('when the range API does not answer usefully, the lookup fails open with a reason', () => {
  it('gives up on a server that does not answer after the timeout, about a second by default', async () => {
    const server = await startRangeServer(() => undefined);
    const { value, ms } = await timed(() => createRangeApi(server.url)(prefix));
    expect(value).toEqual({ ok: false, reason: 'timeout' });
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(ms).toBeLessThan(2000);
    expect(server.received).toHaveLength(1);
  });

  it('follows a shorter timeout when given one', async () => {
    const server = await startRangeServer(() => undefined);
    const { value, ms } = await timed(() => createRangeApi(server.url, { timeoutMs: 200 })(prefix));
    expect(value).toEqual({ ok: false, reason: 'timeout' });
    expect(ms).toBeLessThan(1000);
  });

  it('gives up on a server that sends its headers at once and then trickles the body', async () => {
    const server = await startRangeServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      const timer = setInterval(() => response.write(`${'C'.repeat(35)}:1\r\n`), 100);
      timers.add(timer);
      response.on('close', () => clearInterval(timer));
    });
    const { value, ms } = await timed(() => createRangeApi(server.url, { timeoutMs: 500 })(prefix));
    expect(value).toEqual({ ok: false, reason: 'timeout' });
    expect(ms).toBeLessThan(1500);
  });

  it('says unreachable, at once, when nothing listens on the port', async () => {
    const port = await freePort();
    const { value, ms } = await timed(() => createRangeApi(new URL(`http://127.0.0.1:${port}/range/`))(prefix));
    expect(value).toEqual({ ok: false, reason: 'unreachable' });
    expect(ms).toBeLessThan(900);
  });

  it('refuses an error status, whatever the body says', async () => {
    for (const status of [500, 503, 429, 404, 204]) {
      const server = await startRangeServer((_request, response) =>
        response.writeHead(status).end(status === 204 ? undefined : `${suffix}:5`),
      );
      expect(await createRangeApi(server.url)(prefix), `status ${status}`).toEqual({ ok: false, reason: 'status' });
    }
  });

  it('does not follow a redirect: the server it points to is never asked', async () => {
    const elsewhere = await startRangeServer();
    elsewhere.breached.set(hash, 1);
    const server = await startRangeServer((_request, response) =>
      response.writeHead(302, { location: new URL(prefix, elsewhere.url).href }).end(),
    );
    const answer = await createRangeApi(server.url)(prefix);
    expect(answer.ok).toBe(false);
    expect(elsewhere.received).toEqual([]);
  });

  const malformed: Array<[string, string]> = [
    ['an HTML page', '<!doctype html><title>Captive portal</title><p>Sign in to the Wi-Fi</p>'],
    ['JSON', JSON.stringify({ [suffix]: 5 })],
    ['a suffix one character short', `${suffix.slice(1)}:5`],
    ['a whole hash instead of a suffix', `${hash}:5`],
    ['a count that is not a number', `${suffix}:many`],
    ['a negative count', `${suffix}:-1`],
    ['a line without a count', suffix],
    ['a good line followed by a bad one', `${suffix}:5\r\nnot a line`],
    ['a bad line followed by a good one', `garbage\r\n${suffix}:5`],
    ['non-hex characters', `${'G'.repeat(35)}:5`],
  ];
  for (const [what, body] of malformed) {
    it(`refuses the whole answer when it holds ${what}`, async () => {
      const server = await startRangeServer((_request, response) => response.writeHead(200).end(body));
      expect(await createRangeApi(server.url)(prefix)).toEqual({ ok: false, reason: 'malformed' });
    });
  }

  it('stops reading an oversized answer and refuses it', async () => {
    // 3 MiB of well-formed lines: the public service answers about 30 kB.
    const line = `${'D'.repeat(35)}:1\r\n`;
    const body = line.repeat(Math.ceil((3 * 1024 * 1024) / line.length));
    const server = await startRangeServer((_request, response) => response.writeHead(200).end(body));
    const { value, ms } = await timed(() => createRangeApi(server.url)(prefix));
    expect(value).toEqual({ ok: false, reason: 'malformed' });
    expect(ms).toBeLessThan(2000);
  });
});

describe('what the range server learns (k-anonymity)', () => {
  let t: TestDeps | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('receives only the five-character upper-case prefix, with padding asked for, and nothing else of the password', async () => {
    const server = await startRangeServer();
    t = await testDeps({ BREACHED_PASSWORDS_URL: server.url.href });
    const typed = 'Café-Heron-27!';
    const checked = typed.normalize('NFKC');
    expect(await t.deps.breachedPasswords.check(checked)).toEqual({ answered: true, breached: false, source: 'api' });

    expect(server.received).toHaveLength(1);
    const [request] = server.received;
    const full = sha1(checked);
    expect(request!.method).toBe('GET');
    expect(request!.path).toBe(`/range/${full.slice(0, 5)}`);
    expect(request!.path).toMatch(/^\/range\/[0-9A-F]{5}$/);
    expect(request!.body).toBe('');
    expect(request!.headers['add-padding']).toBe('true');
    expect(request!.headers.cookie).toBeUndefined();
    expect(request!.headers.authorization).toBeUndefined();

    const everything = JSON.stringify(request).toLowerCase();
    const secrets = [
      typed,
      checked,
      encodeURIComponent(checked),
      Buffer.from(checked).toString('base64'),
      full.slice(5),
      // Not even one character more than the prefix.
      full.slice(0, 6),
      full.slice(5, 11),
      full.slice(-6),
      createHash('sha256').update(checked).digest('hex'),
      createHash('md5').update(checked).digest('hex'),
    ];
    for (const secret of secrets) expect(everything, secret).not.toContain(secret.toLowerCase());
  });

  it('sends the same kind of request, of the same size, for a breached password and a safe one', async () => {
    const server = await startRangeServer();
    t = await testDeps({ BREACHED_PASSWORDS_URL: server.url.href });
    server.breached.set(hash, 10);
    expect(await t.deps.breachedPasswords.check(password)).toMatchObject({ answered: true, breached: true });
    expect(await t.deps.breachedPasswords.check('Amber-Heron-27!')).toMatchObject({ answered: true, breached: false });
    const [breached, safe] = server.received.map(({ headers, body, method, path }) => ({
      method,
      pathLength: path.length,
      headers: Object.keys(headers).sort(),
      body,
    }));
    expect(breached).toEqual(safe);
  });
});
