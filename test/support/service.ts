// A real service for tests: buildApp on a real port over testDeps (a fresh SQLite file, a clock the test
// moves, the log lines kept in memory).
import { createServer } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/web/app.ts';
import { type TestDeps, type TestDepsOptions, testDeps } from './deps.ts';

export interface TestService extends TestDeps {
  url: string;
  app: FastifyInstance;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startService(
  env: Record<string, string> = {},
  options: TestDepsOptions = {},
): Promise<TestService> {
  const port = await freePort();
  const base = await testDeps({ PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, ...env }, options);
  const app = await buildApp(base.deps);
  await app.listen({ port, host: '127.0.0.1' });
  return {
    ...base,
    url: `http://127.0.0.1:${port}`,
    app,
    async close() {
      await app.close();
      await base.close();
    },
  };
}

/**
 * startService at http://localhost:<port> instead of 127.0.0.1: an RP ID is a domain, never an IP address,
 * so passkeys live at PUBLIC_URL's host name. It listens on 127.0.0.1, which localhost names; requests and
 * their Origin header go to PUBLIC_URL itself, so the development canonical-host redirect never fires.
 */
export async function startPasskeyService(
  env: Record<string, string> = {},
  options: TestDepsOptions = {},
): Promise<TestService> {
  const port = await freePort();
  const url = `http://localhost:${port}`;
  const base = await testDeps({ PORT: String(port), PUBLIC_URL: url, ...env }, options);
  const app = await buildApp(base.deps);
  await app.listen({ port, host: '127.0.0.1' });
  return {
    ...base,
    url,
    app,
    async close() {
      await app.close();
      await base.close();
    },
  };
}
