// Environment → one frozen, typed Config. Every bad value is reported on its own line and the process exits
// with code 2 before anything starts, so an operator sees all their mistakes at once.
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { domainToASCII } from 'node:url';
import addressparser from 'nodemailer/lib/addressparser';
import { z } from 'zod';
import { formatDuration, parseDuration } from './core/duration.ts';
import { type Locale, locales } from './core/locale.ts';
import type { PolicyProfile } from './core/password-policy.ts';
import { MIN_IDLE_TIMEOUT_MS } from './core/session-expiry.ts';
import type { DatabaseTarget } from './store/connect.ts';

export interface Config {
  port: number;
  host: string;
  publicUrl: URL;
  /** https PUBLIC_URL: cookies get Secure and the __Host- prefix. */
  secureCookies: boolean;
  database: DatabaseTarget;
  appName: string;
  defaultLocale: Locale;
  production: boolean;
  passwordPolicy: PolicyProfile;
  sessionIdleTimeoutMs: number;
  sessionAbsoluteTimeoutMs: number;
  logLevel: string;
  /** SIGTERM to exit: past this the process names the step still running and exits with code 1. */
  shutdownTimeoutMs: number;
  hashConcurrency: number;
  hashQueueLimit: number;
  /** Where mail goes; undefined outside production means the built-in development mailbox. */
  smtpUrl: URL | undefined;
  /** The From header, as MAIL_FROM gives it. */
  mailFrom: string;
  /** Its one address, the domain in ASCII: the SMTP envelope's sender and the domain of Message-IDs. */
  mailSender: string;
  resetTokenTtlMs: number;
  inviteTokenTtlMs: number;
  /** Rate-limit counters in Redis, shared by every instance; undefined keeps them in the database. */
  redisUrl: URL | undefined;
  /** Bearer token that /metrics requires; without one, /metrics is off in production. */
  metricsToken: string | undefined;
  /** Prepended to every Redis key, so several deployments can share one Redis. */
  redisKeyPrefix: string;
  /** Fastify's trustProxy: whether and which X-Forwarded-For hops to believe for client addresses. */
  trustProxy: false | number | string[];
}

const duration = (name: string, fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `${name} must be a duration such as 90s, 30m, 12h or 7d (got "${text}")`,
        });
        return z.NEVER;
      }
      return ms;
    });

const positiveInteger = (name: string, fallback: number, max: number) =>
  z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined || text === '') return fallback;
      const value = Number(text);
      if (!/^\d+$/.test(text) || value < 1 || value > max) {
        ctx.addIssue({ code: 'custom', message: `${name} must be a whole number from 1 to ${max} (got "${text}")` });
        return z.NEVER;
      }
      return value;
    });

const oneOf = <T extends string>(name: string, values: readonly T[], fallback: T) =>
  z
    .string()
    .default(fallback)
    .refine((text): text is T => (values as readonly string[]).includes(text), {
      error: (issue) => `${name} must be one of ${values.join(', ')} (got "${String(issue.input)}")`,
    })
    .transform((text) => text as T);

const schema = z.object({
  PORT: positiveInteger('PORT', 3000, 65535),
  HOST: z.string().min(1, 'HOST must not be empty').default('127.0.0.1'),
  APP_NAME: z
    .string()
    .default('Sales Connect')
    .refine((name) => name.trim().length > 0 && name.length <= 60, 'APP_NAME must be 1 to 60 characters'),
  DEFAULT_LOCALE: oneOf('DEFAULT_LOCALE', locales, 'en'),
  NODE_ENV: oneOf('NODE_ENV', ['development', 'production', 'test'] as const, 'development'),
  PASSWORD_POLICY: oneOf('PASSWORD_POLICY', ['documented', 'nist'] as const, 'documented'),
  SESSION_IDLE_TIMEOUT: duration('SESSION_IDLE_TIMEOUT', '1h'),
  SESSION_ABSOLUTE_TIMEOUT: duration('SESSION_ABSOLUTE_TIMEOUT', '12h'),
  SHUTDOWN_TIMEOUT: duration('SHUTDOWN_TIMEOUT', '20s'),
  LOG_LEVEL: oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
  HASH_CONCURRENCY: positiveInteger('HASH_CONCURRENCY', availableParallelism(), 256),
  HASH_QUEUE_LIMIT: positiveInteger('HASH_QUEUE_LIMIT', 64, 100_000),
  RESET_TOKEN_TTL: duration('RESET_TOKEN_TTL', '1h'),
  INVITE_TOKEN_TTL: duration('INVITE_TOKEN_TTL', '7d'),
  METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').max(256).optional(),
  REDIS_KEY_PREFIX: z.string().max(100, 'REDIS_KEY_PREFIX must be at most 100 characters').default('sales-connect:'),
  MAIL_FROM: z
    .string()
    .optional()
    .refine(
      (from) => from === undefined || (!/[\r\n]/.test(from) && from.length <= 200 && senderOf(from) !== undefined),
      {
        error: 'MAIL_FROM must be one address such as "Sales Connect <no-reply@example.com>", on one line',
      },
    ),
});

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

