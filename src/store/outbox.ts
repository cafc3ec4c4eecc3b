// The outbox table. Flows enqueue in their own transaction; the worker claims, sends and marks.
import type { Selectable } from 'kysely';
import { newId } from '../core/tokens.ts';
import { isPostgres } from './connect.ts';
import type { Executor, OutboxTable, OutboxWorkersTable } from './database.ts';

export type OutboxRow = Selectable<OutboxTable>;
export type OutboxKind = OutboxTable['kind'];

export async function enqueueEmail(
  db: Executor,
  kind: OutboxKind,
  userId: string,
  data: object,
  now: number,
): Promise<void> {
  await db
    .insertInto('outbox')
    .values({ id: newId(), kind, user_id: userId, data: JSON.stringify(data), created_at: now, next_attempt_at: now })
    .execute();
}

/** The data of a 'security-notice' email: a change to how the account signs in (flows/two-step.ts). */
export interface SecurityNotice {
  notice:
    | 'two-step-enabled'
    | 'two-step-disabled'
    | 'two-step-reset'
    | 'recovery-code-used'
    | 'recovery-codes-renewed'
    | 'passkey-added'
    | 'passkey-removed';
  at: number;
  /** After a recovery code was used: how many are left. */
  left?: number;
  /** The passkey added or removed, by the name its owner gave it. */
  passkey?: string;
}

/** A row to send: one tied to an account. */
export type ClaimedEmail = OutboxRow & { user_id: string };

export interface ClaimOptions {
  now: number;
  worker: string;
  limit: number;
  /** The claim's lease, for workers that do not beat (those from before migration 0007). */
  leaseMs: number;
  /** A worker that has not beaten for this long is gone, and its claims with it. */
  staleMs: number;
}

/**
 * Claims up to `limit` due rows. A claim holds while its worker beats (beatWorker); one whose worker stopped
 * beating is free again. A claim by a worker with no row in outbox_workers (an instance from before migration
 * 0007, during a rolling upgrade) holds until its lease runs out. On PostgreSQL, SKIP LOCKED lets several
 * instances claim side by side; SQLite has one writer at a time, so the single UPDATE is already exclusive.
 * Rows tied to no account (enqueueEmailForAddress) are deleted first, unsent, all at once.
 */
export async function claimDueEmails(db: Executor, options: ClaimOptions): Promise<ClaimedEmail[]> {
  const { now, leaseMs, worker, limit, staleMs } = options;
  await db
    .deleteFrom('outbox')
    .where('id', 'in', dueRows(db, now, 'of no account'))
    .execute();
  const workers = db.selectFrom('outbox_workers').select('id');
  const claimed = await db
    .updateTable('outbox')
    .set({ claimed_by: worker, claimed_until: now + leaseMs })
    .where(
      'id',
      'in',
      // One of no account queued by another instance since the delete above waits for the next run.
      dueRows(db, now, 'of an account')
        .where((w) =>
          w.or([
            w('claimed_by', 'is', null),
            w('claimed_by', 'in', workers.where('heartbeat_at', '<', now - staleMs)),
            w.and([w('claimed_by', 'not in', workers), w('claimed_until', '<', now)]),
          ]),
        )
        .orderBy('next_attempt_at')
        .limit(limit),
    )
    .returningAll()
    .execute();
  // RETURNING keeps no order (PostgreSQL's follows its plan): emails go out in the order they fell due.
  return claimed
    .filter((row): row is ClaimedEmail => row.user_id !== null)
    .sort((a, b) => a.next_attempt_at - b.next_attempt_at || a.created_at - b.created_at);
}

/**
 * The ids of the rows due by `now`, neither sent nor abandoned (the partial index outbox_pending). On
 * PostgreSQL the rows another instance holds are skipped, not waited for: instances work side by side.
 */
