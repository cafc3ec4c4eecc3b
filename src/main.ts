// The process: read the configuration, open and migrate the database, start the mail worker (and, outside
// production without SMTP_URL, the development mailbox), build the app, listen, and stop cleanly on
// SIGTERM or SIGINT, by SHUTDOWN_TIMEOUT whatever happens (shutdown.ts). Everything the process prints
// goes through log-output.ts, which drops lines rather than wait for a reader that is not reading.
import './node-version.ts';
import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { logoutNoticeDelivery } from './apps/backchannel.ts';
import { type Config, parseConfig } from './config.ts';
import { newKeyText, parseKey } from './core/secret-box.ts';
import { createSignal } from './core/signal.ts';
import { createDeps, createLogger, type Deps, openDatabase } from './deps.ts';
import { addUser } from './flows/add-user.ts';
import { disableUser } from './flows/administer.ts';
import { startHousekeeping } from './housekeeping.ts';
import { createLogOutput } from './log-output.ts';
import { createTransport } from './mail/transport.ts';
import { createOutboxWorker } from './mail/worker.ts';
import { shutdownOnSignal } from './shutdown.ts';
import { migrate } from './store/migrate.ts';
import { countUsers } from './store/users.ts';
import { buildApp } from './web/app.ts';

const DEMO_EMAIL = 'demo@example.com';
const parsed = parseConfig(process.env);
if (!parsed.ok) {
  for (const problem of parsed.problems) process.stderr.write(`${problem}\n`);
  process.exit(2);
}
const { config } = parsed;
// libuv's threads are the hashing threads (hasher.ts): one per hash allowed at once. libuv reads this when it
// first needs a thread, which is later than here (main.test.ts counts them in a running service).
process.env.UV_THREADPOOL_SIZE = String(config.hashConcurrency);
const stderr = createLogOutput(process.stderr);
const stdout = createLogOutput(process.stdout, {
  onFirstDrop: (reason) =>
    stderr.write(`log lines are being dropped: ${reason}; log_lines_dropped_total in /metrics counts them\n`),
});
// The parts first, then the Deps made of them, whole: connect, migrate (the service does at start), the
// development mailbox, the signal that wakes the outbox worker, and the worker last, since it needs the Deps.
const log = createLogger(config, stdout);
const connection = openDatabase(config, log);
await migrate(connection.db);
// Loaded only when it runs: its SMTP server and mail parser are of no use, and no weight, in production.
const devMailbox = config.smtpUrl
  ? undefined
  : await (await import('./mail/dev-mailbox.ts')).startDevMailbox(mailboxFolder(config));
const outboxWake = createSignal();
const { deps, close } = await createDeps(config, {
  log,
  connection,
  devMailbox,
  wakeOutbox: outboxWake.fire,
  output: stdout,
  developmentKey: config.production || config.encryptionKeys.length > 0 ? undefined : developmentKey(config),
});
const worker = createOutboxWorker(deps, createTransport(config.smtpUrl ?? devMailbox!.url), {
  deliverLogoutNotice: logoutNoticeDelivery(deps),
});
outboxWake.listen(worker.wake);
if (config.production) await retireDemoAccount(deps);
else await createDemoAccount(deps);
const app = await buildApp(deps);
// Fastify would print the address it listens on (127.0.0.1): the one to open is PUBLIC_URL, printed below.
await app.listen({ port: config.port, host: config.host, listenTextResolver: () => 'accepting connections' });
await worker.start();
const housekeeping = startHousekeeping(deps);
stdout.write(`${config.appName} accounts is ready at ${config.publicUrl.origin}\n`);
if (devMailbox) stdout.write(`Emails go to the development mailbox: ${config.publicUrl.origin}/dev/mailbox\n`);

const stop = shutdownOnSignal({
  timeoutMs: config.shutdownTimeoutMs,
  steps: [
    // In-flight requests get their whole answer; then the worker hands back what it claimed.
    {
      name: 'the HTTP server (requests in flight)',
      run: async () => {
        housekeeping.stop();
        await app.close();
      },
    },
    { name: 'the outbox worker (emails being sent)', run: () => worker.stop() },
    { name: 'the development mailbox', run: async () => devMailbox?.close() },
    { name: 'the database connections', run: close },
    { name: 'the last log lines', run: () => stdout.flush(1000) },
  ],
  report: (line) => stderr.write(`${line}\n`),
  onStepFailed: (step, error) => deps.log.error({ err: error, step }, 'unclean stop'),
  exit: (code) => void stderr.flush(200).then(() => process.exit(code)),
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    deps.log.info({ signal }, 'stopping');
    stop(signal);
  });
}

/** SECURITY 26: a database first used in development keeps its demo account; production disables it. */
async function retireDemoAccount(deps: Deps): Promise<void> {
  const retired = await disableUser(deps, DEMO_EMAIL);
  if (retired.ok)
    deps.log.warn({ event: 'demo-account-disabled' }, `${DEMO_EMAIL} came from development and is now disabled`);
}

/** Beside the SQLite file, or under ./data for PostgreSQL. */
function dataFolder(config: Config): string {
  return config.database.kind === 'sqlite' ? dirname(config.database.path) : 'data';
}

function mailboxFolder(config: Config): string {
  return join(dataFolder(config), 'dev-mailbox');
}

/**
 * Outside production without ENCRYPTION_KEY, the authenticator apps' keys are sealed with a key kept beside
 * the database (README "Two-step verification"). Written to a draft, then linked into place, which fails if
 * another instance was first: every instance reads the same key.
 */
function developmentKey(config: Config): Buffer {
  const path = join(dataFolder(config), 'encryption.key');
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    const draft = `${path}.${process.pid}.draft`;
    writeFileSync(draft, `${newKeyText()}\n`, { mode: 0o600 });
    try {
      linkSync(draft, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      unlinkSync(draft);
    }
  }
  const key = parseKey(readFileSync(path, 'utf8'));
  if (!key) throw new Error(`${path} is not a key of 32 bytes in base64: delete it, or set ENCRYPTION_KEY`);
  return key;
}

/**
 * Outside production, an empty database gets an account to sign in with straight away; its password is
 * shown here, once, and stored only as a hash (SECURITY 26: never in production).
 */
async function createDemoAccount(deps: Deps): Promise<void> {
  if ((await countUsers(deps.db)) > 0) return;
  const password = `Xy7!${randomBytes(12).toString('base64url')}`;
  // No language: the demo account speaks the one of whoever signs in to it first.
  const added = await addUser(deps, {
    email: DEMO_EMAIL,
    name: 'Demo User',
    password,
  });
  // Another instance starting at the same moment may have created it first: then it is not ours to show.
  if (!added.ok && added.reason === 'duplicate-email') return;
  if (!added.ok) throw new Error(`could not create the demo account: ${added.reason}`);
  stdout.write(
    `\nDemo account (development only; shown once):\n  email:    ${DEMO_EMAIL}\n  password: ${password}\n\n`,
  );
}
