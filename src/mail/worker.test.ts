// The outbox worker against a real SMTP server: outages, restarts and crashes delay mail, never lose it,
// and never send it twice.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { testDeps, type TestDeps } from '../../test/support/deps.ts';
import { sendResetEmail } from '../flows/forgot-password.ts';
import { claimDueEmails, enqueueEmail } from '../store/outbox.ts';
import { createTransport } from './transport.ts';
import { createOutboxWorker, MAX_ATTEMPTS, retryDelay } from './worker.ts';

const client = { address: '203.0.113.7', userAgent: 'test' };
let database: TestDatabase;
let t: TestDeps;

beforeEach(async () => {
  database = await createTestDatabase();
  t = await testDeps({ DATABASE_URL: database.url });
  await t.addUser({ email: 'ada@example.com', password: 'Velvet-Otter-9' });
});
afterEach(async () => {
  await t.close();
  await database.drop();
});

const outboxRows = () => t.deps.db.selectFrom('outbox').selectAll().execute();

describe('the outbox worker', () => {
  it('starts on an email between half a second and a second after the request that queued it (SECURITY 28)', async () => {
    const asked = performance.now();
    await sendResetEmail(t.deps, { email: 'ada@example.com', client });
    // Not the moment the answer has gone out: a request sent then would wait behind the email's claim, link
    // and rendering after an existing address, and not after an unknown one.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(t.smtp.received).toHaveLength(0);
    expect(await outboxRows()).toMatchObject([{ claimed_by: null, sent_at: null }]);
    await expect.poll(() => t.smtp.received.length, { timeout: 5_000 }).toBe(1);
    expect(performance.now() - asked).toBeGreaterThanOrEqual(500);
  });

  it('drops the row a request for an unknown address queued, unsent, as soon as it runs (SECURITY 28)', async () => {
    await sendResetEmail(t.deps, { email: 'nobody@example.com', client });
    // The request wrote what a real one writes; the run it woke, like any run, leaves nothing of it.
    expect(await outboxRows()).toMatchObject([{ user_id: null, sent_at: null }]);
    await expect.poll(outboxRows, { timeout: 5_000 }).toEqual([]);
    expect(t.smtp.received).toEqual([]);
  });

  it('keeps one wake pending at a time: a flood of requests costs one run, not one each', async () => {
    const timers = vi.spyOn(globalThis, 'setTimeout');
    try {
      for (let i = 0; i < 1000; i++) t.outbox.wake();
      // The test worker polls once a minute; a wake is due within a second.
      expect(timers.mock.calls.filter(([, delay]) => delay !== undefined && delay < 60_000)).toHaveLength(1);
    } finally {
      timers.mockRestore();
    }
  });

  it('retries with growing delays while SMTP is down, then delivers once', async () => {
    t.smtp.setDown(true);
    await sendResetEmail(t.deps, { email: 'ada@example.com', client });
    await t.outbox.drain();
    expect(await outboxRows()).toMatchObject([{ attempts: 1, sent_at: null, next_attempt_at: t.clock.now() + 30_000 }]);
    expect((await outboxRows())[0]!.last_error).toMatch(/421|unavailable/i);

    t.smtp.setDown(false);
    await t.outbox.drain();
    expect(t.smtp.received).toHaveLength(0);
    t.clock.advance(30_000);
    await t.outbox.drain();
    await t.outbox.drain();
    expect(t.smtp.received).toHaveLength(1);
    expect((await outboxRows())[0]!.sent_at).toBe(t.clock.now());
  });

  it('waits 30 s, 1 min, 2 min … and at most an hour between attempts', () => {
    expect([1, 2, 3, 4, 8, 20].map(retryDelay)).toEqual([30_000, 60_000, 120_000, 240_000, 3_600_000, 3_600_000]);
  });

  it('keeps what was queued across a restart and sends it exactly once', async () => {
    t.smtp.setDown(true);
    await sendResetEmail(t.deps, { email: 'ada@example.com', client });
    await t.outbox.drain();
    await t.close();

    t = await testDeps({ DATABASE_URL: database.url });
    t.clock.advance(30_000);
    await t.outbox.drain();
    await t.outbox.drain();
    expect(t.smtp.received.map((email) => email.envelope.to)).toEqual([['ada@example.com']]);
  });

  it('picks up a row claimed by an instance that died, once its lease runs out', async () => {
    // Queued without waking this instance's worker, then claimed by one that dies before sending.
    const [user] = await t.deps.db.selectFrom('users').select('id').execute();
    await enqueueEmail(t.deps.db, 'reset-email', user!.id, { requestedAt: t.clock.now() }, t.clock.now());
    await claimDueEmails(t.deps.db, { now: t.clock.now(), leaseMs: 120_000, worker: 'crashed', limit: 10 });
    await t.outbox.drain();
    expect(t.smtp.received).toHaveLength(0);
    t.clock.advance(120_001);
    await t.outbox.drain();
    expect(t.smtp.received).toHaveLength(1);
  });

  it('sends each email once when two workers drain side by side', async () => {
    const second = createOutboxWorker(t.deps, createTransport(t.smtp.url), { pollMs: 60_000 });
    second.start();
    for (let i = 0; i < 3; i++) await sendResetEmail(t.deps, { email: 'ada@example.com', client: { ...client, address: `198.51.100.${i}` } });
    await Promise.all([t.outbox.drain(), second.drain(), t.outbox.drain(), second.drain()]);
    await second.stop();
    expect(t.smtp.received).toHaveLength(3);
    expect((await outboxRows()).every((row) => row.sent_at !== null)).toBe(true);
  });

  it('gives up after a day of failures and says why', async () => {
    t.smtp.setDown(true);
    await sendResetEmail(t.deps, { email: 'ada@example.com', client });
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      await t.outbox.drain();
      t.clock.advance(retryDelay(attempt));
    }
    const [row] = await outboxRows();
    expect(row!.abandoned_at).not.toBeNull();
    expect(row!.attempts).toBe(MAX_ATTEMPTS - 1);
    expect(t.clock.now() - row!.created_at).toBeGreaterThan(86_400_000);
  });

  it('never mails an account disabled since the email was queued', async () => {
    const [user] = await t.deps.db.selectFrom('users').select('id').execute();
    await enqueueEmail(t.deps.db, 'reset-email', user!.id, { requestedAt: t.clock.now() }, t.clock.now());
    await t.deps.db.updateTable('users').set({ disabled_at: t.clock.now() }).execute();
    await t.outbox.drain();
    expect(t.smtp.received).toHaveLength(0);
    expect((await outboxRows())[0]!.abandoned_at).not.toBeNull();
  });

  it('sends from the address of MAIL_FROM, to the stored address, each email with a Message-ID of its own', async () => {
    await t.close();
    t = await testDeps({ DATABASE_URL: database.url, MAIL_FROM: '"Sales Connect" <accounts@mail.example.com>' });
    for (const address of ['198.51.100.1', '198.51.100.2']) await sendResetEmail(t.deps, { email: 'ADA@example.com', client: { ...client, address } });
    await t.outbox.drain();
    expect(t.smtp.received.map((email) => email.envelope)).toEqual([
      { from: 'accounts@mail.example.com', to: ['ada@example.com'] },
      { from: 'accounts@mail.example.com', to: ['ada@example.com'] },
    ]);
    expect(t.smtp.received[0]!.mail.from?.text).toBe('"Sales Connect" <accounts@mail.example.com>');
    const ids = t.smtp.received.map((email) => email.mail.messageId);
    expect(ids[0]).toMatch(/^<[\w-]{36}@mail\.example\.com>$/);
    expect(ids[1]).not.toBe(ids[0]);
  });

  it('finds the sender in a MAIL_FROM written with a comment rather than angle brackets', async () => {
    await t.close();
    t = await testDeps({ DATABASE_URL: database.url, MAIL_FROM: 'accounts@mail.example.com (Sales Connect)' });
    await sendResetEmail(t.deps, { email: 'ada@example.com', client });
    await t.outbox.drain();
    expect(t.smtp.received.map((email) => email.envelope)).toEqual([{ from: 'accounts@mail.example.com', to: ['ada@example.com'] }]);
    expect(t.smtp.received[0]!.mail.messageId).toMatch(/^<[\w-]{36}@mail\.example\.com>$/);
  });

  it('writes no link and no token into the log', async () => {
    await sendResetEmail(t.deps, { email: 'ada@example.com', client });
    await t.outbox.drain();
    const token = /token=([\w-]+)/.exec(t.smtp.received[0]!.text)![1]!;
    expect(t.logs.join('\n')).toContain('"outcome":"sent"');
    expect(t.logs.join('\n')).not.toContain(token);
  });
});
