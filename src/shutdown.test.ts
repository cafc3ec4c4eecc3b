// Stopping the built service as an operator does, in production mode, whatever its log reader does: a reader
// that leaves, one that stops reading and then closes, one that closes while SIGTERM is being handled. And a
// step that never ends: the deadline ends the process, naming the step.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordMeasurement } from '../test/support/measurements.ts';
import { killServiceProcesses, type ServiceProcess, startServiceProcess } from '../test/support/process.ts';
import { freePort } from '../test/support/service.ts';
import { type SmtpCapture, startSmtpCapture } from '../test/support/smtp.ts';

const METRICS_TOKEN = 'a-metrics-token-for-tests';
let folder: string;
let smtp: SmtpCapture;
const readers: ChildProcess[] = [];
const servers: Server[] = [];

beforeEach(async () => {
  folder = mkdtempSync(join(tmpdir(), 'sc-stop-'));
  smtp = await startSmtpCapture();
});
afterEach(async () => {
  await killServiceProcesses();
  for (const reader of readers.splice(0)) reader.kill('SIGKILL');
  for (const server of servers.splice(0)) server.close();
  await smtp.close();
  rmSync(folder, { recursive: true, force: true });
});

/** Production, as the operator who found the hang ran it: https PUBLIC_URL behind one proxy. */
async function productionEnv(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  return {
    PORT: String(await freePort()),
    NODE_ENV: 'production',
    PUBLIC_URL: 'https://accounts.example.test',
    TRUST_PROXY: '1',
    DATABASE_URL: `sqlite:${join(folder, 'app.db')}`,
    SMTP_URL: smtp.url.href,
    ENCRYPTION_KEY: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
    METRICS_TOKEN,
    LOG_LEVEL: 'info',
    ...extra,
  };
}

/** stdout is a FIFO read by `head`, which leaves after the first `bytes` bytes. */
function fifoReadBy(bytes: number): { fd: number; reader: ChildProcess } {
  const fifo = join(folder, 'stdout.fifo');
  spawnSync('mkfifo', [fifo]);
  const reader = spawn('head', ['-c', String(bytes), fifo], { stdio: ['ignore', 'ignore', 'ignore'] });
  readers.push(reader);
  // Opening for writing waits for the reader to open its end, which `head` does at once.
  return { fd: openSync(fifo, 'w'), reader };
}

/** Pages and health checks, each answered within a second: the service is not held by its logs. */
async function expectResponsive(service: ServiceProcess, requests = 40) {
  for (let i = 0; i < requests; i++) {
    for (const path of ['/healthz', '/login', '/forgot-password']) {
      const started = performance.now();
      const response = await fetch(`${service.url}${path}`, { signal: AbortSignal.timeout(5000) });
      expect(response.status, path).toBe(200);
      await response.arrayBuffer();
      expect(performance.now() - started, path).toBeLessThan(1000);
    }
  }
}

async function droppedLines(service: ServiceProcess): Promise<number> {
  const text = await (
    await fetch(`${service.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
  ).text();
  return Number(/^log_lines_dropped_total (\d+)/m.exec(text)?.[1]);
}

/** Sends SIGTERM and resolves with the exit code and how long it took. */
async function stop(
  service: ServiceProcess,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<{ code: number | null; ms: number }> {
  const started = performance.now();
  service.child.kill(signal);
  const code = await service.exited();
  const ms = performance.now() - started;
  recordMeasurement('shutdown', `${expect.getState().currentTestName ?? ''}: ${signal} to exit`, ms);
  return { code, ms };
}

describe('logs that cannot be written never stop the service', () => {
  it('goes on when the reader of a FIFO stdout leaves, counts what it drops, and stops with 0 on SIGTERM', async () => {
    const { fd, reader } = fifoReadBy(2000);
    const service = await startServiceProcess({ env: await productionEnv(), stdio: ['ignore', fd, 'pipe'] });
    closeSync(fd);
    // The first requests' lines are more than the reader takes: it leaves in the middle of them.
    const left = new Promise((resolve) => reader.once('exit', resolve));
    await expectResponsive(service, 10);
    await left;
    await expectResponsive(service);
    expect(await droppedLines(service)).toBeGreaterThan(0);
    // Said once on stderr, which still works.
    expect(service.output().match(/log lines are being dropped/g)).toHaveLength(1);
    const { code, ms } = await stop(service);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(5000);
  });

  it('goes on when the reader of a Unix socket stops reading, then closes it, and stops with 0 on SIGTERM', async () => {
    const path = join(folder, 'logs.sock');
    let reading: Socket | undefined;
    const server = createServer((socket) => (reading = socket));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(path, resolve));
    const socket = connect(path);
    await new Promise((resolve) => socket.once('connect', resolve));
    const service = await startServiceProcess({
      env: await productionEnv({ LOG_LEVEL: 'trace' }),
      stdio: ['ignore', socket, 'pipe'],
    });
    socket.destroy();
    // The reader takes what came so far, then reads no more: the socket's buffers fill, then the service's.
    reading!.pause();
    await expectResponsive(service, 150);
    reading!.destroy();
    await expectResponsive(service);
    expect(await droppedLines(service)).toBeGreaterThan(0);
    const { code, ms } = await stop(service);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(5000);
  });

  it('stops with 0 when the reader closes while SIGTERM is being handled', async () => {
    const { fd, reader } = fifoReadBy(64 * 1024 * 1024);
    const service = await startServiceProcess({
      env: await productionEnv({ LOG_LEVEL: 'trace' }),
      stdio: ['ignore', fd, 'pipe'],
    });
    closeSync(fd);
    await expectResponsive(service, 5);
    service.child.kill('SIGTERM');
    reader.kill('SIGKILL');
    const started = performance.now();
    expect(await service.exited()).toBe(0);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

describe('the shutdown deadline (SHUTDOWN_TIMEOUT)', () => {
  /** A sign-in whose body never finishes arriving: the HTTP server waits for it as long as it can. */
  async function requestThatNeverEnds(service: ServiceProcess): Promise<Socket> {
    const socket = connect(Number(new URL(service.url).port), '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      'POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nemail=',
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    return socket;
  }

  it('ends a shutdown held by a step that never finishes at the deadline, with code 1 and the step named on stderr', async () => {
    const service = await startServiceProcess({ env: await productionEnv({ SHUTDOWN_TIMEOUT: '2s' }) });
    const held = await requestThatNeverEnds(service);
    const { code, ms } = await stop(service);
    held.destroy();
    expect(code).toBe(1);
    expect(ms).toBeGreaterThanOrEqual(1900);
    expect(ms).toBeLessThan(6000);
    expect(service.output()).toContain(
      'shutdown did not finish within 2000 ms (SHUTDOWN_TIMEOUT): still the HTTP server (requests in flight); exiting with code 1',
    );
  });

  it('exits at once on a second SIGTERM during the shutdown', async () => {
    const service = await startServiceProcess({ env: await productionEnv() });
    const held = await requestThatNeverEnds(service);
    service.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { code, ms } = await stop(service);
    held.destroy();
    expect(code).toBe(143);
    expect(ms).toBeLessThan(2000);
    expect(service.output()).toContain(
      'SIGTERM again while stopping (the HTTP server (requests in flight)): exiting now',
    );
  });
});
