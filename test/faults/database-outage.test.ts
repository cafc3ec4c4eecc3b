// The database goes away under load and comes back: PostgreSQL stopped and started again (a private cluster
// the test runs itself), or the SQLite file locked by another process past the busy timeout. Meanwhile every
// request gets a fast answer (a 503 page with Retry-After in the user's language where it needs the database),
// /readyz says so, /healthz does not, and the process lives; after, the same instance serves the same session
// again, without a restart, and nothing is lost.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { addClient } from '../../src/apps/clients.ts';
import { addAccounts, withDatabase } from '../support/accounts.ts';
import { TestBrowser, visibleText } from '../support/browser.ts';
import { createTestDatabase } from '../support/database.ts';
import { recordMeasurement } from '../support/measurements.ts';
import { lockSqliteFor, type PrivateCluster, startPrivateCluster } from '../support/outage.ts';
import { killServiceProcesses, type ServiceProcess, startServiceProcess } from '../support/process.ts';
import { freePort } from '../support/service.ts';
import { type SmtpCapture, startSmtpCapture } from '../support/smtp.ts';

const password = 'Velvet-Otter-9';
// The run's project decides which database goes away: the SQLite run locks a file, the PostgreSQL run
// stops a cluster of its own.
const kind = await createTestDatabase().then(async (database) => {
  await database.drop();
  return database.kind;
});
let folder: string;
let cluster: PrivateCluster | undefined;
let smtp: SmtpCapture;
let databaseUrl: string;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'sc-outage-'));
  smtp = await startSmtpCapture();
  if (kind === 'postgres') cluster = await startPrivateCluster();
  databaseUrl = cluster?.url ?? `sqlite:${join(folder, 'app.db')}`;
}, 120_000);
afterAll(async () => {
  await killServiceProcesses();
  cluster?.destroy();
  await smtp.close();
  rmSync(folder, { recursive: true, force: true });
});

interface Answer {
  path: string;
  status: number;
  ms: number;
}

/** Three clients asking, signed in, for pages that need the database and one that does not, until stopped. */
function load(service: ServiceProcess, browser: TestBrowser) {
  const answers: Answer[] = [];
  let running = true;
  const client = async () => {
    while (running) {
      for (const path of ['/settings/profile', '/settings/security', '/api/session', '/healthz']) {
        const started = performance.now();
        // A connection refused or cut (status 0) is what the load balancer would see of a dead process.
        const status = await fetch(`${service.url}${path}`, {
          headers: { cookie: browser.cookieHeader() },
          redirect: 'manual',
          signal: AbortSignal.timeout(20_000),
        }).then(
          async (response) => {
            await response.arrayBuffer();
            return response.status;
          },
          () => 0,
        );
        answers.push({ path, status, ms: performance.now() - started });
      }
    }
  };
  const clients = [client(), client(), client()];
  return {
    answers,
    async stop() {
      running = false;
      await Promise.all(clients);
    },
  };
}

