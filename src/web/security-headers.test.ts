// The headers of every answer a browser sees, pages, redirects, error pages and assets alike, and the robots
// meta of every page. SECURITY 58, 65.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Page, TestBrowser } from '../../test/support/browser.ts';
import { startService, type TestService } from '../../test/support/service.ts';
import { expectSecurityHeaders, newAccount } from '../../test/support/web.ts';

const DAY = 86_400_000;
let service: TestService;

beforeAll(async () => {
  service = await startService();
});
afterAll(() => service.close());

// Every request of this file comes from 127.0.0.1, and wrong passwords count against that client for a day
// (throttles.ts). Each test starts a day later, so no test inherits the failures of another.
beforeEach(() => service.clock.advance(DAY));

describe('security headers (SECURITY 58, 65)', () => {
  it('are on every response: pages, redirects, 404, error pages, static assets', async () => {
    const { browser } = await newAccount(service);
    const visitor = new TestBrowser(service.url);
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
});
