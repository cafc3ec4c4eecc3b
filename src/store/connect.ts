// Opens the database the configuration names: a SQLite file (the embedded default) or PostgreSQL.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresAdapter, PostgresDialect, SqliteAdapter, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { type AvailabilityChange, createGuard, type DatabaseAvailability, type Guard } from './availability.ts';
import type { Database, Db, Executor } from './database.ts';
import { guardedDialect, SQLITE_BUSY_TIMEOUT_MS } from './guarded-dialect.ts';

export type DatabaseTarget = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

export interface Connection {
  db: Db;
  dialect: 'sqlite' | 'postgres';
  availability: DatabaseAvailability;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** Told when the database goes away and when it is back (availability.ts). */
  onAvailabilityChange?: (change: AvailabilityChange) => void;
}

// A connection attempt that takes longer is an outage, not a slow start: the request gets its 503.
const CONNECT_TIMEOUT_MS = 3000;

export function connect(target: DatabaseTarget, options: ConnectOptions = {}): Connection {
  return target.kind === 'postgres' ? connectPostgres(target.url, options) : connectSqlite(target.path, options);
}

function connectPostgres(url: string, options: ConnectOptions): Connection {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    keepAlive: true,
    // Times are bigint columns: read them as numbers (milliseconds fit comfortably in 2^53).
    types: {
      getTypeParser: (oid: number, format?: 'text' | 'binary') =>
        oid === 20 ? Number : pg.types.getTypeParser(oid, format as 'text'),
    },
  });
  const guard = createGuard({ probe: () => probePostgres(url), onChange: options.onAvailabilityChange });
  // A connection the server ends (a restart, a failover) emits 'error': unheard, that would end the process.
  // The pool listens to its idle ones only; a checked-out one (a transaction waiting on Redis, say) is
  // heard here. The pool drops such a connection by itself; the guard checks on the server.
  pool.on('error', (error) => void guard.translate(error));
  pool.on('connect', (client) => client.on('error', (error) => void guard.translate(error)));
  const db = new Kysely<Database>({
    dialect: guardedDialect(new PostgresDialect({ pool }), { guard, waitForLocks: false, refuseAtAcquire: true }),
  });
  return { db, dialect: 'postgres', availability: guard, close: () => db.destroy() };
}

async function probePostgres(url: string): Promise<void> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: CONNECT_TIMEOUT_MS,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
  } finally {
    // Not awaited: ending a connection to a server that does not answer would wait for it too.
    void client.end().catch(() => undefined);
  }
}

function connectSqlite(path: string, options: ConnectOptions): Connection {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  // No busy timeout: SQLite would wait for another process's lock by sleeping on the event loop. The
  // guarded dialect waits instead, as long, between tries that leave the event loop free.
  const sqlite = new SQLite(path, { timeout: 0 });
  // WAL lets readers go on during a write; FULL makes every commit durable across a power cut, not only a
  // crash.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  const guard: Guard = createGuard({ probe: () => probeSqlite(path), onChange: options.onAvailabilityChange });
  const dialect = new SqliteWithTransactionalDdl({ database: withStatementCacheAndImmediateBegin(sqlite) });
  const db = new Kysely<Database>({
    dialect: guardedDialect(dialect, { guard, waitForLocks: true, refuseAtAcquire: false }),
  });
  return { db, dialect: 'sqlite', availability: guard, close: () => db.destroy() };
}

/**
 * Can the file be written? A connection of the probe's own takes the write lock and lets it go. Our own
 * connection may hold it for the few milliseconds of a transaction: the probe waits a little for that.
 */