export function parseConfig(env: Record<string, string | undefined>): ConfigResult {
  // An empty variable means "not set", as in most twelve-factor services.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = schema.safeParse(present);
  const problems = parsed.success ? [] : parsed.error.issues.map((issue) => issue.message);
  // The URLs are checked even when another variable is wrong, so every mistake is reported at once.
  const port = parsed.success ? parsed.data.PORT : 3000;
  const publicUrl = parsePublicUrl(present.PUBLIC_URL ?? `http://localhost:${port}`, problems);
  const database = parseDatabaseUrl(present.DATABASE_URL ?? 'sqlite:./data/app.db', problems);
  const smtpUrl = present.SMTP_URL === undefined ? undefined : parseSmtpUrl(present.SMTP_URL, problems);
  const redisUrl = present.REDIS_URL === undefined ? undefined : parseRedisUrl(present.REDIS_URL, problems);
  const trustProxy = parseTrustProxy(present.TRUST_PROXY ?? 'false', problems);
  if (!parsed.success || !publicUrl || !database) return { ok: false, problems };
  const values = parsed.data;
  const production = values.NODE_ENV === 'production';
  // SECURITY 31: in production the links we mail and the cookies we set travel over HTTPS only.
  if (production && publicUrl.protocol === 'http:') {
    problems.push('PUBLIC_URL must be an https:// address when NODE_ENV=production');
  }
  if (production && present.SMTP_URL === undefined) {
    problems.push('SMTP_URL must be set when NODE_ENV=production (the development mailbox is not available there)');
  }
  // The development mailbox shows every reset link to whoever can reach it: loopback only.
  if (!production && present.SMTP_URL === undefined && !isLoopback(values.HOST)) {
    problems.push(
      `SMTP_URL must be set when HOST is not a loopback address (${values.HOST}): the development mailbox would show every email to the network`,
    );
  }
  if (values.RESET_TOKEN_TTL > 86_400_000) problems.push('RESET_TOKEN_TTL must be at most 24h');
  if (values.INVITE_TOKEN_TTL > 30 * 86_400_000) problems.push('INVITE_TOKEN_TTL must be at most 30d');
  if (values.SHUTDOWN_TIMEOUT < 1000 || values.SHUTDOWN_TIMEOUT > 600_000)
    problems.push('SHUTDOWN_TIMEOUT must be from 1s to 10m');
  if (values.SESSION_IDLE_TIMEOUT < MIN_IDLE_TIMEOUT_MS) {
    problems.push(
      `SESSION_IDLE_TIMEOUT must be at least ${formatDuration(MIN_IDLE_TIMEOUT_MS)}: a session's last use is recorded to a tenth of the timeout, and a shorter one would need a write at nearly every request`,
    );
  }
  if (values.SESSION_ABSOLUTE_TIMEOUT < values.SESSION_IDLE_TIMEOUT) {
    problems.push('SESSION_ABSOLUTE_TIMEOUT must not be shorter than SESSION_IDLE_TIMEOUT');
  }
  const mailFrom =
    values.MAIL_FROM ?? `"${values.APP_NAME.trim().replace(/["\\]/g, '\\$&')}" <no-reply@${publicUrl.hostname}>`;
  const mailSender = senderOf(mailFrom);
  if (mailSender === undefined)
    problems.push(`MAIL_FROM must be set: no sender address can be made of APP_NAME and PUBLIC_URL (${mailFrom})`);
  if (problems.length > 0 || mailSender === undefined) return { ok: false, problems };

  return {
    ok: true,
    config: Object.freeze({
      port: values.PORT,
      host: values.HOST,
      publicUrl,
      secureCookies: publicUrl.protocol === 'https:',
      database,
      appName: values.APP_NAME.trim(),
      defaultLocale: values.DEFAULT_LOCALE,
      production,
      passwordPolicy: values.PASSWORD_POLICY,
      sessionIdleTimeoutMs: values.SESSION_IDLE_TIMEOUT,
      sessionAbsoluteTimeoutMs: values.SESSION_ABSOLUTE_TIMEOUT,
      logLevel: values.LOG_LEVEL,
      shutdownTimeoutMs: values.SHUTDOWN_TIMEOUT,
      hashConcurrency: values.HASH_CONCURRENCY,
      hashQueueLimit: values.HASH_QUEUE_LIMIT,
      smtpUrl,
      mailFrom,
      mailSender,
      resetTokenTtlMs: values.RESET_TOKEN_TTL,
      inviteTokenTtlMs: values.INVITE_TOKEN_TTL,
      redisUrl,
      redisKeyPrefix: values.REDIS_KEY_PREFIX,
      metricsToken: values.METRICS_TOKEN,
      trustProxy: trustProxy ?? false,
    }),
  };
}

