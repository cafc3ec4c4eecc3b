// Once an hour, every instance deletes what nobody can use any more: expired sessions, quiet throttle
// counters, dead reset and "This wasn't me" links, settled outbox rows, old security events, what the OpenID Connect provider
// issued that has expired, and its keys past use. Each delete is idempotent, so
// instances running it at the same time do no harm.
import { DAY, HOUR } from './core/duration.ts';
import { retiredGenerations } from './core/key-generations.ts';
import { touchIntervalMs } from './core/session-expiry.ts';
import type { Deps } from './deps.ts';
import { deleteDevicesBefore } from './store/devices.ts';
import { deleteEventsBefore } from './store/events.ts';
import { deleteExpiredPendingSignIns } from './store/factors.ts';
import { deleteExpiredLockdownTokens } from './store/lockdown-tokens.ts';
import { deleteExpiredPayloads } from './store/oidc-payloads.ts';
import { deleteSettledEmails, deleteSilentWorkers } from './store/outbox.ts';
import { deleteSpentChallengesBefore } from './store/passkeys.ts';
import { deleteKeys, listKeys } from './store/provider-keys.ts';
import { deleteExpiredResetTokens } from './store/reset-tokens.ts';
import { deleteExpiredSessions } from './store/sessions.ts';
import { forgetQuietCounters } from './store/throttles.ts';
import { KNOWN_DEVICE_MS } from './throttles.ts';

/** How long the traces of each kind are kept; README documents them. */
export const retention = {
  // Dead links stay a day, so opening one still says "expired" or "already used" rather than "not valid".
  resetLinksMs: DAY,
  // Longest forgetAfterMs of throttles.ts: a counter quiet for a day has already been forgotten.
  throttleCountersMs: DAY,
  settledEmailsMs: 7 * DAY,
  // A worker silent for a day crashed long ago: its claims were free after seconds.
  silentWorkersMs: DAY,
  securityEventsMs: 90 * DAY,
};

export async function sweep(deps: Deps): Promise<void> {
  const now = deps.clock.now();
  const { sessionIdleTimeoutMs, sessionAbsoluteTimeoutMs } = deps.config;
  // The same limits as core/session-expiry.ts: a session that may still be in use is not deleted.
  const idleBefore = now - sessionIdleTimeoutMs - touchIntervalMs(sessionIdleTimeoutMs);
  await deleteExpiredSessions(deps.db, { idleBefore, createdBefore: now - sessionAbsoluteTimeoutMs });
  await forgetQuietCounters(deps.db, now - retention.throttleCountersMs);
  await deleteExpiredResetTokens(deps.db, now - retention.resetLinksMs);
  await deleteExpiredLockdownTokens(deps.db, now - retention.resetLinksMs);
  await deleteSettledEmails(deps.db, now - retention.settledEmailsMs);
  await deleteSilentWorkers(deps.db, now - retention.silentWorkersMs);
  await deleteEventsBefore(deps.db, now - retention.securityEventsMs);
  await deleteDevicesBefore(deps.db, now - KNOWN_DEVICE_MS);
  await deleteExpiredPayloads(deps.db, now);
  await deleteExpiredPendingSignIns(deps.db, now);
  await deleteSpentChallengesBefore(deps.db, now);
  for (const use of ['signing', 'cookie'] as const) {
    const retired = retiredGenerations(await listKeys(deps.db, use), now);
    await deleteKeys(
      deps.db,
      retired.map((row) => row.kid),
    );
  }
}

export function startHousekeeping(deps: Deps, everyMs = HOUR): { stop(): void } {
  const timer = setInterval(() => {
    sweep(deps).catch((error: unknown) =>
      deps.log.error({ err: error }, 'housekeeping failed; trying again in an hour'),
    );
  }, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
