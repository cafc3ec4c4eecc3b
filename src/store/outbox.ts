// The outbox table. Flows enqueue in their own transaction; the worker claims, sends and marks.
import { sql, type Selectable } from 'kysely';
import { isPostgres } from './connect.ts';
import { newId } from '../core/tokens.ts';
import type { Executor, OutboxTable } from './database.ts';

export type OutboxRow = Selectable<OutboxTable>;
export type OutboxKind = OutboxTable['kind'];

export async function enqueueEmail(db: Executor, kind: OutboxKind, userId: string, data: object, now: number): Promise<void> {
  await db
    .insertInto('outbox')
    .values({ id: newId(), kind, user_id: userId, data: JSON.stringify(data), created_at: now, next_attempt_at: now })
    .execute();
}

/**
 * Claims up to `limit` due rows for `leaseMs`. A worker that dies mid-send loses its claim when the lease
 * runs out and another worker picks the row up. On PostgreSQL, SKIP LOCKED lets several instances claim
 * side by side; SQLite has one writer at a time, so the single UPDATE is already exclusive.
 */
export async function claimDueEmails(db: Executor, options: { now: number; leaseMs: number; worker: string; limit: number }): Promise<OutboxRow[]> {
  const { now, leaseMs, worker, limit } = options;
  const postgres = isPostgres(db);
  const claimed = await db
    .updateTable('outbox')
    .set({ claimed_by: worker, claimed_until: now + leaseMs })
    .where('id', 'in', (eb) => {
      const due = eb
        .selectFrom('outbox')
        .select('id')
        .where('sent_at', 'is', null)
        .where('abandoned_at', 'is', null)
        .where('next_attempt_at', '<=', now)
        .where((w) => w.or([w('claimed_until', 'is', null), w('claimed_until', '<', now)]))
        .orderBy('next_attempt_at')
        .limit(limit);
      return postgres ? due.forUpdate().skipLocked() : due;
    })
    .returningAll()
    .execute();
  // RETURNING keeps no order (PostgreSQL's follows its plan): emails go out in the order they fell due.
  return claimed.sort((a, b) => a.next_attempt_at - b.next_attempt_at || a.created_at - b.created_at);
}

/** Only the worker that holds the claim may settle the row. */
export async function markEmailSent(db: Executor, id: string, worker: string, now: number): Promise<void> {
  await db.updateTable('outbox').set({ sent_at: now, claimed_by: null, claimed_until: null }).where('id', '=', id).where('claimed_by', '=', worker).execute();
}

export async function markEmailFailed(db: Executor, id: string, worker: string, retry: { attempts: number; at: number; error: string }): Promise<void> {
  await db
    .updateTable('outbox')
    .set({ attempts: retry.attempts, next_attempt_at: retry.at, last_error: retry.error, claimed_by: null, claimed_until: null })
    .where('id', '=', id)
    .where('claimed_by', '=', worker)
    .execute();
}

export async function abandonEmail(db: Executor, id: string, now: number, reason: string): Promise<void> {
  await db.updateTable('outbox').set({ abandoned_at: now, last_error: reason, claimed_by: null, claimed_until: null }).where('id', '=', id).execute();
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

/** On shutdown: give claimed rows back so another instance sends them now rather than after the lease. */
export async function releaseClaims(db: Executor, worker: string): Promise<void> {
  await db.updateTable('outbox').set({ claimed_by: null, claimed_until: null }).where('claimed_by', '=', worker).where('sent_at', 'is', null).execute();
}

export async function nextAttemptAt(db: Executor): Promise<number | undefined> {
  const row = await db
    .selectFrom('outbox')
    .select((eb) => eb.fn.min('next_attempt_at').as('next'))
    .where('sent_at', 'is', null)
    .where('abandoned_at', 'is', null)
    .executeTakeFirst();
  return row?.next === null || row?.next === undefined ? undefined : Number(row.next);
}

/**
 * Queues an email for the active account with this address, if there is one, in a single statement: an
 * unknown address runs the very same statement and inserts nothing (SECURITY 27, 28). Returns the rows
 * inserted, 0 or 1.
 */
export async function enqueueEmailForAddress(db: Executor, kind: OutboxKind, normalisedEmail: string, data: object, now: number): Promise<number> {
  const result = await db
    .insertInto('outbox')
    .columns(['id', 'kind', 'user_id', 'data', 'created_at', 'next_attempt_at'])
    .expression((eb) =>
      eb
        .selectFrom('users')
        // Parameters in a SELECT list have no type of their own in PostgreSQL: each says what it is.
        .select([
          sql<string>`cast(${newId()} as text)`.as('id'),
          sql<OutboxKind>`cast(${kind} as text)`.as('kind'),
          'users.id as user_id',
          sql<string>`cast(${JSON.stringify(data)} as text)`.as('data'),
          sql<number>`cast(${now} as bigint)`.as('created_at'),
          sql<number>`cast(${now} as bigint)`.as('next_attempt_at'),
        ])
        .where('users.email', '=', normalisedEmail)
        .where('users.disabled_at', 'is', null),
    )
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n);
}

export async function countOutbox(db: Executor): Promise<{ pending: number; sent: number; failed: number }> {
  const row = await db
    .selectFrom('outbox')
    .select((eb) => [
      eb.fn.sum<number | string | null>(eb.case().when('sent_at', 'is not', null).then(1).else(0).end()).as('sent'),
      eb.fn.sum<number | string | null>(eb.case().when('abandoned_at', 'is not', null).then(1).else(0).end()).as('failed'),
      eb.fn.countAll<number | string>().as('total'),
    ])
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

/** Neither sent nor abandoned: read inside the transaction that acts on it, under a row lock on PostgreSQL. */
export async function isStillPending(tx: Executor, id: string): Promise<boolean> {
  const query = tx.selectFrom('outbox').select('id').where('id', '=', id).where('sent_at', 'is', null).where('abandoned_at', 'is', null);
  return (await (isPostgres(tx) ? query.forUpdate() : query).executeTakeFirst()) !== undefined;
}
