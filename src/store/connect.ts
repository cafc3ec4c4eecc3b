// Opens the database the configuration names: a SQLite file (the embedded default) or PostgreSQL.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresAdapter, PostgresDialect, sql, SqliteAdapter, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Database, Db, Executor } from './database.ts';

export type DatabaseTarget = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

export interface Connection {
  db: Db;
  dialect: 'sqlite' | 'postgres';
  close(): Promise<void>;
}

export function connect(target: DatabaseTarget): Connection {
  if (target.kind === 'postgres') {
    const pool = new pg.Pool({
      connectionString: target.url,
      max: 10,
      // Times are bigint columns: read them as numbers (milliseconds fit comfortably in 2^53).
      types: { getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === 20 ? Number : pg.types.getTypeParser(oid, format as 'text')) },
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect: 'postgres', close: () => db.destroy() };
  }
  if (target.path !== ':memory:') mkdirSync(dirname(target.path), { recursive: true });
  const sqlite = new SQLite(target.path);
  // WAL lets readers go on during a write; FULL makes every commit durable across a power cut, not only a
  // crash; the busy timeout lets the CLI and the service share the file.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteWithTransactionalDdl({ database: withStatementCacheAndImmediateBegin(sqlite) }) });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
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
