// Delivers the outbox: claims due rows, renders each email in its user's language, sends it over SMTP,
// and marks it sent; on failure it retries with growing delays, and gives up only after a day of trying.
// A reset link is minted here, just before sending, so no usable token is ever stored (SECURITY 35) and a
// new email makes the older links dead (SECURITY 39).

import { randomInt } from 'node:crypto';
import { DAY, MINUTE, SECOND } from '../core/duration.ts';
import { isLocale, type Locale } from '../core/locale.ts';
import { digest, newToken } from '../core/tokens.ts';
import type { Deps } from '../deps.ts';
import { DatabaseUnavailable } from '../store/availability.ts';
import { asyncCommit } from '../store/connect.ts';
import { deleteLockdownToken, insertLockdownToken } from '../store/lockdown-tokens.ts';
import {
  abandonEmail,
  type ClaimedEmail,
  claimDueEmails,
  deferEmail,
  isClaimedBy,
  markEmailFailed,
  markEmailSent,
  type OutboxKind,
  type OutboxRow,
  resumeWaitingEmails,
  type SecurityNotice,
} from '../store/outbox.ts';
import {
  deleteResetToken,
  deleteUnusedResetTokens,
  insertResetToken,
  type TokenPurpose,
} from '../store/reset-tokens.ts';
import { findUserById, type User } from '../store/users.ts';
import type { RenderedEmail } from './layout.tsx';
import { newDeviceEmail } from './new-device-email.tsx';
import { passwordChangedEmail } from './password-changed-email.tsx';
import { inviteEmail, resetEmail } from './reset-email.tsx';
import { securityNoticeEmail } from './security-notice-email.tsx';
import type { MailTransport } from './transport.ts';
import { createPresence, STALE_AFTER_MS } from './worker-presence.ts';

export { HEARTBEAT_MS, STALE_AFTER_MS } from './worker-presence.ts';

export interface OutboxWorker {
  /** Registers this worker, takes back what its previous process on this host had claimed, and starts. */
  start(): Promise<void>;
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
  /**
   * Delivers a back-channel logout an app is owed (apps/backchannel.ts): throws when it was not taken. The
   * outbox holds them beside the emails, so they are queued with their cause and retried alike.
   */
  deliverLogoutNotice?: (row: OutboxRow) => Promise<void>;
}

/** While SMTP is down, how often it is asked whether it is back. */
export const SMTP_PROBE_MS = 10 * SECOND;

/** 30 s, 1 min, 2 min … then every hour: about a day of attempts before giving up. */
export function retryDelay(attempts: number): number {
  return Math.min(30_000 * 2 ** (attempts - 1), 60 * MINUTE);
}
export const MAX_ATTEMPTS = 30;

/** A reset or invitation link made for one email: the link for the email, its digest for the database. */
interface Minted {
  link: string;
  tokenHash: string;
  purpose: TokenPurpose | 'lockdown';
}

/** SECURITY 50: how long the "This wasn't me" link of a security email works. */
export const LOCKDOWN_LINK_MS = 7 * DAY;

/** The emails that carry a "This wasn't me" link (flows/lockdown.ts). */
const carriesLockdownLink = (kind: OutboxKind) => kind === 'password-changed' || kind === 'new-device-sign-in';

