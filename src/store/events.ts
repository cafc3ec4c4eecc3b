// The security_events table: sign-ins, password changes, resets, revoked sessions (SECURITY 68).
import type { Selectable } from 'kysely';
import { type ClientInfo, storedUserAgent } from '../core/client-address.ts';
import { newId } from '../core/tokens.ts';
import type { Executor, SecurityEventKind, SecurityEventsTable } from './database.ts';

export type SecurityEvent = Selectable<SecurityEventsTable>;

export async function recordEvent(
  db: Executor,
  userId: string,
  kind: SecurityEventKind,
  client: ClientInfo,
  at: number,
): Promise<void> {
  await db
    .insertInto('security_events')
    .values({
      id: newId(),
      user_id: userId,
      kind,
      at,
      client_address: client.address,
      user_agent: storedUserAgent(client),
    })
    .execute();
}

/** Whether the account has an event of this kind from this client (address and browser) since then. */
export async function hasEventSince(
  db: Executor,
  userId: string,
  kind: SecurityEventKind,
  client: ClientInfo,
  since: number,
): Promise<boolean> {
  const row = await db
    .selectFrom('security_events')
    .select('id')
    .where('user_id', '=', userId)
    .where('kind', '=', kind)
    .where('at', '>=', since)
    .where('client_address', '=', client.address)
    .where('user_agent', '=', storedUserAgent(client))
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * One event whatever the address: tied to the active account that has it, or to none (an unknown or
 * disabled address, or '' to tie it to none on purpose). The same row is written either way (SECURITY 16).
 */
export async function recordEventForAddress(
  db: Executor,
  normalisedEmail: string,
  kind: SecurityEventKind,
  client: ClientInfo,
  at: number,
): Promise<void> {
  const account = db
    .selectFrom('users')
    .select('id')
    .where('email', '=', normalisedEmail)
    .where('disabled_at', 'is', null);
  await db
    .insertInto('security_events')
    .values({
      id: newId(),
      user_id: account,
      kind,
      at,
      client_address: client.address,
      user_agent: storedUserAgent(client),
    })
    .execute();
}

export function recentEvents(db: Executor, userId: string, limit: number): Promise<SecurityEvent[]> {
  return db
    .selectFrom('security_events')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('at', 'desc')
    .orderBy('id')
    .limit(limit)
    .execute();
}

export async function deleteEventsBefore(db: Executor, before: number): Promise<void> {
  await db.deleteFrom('security_events').where('at', '<', before).execute();
}

/**
 * An erased account's events stay, tied to no account and without the address and browser they came from
 * (personal data under the GDPR): what is left says only that something happened, and when.
 */
export async function detachEventsOfUser(db: Executor, userId: string): Promise<number> {
  const result = await db
    .updateTable('security_events')
    .set({ user_id: null, client_address: '', user_agent: '' })
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function countEventsOfUser(db: Executor, userId: string): Promise<number> {
  const row = await db
    .selectFrom('security_events')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** When the account last had an event of this kind (its last sign-in, say); undefined: never. */
export async function lastEventAt(db: Executor, userId: string, kind: SecurityEventKind): Promise<number | undefined> {
  const row = await db
    .selectFrom('security_events')
    .select((eb) => eb.fn.max('at').as('at'))
    .where('user_id', '=', userId)
    .where('kind', '=', kind)
    .executeTakeFirst();
  return row?.at === null || row?.at === undefined ? undefined : Number(row.at);
}

export type ExportedEvent = SecurityEvent & { email: string | null };

/** One page of events, oldest first, after `after` (the last of the previous page): keyset, not offset. */
export function eventsForExport(
  db: Executor,
  filter: { since?: number; userId?: string; after?: { at: number; id: string } },
  limit: number,
): Promise<ExportedEvent[]> {
  let query = db
    .selectFrom('security_events')
    .leftJoin('users', 'users.id', 'security_events.user_id')
    .selectAll('security_events')
    .select('users.email');
  if (filter.since !== undefined) query = query.where('security_events.at', '>=', filter.since);
  if (filter.userId !== undefined) query = query.where('security_events.user_id', '=', filter.userId);
  const after = filter.after;
  if (after !== undefined) {
    query = query.where((eb) =>
      eb.or([
        eb('security_events.at', '>', after.at),
        eb.and([eb('security_events.at', '=', after.at), eb('security_events.id', '>', after.id)]),
      ]),
    );
  }
  return query.orderBy('security_events.at').orderBy('security_events.id').limit(limit).execute();
}
