// Prometheus metrics (prom-client), one registry per Deps so tests and instances never share counters.
// Flows count what happened; the web layer times requests; states are read when /metrics is scraped.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  requestDuration: Histogram<'method' | 'route' | 'status_code'>;
  signIns: Counter<'outcome'>;
  passwordChanges: Counter<'via'>;
  resetsRequested: Counter;
  resetsCompleted: Counter;
  emailAttempts: Counter<'kind' | 'outcome'>;
  hashesShed: Counter;
  breachedLookups: Counter<'source' | 'outcome'>;
  lockdowns: Counter;
}

export interface MetricSources {
  /** Emails in the outbox by state, across all instances. */
  outbox(): Promise<{ pending: number; sent: number; failed: number }>;
  /** This instance's hashes running and waiting. */
  hashing(): { running: number; waiting: number };
  /** Whether this instance's last probe found the database answering (store/availability.ts). */
  databaseAvailable(): boolean;
  /** Log lines this instance dropped because their reader was not reading or had gone (log-output.ts). */
  logLinesDropped(): number;
}

export function createMetrics(sources: MetricSources): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'database_available',
    help: '1 while the database answers this instance, 0 from a failed probe until one succeeds.',
    registers: [registry],
    collect() {
      this.set(sources.databaseAvailable() ? 1 : 0);
    },
  });
  new Counter({
    name: 'log_lines_dropped_total',
    help: 'Log lines dropped because the reader of stdout was not reading or had gone.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(sources.logLinesDropped());
    },
  });
  new Gauge({
    name: 'outbox_emails',
    help: 'Emails in the outbox (all instances): pending, sent, failed (abandoned after a day of retries).',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      // While the database is away the last counts stay: /metrics must answer during an outage above all.
      const counts = await sources.outbox().catch(() => undefined);
      for (const [state, count] of Object.entries(counts ?? {})) this.set({ state }, count);
    },
  });
  new Gauge({
    name: 'hashing_queue',
    help: 'Password hashes of this instance: running, and waiting for a slot.',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const { running, waiting } = sources.hashing();
      this.set({ state: 'running' }, running);
      this.set({ state: 'waiting' }, waiting);
    },
  });
  return {
    registry,
    requestDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time to answer a request, by route.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    signIns: new Counter({
      name: 'sign_ins_total',
      help: 'Sign-in attempts, by outcome: succeeded, failed, throttled.',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    passwordChanges: new Counter({
      name: 'password_changes_total',
      help: 'Passwords changed, by way: settings, reset.',
      labelNames: ['via'],
      registers: [registry],
    }),
    resetsRequested: new Counter({
      name: 'password_resets_requested_total',
      help: 'Reset emails asked for, whether or not the address has an account.',
      registers: [registry],
    }),
    resetsCompleted: new Counter({
      name: 'password_resets_completed_total',
      help: 'Passwords set through a reset or invitation link.',
      registers: [registry],
    }),
    emailAttempts: new Counter({
      name: 'outbox_delivery_attempts_total',
      help: 'Delivery attempts by this instance, by kind and outcome: sent, retry, abandoned.',
      labelNames: ['kind', 'outcome'],
      registers: [registry],
    }),
    hashesShed: new Counter({
      name: 'hashing_shed_total',
      help: 'Requests refused with 503 because the hashing queue was full.',
      registers: [registry],
    }),
    breachedLookups: new Counter({
      name: 'breached_password_lookups_total',
      help: 'Breached-password lookups, by source (imported, api) and outcome: found, not-found, unavailable (the password was accepted without an answer).',
      labelNames: ['source', 'outcome'],
      registers: [registry],
    }),
    lockdowns: new Counter({
      name: 'account_lockdowns_total',
      help: 'Accounts locked down by their owner through a "This wasn\'t me" link.',
      registers: [registry],
    }),
  };
}
