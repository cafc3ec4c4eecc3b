// Browser tests: the BUILT service (dist/main.js, run by the project's Node 24) on a free port of 127.0.0.1,
// with its own SQLite file in a fresh temporary folder, driven by Debian's Chromium (never a downloaded one).
// Each test adds its own user through the admin CLI (test/e2e/support/fixtures.ts), so tests share nothing.

import { resolve } from 'node:path';
import { defineConfig } from '@playwright/test';
import { baseURL, serviceEnv } from './test/e2e/support/environment.ts';

export default defineConfig({
  testDir: 'test/e2e',
  // Playwright empties its output folder before each run: keep it apart from vitest's report and the screenshots.
  outputDir: 'test-results/playwright',
  globalTeardown: './test/e2e/support/global-teardown.ts',
  forbidOnly: true,
  retries: 0,
  fullyParallel: true,
  workers: 2,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [['list'], ['json', { outputFile: 'test-results/playwright.json' }]] : [['list']],
  use: {
    baseURL,
    locale: 'en-US',
    viewport: { width: 1280, height: 800 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [{ name: 'chromium' }],
  webServer: {
    command: `"${resolve('node_modules/.bin/node')}" dist/main.js`,
    // Ready once /healthz answers 200: main.ts listens only after the migrations.
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 30_000,
    gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
    stdout: 'ignore',
    stderr: 'pipe',
    env: serviceEnv,
  },
});
