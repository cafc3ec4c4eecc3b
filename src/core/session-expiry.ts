// When a session ends for idleness or age (SECURITY 62). last_seen_at is written at most once per touch
// interval, not at every request (that would make every page view a write), so it may lag the last use by
// up to that interval. A session therefore counts as idle only once the timeout has run from last_seen_at
// plus one interval: used within its idle timeout it never ends for idleness, and unused it ends at most
// one interval late (a tenth of the timeout, never more than a minute).

import { MINUTE } from './duration.ts';

export interface SessionTimes {
  created_at: number;
  last_seen_at: number;
}

export interface SessionTimeouts {
  idleMs: number;
  absoluteMs: number;
}

/** Shorter idle timeouts cannot be kept to a tenth without a write at nearly every request. */
export const MIN_IDLE_TIMEOUT_MS = MINUTE;

export function touchIntervalMs(idleMs: number): number {
  return Math.min(MINUTE, Math.floor(idleMs / 10));
}

/** The instant the session ends, unless it is used again first. */
export function sessionEndsAt(session: SessionTimes, timeouts: SessionTimeouts): number {
  return Math.min(
    session.last_seen_at + timeouts.idleMs + touchIntervalMs(timeouts.idleMs),
    session.created_at + timeouts.absoluteMs,
  );
}

export function isSessionOver(session: SessionTimes, timeouts: SessionTimeouts, now: number): boolean {
  return now >= sessionEndsAt(session, timeouts);
}

export function needsTouch(session: SessionTimes, idleMs: number, now: number): boolean {
  return now - session.last_seen_at >= touchIntervalMs(idleMs);
}
