// Environment → one frozen, typed Config. One zod schema reads every variable (enums, numbers, durations,
// URLs), one check relates them, and each problem is one line naming the variable, what it must be and, where
// it is no secret, what it was. The process exits with code 2 before anything starts, so an operator sees all
// their mistakes at once.
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { formatDuration, parseDuration } from './core/duration.ts';
import { senderOf } from './core/email-address.ts';
import { isLoopbackHost } from './core/hosts.ts';
import { type Locale, locales } from './core/locale.ts';
import type { PolicyProfile } from './core/password-policy.ts';
import { parseKey } from './core/secret-box.ts';
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
  /**
   * COOKIE_DOMAIN: the session cookie is set for this domain (PUBLIC_URL's host or a parent of it), so sibling
   * apps under it receive it; undefined keeps it host-only (__Host-).
   */
  cookieDomain: string | undefined;
  /** ALLOWED_APP_ORIGINS: the apps' exact origins, for return_to and for reading /api/session (CORS). */
  appOrigins: readonly string[];
  /**
   * ENCRYPTION_KEY: what seals the authenticator apps' keys and keys the recovery codes' digests
   * (core/secret-box.ts), the first sealing, all opening. Empty: none given (main.ts keeps a development key).
   */
  encryptionKeys: readonly Buffer[];
  /** REQUIRE_2FA: off (no second step at all), optional (for who enrols), required (everyone enrols). */
  twoStep: TwoStepPolicy;
  /**
   * BREACHED_PASSWORDS_URL: the range API new passwords are looked up in (k-anonymity), the prefix appended
   * to it; undefined: off (a list imported with `breached import` is still used).
   */
  breachedPasswordsUrl: URL | undefined;
  /** PASSWORD_HISTORY: a new password may not be one of the account's last N (0: not checked). */
  passwordHistory: number;
}

/** The public Pwned Passwords range API, BREACHED_PASSWORDS_URL's default in production. */
export const PWNED_PASSWORDS_URL = 'https://api.pwnedpasswords.com/range/';

export const twoStepPolicies = ['off', 'optional', 'required'] as const;
export type TwoStepPolicy = (typeof twoStepPolicies)[number];

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

/** What a variable must be, when it is not: the rest of its line after its name (or, `whole`, all of it). */
class Must {
  readonly text: string;
  readonly whole: boolean;
  constructor(text: string, whole = false) {
    this.text = text;
    this.whole = whole;
  }
}
const must = (text: string) => new Must(text);
/** Database, SMTP and Redis URLs may carry a password: never echo it back. */
const shown = (text: string) => `(got "${text.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')}")`;

/** A variable read by `read` from its text (or `fallback` when unset); unset with no fallback: undefined. */
function variable<T>(read: (text: string) => T | Must): z.ZodType<T | undefined>;
function variable<T>(read: (text: string) => T | Must, fallback: string): z.ZodType<T>;
function variable<T>(read: (text: string) => T | Must, fallback?: string) {
  return z
    .string()
    .optional()
    .transform((text, ctx) => {
      const given = text ?? fallback;
      if (given === undefined) return undefined;
      const value = read(given);
      if (!(value instanceof Must)) return value;
      ctx.addIssue({ code: 'custom', message: value.text, params: { whole: value.whole } });
      return z.NEVER;
    });
}

const wholeNumber = (max: number) => (text: string) =>
  /^\d+$/.test(text) && Number(text) >= 1 && Number(text) <= max
    ? Number(text)
    : must(`must be a whole number from 1 to ${max} ${shown(text)}`);

const oneOf =
  <T extends string>(values: readonly T[]) =>
  (text: string) =>
    (values as readonly string[]).includes(text)
      ? (text as T)
      : must(`must be one of ${values.join(', ')} ${shown(text)}`);

/** A duration, within bounds written as the operator would write them ("24h", not 86400000). */
const duration =
  ({ min, max }: { min?: string; max?: string } = {}) =>
  (text: string) => {
    const ms = parseDuration(text);
    if (ms === undefined) return must(`must be a duration such as 90s, 30m, 12h or 7d ${shown(text)}`);
    if ((min === undefined || ms >= parseDuration(min)!) && (max === undefined || ms <= parseDuration(max)!)) return ms;
    return must(`must be ${min === undefined ? `at most ${max}` : `from ${min} to ${max}`}`);
  };

