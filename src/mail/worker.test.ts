// The outbox worker against a real SMTP server: outages, restarts and crashes delay mail, never lose it,
// and never send it twice.
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { testClock } from '../../test/support/clock.ts';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { type TestDeps, testDeps } from '../../test/support/deps.ts';
import { resetLinkOf } from '../../test/support/smtp.ts';
import { sendResetEmail } from '../flows/forgot-password.ts';
import { openResetLink, setPassword } from '../flows/reset-password.ts';
import { claimDueEmails, enqueueEmail } from '../store/outbox.ts';
import { createTransport, type MailTransport } from './transport.ts';
import { createOutboxWorker, HEARTBEAT_MS, MAX_ATTEMPTS, retryDelay, SMTP_PROBE_MS, STALE_AFTER_MS } from './worker.ts';

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

/** A reset email queued for Ada without waking anyone, claimed by the worker `by` (one that will die). */
async function claimedBy(by: { id: string; host: string; pid: number }): Promise<void> {
  const now = t.clock.now();
  await t.deps.db
    .insertInto('outbox_workers')
    .values({ ...by, started_at: now, heartbeat_at: now })
    .execute();
  const [user] = await t.deps.db.selectFrom('users').select('id').execute();
  await enqueueEmail(t.deps.db, 'reset-email', user!.id, { requestedAt: now }, now);
  expect(
    await claimDueEmails(t.deps.db, { now, leaseMs: 120_000, worker: by.id, limit: 10, staleMs: STALE_AFTER_MS }),
  ).toHaveLength(1);
}

