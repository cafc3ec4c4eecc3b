// A Kysely dialect around SQLite's or PostgreSQL's own, whose queries go through the guard of
// availability.ts: refused at once while the database is known to be away, their outage errors turned into
// DatabaseUnavailable. On SQLite it also waits for a lock held by another process without blocking the event
// loop: SQLite's own busy handler sleeps in the calling thread, which in Node is the only one serving pages.
import type {
  AbortableOperationOptions,
  CompiledQuery,
  DatabaseConnection,
  Dialect,
  Driver,
  QueryResult,
  TransactionSettings,
} from 'kysely';
import type { Guard } from './availability.ts';

/** How long a statement waits for another process's lock on a SQLite file, as busy_timeout would. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

export interface GuardedDialectOptions {
  guard: Guard;
  /** SQLite: retry what another process's lock refused, until SQLITE_BUSY_TIMEOUT_MS. */
  waitForLocks: boolean;
  /**
   * PostgreSQL: refuse before taking a connection from the pool, sparing a connection attempt per request.
   * SQLite's single connection is handed out under Kysely's mutex, which a refusal there would never
   * release: it is refused at its first statement instead.
   */
  refuseAtAcquire: boolean;
}

export function guardedDialect(inner: Dialect, options: GuardedDialectOptions): Dialect {
  return {
    createAdapter: () => inner.createAdapter(),
    createDriver: () => new GuardedDriver(inner.createDriver(), options),
    createQueryCompiler: () => inner.createQueryCompiler(),
    createIntrospector: (db) => inner.createIntrospector(db),
  };
}

class GuardedDriver implements Driver {
  readonly #connections = new WeakMap<DatabaseConnection, DatabaseConnection>();
  readonly inner: Driver;
  readonly options: GuardedDialectOptions;

  constructor(inner: Driver, options: GuardedDialectOptions) {
    this.inner = inner;
    this.options = options;
  }

  async init(options?: AbortableOperationOptions): Promise<void> {
    try {
      await this.inner.init(options);
    } catch (error) {
      throw this.options.guard.translate(error);
    }
  }

  async acquireConnection(options?: AbortableOperationOptions): Promise<DatabaseConnection> {
    if (this.options.refuseAtAcquire) this.options.guard.assertAvailable();
    let connection: DatabaseConnection;
    try {
      connection = await this.inner.acquireConnection(options);
    } catch (error) {
      throw this.options.guard.translate(error);
    }
    let guarded = this.#connections.get(connection);
    if (!guarded) {
      guarded = guardConnection(connection, this.options);
      this.#connections.set(connection, guarded);
    }
    return guarded;
  }

  // The driver's own methods run their statements through the guarded connection they are given.
  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }

  releaseConnection(connection: DatabaseConnection, options?: AbortableOperationOptions): Promise<void> {
    return this.inner.releaseConnection(connection, options);
  }

  destroy(options?: AbortableOperationOptions): Promise<void> {
    this.options.guard.stop();
    return this.inner.destroy(options);
  }
}

/**
 * The same connection (a proxy, so the driver's private methods still reach it) whose executeQuery is
 * guarded. A rollback is never refused (a SQLite transaction left open would refuse the next BEGIN), nor a
 * pragma (it takes no lock, and asyncCommit must always set synchronous back to FULL).
 */
function guardConnection(
  connection: DatabaseConnection,
  { guard, waitForLocks }: GuardedDialectOptions,
): DatabaseConnection {
  let inTransaction = false;
  async function executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const statement = query.sql;
    if (statement !== 'rollback' && !statement.startsWith('pragma')) guard.assertAvailable();
    // Outside a transaction every statement stands alone, and BEGIN IMMEDIATE is where a transaction takes
    // its lock (connect.ts): a refusal of either changed nothing, so trying again is safe.
    const retryable = waitForLocks && (!inTransaction || statement === 'begin');
    const deadline = Date.now() + SQLITE_BUSY_TIMEOUT_MS;
    for (let pause = 2; ; pause = Math.min(pause * 2, 50)) {
      try {
        const result = await connection.executeQuery<R>(query);
        if (statement === 'begin') inTransaction = true;
        return result;
      } catch (error) {
        if (!(retryable && isBusy(error) && Date.now() < deadline && guard.isAvailable())) throw guard.translate(error);
        await new Promise((resolve) => setTimeout(resolve, pause));
      } finally {
        if (statement === 'commit' || statement === 'rollback') inTransaction = false;
      }
    }
  }
  return new Proxy(connection, {
    get(target, property) {
      if (property === 'executeQuery') return executeQuery;
      const value: unknown = Reflect.get(target, property);
      // Drivers keep their state in private fields: their methods must run on the real object.
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function isBusy(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'SQLITE_BUSY';
}
