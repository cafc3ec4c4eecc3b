import { describe, expect, it } from 'vitest';
import { type ThrottleRule, waitBeforeNextAttempt } from './throttle.ts';

const rule: ThrottleRule = {
  freeFailures: 5,
  baseDelayMs: 1000,
  maxDelayMs: 900_000,
  maxFailures: 100,
  forgetAfterMs: 86_400_000,
};
const at = 1_000_000;

describe('progressive delays (SECURITY 18, 21)', () => {
  it('lets the first attempts through without waiting', () => {
    expect(waitBeforeNextAttempt(rule, undefined, at)).toBe(0);
    expect(waitBeforeNextAttempt(rule, { failures: 5, lastFailureAt: at }, at)).toBe(0);
  });

  it('doubles the wait with each further failure', () => {
    const waits = [6, 7, 8, 9].map((failures) => waitBeforeNextAttempt(rule, { failures, lastFailureAt: at }, at));
    expect(waits).toEqual([1000, 2000, 4000, 8000]);
  });

  it('counts the wait from the last failure', () => {
    expect(waitBeforeNextAttempt(rule, { failures: 8, lastFailureAt: at }, at + 3000)).toBe(1000);
    expect(waitBeforeNextAttempt(rule, { failures: 8, lastFailureAt: at }, at + 4000)).toBe(0);
  });

  it('never waits longer than the ceiling before the hard stop', () => {
    expect(waitBeforeNextAttempt(rule, { failures: 99, lastFailureAt: at }, at)).toBe(900_000);
  });

  it('stops guessing after 100 failures in a row until the counter is forgotten', () => {
    expect(waitBeforeNextAttempt(rule, { failures: 100, lastFailureAt: at }, at + 3_600_000)).toBe(
      86_400_000 - 3_600_000,
    );
    expect(waitBeforeNextAttempt(rule, { failures: 100, lastFailureAt: at }, at + 86_400_000)).toBe(0);
  });

  it('forgets a counter after a quiet day', () => {
    expect(waitBeforeNextAttempt(rule, { failures: 30, lastFailureAt: at }, at + 86_400_000)).toBe(0);
  });
});