function dueRows(db: Executor, now: number, tie: 'of an account' | 'of no account') {
  const due = db
    .selectFrom('outbox')
    .select('id')
    .where('sent_at', 'is', null)
    .where('abandoned_at', 'is', null)
    .where('next_attempt_at', '<=', now)
    .where('user_id', tie === 'of an account' ? 'is not' : 'is', null);
  return isPostgres(db) ? due.forUpdate().skipLocked() : due;
}

/** Only the worker that holds the claim may settle the row. */
export async function markEmailSent(db: Executor, id: string, worker: string, now: number): Promise<void> {
  await db
    .updateTable('outbox')
    .set({ sent_at: now, claimed_by: null, claimed_until: null })
    .where('id', '=', id)
    .where('claimed_by', '=', worker)
    .execute();
}

export async function markEmailFailed(
  db: Executor,
  id: string,
  worker: string,
  retry: { attempts: number; at: number; error: string },
): Promise<void> {
  await db
    .updateTable('outbox')
    .set({
      attempts: retry.attempts,
      next_attempt_at: retry.at,
      last_error: retry.error,
      claimed_by: null,
      claimed_until: null,
    })
    .where('id', '=', id)
    .where('claimed_by', '=', worker)
    .execute();
}

export async function abandonEmail(db: Executor, id: string, now: number, reason: string): Promise<void> {
  await db
    .updateTable('outbox')
    .set({ abandoned_at: now, last_error: reason, claimed_by: null, claimed_until: null })
    .where('id', '=', id)
    .execute();
}

/** A password change makes pending reset emails pointless: they are dropped, not sent late. */
export async function cancelPendingEmails(db: Executor, userId: string, kind: OutboxKind, now: number): Promise<void> {
  await db
    .updateTable('outbox')
    .set({ abandoned_at: now, last_error: 'superseded' })
    .where('user_id', '=', userId)
    .where('kind', '=', kind)
    .where('sent_at', 'is', null)
    .where('abandoned_at', 'is', null)
    .execute();
}

/** Gives back rows claimed and not sent, to be sent now rather than once their worker is known to be gone. */
export async function releaseClaims(db: Executor, workers: string[]): Promise<void> {
  if (workers.length === 0) return;
  await db
    .updateTable('outbox')
    .set({ claimed_by: null, claimed_until: null })
    .where('claimed_by', 'in', workers)
    .where('sent_at', 'is', null)
    .execute();
}

export type OutboxWorkerRow = Selectable<OutboxWorkersTable>;

export async function registerWorker(db: Executor, worker: Omit<OutboxWorkerRow, 'heartbeat_at'>): Promise<void> {
  await db
    .insertInto('outbox_workers')
    .values({ ...worker, heartbeat_at: worker.started_at })
    .execute();
}

