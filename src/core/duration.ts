// Durations: the units every module counts in, and the ones configuration is written in ("90s", "30m",
// "12h", "7d", or a bare number of seconds).
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

const units: Record<string, number> = { ms: 1, s: SECOND, m: MINUTE, h: HOUR, d: DAY };

export function parseDuration(text: string): number | undefined {
  const match = /^(\d{1,9})(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * units[match[2] ?? 's']!;
  return ms > 0 ? ms : undefined;
}

export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms % units[unit]! === 0) return `${ms / units[unit]!}${unit}`;
  }
  return `${ms}ms`;
}