function parsePublicUrl(text: string, problems: string[]): URL | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    problems.push(`PUBLIC_URL must be an absolute http:// or https:// address (got "${text}")`);
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    problems.push(`PUBLIC_URL must start with http:// or https:// (got "${text}")`);
    return undefined;
  }
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
    problems.push(`PUBLIC_URL must be an origin only, such as https://accounts.example.com (got "${text}")`);
    return undefined;
  }
  return url;
}

function parseDatabaseUrl(text: string, problems: string[]): DatabaseTarget | undefined {
  if (text.startsWith('sqlite:')) {
    const path = text.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (path.length > 0) return { kind: 'sqlite', path };
  } else if (/^postgres(ql)?:\/\/./.test(text)) {
    return { kind: 'postgres', url: text };
  }
  problems.push(`DATABASE_URL must be sqlite:<file path> or postgres://user@host/database (got "${redactUrl(text)}")`);
  return undefined;
}

function parseSmtpUrl(text: string, problems: string[]): URL | undefined {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') || !url.hostname) {
    problems.push(`SMTP_URL must be smtp://[user:password@]host[:port] or smtps://… (got "${redactUrl(text)}")`);
    return undefined;
  }
  return url;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function parseRedisUrl(text: string, problems: string[]): URL | undefined {
  try {
    const url = new URL(text);
    if ((url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname) return url;
  } catch {
    // reported below
  }
  problems.push(`REDIS_URL must be redis://[user:password@]host[:port][/db] or rediss://… (got "${redactUrl(text)}")`);
  return undefined;
}

/**
 * SECURITY 22: by default X-Forwarded-For is ignored, so a client cannot choose the address it is counted
 * under. Behind a proxy: the number of proxies in front, or their addresses and CIDR ranges. "true" is
 * refused: it would believe the left-most entry, which the client writes itself.
 */
function parseTrustProxy(text: string, problems: string[]): false | number | string[] | undefined {
  if (text === 'false') return false;
  if (text === 'true') {
    problems.push(
      'TRUST_PROXY=true would let clients choose the address they are counted under: give the number of proxies in front (TRUST_PROXY=1) or their addresses',
    );
    return undefined;
  }
  if (/^\d{1,2}$/.test(text)) return Number(text);
  const entries = text.split(',').map((entry) => entry.trim());
  if (
    entries.every(
      (entry) => /^[\d.]+(\/\d{1,2})?$|^[0-9a-f:]+(\/\d{1,3})?$/i.test(entry) && isIP(entry.split('/')[0]!) !== 0,
    )
  )
    return entries;
  problems.push(
    `TRUST_PROXY must be false, true, a number of hops, or a comma-separated list of addresses and CIDR ranges (got "${text}")`,
  );
  return undefined;
}

/** Database and SMTP URLs may carry a password: never echo it back. */
function redactUrl(text: string): string {
  return text.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

/**
 * The one address of a From header (`"Sales Connect" <no-reply@example.com>`, `no-reply@example.com (Sales
 * Connect)`, a bare address), its domain in ASCII; undefined for none, several, or one that is not an address.
 */
export function senderOf(from: string): string | undefined {
  const mailboxes = addressparser(from, { flatten: true });
  if (mailboxes.length !== 1) return undefined;
  const match = /^([^\s@<>()",;]+)@([^\s@<>()",;]+)$/.exec(mailboxes[0]!.address ?? '');
  const domain = match ? domainToASCII(match[2]!) : '';
  return match && domain !== '' ? `${match[1]}@${domain}` : undefined;
}
