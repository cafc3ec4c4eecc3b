// Real Deps for flow tests: a fresh database (SQLite or PostgreSQL, see database.ts), a clock the test
// moves, a real SMTP server, and the log lines kept in memory.
import { Writable } from 'node:stream';
import { logoutNoticeDelivery } from '../../src/apps/backchannel.ts';
import { parseConfig } from '../../src/config.ts';
import type { Locale } from '../../src/core/locale.ts';
import { newKeyText } from '../../src/core/secret-box.ts';
import { createSignal } from '../../src/core/signal.ts';
import { createDeps, createLogger, type Deps, type DevMailbox, openDatabase } from '../../src/deps.ts';
import { addUser } from '../../src/flows/add-user.ts';
import { createTransport } from '../../src/mail/transport.ts';
import { createOutboxWorker, type OutboxWorker } from '../../src/mail/worker.ts';
import { migrate } from '../../src/store/migrate.ts';
import type { User } from '../../src/store/users.ts';
import { type TestClock, testClock } from './clock.ts';
import { createTestDatabase } from './database.ts';
import { type SmtpCapture, startSmtpCapture } from './smtp.ts';

export interface TestDeps {
  deps: Deps;
  clock: TestClock;
  logs: string[];
  /** The SMTP server the service sends to, and the worker that sends (call `outbox.drain()` to deliver). */
  smtp: SmtpCapture;
  outbox: OutboxWorker;
  addUser(input: { email: string; password: string; name?: string; locale?: Locale }): Promise<User>;
  close(): Promise<void>;
}

export interface TestDepsOptions {
  /** The development mailbox the service shows and its worker sends to, as `npm start` wires it. */
  devMailbox?: DevMailbox & { url: URL };
  /** False: nothing a request queues wakes the worker; the test drains it itself. */
  wakes?: boolean;
  /**
   * Where the test clock starts. The OpenID Connect provider reads the real clock for what it signs (iat,
   * auth_time), so its tests start ours at the real now, and move it forward only.
   */
  clockStart?: number;
}

/** One key for the whole run: deps that reopen a database (a restart) open what the first ones sealed. */
export const TEST_ENCRYPTION_KEY = newKeyText();

/**
 * Made as main.ts makes them: connect, migrate, the wake signal, the Deps, then the worker. With DATABASE_URL
 * in `env`, the deps open that database (to reopen one, as after a restart) and leave it.
 */
export async function testDeps(env: Record<string, string> = {}, options: TestDepsOptions = {}): Promise<TestDeps> {
  const database = env.DATABASE_URL === undefined ? await createTestDatabase() : undefined;
  const parsed = parseConfig({
    NODE_ENV: 'test',
    DATABASE_URL: database?.url,
    LOG_LEVEL: 'info',
    ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    ...env,
  });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const clock = testClock(options.clockStart);
  const log = createLogger(parsed.config, sink);
  const connection = openDatabase(parsed.config, log);
  await migrate(connection.db);
  const wake = createSignal();
  const { deps, close } = await createDeps(parsed.config, {
    log,
    connection,
    clock,
    devMailbox: options.devMailbox,
    wakeOutbox: options.wakes === false ? undefined : wake.fire,
  });
  const smtp = await startSmtpCapture();
  // Polls rarely: tests deliver with outbox.drain(); wake() runs it as in production, a moment later.
  const outbox = createOutboxWorker(deps, createTransport(options.devMailbox?.url ?? smtp.url), {
    pollMs: 60_000,
    deliverLogoutNotice: logoutNoticeDelivery(deps),
  });
  wake.listen(outbox.wake);
  await outbox.start();
  return {
    deps,
    clock,
    logs,
    smtp,
    outbox,
    async addUser({ email, password, name = 'Ada Lovelace', locale = 'en' }) {
      const added = await addUser(deps, { email, password, name, locale });
      if (!added.ok) throw new Error(`test user refused: ${JSON.stringify(added)}`);
      return added.user;
    },
    async close() {
      await outbox.stop();
      await smtp.close();
      await close();
      await database?.drop();
    },
  };
}
