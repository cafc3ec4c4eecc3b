import { describe, expect, it } from 'vitest';
import { isSessionOver, MIN_IDLE_TIMEOUT_MS, needsTouch, sessionEndsAt, touchIntervalMs } from './session-expiry.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

/** A user who comes back every `everyMs`, for `visits` visits: the session as the service would keep it. */
function visitEvery(everyMs: number, visits: number, idleMs: number) {
  const timeouts = { idleMs, absoluteMs: 1000 * idleMs };
  const session = { created_at: 0, last_seen_at: 0 };
  for (let visit = 1; visit <= visits; visit++) {
    const now = visit * everyMs;
    if (isSessionOver(session, timeouts, now)) return { endedAtVisit: visit };
    if (needsTouch(session, idleMs, now)) session.last_seen_at = now;
  }
  return { endedAtVisit: undefined, session, timeouts };
}

describe('session expiry', () => {
  it('never ends a session used within its idle timeout, however short the timeout', () => {
    for (const idleMs of [MIN_IDLE_TIMEOUT_MS, 90 * SECOND, 5 * MINUTE, 60 * MINUTE]) {
      // Used just inside the timeout, and used every few seconds: both live on.
      expect(visitEvery(idleMs - SECOND, 50, idleMs).endedAtVisit, `${idleMs} ms, visits just inside`).toBeUndefined();
      expect(visitEvery(3 * SECOND, 200, idleMs).endedAtVisit, `${idleMs} ms, a visit every 3 s`).toBeUndefined();
    }
  });

  it('ends an unused session at most a tenth of the timeout late, and never more than a minute', () => {
    for (const idleMs of [MIN_IDLE_TIMEOUT_MS, 5 * MINUTE, 60 * MINUTE, 24 * 60 * MINUTE]) {
      const kept = visitEvery(7 * SECOND, 40, idleMs);
      const lastUse = 40 * 7 * SECOND;
      const end = sessionEndsAt(kept.session!, kept.timeouts!);
      expect(end - lastUse, `${idleMs} ms`).toBeGreaterThanOrEqual(idleMs);
      expect(end - lastUse, `${idleMs} ms`).toBeLessThanOrEqual(idleMs + Math.min(MINUTE, idleMs / 10));
    }
    expect(touchIntervalMs(60 * MINUTE)).toBe(MINUTE);
    expect(touchIntervalMs(MIN_IDLE_TIMEOUT_MS)).toBe(6 * SECOND);
  });

  it('ends every session at its absolute timeout, however active', () => {
    const timeouts = { idleMs: 60 * MINUTE, absoluteMs: 12 * 60 * MINUTE };
    expect(isSessionOver({ created_at: 0, last_seen_at: 12 * 60 * MINUTE - SECOND }, timeouts, 12 * 60 * MINUTE)).toBe(
      true,
    );
    expect(
      isSessionOver({ created_at: 0, last_seen_at: 12 * 60 * MINUTE - SECOND }, timeouts, 12 * 60 * MINUTE - 1),
    ).toBe(false);
  });
});
