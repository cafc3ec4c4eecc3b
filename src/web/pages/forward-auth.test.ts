// GET /auth/check as a reverse proxy asks it on every request of an app (the real nginx in front of it:
// test/forward-auth.test.ts). SECURITY 83: a valid session gets the identity headers and nothing else does,
// whatever the client sends; the original URL is believed only from a proxy TRUST_PROXY names.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Page, TestBrowser } from '../../../test/support/browser.ts';
import { ATTACKED, isOwnChain, returnToAttacks } from '../../../test/support/return-to-attacks.ts';
import { startService, type TestService } from '../../../test/support/service.ts';
import { password } from '../../../test/support/web.ts';
import { headerValue } from './forward-auth.ts';

const DAY = 86_400_000;
const APP_PAGE = `${ATTACKED.app}/deals/42?tab=notes`;
const FORGED = {
  'x-user-id': 'admin',
  'x-user-email': 'ceo@example.com',
  'x-user-name': 'The CEO',
  'x-user-locale': 'fr',
};
const services: TestService[] = [];

async function serviceWith(env: Record<string, string>): Promise<TestService> {
  const service = await startService({ PUBLIC_URL: ATTACKED.service, ALLOWED_APP_ORIGINS: ATTACKED.app, ...env });
  services.push(service);
  return service;
}
afterAll(() => Promise.all(services.map((service) => service.close())));

async function signedIn(service: TestService, name = 'Zoë Martin') {
  const email = `user-${Math.random().toString(36).slice(2, 10)}@example.com`;
  const user = await service.addUser({ email, password, name, locale: 'fr' });
  const browser = new TestBrowser(service.url);
  await browser.get('/login');
  expect((await browser.post('/login', { email, password }, { origin: ATTACKED.service })).status).toBe(303);
  return { email, user, browser };
}

/** What a client can send in a header at all: printable ASCII. */
const isHeaderText = (value: string) => [...value].every((character) => character >= ' ' && character <= '~');
const identity = (page: Page) => [...page.headers.keys()].filter((name) => name.startsWith('x-user-'));
const signInAt = (page: Page) => new URL(page.headers.get('location')!);

describe('the forward-auth check (SECURITY 83)', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await serviceWith({});
  });
  beforeEach(() => service.clock.advance(DAY));

  it('answers a valid session with who it is, in headers a proxy copies, and no body', async () => {
    const { email, user, browser } = await signedIn(service);
    const answer = await browser.get('/auth/check', FORGED);
    expect(answer.status).toBe(200);
    expect(answer.text).toBe('');
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.headers.get('x-user-id')).toBe(user.id);
    expect(answer.headers.get('x-user-email')).toBe(email);
    expect(answer.headers.get('x-user-name')).toBe('Zo%C3%AB Martin');
    expect(decodeURIComponent(answer.headers.get('x-user-name')!)).toBe('Zoë Martin');
    expect(answer.headers.get('x-user-locale')).toBe('fr');
    const head = await browser.request('/auth/check', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('x-user-id')).toBe(user.id);
  });

  it('writes any name so that it decodes back, and ASCII as it is', () => {
    for (const name of [
      'Ada Lovelace',
      'Łukasz Żółć',
      '100% Sales',
      'Zoë %C3%AB',
      '李小龍',
      'Ωmega 🚀',
      "O'Brien-Smith",
    ]) {
      const value = headerValue(name);
      expect(value).toMatch(/^[\x20-\x7e]*$/);
      expect(decodeURIComponent(value)).toBe(name);
    }
    expect(headerValue('Ada Lovelace')).toBe('Ada Lovelace');
  });

  it('answers anything else with 401, where to sign in, and not a word about any account', async () => {
    const { browser } = await signedIn(service);
    const garbage = new TestBrowser(service.url);
    garbage.cookies.set('__Host-session', 'A'.repeat(43));
    const expired = await signedIn(service);
    service.clock.advance(2 * 3_600_000);
    const answers = [
      await new TestBrowser(service.url).get('/auth/check', FORGED),
      await garbage.get('/auth/check', FORGED),
      await expired.browser.get('/auth/check', FORGED),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(401);
      expect(identity(answer)).toEqual([]);
      expect(answer.text).toBe('');
      expect(answer.headers.get('set-cookie')).toBeNull();
      // TRUST_PROXY unset: the X-Original-URL a client may send is not believed.
      expect(answer.headers.get('location')).toBe(`${ATTACKED.service}/login`);
    }
    const shape = (page: Page) =>
      [...page.headers.entries()].filter(([name]) => !['date', 'x-request-id', 'keep-alive'].includes(name));
    expect(shape(answers[1]!)).toEqual(shape(answers[0]!));
    expect(shape(answers[2]!)).toEqual(shape(answers[0]!));
    // The client's own copies of the headers never come back as if they were ours.
    const forged = await new TestBrowser(service.url).get('/auth/check', { ...FORGED, 'x-original-url': APP_PAGE });
    expect(identity(forged)).toEqual([]);
    expect((await browser.get('/auth/check', FORGED)).headers.get('x-user-id')).not.toBe('admin');
  });

  it('gives a browser a page that goes on to sign in, for the proxies that pass the 401 on as it is', async () => {
    const answer = await new TestBrowser(service.url).get('/auth/check', { accept: 'text/html,application/xhtml+xml' });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
    expect(answer.text).toContain(`<meta http-equiv="refresh" content="0; url=${ATTACKED.service}/login"/>`);
    expect(answer.headers.get('content-security-policy')).toContain("default-src 'none'");
  });
});

describe('the original URL, from the proxy (SECURITY 81, 83)', () => {
  it('is read from X-Original-URL or X-Forwarded-*, when TRUST_PROXY names the proxy, and allow-listed', async () => {
    for (const trust of ['1', '127.0.0.1', '127.0.0.0/8, 10.0.0.0/8']) {
      const service = await serviceWith({ TRUST_PROXY: trust });
      const proxy = new TestBrowser(service.url);
      const nginx = await proxy.get('/auth/check', { 'x-original-url': APP_PAGE });
      expect(nginx.status).toBe(401);
      expect(signInAt(nginx).searchParams.get('return_to')).toBe(APP_PAGE);
      expect(signInAt(nginx).pathname).toBe('/login');
      const traefik = await proxy.get('/auth/check', {
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'app.example.com',
        'x-forwarded-uri': '/deals/42?tab=notes',
      });
      expect(signInAt(traefik).searchParams.get('return_to')).toBe(APP_PAGE);
    }
  });

  it('is ignored from a peer TRUST_PROXY does not name', async () => {
    const service = await serviceWith({ TRUST_PROXY: '10.0.0.0/8' });
    const answer = await new TestBrowser(service.url).get('/auth/check', { 'x-original-url': APP_PAGE });
    expect(answer.headers.get('location')).toBe(`${ATTACKED.service}/login`);
  });

  it.each(returnToAttacks.filter((attack) => !isOwnChain(attack.value) && isHeaderText(attack.value)))(
    'sends $why to the log-in page with no way back',
    async (attack) => {
      const service =
        services.find((one) => one.deps.config.trustProxy === 1) ?? (await serviceWith({ TRUST_PROXY: '1' }));
      const answer = await new TestBrowser(service.url).get('/auth/check', { 'x-original-url': attack.value });
      expect(answer.status).toBe(401);
      expect(answer.headers.get('location')).toBe(`${ATTACKED.service}/login`);
    },
  );
});
