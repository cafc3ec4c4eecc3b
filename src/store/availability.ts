// Whether the database answers, and what a query does while it does not. A PostgreSQL restart (connections
// cut, then refused) or a SQLite file locked by another process past the busy timeout makes queries fail
// with DatabaseUnavailable, which the pages turn into 503 with Retry-After. The first such failure starts a
// probe on a connection of its own; while the probe fails, every query fails at once instead of waiting,
// and the probe tries again each second; the first probe that succeeds lets queries through again. The
// process never needs a restart, and nothing waits longer than a connection attempt or the busy timeout.

import { TemporarilyUnavailable } from '../core/unavailable.ts';

// Long enough for a restart of the database to be over, short enough that nobody gives up.
export const RETRY_AFTER_SECONDS = 5;

export class DatabaseUnavailable extends TemporarilyUnavailable {
  constructor(cause?: unknown) {
    super('database-unavailable', RETRY_AFTER_SECONDS, 'the database is not answering', { cause });
  }
}

export interface DatabaseAvailability {
  /** False from a failed probe until one succeeds. */
  isAvailable(): boolean;
}

export interface AvailabilityChange {
  available: boolean;
  /** How long it was unavailable, when it comes back. */
  downForMs?: number;
  /** What the probe met, when it goes away. */
  error?: unknown;
}

export interface Guard extends DatabaseAvailability {
  /** Throws DatabaseUnavailable while the database is known to be away. */
  assertAvailable(): void;
  /** An error from the database: an outage becomes DatabaseUnavailable (and starts the probe); others pass. */
  translate(error: unknown): unknown;
  stop(): void;
}

export interface GuardOptions {
  /** Resolves when the database answers on a connection of the probe's own. */
  probe(): Promise<void>;
  onChange?(change: AvailabilityChange): void;
  probeEveryMs?: number;
  /** A probe that has not answered by then failed: a server that takes a login and never answers a query. */
  probeTimeoutMs?: number;
}

export function createGuard({ probe, onChange, probeEveryMs = 1000, probeTimeoutMs = 5000 }: GuardOptions): Guard {
  let available = true;
  let downSince = 0;
  let probing = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  async function probeUntilBack(): Promise<void> {
    probing = true;
    let deadline: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        probe(),
        new Promise((_resolve, reject) => {
          deadline = setTimeout(() => reject(new Error(`no answer within ${probeTimeoutMs} ms`)), probeTimeoutMs);
        }),
      ]);
      if (!available) {
        available = true;
        onChange?.({ available: true, downForMs: Date.now() - downSince });
      }
      probing = false;
    } catch (error) {
      if (available) {
        available = false;
        downSince = Date.now();
        onChange?.({ available: false, error });
      }
      if (stopped) return;
      timer = setTimeout(() => void probeUntilBack(), probeEveryMs);
      timer.unref();
    } finally {
      clearTimeout(deadline);
    }
  }

  return {
    isAvailable: () => available,
    assertAvailable() {
      if (!available) throw new DatabaseUnavailable();
    },
    translate(error) {
      if (error instanceof DatabaseUnavailable || !isOutage(error)) return error;
      if (!probing && !stopped) void probeUntilBack();
      return new DatabaseUnavailable(error);
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

// SQLSTATE class 08 is "connection exception"; the others: the server shutting down or starting (57P01-03),
// out of connections (53300), or a standby that cannot take writes after a failover (25006).
const OUTAGE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '25006']);
const OUTAGE_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
]);
// SQLite: locked past the busy timeout, the disk failing or full, the file gone or read-only.
const OUTAGE_SQLITE = /^SQLITE_(BUSY|IOERR|CANTOPEN|FULL|PROTOCOL|READONLY)/;
// pg says these without a code.
const OUTAGE_MESSAGES =
  /Connection terminated|connection error and is not queryable|Client was closed|timeout exceeded when trying to connect/;

/** The database is away, as opposed to a query being wrong (a constraint, a syntax error, a bug). */
export function isOutage(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (
    typeof code === 'string' &&
    (code.startsWith('08') || OUTAGE_SQLSTATES.has(code) || OUTAGE_ERRNOS.has(code) || OUTAGE_SQLITE.test(code))
  ) {
    return true;
  }
  return typeof message === 'string' && OUTAGE_MESSAGES.test(message);
}
