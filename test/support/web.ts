// For the HTTP tests of src/web/: an account signed in on a real service, the Save an attacker would send
// and the check that it changed nothing, the parts of an answer they read, and requests no fetch would send.
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { expect } from 'vitest';
import type { Locale } from '../../src/core/locale.ts';
import { findUserById, type User } from '../../src/store/users.ts';
import { type Page, type PostOptions, TestBrowser } from './browser.ts';
import type { TestService } from './service.ts';

/** The password of every account newAccount makes, unless told otherwise. */
export const password = 'Correct-Horse-42';
/** The password a hostile Save would set. */
export const otherPassword = 'Amber-Heron-27!';

export interface Account {
  email: string;
  user: User;
  browser: TestBrowser;
}

/** A new account on `service`, signed in from a browser of its own. */
export async function newAccount(
  service: TestService,
  options: { locale?: Locale; password?: string } = {},
): Promise<Account> {
  const email = `user-${randomUUID().slice(0, 8)}@example.com`;
  const user = await service.addUser({ email, password: options.password ?? password, locale: options.locale ?? 'en' });
  const browser = new TestBrowser(service.url);
  expect((await browser.signIn(email, options.password ?? password)).status).toBe(303);
  return { email, user, browser };
}

/** The status of a sign-in from a new browser: 303 in, 401 refused, 429 throttled. */
export const signsIn = async (service: TestService, email: string, attempt: string) =>
  (await new TestBrowser(service.url).signIn(email, attempt)).status;

export const isSignedIn = async (browser: TestBrowser) => (await browser.get('/settings/profile')).status === 200;

/** A Save that would change the name and the password, for every refusal to leave undone. */
export const hostileSave = {
  name: 'Mallory',
  locale: 'fr',
  change_password: 'on',
  current_password: password,
  new_password: otherPassword,
  confirm_password: otherPassword,
};

/** After a refusal: the account as it was, the session alive, the old password good, the new one not. */
export async function expectNothingChanged(service: TestService, account: Account) {
  expect(await findUserById(service.deps.db, account.user.id)).toEqual(account.user);
  expect(await isSignedIn(account.browser)).toBe(true);
  expect(await signsIn(service, account.email, password)).toBe(303);
  expect(await signsIn(service, account.email, otherPassword)).toBe(401);
}

/** The message of an error page. */
export const lead = (page: Page) => /<p class="lead">([^<]*)<\/p>/.exec(page.text)?.[1];

export function expectSecurityHeaders(page: Page, what: string) {
  const csp = page.headers.get('content-security-policy') ?? '';
  expect(csp, what).toContain("default-src 'none'");
  expect(csp, what).toContain("frame-ancestors 'none'");
  expect(csp, what).toContain("script-src 'self'");
  expect(csp, what).not.toContain('unsafe-inline');
  expect(csp, what).not.toContain('unsafe-eval');
  expect(page.headers.get('x-frame-options'), what).toBe('DENY');
  expect(page.headers.get('x-content-type-options'), what).toBe('nosniff');
  expect(page.headers.get('referrer-policy'), what).toBe('same-origin');
}

/** Methods fetch refuses to send (TRACE), through node:http. */
export function rawRequest(
  service: TestService,
  method: string,
  path: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(new URL(path, service.url), { method }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/** Bytes no HTTP client library would send, over a bare TCP connection; the answer as Node wrote it. */
export function rawExchange(
  service: TestService,
  request: string,
): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(new URL(service.url).port), '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const [head = '', body = ''] = received.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(
        lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
      );
      if (!statusLine.startsWith('HTTP/1.1 ')) reject(new Error(`no answer: ${received.slice(0, 100)}`));
      else resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
    });
    socket.end(request);
  });
}

/**
 * A TestBrowser that adds to `secrets` every password it types and every session and CSRF value it holds,
 * for a test that then looks for them in the log.
 */
export class SecretRecordingBrowser extends TestBrowser {
  readonly secrets: Set<string>;

  constructor(base: string, secrets: Set<string>, defaultHeaders: Record<string, string> = {}) {
    super(base, defaultHeaders);
    this.secrets = secrets;
  }

  override async post(path: string, fields: Record<string, string | string[]>, options?: PostOptions): Promise<Page> {
    for (const [name, value] of Object.entries(fields))
      if (name.includes('password')) for (const one of [value].flat()) this.secrets.add(one);
    return super.post(path, fields, options);
  }

  override async request(path: string, init: RequestInit & { headers?: Record<string, string> }): Promise<Page> {
    this.remember();
    const page = await super.request(path, init);
    this.remember();
    return page;
  }

  private remember() {
    for (const [name, value] of this.cookies) if (/session|csrf/.test(name)) this.secrets.add(value);
    if (this.csrf) this.secrets.add(this.csrf);
  }
}
