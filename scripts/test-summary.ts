// Prints "N passed, N failed" from the JSON reports vitest and Playwright write under CI (see their configs).
import { existsSync, readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
const seen: string[] = [];

if (existsSync('test-results/vitest.json')) {
  const report = JSON.parse(readFileSync('test-results/vitest.json', 'utf8')) as {
    numPassedTests: number;
    numFailedTests: number;
  };
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  seen.push('vitest');
}
if (existsSync('test-results/playwright.json')) {
  const report = JSON.parse(readFileSync('test-results/playwright.json', 'utf8')) as {
    stats: { expected: number; unexpected: number; flaky: number };
  };
  passed += report.stats.expected + report.stats.flaky;
  failed += report.stats.unexpected;
  seen.push('playwright');
}
console.log(`${passed} passed, ${failed} failed (${seen.join(' + ') || 'no reports'})`);
