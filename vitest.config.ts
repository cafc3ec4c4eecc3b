import { defineConfig } from 'vitest/config';
import { isPostgresReachable, postgresServerUrl } from './test/support/postgres-run.ts';

// The whole suite runs twice: on SQLite files and on PostgreSQL. Where PostgreSQL cannot be reached, a
// developer gets the SQLite run and a warning; CI gets a failure.
const postgres = await isPostgresReachable();
if (!postgres) {
  const message = `PostgreSQL is not reachable at ${postgresServerUrl} (set TEST_POSTGRES_URL)`;
  if (process.env.CI) throw new Error(`${message}: CI runs the suite on PostgreSQL too`);
  console.warn(`${message}: running the suite on SQLite only`);
}

const sqliteOnly = [
  'src/store/sqlite-lock.test.ts',
  'src/log-output.test.ts',
  'src/shutdown.test.ts',
  'test/faults/redis-outage.test.ts',
];

const shared = {
  include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'test/**/*.test.ts'],
  exclude: ['test/e2e/**', 'node_modules/**', 'dist/**'],
  // Argon2id at OWASP cost takes tens of milliseconds per hash; HTTP suites hash many times.
  testTimeout: 30_000,
  hookTimeout: 30_000,
  pool: 'forks' as const,
};

export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  test: {
    // Under CI a JSON report feeds the one-line summary of .ci/run (scripts/test-summary.ts).
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'test-results/vitest.json' }]] : ['default'],
    projects: [
      // Several instances need a shared database, and a connection ended by the server is PostgreSQL's own
      // outage: those tests run with PostgreSQL only.
      {
        extends: true,
        test: {
          ...shared,
          name: 'sqlite',
          exclude: [
            ...shared.exclude,
            'test/multi-instance.test.ts',
            'test/two-step-instances.test.ts',
            'src/store/postgres-connection.test.ts',
          ],
          provide: { postgresRunUrl: undefined },
        },
      },
      // Tests of what the database does not decide run once, on SQLite: a SQLite file locked by another
      // process, the log output, the shutdown of the process and the loss of Redis.
      ...(postgres
        ? [
            {
              extends: true,
              test: {
                ...shared,
                name: 'postgres',
                exclude: [...shared.exclude, ...sqliteOnly],
                globalSetup: ['test/support/postgres-run.ts'],
              },
            },
          ]
        : []),
    ],
  },
});
