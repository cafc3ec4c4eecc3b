// Delivers the outbox: claims due rows, renders each email in its user's language, sends it over SMTP,
// and marks it sent; on failure it retries with growing delays, and gives up only after a day of trying.
// A reset link is minted here, just before sending, so no usable token is ever stored (SECURITY 35) and a
// new email makes the older links dead (SECURITY 39).
import { randomInt, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { isLocale, type Locale } from '../core/locale.ts';
import { digest, newId, newToken } from '../core/tokens.ts';
import type { Deps } from '../deps.ts';
import {
  abandonEmail,
  claimDueEmails,
  markEmailFailed,
  isStillPending,
  markEmailSent,
  releaseClaims,
  type ClaimedEmail,
} from '../store/outbox.ts';
import { asyncCommit } from '../store/connect.ts';
import { deleteResetToken, deleteUnusedResetTokens, insertResetToken, type TokenPurpose } from '../store/reset-tokens.ts';
import { findUserById, type User } from '../store/users.ts';
import type { RenderedEmail } from './layout.tsx';
import { passwordChangedEmail } from './password-changed-email.tsx';
import { inviteEmail, resetEmail } from './reset-email.tsx';
import type { MailTransport } from './transport.ts';

export interface OutboxWorker {
  start(): void;
  /** Runs within a second (see wake below), rather than at the next poll. */
  wake(): void;
  /** Resolves when nothing due is left (tests and shutdown). */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

export interface WorkerOptions {
  pollMs?: number;
  leaseMs?: number;
  batch?: number;
  /** wake() runs the worker this long after it is called, give or take half (0: at once). */
  wakeSpreadMs?: number;
}

const MINUTE = 60_000;
/** 30 s, 1 min, 2 min … then every hour: about a day of attempts before giving up. */
export function retryDelay(attempts: number): number {
  return Math.min(30_000 * 2 ** (attempts - 1), 60 * MINUTE);
}
export const MAX_ATTEMPTS = 30;

export function createOutboxWorker(deps: Deps, transport: MailTransport, options: WorkerOptions = {}): OutboxWorker {
  const { pollMs = 2000, leaseMs = 2 * MINUTE, batch = 10, wakeSpreadMs = 1000 } = options;
  const sender = deps.config.mailSender;
  const senderDomain = sender.slice(sender.lastIndexOf('@') + 1);
  const worker = `${hostname()}:${process.pid}:${newId().slice(0, 8)}`;
  let timer: NodeJS.Timeout | undefined;
  let wakeTimer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = true;

  async function runUntilEmpty(): Promise<void> {
    do {
      again = false;
      const rows = await asyncCommit(deps.db, (tx) => claimDueEmails(tx, { now: deps.clock.now(), leaseMs, worker, limit: batch }));
      for (const row of rows) await deliver(row);
      if (rows.length === batch) again = true;
    } while (again && !stopped);
  }

  function run(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = runUntilEmpty()
      .catch((error: unknown) => deps.log.error({ err: error }, 'outbox worker failed; retrying at the next poll'))
      .finally(() => {
        running = undefined;
      });
    return running;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => void run().finally(schedule), pollMs);
    timer.unref();
  }

  async function deliver(row: ClaimedEmail): Promise<void> {
    const log = deps.log.child({ event: 'email', kind: row.kind, outboxId: row.id, userId: row.user_id });
    const user = await findUserById(deps.db, row.user_id);
    if (!user || user.disabled_at !== null) {
      await abandonEmail(deps.db, row.id, deps.clock.now(), 'account disabled or gone');
      log.info({ outcome: 'abandoned' });
      return;
    }
    const minted = row.kind === 'password-changed' ? undefined : await mintLink(row, user, row.kind === 'invite-email' ? 'invite' : 'reset');
    if (minted === null) {
      log.info({ outcome: 'cancelled' });
      return;
    }
    try {
      const email = render(row, user, minted?.link);
      // SECURITY 29: the stored address of the account, whatever was typed on the form.
      await transport.sendMail({
        from: deps.config.mailFrom,
        to: user.email,
        // Given, not derived: nodemailer would parse the address headers again for each (three times a message).
        envelope: { from: sender, to: user.email },
        messageId: `<${randomUUID()}@${senderDomain}>`,
        subject: email.subject,
        text: email.text,
        html: email.html,
        headers: { 'Auto-Submitted': 'auto-generated' },
      });
      // SECURITY 39: once the new link is delivered, the older ones are dead. With the "sent" mark, in one
      // commit that need not wait for the disk: a power cut loses both or neither, and if both, the email
      // goes out once more, with a link of its own that kills the others then.
      await asyncCommit(deps.db, async (tx) => {
        if (minted) await deleteUnusedResetTokens(tx, user.id, { purpose: minted.purpose, keep: minted.tokenHash });
        await markEmailSent(tx, row.id, worker, deps.clock.now());
      });
      log.info({ outcome: 'sent', attempts: row.attempts + 1 });
      deps.metrics.emailAttempts.inc({ kind: row.kind, outcome: 'sent' });
    } catch (error) {
      // A link that never reached its owner must not stay usable, nor replace the one they already have.
      if (minted) await deleteResetToken(deps.db, minted.tokenHash);
      const attempts = row.attempts + 1;
      const reason = error instanceof Error ? error.message.slice(0, 300) : 'unknown error';
      if (attempts >= MAX_ATTEMPTS) {
        await abandonEmail(deps.db, row.id, deps.clock.now(), reason);
        log.error({ outcome: 'abandoned', attempts, reason });
        deps.metrics.emailAttempts.inc({ kind: row.kind, outcome: 'abandoned' });
      } else {
        await markEmailFailed(deps.db, row.id, worker, { attempts, at: deps.clock.now() + retryDelay(attempts), error: reason });
        log.warn({ outcome: 'retry', attempts, reason });
        deps.metrics.emailAttempts.inc({ kind: row.kind, outcome: 'retry' });
      }
    }
  }

  function render(row: ClaimedEmail, user: User, resetLink: string | undefined): RenderedEmail {
    const locale: Locale = isLocale(user.locale) ? user.locale : deps.config.defaultLocale;
    const common = { locale, brand: deps.config.appName, name: user.name, email: user.email };
    if (row.kind === 'password-changed') {
      const { changedAt } = JSON.parse(row.data) as { changedAt: number };
      return passwordChangedEmail({ ...common, changedAt, forgotUrl: new URL('/forgot-password', deps.config.publicUrl).href });
    }
    if (row.kind === 'invite-email') return inviteEmail({ ...common, link: resetLink ?? '', ttlMs: deps.config.inviteTokenTtlMs });
    return resetEmail({ ...common, link: resetLink ?? '', ttlMs: deps.config.resetTokenTtlMs });
  }

  /** SECURITY 31, 34, 36: 256 random bits, stored as a hash, in a link built from PUBLIC_URL only. */
  async function mintLink(row: ClaimedEmail, user: User, purpose: TokenPurpose): Promise<{ link: string; tokenHash: string; purpose: TokenPurpose } | null> {
    const token = newToken();
    const tokenHash = digest(token);
    const now = deps.clock.now();
    const ttl = purpose === 'invite' ? deps.config.inviteTokenTtlMs : deps.config.resetTokenTtlMs;
    // SECURITY 39: a password change committed since the row was claimed cancelled it; no link is made then.
    // Not waiting for the disk: a link lost in a power cut was not marked sent either (that commit comes
    // later), so its email goes out again with a new one. And no fsync holds the event loop right after the
    // request of an existing address, where an unknown one leaves it free (SECURITY 28).
    const live = await asyncCommit(deps.db, async (tx) => {
      if (!(await isStillPending(tx, row.id))) return false;
      await insertResetToken(tx, { token_hash: tokenHash, user_id: user.id, purpose, created_at: now, expires_at: now + ttl, used_at: null });
      return true;
    });
    if (!live) return null;
    const link = new URL(purpose === 'invite' ? '/welcome' : '/reset-password', deps.config.publicUrl);
    link.searchParams.set('token', token);
    return { link: link.href, tokenHash, purpose };
  }

  return {
    start() {
      stopped = false;
      void run();
      schedule();
    },
    wake() {
      // Not at once: the work an email costs (its claim, its link, its rendering) would delay the next
      // request of whoever asked for it, and tell them that the address has an account, where an unknown one
      // costs less (SECURITY 27, 28). It starts at a moment drawn between half the spread and the spread.
      // At most one wake is pending: a row queued meanwhile goes with it, sooner than half a second after its
      // own request, and a flood of requests costs a run per half a second to a second, not one each.
      if (wakeTimer !== undefined) return;
      const delay = wakeSpreadMs === 0 ? 0 : randomInt(Math.floor(wakeSpreadMs / 2), wakeSpreadMs);
      wakeTimer = setTimeout(() => {
        wakeTimer = undefined;
        if (!stopped) void run();
      }, delay).unref();
    },
    async drain() {
      do await run();
      while (running);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      clearTimeout(wakeTimer);
      wakeTimer = undefined;
      await running;
      await releaseClaims(deps.db, worker);
      transport.close();
    },
  };
}
