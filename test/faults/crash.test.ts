// SIGKILL in the middle of a burst of 30 password changes and resets, while the outbox is sending: after a
// restart, every change that was acknowledged is in effect with all its effects (other sessions ended, links
// dead, the "password changed" email queued), none that was cut off is half done, and every email queued is
// delivered, its copies (if the crash came between SMTP's acceptance and the "sent" mark) under one
// Message-ID. Runs on SQLite and on PostgreSQL.
import { verify } from '@node-rs/argon2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.ts';
import { digest } from '../../src/core/tokens.ts';
import { type Connection, connect } from '../../src/store/connect.ts';
import { addAccounts } from '../support/accounts.ts';
import { type Page, TestBrowser } from '../support/browser.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { recordMeasurement } from '../support/measurements.ts';
import { killServiceProcesses, type ServiceProcess, startServiceProcess } from '../support/process.ts';
import { freePort } from '../support/service.ts';
import { resetLinkOf, type SmtpCapture, startSmtpCapture } from '../support/smtp.ts';

const OLD = 'Velvet-Otter-9';
const NEW = 'Amber-Heron-27!';
const PER_KIND = 15;
/** Accounts whose reset emails the outbox is sending, slowly, when the kill comes. */
const BYSTANDERS = 8;
let database: TestDatabase;
let smtp: SmtpCapture;
let connection: Connection;
let env: Record<string, string>;

beforeAll(async () => {
  database = await createTestDatabase();
  smtp = await startSmtpCapture();
  const port = await freePort();
  // Behind one proxy, so that each person asking for a reset comes from an address of their own.
  env = {
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: database.url,
    SMTP_URL: smtp.url.href,
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    TRUST_PROXY: '1',
  };
  const parsed = parseConfig(env);
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  connection = connect(parsed.config.database);
});
afterAll(async () => {
  await killServiceProcesses();
  await connection.close();
  await smtp.close();
  await database.drop();
});

interface Person {
  email: string;
  kind: 'change' | 'reset';
  /** The browser that changes the password (change) or that was signed in before the reset (reset). */
  browser: TestBrowser;
  /** change: a second session, which an applied change ends. */
  other?: TestBrowser;
  /** reset: the token of the link in the email. */
  token?: string;
  outcome?: 'acknowledged' | 'cut off';
}

async function signedIn(url: string, email: string): Promise<TestBrowser> {
  const browser = new TestBrowser(url);
  expect((await browser.signIn(email, OLD)).status).toBe(303);
  return browser;
}

const sessionAlive = async (browser: TestBrowser) =>
  (await connection.db
    .selectFrom('sessions')
    .select('id_hash')
    .where('id_hash', '=', digest(browser.cookies.get('session')!))
    .executeTakeFirst()) !== undefined;