/** Says the worker is alive; false if its row is gone (another instance took it for dead): it must register again. */
export async function beatWorker(db: Executor, id: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('outbox_workers')
    .set({ heartbeat_at: now })
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

export function workersOnHost(db: Executor, host: string): Promise<OutboxWorkerRow[]> {
  return db.selectFrom('outbox_workers').selectAll().where('host', '=', host).execute();
}

/** Workers that will not beat again: their claims go back to the queue, and their rows go. */
export async function forgetWorkers(db: Executor, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await releaseClaims(db, ids);
  await db.deleteFrom('outbox_workers').where('id', 'in', ids).execute();
}

/** Workers silent for a long time hold nothing any more (their claims were free once they went stale). */
export async function deleteSilentWorkers(db: Executor, before: number): Promise<void> {
  await db.deleteFrom('outbox_workers').where('heartbeat_at', '<', before).execute();
}

/** SMTP answers again after an outage: the emails waiting out a backoff go now. */
export async function resumeWaitingEmails(db: Executor, now: number): Promise<void> {
  await db
    .updateTable('outbox')
    .set({ next_attempt_at: now })
    .where('sent_at', 'is', null)
    .where('abandoned_at', 'is', null)
    .where('attempts', '>', 0)
    .where('next_attempt_at', '>', now)
    .execute();
}

/**
 * Queues an email for the active account with this address, in a single statement that inserts one row
 * whatever the address: tied to the account if there is one, to no account otherwise (never sent). An
 * unknown address thus writes the very rows and index pages a real one writes (SECURITY 27, 28). Returns
 * whether an email to an account was queued.
 */
export async function enqueueEmailForAddress(
  db: Executor,
  kind: OutboxKind,
  normalisedEmail: string,
  data: object,
  now: number,
): Promise<boolean> {
  const row = await db
    .insertInto('outbox')
    .values((eb) => ({
      id: newId(),
      kind,
      user_id: eb
        .selectFrom('users')
        .select('users.id')
        .where('users.email', '=', normalisedEmail)
        .where('users.disabled_at', 'is', null),
      data: JSON.stringify(data),
      created_at: now,
      next_attempt_at: now,
    }))
    .returning('user_id')
    .executeTakeFirstOrThrow();
  return row.user_id !== null;
}

export async function countOutbox(db: Executor): Promise<{ pending: number; sent: number; failed: number }> {
  const row = await db
    .selectFrom('outbox')
    .select((eb) => [
      eb.fn.sum<number | string | null>(eb.case().when('sent_at', 'is not', null).then(1).else(0).end()).as('sent'),
      eb.fn
        .sum<number | string | null>(eb.case().when('abandoned_at', 'is not', null).then(1).else(0).end())
        .as('failed'),
      eb.fn.countAll<number | string>().as('total'),
    ])
    // Rows tied to no account are never sent: they are not mail waiting to go out.
    .where('user_id', 'is not', null)
    .executeTakeFirstOrThrow();
  const sent = Number(row.sent ?? 0);
  const failed = Number(row.failed ?? 0);
  return { pending: Number(row.total) - sent - failed, sent, failed };
}

/** Sent or abandoned rows older than `before`: their story is in the log and the security events. */
export async function deleteSettledEmails(db: Executor, before: number): Promise<void> {
  await db
    .deleteFrom('outbox')
    .where((eb) => eb.or([eb('sent_at', '<', before), eb('abandoned_at', '<', before)]))
    .execute();
}

/**
 * Neither sent nor abandoned, and still claimed by `worker`: read inside the transaction that acts on it,
 * under a row lock on PostgreSQL.
 */
export async function isClaimedBy(tx: Executor, id: string, worker: string): Promise<boolean> {
  const query = tx
    .selectFrom('outbox')
    .select('id')
    .where('id', '=', id)
    .where('claimed_by', '=', worker)
    .where('sent_at', 'is', null)
    .where('abandoned_at', 'is', null);
  return (await (isPostgres(tx) ? query.forUpdate() : query).executeTakeFirst()) !== undefined;
}

/** Not tried (SMTP is known to be down): its claim given back, due again at `at`, its attempts as they were. */
export async function deferEmail(db: Executor, id: string, worker: string, at: number): Promise<void> {
  await db
    .updateTable('outbox')
    .set({ next_attempt_at: at, claimed_by: null, claimed_until: null })
    .where('id', '=', id)
    .where('claimed_by', '=', worker)
    .execute();
}

/** Every row of the account, sent or not: an erased account's emails and notices go with it. */
export async function deleteOutboxOfUser(db: Executor, userId: string): Promise<void> {
  await db.deleteFrom('outbox').where('user_id', '=', userId).execute();
}

/** Back-channel logouts queued for the account and not delivered yet (nor given up on). */
export async function countPendingLogoutNotices(db: Executor, userId: string): Promise<number> {
  const row = await db
    .selectFrom('outbox')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .where('user_id', '=', userId)
    .where('kind', '=', 'backchannel-logout')
    .where('sent_at', 'is', null)
    .where('abandoned_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}
