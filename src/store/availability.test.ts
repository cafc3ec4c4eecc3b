// The guard's own rules, with probes the test controls: when the database counts as away, and that a probe
// that never answers cannot keep the service refusing queries once the database is back.
import { describe, expect, it } from 'vitest';
import { createGuard, DatabaseUnavailable, isOutage } from './availability.ts';

const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

describe('the availability guard', () => {
  it('tells an outage from a query that is wrong', () => {
    for (const outage of [
      refused,
      { code: '57P01' },
      { code: '08006' },
      { code: 'SQLITE_BUSY' },
      { message: 'Connection terminated unexpectedly' },
    ]) {
      expect(isOutage(outage), JSON.stringify(outage)).toBe(true);
    }
    for (const bug of [
      { code: '23505' },
      { code: '42601' },
      { code: 'SQLITE_CONSTRAINT_UNIQUE' },
      new Error('a bug'),
    ]) {
      expect(isOutage(bug), JSON.stringify(bug)).toBe(false);
    }
  });

  it('refuses queries only once a probe has failed, and lets them through when one succeeds', async () => {
    let answers = false;
    const probe = async () => {
      if (!answers) throw refused;
    };
    const real = createGuard({ probe, probeEveryMs: 300 });
    expect(real.translate(refused)).toBeInstanceOf(DatabaseUnavailable);
    await expect.poll(() => real.isAvailable()).toBe(false);
    expect(() => real.assertAvailable()).toThrow(DatabaseUnavailable);
    answers = true;
    await expect.poll(() => real.isAvailable()).toBe(true);
    expect(() => real.assertAvailable()).not.toThrow();
    real.stop();
  });

  it('gives up on a probe that never answers, and the next one brings the database back', async () => {
    let calls = 0;
    // The first probe is met by a server that takes the connection and never answers; the next ones succeed.
    const guard = createGuard({
      probe: () => (++calls === 1 ? new Promise<void>(() => undefined) : Promise.resolve()),
      probeEveryMs: 300,
      probeTimeoutMs: 100,
    });
    guard.translate(refused);
    await expect.poll(() => guard.isAvailable()).toBe(false);
    await expect.poll(() => guard.isAvailable(), { timeout: 2000 }).toBe(true);
    expect(calls).toBeGreaterThanOrEqual(2);
    guard.stop();
  });
});