/** "off", or an http(s) address the five-character prefix is appended to. */
function breachedPasswordsUrl(given: string): URL | 'off' | Must {
  if (given === 'off') return 'off';
  const url = URL.canParse(given) ? new URL(given) : undefined;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash)
    return must(`must be off or an http:// or https:// address such as ${PWNED_PASSWORDS_URL} ${shown(given)}`);
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

const text = (rule: string, valid: (text: string) => boolean) => (given: string) => (valid(given) ? given : must(rule));

function publicUrl(given: string): URL | Must {
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    return must(`must be an absolute http:// or https:// address ${shown(given)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return must(`must start with http:// or https:// ${shown(given)}`);
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
    return must(`must be an origin only, such as https://accounts.example.com ${shown(given)}`);
  }
  return url;
}

function databaseTarget(given: string): DatabaseTarget | Must {
  if (given.startsWith('sqlite:')) {
    const path = given.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (path.length > 0) return { kind: 'sqlite', path };
  } else if (/^postgres(ql)?:\/\/./.test(given)) {
    return { kind: 'postgres', url: given };
  }
  return must(`must be sqlite:<file path> or postgres://user@host/database ${shown(given)}`);
}

const serverUrl = (protocols: string[], form: string) => (given: string) => {
  const url = URL.canParse(given) ? new URL(given) : undefined;
  return url && protocols.includes(url.protocol) && url.hostname ? url : must(`must be ${form} ${shown(given)}`);
};

/**
 * SECURITY 22: by default X-Forwarded-For is ignored, so a client cannot choose the address it is counted
 * under. Behind a proxy: the number of proxies in front, or their addresses and CIDR ranges. "true" is
 * refused: it would believe the left-most entry, which the client writes itself.
 */
function trustProxy(given: string): false | number | string[] | Must {
  if (given === 'false') return false;
  if (given === 'true') {
    const why = 'would let clients choose the address they are counted under';
    return new Must(
      `TRUST_PROXY=true ${why}: give the number of proxies in front (TRUST_PROXY=1) or their addresses`,
      true,
    );
  }
  if (/^\d{1,2}$/.test(given)) return Number(given);
  const entries = given.split(',').map((entry) => entry.trim());
  const address = /^[\d.]+(\/\d{1,2})?$|^[0-9a-f:]+(\/\d{1,3})?$/i;
  if (entries.every((entry) => address.test(entry) && isIP(entry.split('/')[0]!) !== 0)) return entries;
  return must(
    `must be false, a number of hops, or a comma-separated list of addresses and CIDR ranges ${shown(given)}`,
  );
}

/** A registrable domain name as a cookie's Domain takes it: no scheme, port, IP address or leading dot. */
function cookieDomain(given: string): string | Must {
  const domain = given.toLowerCase();
  const label = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
  if (new RegExp(`^(?:${label}\\.)+${label}$`).test(domain) && !/^[\d.]+$/.test(domain)) return domain;
  return must(`must be a domain name with at least two labels, such as example.com ${shown(given)}`);
}

/** 32 random bytes each, base64; several, comma-separated, while a key is being replaced. */
function encryptionKeys(given: string): Buffer[] | Must {
  const keys = given.split(',').map(parseKey);
  if (keys.some((key) => key === undefined))
    return must('must be 32 random bytes in base64 (openssl rand -base64 32), several separated by commas');
  return keys as Buffer[];
}

/**
 * SECURITY 81, 82: exact origins, each written in full; "*" is refused, since it would let any site read who
 * is signed in and send users anywhere after signing in.
 */
function appOrigins(given: string): string[] | Must {
  const entries = given
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.some((entry) => entry.includes('*'))) {
    return new Must(
      'ALLOWED_APP_ORIGINS must list exact origins such as https://app.example.com: a wildcard would let any site read who is signed in',
      true,
    );
  }
  const origins: string[] = [];
  for (const entry of entries) {
    const url = publicUrl(entry);
    if (url instanceof Must)
      return must(`must be a comma-separated list of origins such as https://app.example.com ${shown(entry)}`);
    origins.push(url.origin);
  }
  return [...new Set(origins)];
}

