import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.ts';

describe('durations in configuration', () => {
  it('read units and bare seconds', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('12h')).toBe(43_200_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(parseDuration('45')).toBe(45_000);
  });

  it('refuse anything else, and zero', () => {
    for (const text of ['', '0', '0s', '-5m', '1.5h', '1w', 'h', '10 m', '1e3'])
      expect(parseDuration(text)).toBeUndefined();
  });

  it('print back in the largest whole unit', () => {
    expect(formatDuration(3_600_000)).toBe('1h');
    expect(formatDuration(90_000)).toBe('90s');
  });
});
