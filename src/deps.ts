// Everything a flow or a page may use, built once by main.ts and passed down as an argument.

import type { Redis } from 'ioredis';
import { type DestinationStream, type Logger, pino } from 'pino';
import { type BreachedPasswords, createBreachedPasswords } from './breached/breached-passwords.ts';
import { createRangeApi } from './breached/range-api.ts';
import type { Config } from './config.ts';
import { isCommonPassword } from './core/common-passwords.ts';
import { createSecretBox, type SecretBox } from './core/secret-box.ts';
import { createHasher, type Hasher, OWASP_ARGON2ID } from './hasher.ts';
import type { LogOutput } from './log-output.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import type { DatabaseAvailability } from './store/availability.ts';
import { type Connection, connect } from './store/connect.ts';
import type { Db } from './store/database.ts';
import { countOutbox } from './store/outbox.ts';
import { databaseThrottleStore, memoryThrottleStore, redisThrottleStore } from './throttle-stores.ts';
import { createThrottles, type Throttles } from './throttles.ts';

export interface Clock {
  /** Milliseconds since the epoch. Tests pass a clock they can move. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface Deps {
  config: Config;
  clock: Clock;
  db: Db;
  /** Whether the database answers (store/availability.ts): /readyz says so, and queries fail fast while not. */
  database: DatabaseAvailability;
  hasher: Hasher;
  throttles: Throttles;
  log: Logger;
  metrics: Metrics;
  isCommonPassword: (password: string) => boolean;
  /** SECURITY 7: the imported breach list or BREACHED_PASSWORDS_URL (breached/), fail-open. */
  breachedPasswords: BreachedPasswords;
  /** Tells the outbox worker that a row was just queued: it runs within a second rather than at its next poll. */
  readonly wakeOutbox: () => void;
  /** The development mailbox, when it runs (never in production). */
  readonly devMailbox?: DevMailbox;
  /**
   * ENCRYPTION_KEY's (core/secret-box.ts): it seals the authenticator apps' keys. Undefined when there is
   * none (REQUIRE_2FA=off in production, or a command that needs none): no second step can be taken then.
   */
  readonly secrets?: SecretBox;
}

export interface MailboxSummary {
  id: string;
  receivedAt: number;
  /** The SMTP envelope: where the message really went, whatever its headers say. */
  envelopeFrom: string;
  envelopeTo: string[];
  subject: string;
}

export interface MailboxMessage extends MailboxSummary {
  text: string;
  html: string | undefined;
}

/** What the /dev/mailbox page reads; mail/dev-mailbox.ts provides it. */
export interface DevMailbox {
  list(): Promise<MailboxSummary[]>;
  get(id: string): Promise<MailboxMessage | undefined>;
}

/** The parts made before the Deps, in the order the process makes them (main.ts). */
export interface DepsParts {
  log: Logger;
  /** Opened by openDatabase, and migrated where the process says so (the service at start, `db migrate`). */
  connection: Connection;
  clock?: Clock;
  /** The development mailbox, when it runs. */
  devMailbox?: DevMailbox;
  /** What wakes the outbox worker, made before it (the worker needs the Deps); none for the CLI. */
  wakeOutbox?: () => void;
  /** Where the log lines go, for log_lines_dropped_total. */
  output?: LogOutput;
  /** Outside production without ENCRYPTION_KEY: the development key main.ts keeps beside the database. */
  developmentKey?: Buffer;
}

/** The database of the configuration, its outages and returns told to the log (store/availability.ts). */
export function openDatabase(config: Config, log: Logger): Connection {
  return connect(config.database, {
    onAvailabilityChange: ({ available, downForMs, error }) => {
      if (available) log.warn({ event: 'database', state: 'available', downForMs }, 'the database answers again');
      else {
        const message = 'the database does not answer: requests get 503 until it does';
        log.error({ event: 'database', state: 'unavailable', err: error }, message);
      }
    },
  });
}

/** Starts the hasher and the throttles over the parts given, and returns the Deps with a way to close them. */
export async function createDeps(config: Config, parts: DepsParts): Promise<{ deps: Deps; close(): Promise<void> }> {
  const { log, connection } = parts;
  let metrics: Metrics | undefined;
  const hasher = await createHasher({
    params: OWASP_ARGON2ID,
    concurrency: config.hashConcurrency,
    queueLimit: config.hashQueueLimit,
    onShed: () => metrics?.hashesShed.inc(),
  });
  metrics = createMetrics({
    outbox: () => countOutbox(connection.db),
    hashing: () => hasher.load(),
    databaseAvailable: () => connection.availability.isAvailable(),
    logLinesDropped: () => parts.output?.dropped() ?? 0,
  });
  const redis = config.redisUrl ? await connectRedis(config.redisUrl, log) : undefined;
  const store = redis
    ? redisThrottleStore(redis, { prefix: config.redisKeyPrefix, insurance: memoryThrottleStore(), log })
    : databaseThrottleStore(connection.db);
  const deps: Deps = {
    config,
    clock: parts.clock ?? systemClock,
    db: connection.db,
    database: connection.availability,
    hasher,
    throttles: createThrottles(store),
    log,
    metrics,
    isCommonPassword,
    breachedPasswords: breachedPasswords(config, connection.db, parts.clock ?? systemClock, log, metrics),
    wakeOutbox: parts.wakeOutbox ?? (() => {}),
    devMailbox: parts.devMailbox,
    secrets: secretBox(config, parts.developmentKey),
  };
  return {
    deps,
    async close() {
      redis?.disconnect();
      await connection.close();
    },
  };
}

function breachedPasswords(config: Config, db: Db, clock: Clock, log: Logger, metrics: Metrics): BreachedPasswords {
  return createBreachedPasswords({
    db,
    api: config.breachedPasswordsUrl ? createRangeApi(config.breachedPasswordsUrl) : undefined,
    now: () => clock.now(),
    onLookup({ source, outcome, reason }) {
      metrics.breachedLookups.inc({ source, outcome });
      if (outcome === 'unavailable')
        log.warn(
          { event: 'breached-passwords', outcome, reason },
          'the breached-password service did not answer: the password was accepted without that check',
        );
    },
  });
}

function secretBox(config: Config, developmentKey: Buffer | undefined): SecretBox | undefined {
  if (config.encryptionKeys.length > 0) return createSecretBox(config.encryptionKeys);
  return developmentKey && !config.production ? createSecretBox([developmentKey]) : undefined;
}

/** Commands fail at once while Redis is away, so requests fall back to the in-memory throttles, never wait. */
async function connectRedis(url: URL, log: Logger): Promise<Redis> {
  // Imported only when REDIS_URL is set: a deployment without Redis does not carry the client.
  const { Redis } = await import('ioredis');
  const redis = new Redis(url.href, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 1000,
  });
  redis.on('error', (error: Error) => log.debug({ err: error }, 'Redis connection error'));
  return redis;
}

/** SECURITY 68: JSON lines; cookies and credentials are cut out before anything is written. */
export function createLogger(config: Config, destination?: DestinationStream): Logger {
  return pino(
    {
      level: config.logLevel,
      redact: {
        paths: [
          'req.headers.cookie',
          'req.headers.authorization',
          'res.headers["set-cookie"]',
          '*.password',
          '*.token',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