const environment = z
  .object({
    PORT: variable(wholeNumber(65535), '3000'),
    HOST: variable((host) => host, '127.0.0.1'),
    APP_NAME: variable(
      text('must be 1 to 60 characters', (name) => name.trim().length > 0 && name.length <= 60),
      'Sales Connect',
    ),
    DEFAULT_LOCALE: variable(oneOf(locales), 'en'),
    NODE_ENV: variable(oneOf(['development', 'production', 'test'] as const), 'development'),
    PASSWORD_POLICY: variable(oneOf(['documented', 'nist'] as const), 'documented'),
    SESSION_IDLE_TIMEOUT: variable(duration(), '1h'),
    SESSION_ABSOLUTE_TIMEOUT: variable(duration(), '12h'),
    SHUTDOWN_TIMEOUT: variable(duration({ min: '1s', max: '10m' }), '20s'),
    LOG_LEVEL: variable(oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const), 'info'),
    HASH_CONCURRENCY: variable(wholeNumber(256), String(availableParallelism())),
    HASH_QUEUE_LIMIT: variable(wholeNumber(100_000), '64'),
    RESET_TOKEN_TTL: variable(duration({ max: '24h' }), '1h'),
    INVITE_TOKEN_TTL: variable(duration({ max: '30d' }), '7d'),
    // A secret: what it was is never echoed.
    METRICS_TOKEN: variable(text('must be 16 to 256 characters', (token) => token.length >= 16 && token.length <= 256)),
    REDIS_KEY_PREFIX: variable(
      text('must be at most 100 characters', (prefix) => prefix.length <= 100),
      'sales-connect:',
    ),
    MAIL_FROM: variable(
      text(
        'must be one address such as "Sales Connect <no-reply@example.com>", on one line',
        (from) => !/[\r\n]/.test(from) && from.length <= 200 && senderOf(from) !== undefined,
      ),
    ),
    PUBLIC_URL: variable(publicUrl),
    DATABASE_URL: variable(databaseTarget, 'sqlite:./data/app.db'),
    SMTP_URL: variable(serverUrl(['smtp:', 'smtps:'], 'smtp://[user:password@]host[:port] or smtps://…')),
    REDIS_URL: variable(serverUrl(['redis:', 'rediss:'], 'redis://[user:password@]host[:port][/db] or rediss://…')),
    TRUST_PROXY: variable(trustProxy, 'false'),
    COOKIE_DOMAIN: variable(cookieDomain),
    ALLOWED_APP_ORIGINS: variable(appOrigins, ''),
    // A secret: what it was is never echoed.
    ENCRYPTION_KEY: variable(encryptionKeys),
    REQUIRE_2FA: variable(oneOf(twoStepPolicies), 'optional'),
    BREACHED_PASSWORDS_URL: variable(breachedPasswordsUrl),
    PASSWORD_HISTORY: variable(
      (given) =>
        /^\d{1,2}$/.test(given) && Number(given) <= 24
          ? Number(given)
          : must(`must be a whole number from 0 to 24 ${shown(given)}`),
      '0',
    ),
  })
  .superRefine((values, ctx) => {
    const problem = (variable: string, text: string) =>
      ctx.addIssue({ code: 'custom', path: [variable], message: text });
    const production = values.NODE_ENV === 'production';
    // SECURITY 31: in production the links we mail and the cookies we set travel over HTTPS only.
    if (production && values.PUBLIC_URL?.protocol === 'http:') {
      problem('PUBLIC_URL', 'must be an https:// address when NODE_ENV=production');
    }
    if (production && values.SMTP_URL === undefined) {
      problem('SMTP_URL', 'must be set when NODE_ENV=production (the development mailbox is not available there)');
    }
    // The development mailbox shows every reset link to whoever can reach it: loopback only.
    if (!production && values.SMTP_URL === undefined && !isLoopbackHost(values.HOST)) {
      problem(
        'SMTP_URL',
        `must be set when HOST is not a loopback address (${values.HOST}): the development mailbox would show every email to the network`,
      );
    }
    if (values.SESSION_IDLE_TIMEOUT < MIN_IDLE_TIMEOUT_MS) {
      problem(
        'SESSION_IDLE_TIMEOUT',
        `must be at least ${formatDuration(MIN_IDLE_TIMEOUT_MS)}: a session's last use is recorded to a tenth of the timeout, and a shorter one would need a write at nearly every request`,
      );
    }
    if (values.SESSION_ABSOLUTE_TIMEOUT < values.SESSION_IDLE_TIMEOUT) {
      problem('SESSION_ABSOLUTE_TIMEOUT', 'must not be shorter than SESSION_IDLE_TIMEOUT');
    }
    const host = publicUrlOf(values).hostname;
    if (
      values.COOKIE_DOMAIN !== undefined &&
      host !== values.COOKIE_DOMAIN &&
      !host.endsWith(`.${values.COOKIE_DOMAIN}`)
    ) {
      problem(
        'COOKIE_DOMAIN',
        `must be PUBLIC_URL's host (${host}) or a domain above it, such as ${host.split('.').slice(-2).join('.')}`,
      );
    }
    if (production && values.ENCRYPTION_KEY === undefined && values.REQUIRE_2FA !== 'off') {
      problem(
        'ENCRYPTION_KEY',
        'must be set when NODE_ENV=production (32 random bytes in base64: openssl rand -base64 32), unless REQUIRE_2FA=off',
      );
    }
    if (production && values.ALLOWED_APP_ORIGINS.some((origin) => origin.startsWith('http:'))) {
      problem('ALLOWED_APP_ORIGINS', 'must list https:// origins only when NODE_ENV=production');
    }
    if (values.MAIL_FROM === undefined && senderOf(defaultMailFrom(values)) === undefined) {
      problem(
        'MAIL_FROM',
        `must be set: no sender address can be made of APP_NAME and PUBLIC_URL (${defaultMailFrom(values)})`,
      );
    }
  });

