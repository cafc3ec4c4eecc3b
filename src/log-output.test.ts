// The log output against a real pipe whose reader (another process) stops reading, then goes away.
import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogOutput } from './log-output.ts';

let reader: ChildProcess | undefined;
afterEach(() => {
  reader?.kill('SIGKILL');
  reader = undefined;
});

/** A pipe to a process that never reads it: the kernel takes 64 KiB, then Node keeps the rest. */
function stalledReader() {
  reader = spawn('sleep', ['30'], { stdio: ['pipe', 'ignore', 'ignore'] });
  return reader.stdin!;
}

const line = `${JSON.stringify({ level: 30, msg: 'x'.repeat(200) })}\n`;

describe('the log output', () => {
  it('keeps at most its buffer for a reader that stopped reading, and drops and counts the rest, once said', async () => {
    const reasons: string[] = [];
    const output = createLogOutput(stalledReader(), {
      maxBufferedBytes: 256 * 1024,
      onFirstDrop: (reason) => reasons.push(reason),
    });
    const started = performance.now();
    for (let i = 0; i < 10_000; i++) output.write(line);
    // Two megabytes offered, never a wait: the writes returned at once.
    expect(performance.now() - started).toBeLessThan(2000);
    expect(output.dropped()).toBeGreaterThan(10_000 - (256 * 1024 + 128 * 1024) / line.length);
    expect(reasons).toEqual([expect.stringMatching(/not reading/)]);
    // A flush cannot wait for it longer than it is given.
    const flushing = performance.now();
    await output.flush(300);
    expect(performance.now() - flushing).toBeLessThan(1000);
  });

  it('drops every line once the reader has gone, without an error reaching the process', async () => {
    // The process at the other end closes its end of the pipe and lives on: our writes meet EPIPE.
    reader = spawn('sh', ['-c', 'read first; exec <&-; sleep 30'], { stdio: ['pipe', 'ignore', 'ignore'] });
    const reasons: string[] = [];
    const output = createLogOutput(reader.stdin!, { onFirstDrop: (reason) => reasons.push(reason) });
    output.write(line);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The first write after that meets EPIPE; from then on lines go nowhere, at once.
    for (let i = 0; i < 100 && reasons.length === 0; i++) {
      output.write(line);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(reasons).toEqual([expect.stringMatching(/went away \((EPIPE|ECONNRESET)\)/)]);
    const before = output.dropped();
    for (let i = 0; i < 1000; i++) output.write(line);
    expect(output.dropped()).toBe(before + 1000);
    await output.flush(5000);
  });

  it('writes every line to a reader that reads', async () => {
    reader = spawn('cat', [], { stdio: ['pipe', 'pipe', 'ignore'] });
    let received = '';
    reader.stdout!.on('data', (chunk: Buffer) => (received += chunk.toString()));
    const output = createLogOutput(reader.stdin!);
    for (let i = 0; i < 1000; i++) output.write(line);
    await output.flush(5000);
    await expect.poll(() => received.length).toBe(1000 * line.length);
    expect(output.dropped()).toBe(0);
  });
});
