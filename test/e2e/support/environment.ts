// The one service the browser tests talk to: its address, its database and its settings, shared by the
// Playwright config (which starts it) and the fixtures (which add users with the admin CLI).
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The runner reads the config first and picks the port and the folder; the workers it starts read it again
// and inherit both through the environment, so everyone talks to the same service and database.
process.env.E2E_PORT ??= freePort();
// The sibling app of sibling-apps.spec.ts: another port of 127.0.0.1 is another origin of the same site, as an
// app beside the service in production (app.example.com beside accounts.example.com).
process.env.E2E_APP_PORT ??= freePort();
process.env.E2E_DIR ??= mkdtempSync(join(tmpdir(), 'sc-e2e-'));

export const port = process.env.E2E_PORT;
export const appPort = process.env.E2E_APP_PORT;
export const appOrigin = `http://127.0.0.1:${appPort}`;
export const folder = process.env.E2E_DIR;
export const baseURL = `http://127.0.0.1:${port}`;

/** Settings a developer's shell could otherwise change are pinned to the defaults the documentation describes. */
export const serviceEnv: Record<string, string> = {
  PORT: port,
  HOST: '127.0.0.1',
  PUBLIC_URL: baseURL,
  DATABASE_URL: `sqlite:${join(folder, 'e2e.db')}`,
  NODE_ENV: 'test',
  LOG_LEVEL: 'warn',
  APP_NAME: 'Sales Connect',
  DEFAULT_LOCALE: 'en',
  PASSWORD_POLICY: 'documented',
  // Empty means unset (config.ts), and the runner passes its own environment on to the service: a shell's
  // SMTP_URL would take the emails away from the development mailbox the tests read, and its REDIS_URL or
  // TRUST_PROXY would keep rate-limit counters across runs or key them by a header (see sendResetEmail).
  SMTP_URL: '',
  REDIS_URL: '',
  TRUST_PROXY: '',
  ALLOWED_APP_ORIGINS: appOrigin,
};

function freePort(): string {
  return execFileSync(process.execPath, [
    '-e',
    "const s = require('node:net').createServer(); s.listen(0, '127.0.0.1', () => { process.stdout.write(String(s.address().port)); s.close(); });",
  ])
    .toString()
    .trim();
}