type Values = z.infer<typeof environment>;

/** On by default in production only: development and tests must not depend on the internet. */
function breachedDefault(values: Values): URL | undefined {
  const given = values.BREACHED_PASSWORDS_URL;
  if (given === 'off') return undefined;
  return given ?? (values.NODE_ENV === 'production' ? new URL(PWNED_PASSWORDS_URL) : undefined);
}

const publicUrlOf = (values: Values) => values.PUBLIC_URL ?? new URL(`http://localhost:${values.PORT}`);

function defaultMailFrom(values: Values): string {
  return `"${values.APP_NAME.trim().replace(/["\\]/g, '\\$&')}" <no-reply@${publicUrlOf(values).hostname}>`;
}

export function parseConfig(env: Record<string, string | undefined>): ConfigResult {
  // An empty variable means "not set", as in most twelve-factor services.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = environment.safeParse(present);
  if (!parsed.success) {
    const line = (issue: z.core.$ZodIssue) =>
      (issue as { params?: { whole?: boolean } }).params?.whole
        ? issue.message
        : `${String(issue.path[0])} ${issue.message}`;
    return { ok: false, problems: parsed.error.issues.map(line) };
  }
  const values = parsed.data;
  const publicUrl = publicUrlOf(values);
  const mailFrom = values.MAIL_FROM ?? defaultMailFrom(values);
  return {
    ok: true,
    config: Object.freeze({
      port: values.PORT,
      host: values.HOST,
      publicUrl,
      secureCookies: publicUrl.protocol === 'https:',
      database: values.DATABASE_URL,
      appName: values.APP_NAME.trim(),
      defaultLocale: values.DEFAULT_LOCALE,
      production: values.NODE_ENV === 'production',
      passwordPolicy: values.PASSWORD_POLICY,
      sessionIdleTimeoutMs: values.SESSION_IDLE_TIMEOUT,
      sessionAbsoluteTimeoutMs: values.SESSION_ABSOLUTE_TIMEOUT,
      logLevel: values.LOG_LEVEL,
      shutdownTimeoutMs: values.SHUTDOWN_TIMEOUT,
      hashConcurrency: values.HASH_CONCURRENCY,
      hashQueueLimit: values.HASH_QUEUE_LIMIT,
      smtpUrl: values.SMTP_URL,
      mailFrom,
      mailSender: senderOf(mailFrom)!,
      resetTokenTtlMs: values.RESET_TOKEN_TTL,
      inviteTokenTtlMs: values.INVITE_TOKEN_TTL,
      redisUrl: values.REDIS_URL,
      redisKeyPrefix: values.REDIS_KEY_PREFIX,
      metricsToken: values.METRICS_TOKEN,
      trustProxy: values.TRUST_PROXY,
      cookieDomain: values.COOKIE_DOMAIN,
      appOrigins: Object.freeze(values.ALLOWED_APP_ORIGINS),
      encryptionKeys: Object.freeze(values.ENCRYPTION_KEY ?? []),
      twoStep: values.REQUIRE_2FA,
      breachedPasswordsUrl: breachedDefault(values),
      passwordHistory: values.PASSWORD_HISTORY,
    }),
  };
}
