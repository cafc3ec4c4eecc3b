// Progressive delays after failures (SECURITY 18, 21): a few free mistakes, then each further failure doubles
// the wait, up to a ceiling. Never a permanent lockout an attacker could impose on the owner: the counter is
// forgotten after a quiet period, cleared by a success or a password reset, and the hard stop at
// `maxFailures` (NIST 800-63B: at most 100 consecutive failures) also ends when the counter is forgotten.

export interface ThrottleRule {
  freeFailures: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** After this many failures in a row, no more attempts until the counter is forgotten or cleared. */
  maxFailures?: number;
  /** A counter with no failure for this long starts again from zero. */
  forgetAfterMs: number;
}

export interface FailureCount {
  failures: number;
  lastFailureAt: number;
}

/** How long the next attempt must wait, in milliseconds; 0 means it may go ahead now. */
export function waitBeforeNextAttempt(rule: ThrottleRule, count: FailureCount | undefined, now: number): number {
  if (!count || now - count.lastFailureAt >= rule.forgetAfterMs) return 0;
  if (rule.maxFailures !== undefined && count.failures >= rule.maxFailures) {
    return count.lastFailureAt + rule.forgetAfterMs - now;
  }
  const excess = count.failures - rule.freeFailures;
  if (excess <= 0) return 0;
  const delay = Math.min(rule.baseDelayMs * 2 ** Math.min(excess - 1, 30), rule.maxDelayMs);
  return Math.max(0, count.lastFailureAt + delay - now);
}
