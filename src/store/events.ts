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
