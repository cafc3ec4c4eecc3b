// The security_events table: sign-ins, password changes, resets, revoked sessions (SECURITY 68).
import { sql, type Selectable } from 'kysely';
import { newId } from '../core/tokens.ts';
import type { Executor, SecurityEventKind, SecurityEventsTable } from './database.ts';

export type SecurityEvent = Selectable<SecurityEventsTable>;

export interface EventClient {
  address: string;
  userAgent: string;
}

const MAX_USER_AGENT = 512;

export async function recordEvent(db: Executor, userId: string, kind: SecurityEventKind, client: EventClient, at: number): Promise<void> {
  await db
    .insertInto('security_events')
    .values({ id: newId(), user_id: userId, kind, at, client_address: client.address, user_agent: client.userAgent.slice(0, MAX_USER_AGENT) })
    .execute();
}

/** The event for the active account with this address, if any; an unknown address runs the same statement. */
export async function recordEventForAddress(db: Executor, normalisedEmail: string, kind: SecurityEventKind, client: EventClient, at: number): Promise<void> {
  await db
    .insertInto('security_events')
    .columns(['id', 'user_id', 'kind', 'at', 'client_address', 'user_agent'])
    .expression((eb) =>
      eb
        .selectFrom('users')
        .select([
          sql<string>`cast(${newId()} as text)`.as('id'),
          'users.id as user_id',
          sql<SecurityEventKind>`cast(${kind} as text)`.as('kind'),
          sql<number>`cast(${at} as bigint)`.as('at'),
          sql<string>`cast(${client.address} as text)`.as('client_address'),
          sql<string>`cast(${client.userAgent.slice(0, MAX_USER_AGENT)} as text)`.as('user_agent'),
        ])
        .where('users.email', '=', normalisedEmail)
        .where('users.disabled_at', 'is', null),
    )
    .execute();
}

export function recentEvents(db: Executor, userId: string, limit: number): Promise<SecurityEvent[]> {
  return db.selectFrom('security_events').selectAll().where('user_id', '=', userId).orderBy('at', 'desc').orderBy('id').limit(limit).execute();
}

export async function deleteEventsBefore(db: Executor, before: number): Promise<void> {
  await db.deleteFrom('security_events').where('at', '<', before).execute();
}