async function probeSqlite(path: string): Promise<void> {
  const probe = new SQLite(path, { timeout: 0, fileMustExist: path !== ':memory:' });
  try {
    const deadline = Date.now() + Math.min(250, SQLITE_BUSY_TIMEOUT_MS);
    for (;;) {
      try {
        probe.exec('begin immediate');
        probe.exec('rollback');
        return;
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  } finally {
    probe.close();
  }
}

/**
 * SQLite runs schema changes inside transactions, but Kysely's adapter says it does not, so its migrator
 * would apply each step and record it in separate commits: a failure or a crash halfway (a table rebuilt
 * but not renamed, a migration applied but not recorded) would leave a file that no later start can
 * upgrade. Said as it is, the pending migrations and their records commit together or not at all, and
 * under BEGIN IMMEDIATE (below) the service and the CLI cannot migrate the same file at once.
 */
class SqliteWithTransactionalDdl extends SqliteDialect {
  override createAdapter(): SqliteAdapter {
    return new (class extends SqliteAdapter {
      override get supportsTransactionalDdl(): boolean {
        return true;
      }
    })();
  }
}

/**
 * Kysely prepares every query afresh; SQLite then parses and plans it again each time. The service runs
 * the same few dozen statements over and over, so each is prepared once and kept (better-sqlite3
 * statements are reusable, and Kysely never runs two at once on its single connection).
 *
 * Kysely also begins its transactions with a plain BEGIN, which takes the write lock only at the first
 * write. In WAL mode, if another process (the CLI beside the service) commits between the transaction's
 * first read and its first write, that write fails at once with SQLITE_BUSY, whatever the busy timeout:
 * the transaction would write on top of a state it no longer sees. BEGIN IMMEDIATE takes the lock at the
 * start, so the other process waits (busy_timeout) instead. Within the service nothing changes: its one
 * connection runs one transaction at a time anyway.
 */
function withStatementCacheAndImmediateBegin(sqlite: SQLite.Database): SQLite.Database {
  const statements = new Map<string, SQLite.Statement>();
  const prepare = sqlite.prepare.bind(sqlite);
  return new Proxy(sqlite, {
    get(target, property, receiver) {
      if (property !== 'prepare') {
        const value: unknown = Reflect.get(target, property, receiver);
        // Native methods must be called on the real object, not on the proxy.
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return (text: string) => {
        const source = text === 'begin' ? 'begin immediate' : text;
        let statement = statements.get(source);
        if (!statement) {
          statement = prepare(source);
          // Queries built with values inlined would grow the cache without end; ours use parameters.
          if (statements.size < 1000) statements.set(source, statement);
        }
        return statement;
      };
    },
  });
}

/** PostgreSQL needs a few statements SQLite has no use for (row locks, SKIP LOCKED, advisory locks). */
export function isPostgres(db: Kysely<Database> | Executor): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * A transaction whose last instants nobody would miss after a power cut (throttle counters, the outbox's own
 * bookkeeping and the links it mints) commits without waiting for the disk: an attempt counted a moment
 * before the machine lost power, or an email sent again once, with a new link. A crash of the service loses nothing all the same: what is committed
 * is in the operating system's hands. Everything else (accounts, passwords, sessions, security events)
 * keeps waiting for the disk. PostgreSQL calls it asynchronous commit; SQLite's WAL, synchronous=NORMAL.
 */
export async function asyncCommit<T>(db: Db, work: (tx: Executor) => Promise<T>): Promise<T> {
  if (isPostgres(db)) {
    return db.transaction().execute(async (tx) => {
      await sql`set local synchronous_commit = off`.execute(tx);
      return work(tx);
    });
  }
  // SQLite has one connection: held for the whole transaction, so no other commit runs with the lighter setting.
  return db.connection().execute(async (connection) => {
    await sql`pragma synchronous = normal`.execute(connection);
    try {
      return await connection.transaction().execute(work);
    } finally {
      // A pragma takes no lock and is not part of the transaction: on an open connection it cannot fail, and
      // if it did, the error would reach the caller rather than leave the lighter setting behind unseen.
      await sql`pragma synchronous = full`.execute(connection);
    }
  });
}

/** A unique constraint refused the write: SQLite and PostgreSQL say it differently. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}