export function createOutboxWorker(deps: Deps, transport: MailTransport, options: WorkerOptions = {}): OutboxWorker {
  const { pollMs = 2000, leaseMs = 2 * MINUTE, batch = 10, wakeSpreadMs = 1000 } = options;
  const sender = deps.config.mailSender;
  const senderDomain = sender.slice(sender.lastIndexOf('@') + 1);
  const presence = createPresence(deps);
  const worker = presence.id;
  let timer: NodeJS.Timeout | undefined;
  let wakeTimer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = true;
  /**
   * SMTP refused a connection: until it answers a probe, emails are not tried one by one. A probe that fails
   * stands in for an attempt of each email due then (counted, with its backoff); an email due between probes
   * waits for the next one, uncounted, so a server that comes and goes cannot use up their attempts.
   */
  let smtpDown: { reason: string; probeAt: number } | undefined;

  async function runUntilEmpty(): Promise<void> {
    await presence.takeBackFromPredecessors();
    const probeFailed = smtpDown !== undefined && deps.clock.now() >= smtpDown.probeAt && !(await probeSmtp());
    do {
      again = false;
      const now = deps.clock.now();
      const rows = await asyncCommit(deps.db, (tx) =>
        claimDueEmails(tx, { now, leaseMs, worker, limit: batch, staleMs: STALE_AFTER_MS }),
      );
      for (const row of rows) {
        // Stopping: what is left of the batch is handed back (presence.stop) for another instance to send.
        if (stopped) break;
        if (row.kind === 'backchannel-logout') await deliverNotice(row);
        else if (!smtpDown) await deliver(row);
        else if (probeFailed) await postpone(row, smtpDown.reason);
        else await deferEmail(deps.db, row.id, worker, smtpDown.probeAt);
      }
      if (rows.length === batch) again = true;
    } while (again && !stopped);
  }

  function run(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = runUntilEmpty()
      .catch((error: unknown) => {
        // An outage of the database is logged once, where it is seen (store/availability.ts).
        if (!(error instanceof DatabaseUnavailable))
          deps.log.error({ err: error }, 'outbox worker failed; retrying at the next poll');
      })
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

  /** True if SMTP answers again: then what waited for it goes now. */
  async function probeSmtp(): Promise<boolean> {
    try {
      await transport.verify();
    } catch (error) {
      smtpDown = { reason: errorText(error), probeAt: deps.clock.now() + SMTP_PROBE_MS };
      return false;
    }
    smtpDown = undefined;
    await resumeWaitingEmails(deps.db, deps.clock.now());
    deps.log.warn({ event: 'smtp', state: 'available' }, 'SMTP answers again: the emails waiting for it go now');
    return true;
  }

  /** A connection refused says nothing of this email: the next ones of the batch are not tried against it. */
  function noteSmtpDown(error: unknown): void {
    if (!smtpDown)
      deps.log.error(
        { event: 'smtp', state: 'unavailable', reason: errorText(error) },
        'SMTP does not answer: emails wait for it',
      );
    smtpDown = { reason: errorText(error), probeAt: deps.clock.now() + SMTP_PROBE_MS };
  }

  const logOf = (row: ClaimedEmail) =>
    deps.log.child({ event: 'email', kind: row.kind, outboxId: row.id, userId: row.user_id });

  const cancelled = (row: ClaimedEmail) => logOf(row).info({ outcome: 'cancelled' });

  async function deliver(row: ClaimedEmail): Promise<void> {
    const log = logOf(row);
    const user = await findUserById(deps.db, row.user_id);
    if (!user || user.disabled_at !== null) {
      await abandonEmail(deps.db, row.id, deps.clock.now(), 'account disabled or gone');
      log.info({ outcome: 'abandoned' });
      return;
    }
    // SECURITY 39: a password change committed since the row was claimed cancelled it; and a worker that
    // lost its claim (taken for dead during a long pause) leaves the email to the one that holds it now.
    let minted: Minted | undefined;
    if (row.kind === 'reset-email' || row.kind === 'invite-email') {
      const link = await mintLink(row, user, row.kind === 'invite-email' ? 'invite' : 'reset');
      if (link === null) return cancelled(row);
      minted = link;
    } else if (carriesLockdownLink(row.kind)) {
      const link = await mintLockdownLink(row, user);
      if (link === null) return cancelled(row);
      minted = link;
    } else if (!(await isClaimedBy(deps.db, row.id, worker))) {
      return cancelled(row);
    }
    let email: RenderedEmail;
    try {
      email = render(row, user, minted?.link);
    } catch (error) {
      if (minted) await forgetMinted(minted);
      await postpone(row, errorText(error));
      return;
    }
    try {
      // SECURITY 29: the stored address of the account, whatever was typed on the form.
      await transport.sendMail({
        from: deps.config.mailFrom,
        to: user.email,
        // Given, not derived: nodemailer would parse the address headers again for each (three times a message).
        envelope: { from: sender, to: user.email },
        // The same for every attempt: a copy sent again after a crash is one message to the receiver.
        messageId: `<${row.id}@${senderDomain}>`,
        subject: email.subject,
        text: email.text,
        html: email.html,
        headers: { 'Auto-Submitted': 'auto-generated' },
      });
    } catch (error) {
      // A link that never reached its owner must not stay usable. One that may have (the answer to the
      // message was lost, not a refusal) stays: its copy is the one the receiver keeps of this Message-ID.
      if (minted && wasRefused(error)) await forgetMinted(minted);
      if (isSmtpOutage(error)) noteSmtpDown(error);
      await postpone(row, errorText(error));
      return;
    }
    // SMTP has the email: nothing comes between its acceptance and this one commit (a crash in between sends
    // it again, with the same Message-ID and a link that works beside this one). SECURITY 39: the links
    // other emails carried die now; with the "sent" mark, in a commit that need not wait for the disk.
    await asyncCommit(deps.db, async (tx) => {
      await markEmailSent(tx, row.id, worker, deps.clock.now());
      if (minted && minted.purpose !== 'lockdown')
        await deleteUnusedResetTokens(tx, user.id, { purpose: minted.purpose, keepEmail: row.id });
    });
    smtpDown = undefined;
    log.info({ outcome: 'sent', attempts: row.attempts + 1 });
    deps.metrics.emailAttempts.inc({ kind: row.kind, outcome: 'sent' });
  }

  /** Not an email: SMTP has no part in it, and it is owed whatever became of the account since. */
  async function deliverNotice(row: ClaimedEmail): Promise<void> {
    try {
      if (!options.deliverLogoutNotice) throw new Error('this process cannot deliver back-channel logouts');
      await options.deliverLogoutNotice(row);
    } catch (error) {
      await postpone(row, errorText(error));
      return;
    }
    await asyncCommit(deps.db, (tx) => markEmailSent(tx, row.id, worker, deps.clock.now()));
    logOf(row).info({ outcome: 'sent', attempts: row.attempts + 1 });
    deps.metrics.emailAttempts.inc({ kind: row.kind, outcome: 'sent' });
  }

  /** An attempt that failed, or was not made because SMTP is down: retried later, given up after a day. */
  async function postpone(row: ClaimedEmail, reason: string): Promise<void> {
    const log = logOf(row);
    const attempts = row.attempts + 1;
    if (attempts >= MAX_ATTEMPTS) {
      await abandonEmail(deps.db, row.id, deps.clock.now(), reason);
      log.error({ outcome: 'abandoned', attempts, reason });
      deps.metrics.emailAttempts.inc({ kind: row.kind, outcome: 'abandoned' });
    } else {
      await markEmailFailed(deps.db, row.id, worker, {
        attempts,
        at: deps.clock.now() + retryDelay(attempts),
        error: reason,
      });
      log.warn({ outcome: 'retry', attempts, reason });
      deps.metrics.emailAttempts.inc({ kind: row.kind, outcome: 'retry' });
    }
  }

  function render(row: ClaimedEmail, user: User, link: string | undefined): RenderedEmail {
    const locale: Locale = isLocale(user.locale) ? user.locale : deps.config.defaultLocale;
    const common = { locale, brand: deps.config.appName, name: user.name, email: user.email };
    if (row.kind === 'password-changed') {
      const { changedAt } = JSON.parse(row.data) as { changedAt: number };
      return passwordChangedEmail({ ...common, changedAt, notYouUrl: link ?? '' });
    }
    if (row.kind === 'new-device-sign-in') {
      const { signedInAt, userAgent } = JSON.parse(row.data) as { signedInAt: number; userAgent: string };
      return newDeviceEmail({ ...common, signedInAt, userAgent, notYouUrl: link ?? '' });
    }
    if (row.kind === 'security-notice') {
      return securityNoticeEmail({
        ...common,
        notice: JSON.parse(row.data) as SecurityNotice,
        securityUrl: new URL('/settings/security', deps.config.publicUrl).href,
      });
    }
    if (row.kind === 'invite-email')
      return inviteEmail({ ...common, link: link ?? '', ttlMs: deps.config.inviteTokenTtlMs });
    return resetEmail({ ...common, link: link ?? '', ttlMs: deps.config.resetTokenTtlMs });
  }

  /** The return_to the reset was asked with (flows/forgot-password.ts). */
  function returnToOf(row: ClaimedEmail): string | null {
    const { returnTo } = JSON.parse(row.data) as { returnTo?: unknown };
    return typeof returnTo === 'string' ? returnTo : null;
  }

  /** SECURITY 31, 34, 36: 256 random bits, stored as a hash, in a link built from PUBLIC_URL only. */
  async function mintLink(row: ClaimedEmail, user: User, purpose: TokenPurpose): Promise<Minted | null> {
    const token = newToken();
    const tokenHash = digest(token);
    const now = deps.clock.now();
    const ttl = purpose === 'invite' ? deps.config.inviteTokenTtlMs : deps.config.resetTokenTtlMs;
    // Not waiting for the disk: a link lost in a power cut was not marked sent either (that commit comes
    // later), so its email goes out again with a new one. And no fsync holds the event loop right after the
    // request of an existing address, where an unknown one leaves it free (SECURITY 28).
    const live = await asyncCommit(deps.db, async (tx) => {
      if (!(await isClaimedBy(tx, row.id, worker))) return false;
      await insertResetToken(tx, {
        token_hash: tokenHash,
        user_id: user.id,
        purpose,
        created_at: now,
        expires_at: now + ttl,
        used_at: null,
        outbox_id: row.id,
        return_to: purpose === 'reset' ? returnToOf(row) : null,
      });
      return true;
    });
    if (!live) return null;
    const link = new URL(purpose === 'invite' ? '/welcome' : '/reset-password', deps.config.publicUrl);
    link.searchParams.set('token', token);
    return { link: link.href, tokenHash, purpose };
  }

  /** SECURITY 50: like a reset link, minted just before sending, stored as a hash, bound to this address. */
  async function mintLockdownLink(row: ClaimedEmail, user: User): Promise<Minted | null> {
    const token = newToken();
    const tokenHash = digest(token);
    const now = deps.clock.now();
    const live = await asyncCommit(deps.db, async (tx) => {
      if (!(await isClaimedBy(tx, row.id, worker))) return false;
      await insertLockdownToken(tx, {
        token_hash: tokenHash,
        user_id: user.id,
        sent_to: user.email,
        outbox_id: row.id,
        created_at: now,
        expires_at: now + LOCKDOWN_LINK_MS,
        used_at: null,
      });
      return true;
    });
    if (!live) return null;
    const link = new URL('/this-wasnt-me', deps.config.publicUrl);
    link.searchParams.set('token', token);
    return { link: link.href, tokenHash, purpose: 'lockdown' };
  }

  /** A link whose email surely did not go: it must not stay usable. */
  async function forgetMinted(minted: Minted): Promise<void> {
    if (minted.purpose === 'lockdown') await deleteLockdownToken(deps.db, minted.tokenHash);
    else await deleteResetToken(deps.db, minted.tokenHash);
  }

  return {
    async start() {
      await presence.start();
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
      // Handed back now, so another instance sends them at once rather than once this one is silent.
      await presence.stop();
      transport.close();
    },
  };
}

// nodemailer's codes for a server that cannot be reached, or will not talk: about SMTP, not about an email.
const OUTAGE_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ETLS',
  'EAUTH',
  'ECONNREFUSED',
  'ECONNRESET',
]);

/** SMTP's, not this email's: no connection, a timeout, credentials refused, a server saying it is unavailable. */
function isSmtpOutage(error: unknown): boolean {
  const { code, responseCode } = (error ?? {}) as { code?: unknown; responseCode?: unknown };
  return responseCode === 421 || (typeof code === 'string' && OUTAGE_CODES.has(code));
}

/**
 * The email surely did not reach the receiver: the server answered with a refusal, or there was no
 * connection to send it over. A timeout or a connection cut after the message was on its way is not that.
 */
function wasRefused(error: unknown): boolean {
  const { code, responseCode, command } = (error ?? {}) as {
    code?: unknown;
    responseCode?: unknown;
    command?: unknown;
  };
  if (typeof responseCode === 'number') return true;
  return command === 'CONN' || code === 'EDNS' || code === 'ECONNREFUSED';
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message.slice(0, 300) : 'unknown error';
}