describe('a crash in the middle of password changes and resets', () => {
  it('loses nothing acknowledged, half-does nothing, and delivers every email with one Message-ID for its copies', async () => {
    const people: Person[] = [];
    for (let i = 0; i < PER_KIND; i++) {
      people.push({ email: `change${i}@example.com`, kind: 'change', browser: undefined as never });
      people.push({ email: `reset${i}@example.com`, kind: 'reset', browser: undefined as never });
    }
    const bystanders = Array.from({ length: BYSTANDERS }, (_, i) => `bystander${i}@example.com`);
    await addAccounts(
      database.url,
      [...people.map(({ email }) => email), ...bystanders].map((email) => ({ email, password: OLD })),
    );
    let service: ServiceProcess = await startServiceProcess({ env, ready: true });

    // Ready: two sessions for each who changes, one for each who resets, and the reset links in hand.
    for (const person of people) {
      person.browser = await signedIn(service.url, person.email);
      if (person.kind === 'change') person.other = await signedIn(service.url, person.email);
    }
    const resets = people.filter((person) => person.kind === 'reset');
    for (const [i, person] of resets.entries()) {
      const asker = new TestBrowser(service.url, { 'x-forwarded-for': `198.51.100.${i + 1}` });
      await asker.get('/forgot-password');
      expect((await asker.post('/forgot-password', { email: person.email })).status).toBe(200);
    }
    // Beside them, each account's first sign-in was announced ("New sign-in"): only the reset emails count here.
    const resetEmails = () => smtp.received.filter((email) => email.text.includes('/reset-password?token='));
    await expect.poll(() => resetEmails().length, { timeout: 20_000 }).toBe(PER_KIND);
    for (const person of resets) {
      person.token = resetLinkOf(
        resetEmails().find((email) => email.envelope.to[0] === person.email)!,
      ).searchParams.get('token')!;
      const link = new TestBrowser(service.url);
      for (const [name, value] of person.browser.cookies) if (name === 'session') link.cookies.set(name, value);
      await link.get(`/reset-password?token=${person.token}`);
      await link.get('/reset-password');
      person.browser = link;
    }
    for (const person of people.filter((one) => one.kind === 'change')) await person.browser.openSettings();

    // The outbox busy with a slow SMTP server (half a second an email) when the burst comes.
    smtp.setDelay(500);
    const before = smtp.received.length;
    for (const [i, email] of bystanders.entries()) {
      const asker = new TestBrowser(service.url, { 'x-forwarded-for': `203.0.113.${i + 1}` });
      await asker.get('/forgot-password');
      expect((await asker.post('/forgot-password', { email })).status).toBe(200);
    }
    await expect.poll(() => smtp.inFlight(), { timeout: 5000, interval: 5 }).toBeGreaterThan(0);
    let acknowledged = 0;
    let sendingAtKill = 0;
    const burst = people.map(async (person) => {
      const send: Promise<Page> =
        person.kind === 'change'
          ? person.browser.post('/settings/profile', {
              name: 'Ada Lovelace',
              locale: 'en',
              change_password: 'on',
              current_password: OLD,
              new_password: NEW,
              confirm_password: NEW,
            })
          : person.browser.post('/reset-password', { new_password: NEW, confirm_password: NEW });
      try {
        const page = await send;
        expect(page.status, person.email).toBe(303);
        person.outcome = 'acknowledged';
        if (++acknowledged === 10) {
          sendingAtKill = smtp.inFlight();
          service.child.kill('SIGKILL');
        }
      } catch {
        person.outcome = 'cut off';
      }
    });
    await Promise.all(burst);
    expect(await service.exited()).toBeNull();
    const cut = people.filter((person) => person.outcome === 'cut off').length;
    expect(acknowledged).toBeGreaterThanOrEqual(10);
    expect(cut).toBeGreaterThan(0);
    // Killed between SMTP's receiving an email and the answer reaching the service.
    expect(sendingAtKill).toBeGreaterThan(0);

    smtp.setDelay(0);
    const restartedAt = performance.now();
    service = await startServiceProcess({ env, ready: true });
    recordMeasurement(
      `SIGKILL mid-burst (${database.kind})`,
      'restart to /readyz 200',
      performance.now() - restartedAt,
    );

    for (const person of people) {
      const user = await connection.db
        .selectFrom('users')
        .selectAll()
        .where('email', '=', person.email)
        .executeTakeFirstOrThrow();
      const changed = await verify(user.password_hash!, NEW);
      expect(changed || (await verify(user.password_hash!, OLD)), `${person.email}: one password or the other`).toBe(
        true,
      );
      if (person.outcome === 'acknowledged') expect(changed, `${person.email} was acknowledged`).toBe(true);
      const confirmations = await connection.db
        .selectFrom('outbox')
        .select('id')
        .where('user_id', '=', user.id)
        .where('kind', '=', 'password-changed')
        .execute();
      // All of a change or none of it.
      expect(confirmations, person.email).toHaveLength(changed ? 1 : 0);
      if (person.kind === 'change') {
        expect(await sessionAlive(person.other!), person.email).toBe(!changed);
        // The change renames this browser's session (SECURITY 56): one committed but cut off before the answer
        // left the browser with the old id, dead, and the new one it never received.
        expect(await sessionAlive(person.browser), person.email).toBe(!changed || person.outcome === 'acknowledged');
      } else {
        const sessions = await connection.db
          .selectFrom('sessions')
          .select('id_hash')
          .where('user_id', '=', user.id)
          .execute();
        expect(sessions, person.email).toHaveLength(changed ? 0 : 1);
        const link = await connection.db
          .selectFrom('reset_tokens')
          .select('used_at')
          .where('token_hash', '=', digest(person.token!))
          .executeTakeFirst();
        expect(link?.used_at ?? null, person.email).toSatisfy((usedAt: number | null) =>
          changed ? usedAt !== null : usedAt === null,
        );
      }
      // What the user observes: the password in effect signs in.
      const browser = new TestBrowser(service.url);
      expect((await browser.signIn(person.email, changed ? NEW : OLD)).status, person.email).toBe(303);
    }

    // Taken back at once by the restarted instance, not after a lease: every email goes out within seconds.
    const pending = () =>
      connection.db
        .selectFrom('outbox')
        .select('id')
        .where('user_id', 'is not', null)
        .where('sent_at', 'is', null)
        .where('abandoned_at', 'is', null)
        .execute();
    await expect.poll(async () => (await pending()).length, { timeout: 15_000, interval: 50 }).toBe(0);
    recordMeasurement(
      `SIGKILL mid-burst (${database.kind})`,
      'restart to every queued email delivered',
      performance.now() - restartedAt,
    );
    const sent = await connection.db
      .selectFrom('outbox')
      .innerJoin('users', 'users.id', 'outbox.user_id')
      .select(['outbox.id', 'users.email'])
      .where('outbox.sent_at', 'is not', null)
      .execute();
    const afterBurst = smtp.received.slice(before);
    // Each queued email arrived, and every copy of it carries its one Message-ID, to its one recipient.
    const byId = new Map(sent.map((row) => [`<${row.id}@127.0.0.1>`, row.email]));
    for (const email of afterBurst) expect(email.envelope.to).toEqual([byId.get(email.mail.messageId!)]);
    const delivered = new Set(smtp.received.map((email) => email.mail.messageId));
    expect([...byId.keys()].filter((id) => !delivered.has(id))).toEqual([]);
    // A bystander who got their reset email twice can use either copy's link, until one is used.
    for (const email of bystanders) {
      const copies = afterBurst.filter((received) => received.envelope.to[0] === email);
      expect(copies.length, email).toBeGreaterThanOrEqual(1);
      expect(new Set(copies.map((copy) => copy.mail.messageId)).size, email).toBe(1);
      for (const copy of copies) {
        const browser = new TestBrowser(service.url);
        const link = resetLinkOf(copy);
        await browser.get(link.pathname + link.search);
        expect((await browser.get('/reset-password')).status, email).toBe(200);
      }
    }
  });
});
