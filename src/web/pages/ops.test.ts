// /healthz, /readyz and /metrics, as a load balancer and Prometheus see them.
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { TestBrowser } from '../../../test/support/browser.ts';
import { startService, type TestService } from '../../../test/support/service.ts';

let service: TestService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

describe('health and readiness', () => {
  it('are answered once the service has started and migrated', async () => {
    service = await startService();
    const browser = new TestBrowser(service.url);
    expect((await browser.get('/healthz')).status).toBe(200);
    const ready = await browser.get('/readyz');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.text)).toEqual({ status: 'ready' });
  });

  it('reports not ready while a migration of this build is missing from the database', async () => {
    service = await startService();
    await sql`delete from kysely_migration where name = '0002-reset-and-outbox'`.execute(service.deps.db);
    const page = await new TestBrowser(service.url).get('/readyz');
    expect(page.status).toBe(503);
    expect(JSON.parse(page.text)).toEqual({ status: 'not-ready', reason: 'migrations-pending' });
    expect((await new TestBrowser(service.url).get('/healthz')).status).toBe(200);
  });
});

describe('metrics', () => {
  it('count sign-ins, resets, emails and time each route by its pattern, never by its URL', async () => {
    service = await startService();
    await service.addUser({ email: 'ada@example.com', password: 'Velvet-Otter-9' });
    const browser = new TestBrowser(service.url);
    await browser.signIn('ada@example.com', 'Velvet-Otter-9');
    await new TestBrowser(service.url).signIn('ada@example.com', 'Wrong-Otter-9');
    await browser.get('/forgot-password');
    await browser.post('/forgot-password', { email: 'ada@example.com' });
    await service.outbox.drain();
    await browser.get('/reset-password?token=not-a-real-token');

    const page = await new TestBrowser(service.url).get('/metrics');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/plain');
    expect(page.text).toContain('sign_ins_total{outcome="succeeded"} 1');
    expect(page.text).toContain('sign_ins_total{outcome="failed"} 1');
    expect(page.text).toContain('password_resets_requested_total 1');
    // The reset email, and the notice of the sign-in from a browser the account had not seen.
    expect(page.text).toContain('outbox_emails{state="sent"} 2');
    expect(page.text).toContain('outbox_emails{state="pending"} 0');
    expect(page.text).toContain('outbox_delivery_attempts_total{kind="reset-email",outcome="sent"} 1');
    expect(page.text).toContain('outbox_delivery_attempts_total{kind="new-device-sign-in",outcome="sent"} 1');
    expect(page.text).toMatch(/hashing_queue\{state="waiting"\} 0/);
    expect(page.text).toContain('hashing_shed_total 0');
    expect(page.text).toMatch(
      /http_request_duration_seconds_count\{method="POST",route="\/login",status_code="303"\} 1/,
    );
    expect(page.text).toMatch(/route="\/reset-password"/);
    expect(page.text).not.toContain('not-a-real-token');
    expect(page.text).toContain('process_resident_memory_bytes');
  });

  it('require METRICS_TOKEN as a bearer token when one is set', async () => {
    service = await startService({ METRICS_TOKEN: 'a-long-scraper-secret-0123' });
    const browser = new TestBrowser(service.url);
    expect((await browser.get('/metrics')).status).toBe(401);
    expect((await browser.get('/metrics', { authorization: 'Bearer wrong-secret-0123456789' })).status).toBe(401);
    expect((await browser.get('/metrics', { authorization: 'Bearer a-long-scraper-secret-0123' })).status).toBe(200);
  });

  it('are not served in production without a token', async () => {
    service = await startService({
      NODE_ENV: 'production',
      PUBLIC_URL: 'https://accounts.example.test',
      SMTP_URL: 'smtp://127.0.0.1:1',
      ENCRYPTION_KEY: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
    });
    expect((await new TestBrowser(service.url).get('/metrics')).status).toBe(404);
  });
});

describe('who am I (GET /api/session)', () => {
  it('answers the signed-in user as JSON, and 401 without a live session', async () => {
    service = await startService();
    await service.addUser({ email: 'ada@example.com', password: 'Velvet-Otter-9', name: 'Ada Lovelace', locale: 'fr' });
    const browser = new TestBrowser(service.url);
    const anonymous = await browser.get('/api/session');
    expect(anonymous.status).toBe(401);
    expect(JSON.parse(anonymous.text)).toEqual({ signedIn: false });
    await browser.signIn('ada@example.com', 'Velvet-Otter-9');
    const page = await browser.get('/api/session');
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(JSON.parse(page.text)).toMatchObject({
      signedIn: true,
      user: { email: 'ada@example.com', name: 'Ada Lovelace', locale: 'fr' },
    });
    service.clock.advance(3_600_000 + 60_000);
    expect((await browser.get('/api/session')).status).toBe(401);
  });
});