describe(`the database going away (${kind})`, () => {
  it('answers fast 503 pages while it is away, says so on /readyz, and recovers by itself without a restart', async () => {
    await addAccounts(databaseUrl, [{ email: 'ada@example.com', password, locale: 'fr' }]);
    const port = await freePort();
    const env = {
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      DATABASE_URL: databaseUrl,
      SMTP_URL: smtp.url.href,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
    };
    const service = await startServiceProcess({ env, ready: true });
    const app = await withDatabase(databaseUrl, (deps) =>
      addClient(deps, { name: 'Sales Connect', redirectUris: ['http://127.0.0.1:9/callback'] }),
    );
    if (!app.ok) throw new Error(app.problem);
    const browser = new TestBrowser(service.url, { 'accept-language': 'fr' });
    expect((await browser.signIn('ada@example.com', password)).status).toBe(303);
    const traffic = load(service, browser);
    onTestFinished(() => traffic.stop());
    await new Promise((resolve) => setTimeout(resolve, 500));

    // Away: PostgreSQL stopped (its connections cut, new ones refused), or the file locked for 12 s.
    const lock = kind === 'sqlite' ? await lockSqliteFor(join(folder, 'app.db'), 12_000) : undefined;
    cluster?.stop();
    const awayAt = performance.now();
    await expect
      .poll(async () => (await fetch(`${service.url}/readyz`)).status, { timeout: 10_000, interval: 100 })
      .toBe(503);
    expect(await (await fetch(`${service.url}/readyz`)).json()).toEqual({
      status: 'not-ready',
      reason: 'database-unreachable',
    });
    const page = await browser.get('/settings/profile');
    expect(page.status).toBe(503);
    expect(page.headers.get('retry-after')).toBe('5');
    expect(page.text).toContain('lang="fr"');
    expect(visibleText(page.text)).toContain('Le service est momentanément indisponible. Réessayez dans 5 secondes.');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const api = await browser.get('/api/session');
    expect([api.status, JSON.parse(api.text)]).toEqual([503, { error: 'unavailable', retryAfterSeconds: 5 }]);
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    // The sign-in page of a signed-out visitor needs no database.
    expect((await new TestBrowser(service.url).get('/login')).status).toBe(200);
    // The OpenID Connect provider: discovery and keys need no database; what does says 503, in the RFC's terms.
    expect((await fetch(`${service.url}/.well-known/openid-configuration`)).status).toBe(200);
    expect((await fetch(`${service.url}/oidc/jwks`)).status).toBe(200);
    const token = await fetch(`${service.url}/oidc/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`,
      },
      body: 'grant_type=refresh_token&refresh_token=anything',
    });
    expect(token.status).toBe(503);
    expect(token.headers.get('retry-after')).toBe('5');
    expect(((await token.json()) as { error: string }).error).toBe('temporarily_unavailable');
    const authorize = await browser.get(`/oidc/auth?client_id=${app.clientId}&response_type=code&scope=openid`);
    expect(authorize.status).toBe(503);
    expect(visibleText(authorize.text)).toContain('Le service est momentanément indisponible.');

    // Back.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 6000 - (performance.now() - awayAt))));
    cluster?.start();
    await lock?.released;
    const backAt = performance.now();
    await expect
      .poll(async () => (await fetch(`${service.url}/readyz`)).status, { timeout: 10_000, interval: 50 })
      .toBe(200);
    recordMeasurement(`database outage (${kind})`, 'from the database back to /readyz 200', performance.now() - backAt);
    await traffic.stop();

    // The same process, the same session, the same account, the same password.
    expect(service.child.exitCode).toBeNull();
    expect((await browser.get('/settings/profile')).status).toBe(200);
    expect((await new TestBrowser(service.url).signIn('ada@example.com', password)).status).toBe(303);
    // Under load, nothing but answers: 200 or 503, never a 500, never a wait past the busy timeout.
    const statuses = new Set(traffic.answers.map((answer) => `${answer.path} ${answer.status}`));
    expect([...statuses].filter((status) => !/ (200|503)$/.test(status))).toEqual([]);
    expect(statuses).toContain('/settings/profile 503');
    expect(statuses).toContain('/healthz 200');
    const slowest = Math.max(...traffic.answers.map((answer) => answer.ms));
    recordMeasurement(`database outage (${kind})`, 'slowest answer under load', slowest);
    const refused = traffic.answers
      .filter((answer) => answer.status === 503)
      .map((answer) => answer.ms)
      .sort((a, b) => a - b);
    recordMeasurement(`database outage (${kind})`, 'median 503 answer', refused[Math.floor(refused.length / 2)]!);
    expect(slowest).toBeLessThan(6500);
    expect(
      traffic.answers.filter((answer) => answer.path === '/healthz').every((answer) => answer.status === 200),
    ).toBe(true);
  });
});
