// A sign-in from a browser that had no known-device cookie for the account (SECURITY 21): the browser is
// remembered, and the owner hears of it ("New sign-in to your account", with the "This wasn't me" link of
// flows/lockdown.ts), at most once a day for the same browser at the same address.
import { type ClientInfo, storedUserAgent } from '../core/client-address.ts';
import { DAY } from '../core/duration.ts';
import { digest, newToken } from '../core/tokens.ts';
import type { Executor } from '../store/database.ts';
import { insertDevice } from '../store/devices.ts';
import { hasEventSince, recordEvent } from '../store/events.ts';
import { enqueueEmail } from '../store/outbox.ts';

/** Inside the sign-in's transaction: the new known-device cookie's value. The caller wakes the outbox. */
export async function rememberNewDevice(
  tx: Executor,
  userId: string,
  client: ClientInfo,
  now: number,
): Promise<string> {
  const token = newToken();
  await insertDevice(tx, digest(token), userId, now);
  if (!(await hasEventSince(tx, userId, 'new-device-sign-in', client, now - DAY))) {
    await recordEvent(tx, userId, 'new-device-sign-in', client, now);
    const notice = { signedInAt: now, userAgent: storedUserAgent(client) };
    await enqueueEmail(tx, 'new-device-sign-in', userId, notice, now);
  }
  return token;
}
