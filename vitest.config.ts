import { defineConfig } from 'vitest/config';

export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**', 'dist/**'],
    // Argon2id at OWASP cost takes tens of milliseconds per hash; HTTP suites hash many times.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Under CI a JSON report feeds the one-line summary of .ci/run (scripts/test-summary.ts).
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'test-results/vitest.json' }]] : ['default'],
  },
});
