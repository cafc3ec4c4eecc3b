// What a fault test measured (a recovery time, the slowest answer during an outage), one JSON line each in
// test-results/measurements.jsonl: README's "Guarantees" quotes them. The tests assert bounds; these are the
// figures of one run on one machine.
import { appendFileSync, mkdirSync } from 'node:fs';

export function recordMeasurement(scenario: string, what: string, ms: number): void {
  mkdirSync('test-results', { recursive: true });
  appendFileSync(
    'test-results/measurements.jsonl',
    `${JSON.stringify({ scenario, what, ms: Math.round(ms), at: new Date().toISOString() })}\n`,
  );
}
