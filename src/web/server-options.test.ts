// What the server's options decide, before any hook of ours runs or around every request: the answers Node
// and the router give on their own, the proxies believed for a client's address, and what reaches the log.
// SECURITY 22, 46, 65, 66, 68.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TestBrowser } from '../../test/support/browser.ts';
import { startService, type TestService } from '../../test/support/service.ts';
import { otherPassword, password, rawExchange, SecretRecordingBrowser } from '../../test/support/web.ts';

const DAY = 86_400_000;
let service: TestService;

// Every password, cookie value and CSRF token this file uses; the last test looks for them in the logs.
const secrets = new Set<string>([password, otherPassword]);

beforeAll(async () => {
  service = await startService();
});
afterAll(() => service.close());

// Every request of this file comes from 127.0.0.1, and wrong passwords count against that client for a day
// (throttles.ts). Each test starts a day later, so no test inherits the failures of another.
beforeEach(() => service.clock.advance(DAY));

describe('security headers (SECURITY 58, 65)', () => {
  it('are on the answers Node gives before Fastify sees the request: headers too large, a broken request line', async () => {
    const cases: Array<[string, string, number]> = [
      ['headers over 16 KiB', `GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: ${'x'.repeat(20_000)}\r\n\r\n`, 431],
      ['a broken request line', 'GET /login HTTP/9\r\n\r\n', 400],
      ['a header without a name', 'GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\n: nameless\r\n\r\n', 400],
    ];
    for (const [what, request, status] of cases) {
      const answer = await rawExchange(service, request);
      expect(answer.status, what).toBe(status);
      expect(answer.headers['content-security-policy'], what).toContain("frame-ancestors 'none'");
      expect(answer.headers['x-frame-options'], what).toBe('DENY');
      expect(answer.headers['x-content-type-options'], what).toBe('nosniff');
      expect(answer.headers['cache-control'], what).toBe('no-store');
      expect(answer.body, what).toBe('Bad request / Requête incorrecte');
    }
  });
});

describe('the server itself (SECURITY 22, 46, 65, 66)', () => {
  it('answers a URL it cannot route with the security headers and without echoing it (SECURITY 46, 65, 66)', async () => {
    const page = await new TestBrowser(service.url).get('/reset-password%zz?token=Secret-Token-In-Url');
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

// Last: besides the requests it makes itself, it reads every line the tests above had this file's service write.
describe('the logs (SECURITY 68)', () => {
  it('record sign-ins, and never a password, cookie value or CSRF token used in this file', async () => {
    // Each browser remembers its secrets: a sign-in and a password change (a new session and CSRF secret
    // each), wrong passwords until the sign-in is throttled, each from a browser with tokens of its own.
    const email = 'logged@example.com';
    await service.addUser({ email, password });
    const browser = () => new SecretRecordingBrowser(service.url, secrets);
    const owner = browser();
    expect((await owner.signIn(email, password)).status).toBe(303);
    expect((await owner.changePassword(password, otherPassword)).status).toBe(303);
    for (let failure = 0; failure < 6; failure++)
      expect((await browser().signIn(email, `Wrong-Horse-${failure}`)).status).toBe(401);
    expect((await browser().signIn(email, otherPassword)).status).toBe(429);
    // A log-injection attempt: a forged line in the address.
    const forged = 'x@example.com\n{"level":60,"msg":"forged"}';
    expect((await browser().signIn(forged, 'Wrong-Horse-1')).status).toBe(401);

    const lines = service.logs;
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
