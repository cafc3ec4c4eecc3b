// A clock the test moves by hand: expiry is shown by moving time, never by waiting.
import type { Clock } from '../../src/deps.ts';

export interface TestClock extends Clock {
  advance(ms: number): void;
}

export function testClock(start = Date.UTC(2026, 10, 28, 9, 0, 0)): TestClock {
  let now = start;
  return {
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
  };
}