/** The pid of a process that has exited. */
const deadPid = () => spawnSync('true').pid!;

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
    await claimDueEmails(t.deps.db, {
      now: t.clock.now(),
      leaseMs: 120_000,
      worker: 'crashed',
      limit: 10,
      staleMs: 10_000,
    });
    await t.outbox.drain();
    expect(t.smtp.received).toHaveLength(0);
    t.clock.advance(120_001);
    await t.outbox.drain();
    expect(t.smtp.received).toHaveLength(1);
  });

  it('takes back what a process of this host that died had claimed three seconds after its last beat, not ten', async () => {
    await claimedBy({ id: `${hostname()}:earlier`, host: hostname(), pid: deadPid() });
    const restarted = createOutboxWorker(t.deps, createTransport(t.smtp.url), { pollMs: 60_000 });
    await restarted.start();
    // Its last beat could still be a live worker's between two beats: the email waits.
    t.clock.advance(HEARTBEAT_MS);
    await restarted.drain();
    expect(t.smtp.received).toHaveLength(0);
    t.clock.advance(1001);
    await restarted.drain();
    await restarted.stop();
    expect(t.smtp.received).toHaveLength(1);
  });

  it('never takes the claims of a live worker of this host, whatever its pid says (a container with host networking)', async () => {
    // Another container on this host, named alike, pid 1 in its own namespace (or ours): it beats on.
    for (const pid of [process.pid, deadPid()]) {
      const id = `${hostname()}:${pid}:sibling`;
      await claimedBy({ id, host: hostname(), pid });
      for (let beat = 0; beat < 10; beat++) {
        t.clock.advance(HEARTBEAT_MS);
        await t.deps.db
          .updateTable('outbox_workers')
          .set({ heartbeat_at: t.clock.now() })
          .where('id', '=', id)
          .execute();
        await t.outbox.drain();
      }
      expect(t.smtp.received, `pid ${pid}`).toHaveLength(0);
      await t.deps.db.deleteFrom('outbox').execute();
    }
  });

  it('takes over the claims of an instance elsewhere seconds after it stops beating, never while it beats', async () => {
    await claimedBy({ id: 'elsewhere:1:a', host: 'elsewhere', pid: 1 });
    // It beats for three minutes, past the two-minute lease: what it holds stays its own.
    for (let second = 0; second < 180; second += 2) {
      t.clock.advance(2000);
      await t.deps.db
        .updateTable('outbox_workers')
        .set({ heartbeat_at: t.clock.now() })
        .where('id', '=', 'elsewhere:1:a')
        .execute();
      if (second % 30 === 0) await t.outbox.drain();
    }
    await t.outbox.drain();
    expect(t.smtp.received).toHaveLength(0);
    // Then it dies: a silence of STALE_AFTER_MS frees the email.
    t.clock.advance(STALE_AFTER_MS - 1000);
    await t.outbox.drain();
    expect(t.smtp.received).toHaveLength(0);
    t.clock.advance(1001);
    await t.outbox.drain();
    expect(t.smtp.received).toHaveLength(1);
  });

  it('sends the copies of one email with one Message-ID, each with a link that works until one is used', async () => {
    await t.outbox.stop();
    const [user] = await t.deps.db.selectFrom('users').select('id').execute();
    await enqueueEmail(t.deps.db, 'reset-email', user!.id, { requestedAt: t.clock.now() }, t.clock.now());
    // This worker freezes the moment SMTP has the email, before it can mark it sent: as a crash would.
    const real = createTransport(t.smtp.url);
    let thaw: (error: Error) => void = () => undefined;
    const freezing: MailTransport = {
      ...real,
      sendMail: async (message) => {
        await real.sendMail(message);
        await new Promise((_resolve, reject) => (thaw = reject));
      },
    };
    const frozen = createOutboxWorker(t.deps, freezing, { pollMs: 60_000 });
    await frozen.start();
    const stuck = frozen.drain();
    await expect.poll(() => t.smtp.received.length).toBe(1);

    // Another instance, whose clock sees the frozen one silent for longer than STALE_AFTER_MS, sends it again.
    const later = { ...t.deps, clock: testClock(t.clock.now() + STALE_AFTER_MS + 1) };
    const other = createOutboxWorker(later, createTransport(t.smtp.url), { pollMs: 60_000 });
    await other.start();
    await other.drain();
    await other.stop();
    expect(t.smtp.received).toHaveLength(2);
    const [first, second] = t.smtp.received;
    expect(second!.mail.messageId).toBe(first!.mail.messageId);
    const links = [first!, second!].map((email) => resetLinkOf(email).searchParams.get('token')!);
    expect(links[0]).not.toBe(links[1]);
    // The user clicks the first one to arrive: it works, and so would the other, until one is used.
    for (const token of links) expect(await openResetLink(later, token)).toMatchObject({ ok: true });
    expect(
      await setPassword(later, { token: links[0], next: 'Amber-Heron-27!', confirm: 'Amber-Heron-27!', client }),
    ).toEqual({ ok: true, returnTo: null });
    expect(await openResetLink(later, links[1])).toEqual({ ok: false, reason: 'used' });

    thaw(new Error('thawed at the end of the test'));
    await stuck;
    await frozen.stop();
  });

  it('sends what waited for SMTP within seconds of its return, not at the end of its backoff', async () => {
    t.smtp.setDown(true);
    for (const address of ['198.51.100.1', '198.51.100.2', '198.51.100.3'])
      await sendResetEmail(t.deps, { email: 'ada@example.com', client: { ...client, address } });
    await t.outbox.drain();
    // Four minutes of outage: one connection per probe, each failed probe an attempt of the emails due then.
    for (const wait of [30_000, 60_000, 120_000]) {
      t.clock.advance(wait);
      await t.outbox.drain();
    }
    const waiting = await outboxRows();
    // The first email was tried once more than the two that waited with it from the start.
    expect(waiting.map((row) => row.attempts).sort()).toEqual([3, 3, 4]);
    expect(waiting.every((row) => row.sent_at === null && row.next_attempt_at > t.clock.now() + SMTP_PROBE_MS)).toBe(
      true,
    );
    t.smtp.setDown(false);
    t.clock.advance(SMTP_PROBE_MS);
    await t.outbox.drain();
    await t.outbox.drain();
    expect(t.smtp.received).toHaveLength(3);
  });

  it('keeps an email that cannot be rendered from holding back the others, or using up their attempts', async () => {
    const [user] = await t.deps.db.selectFrom('users').select('id').execute();
    await t.deps.db
      .insertInto('outbox')
      .values({
        id: 'broken',
        kind: 'password-changed',
        user_id: user!.id,
        data: 'not json',
        created_at: 0,
        next_attempt_at: 0,
      })
      .execute();
    for (const address of ['198.51.100.1', '198.51.100.2', '198.51.100.3'])
      await sendResetEmail(t.deps, { email: 'ada@example.com', client: { ...client, address } });
    await t.outbox.drain();
    expect(t.smtp.received).toHaveLength(3);
    const rows = await outboxRows();
    expect(rows.find((row) => row.id === 'broken')).toMatchObject({ attempts: 1, sent_at: null, abandoned_at: null });
    expect(rows.filter((row) => row.id !== 'broken').every((row) => row.sent_at !== null && row.attempts === 0)).toBe(
      true,
    );
  });

  it('sends each email once when two workers drain side by side', async () => {
    const second = createOutboxWorker(t.deps, createTransport(t.smtp.url), { pollMs: 60_000 });
    await second.start();
    for (let i = 0; i < 3; i++)
      await sendResetEmail(t.deps, { email: 'ada@example.com', client: { ...client, address: `198.51.100.${i}` } });
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
    for (const address of ['198.51.100.1', '198.51.100.2'])
      await sendResetEmail(t.deps, { email: 'ADA@example.com', client: { ...client, address } });
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
    expect(t.smtp.received.map((email) => email.envelope)).toEqual([
      { from: 'accounts@mail.example.com', to: ['ada@example.com'] },
    ]);
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
