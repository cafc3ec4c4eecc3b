// Cookie names and attributes. SECURITY 60: HttpOnly, SameSite=Lax, and over https Secure with the
// __Host- prefix (no Domain, Path=/), so no subdomain and no plain-http page can set or read them. One
// exception, when COOKIE_DOMAIN asks for it: the session cookie, shared with the apps under that domain
// (SECURITY 82), keeps Secure, HttpOnly and SameSite=Lax, and takes the __Secure- prefix, since __Host-
// forbids a Domain. The CSRF, reset and every other cookie stay this host's.
import fastifyCookie, { type CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';

export async function registerCookies(app: FastifyInstance): Promise<void> {
  await app.register(fastifyCookie);
}

export interface CookieNames {
  session: string;
  csrf: string;
  locale: string;
  /** The token of a reset link, between opening the link and Set Password (flows/reset-password.ts). */
  reset: string;
  /** The same for the link of an invitation (SECURITY 44: each token has its own door). */
  invite: string;
  /** The token of a "This wasn't me" link, between opening it and confirming (flows/lockdown.ts). */
  lockdown: string;
  /** This browser signed in to an account before (SECURITY 21). */
  device: string;
  /** The app Settings' "Back to the app" link returns to, for this browser session (core/return-to.ts). */
  returnTo: string;
  /** A sign-in between its right password and its second step (flows/second-step.ts); never a session. */
  secondStep: string;
  /**
   * The OpenID Connect provider's: its session (Path=/), and those of one sign-in, whose paths are the
   * sign-in's own (/interaction/<uid>, /oidc/auth/<uid>), so they carry __Secure- rather than __Host-.
   */
  provider: { session: string; interaction: string; resume: string };
}

export function cookieNames(config: Config): CookieNames {
  const prefix = config.secureCookies ? '__Host-' : '';
  const shared = config.secureCookies ? '__Secure-' : '';
  return {
    session: config.cookieDomain === undefined ? `${prefix}session` : `${shared}session`,
    csrf: `${prefix}csrf`,
    locale: `${prefix}lang`,
    reset: `${prefix}reset`,
    invite: `${prefix}invite`,
    lockdown: `${prefix}lockdown`,
    device: `${prefix}device`,
    returnTo: `${prefix}return-to`,
    secondStep: `${prefix}second-step`,
    provider: {
      session: `${prefix}app-session`,
      interaction: `${config.secureCookies ? '__Secure-' : ''}app-interaction`,
      resume: `${config.secureCookies ? '__Secure-' : ''}app-resume`,
    },
  };
}

export function cookieOptions(config: Config, extra: Partial<CookieSerializeOptions> = {}): CookieSerializeOptions {
  return { path: '/', httpOnly: true, sameSite: 'lax', secure: config.secureCookies, ...extra };
}

/**
 * SECURITY 82: a session cookie sent twice is no session. Under COOKIE_DOMAIN any host of the domain can set
 * one more with a longer Path, which browsers send first: reading the first would sign the browser in to
 * whatever account that host chose (cookie tossing).
 */
export function readSessionCookie(config: Config, request: FastifyRequest): string | undefined {
  const name = cookieNames(config).session;
  const sent = request.headers.cookie ?? '';
  let count = 0;
  for (const part of sent.split(';')) if (part.trimStart().startsWith(`${name}=`)) count++;
  return count > 1 ? undefined : request.cookies[name];
}

function sessionCookieOptions(config: Config): CookieSerializeOptions {
  return cookieOptions(config, config.cookieDomain === undefined ? {} : { domain: config.cookieDomain });
}

/** No Max-Age: the cookie ends with the browser; the server enforces the idle and absolute limits. */
export function setSessionCookie(config: Config, reply: FastifyReply, token: string): void {
  reply.setCookie(cookieNames(config).session, token, sessionCookieOptions(config));
}

export function clearSessionCookie(config: Config, reply: FastifyReply): void {
  reply.clearCookie(cookieNames(config).session, sessionCookieOptions(config));
}

const YEAR_SECONDS = 365 * 24 * 3600;

export function setLocaleCookie(config: Config, reply: FastifyReply, locale: string): void {
  reply.setCookie(cookieNames(config).locale, locale, cookieOptions(config, { maxAge: YEAR_SECONDS }));
}
