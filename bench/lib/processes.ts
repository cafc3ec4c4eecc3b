// Starting the systems under test as their own processes, and reading what the kernel says about them.
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';

export interface Running {
  child: ChildProcess;
  url: string;
  output: () => string;
  /** Milliseconds from spawn to the first answer of the readiness URL. */
  startupMs: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startProcess(options: {
  args: string[];
  env: Record<string, string>;
  port: number;
  readyPath: string;
  cwd?: string;
}): Promise<Running> {
  const started = performance.now();
  const child = spawn(process.execPath, options.args, {
    env: { PATH: process.env.PATH ?? '', ...options.env, PORT: String(options.port) },
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${options.args.join(' ')} exited with ${child.exitCode}:\n${output}`);
    const status = await fetch(url + options.readyPath).then(
      (response) => response.status,
      () => 0,
    );
    if (status > 0 && status < 500) break;
    if (Date.now() > deadline) throw new Error(`${options.args.join(' ')} did not become ready:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const startupMs = performance.now() - started;
  return {
    child,
    url,
    output: () => output,
    startupMs,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}

/** CPU time of a process or of one of its threads, in milliseconds (from /proc): user, system, or both. */
export function cpuMs(pid: number, thread?: string, part: CpuPart = 'both'): number {
  const fields = readFileSync(thread ? `/proc/${pid}/task/${thread}/stat` : `/proc/${pid}/stat`, 'utf8')
    .split(') ')[1]!
    .split(' ');
  const ticks = (part === 'system' ? 0 : Number(fields[11])) + (part === 'user' ? 0 : Number(fields[12]));
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

export type CpuPart = 'user' | 'system' | 'both';

/** CPU milliseconds of a process by kind of thread: the event loop ("MainThread"), "libuv-worker", "V8Worker"… */
export function cpuMsByThread(pid: number, part: CpuPart = 'both'): Record<string, number> {
  const byName: Record<string, number> = {};
  for (const thread of readdirSync(`/proc/${pid}/task`)) {
    const name = readFileSync(`/proc/${pid}/task/${thread}/comm`, 'utf8').trim();
    byName[name] = (byName[name] ?? 0) + cpuMs(pid, thread, part);
  }
  return byName;
}

/** Resident memory now and its peak so far, in MiB (VmRSS and VmHWM). */
export function memoryMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

/** Forgets the peak so far, so the next VmHWM reading covers only what follows. */
export function resetPeak(pid: number): void {
  try {
    // Writing 5 to clear_refs resets VmHWM (Linux ≥ 4.0).
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // Not permitted: the peak then covers the whole life of the process, which is only stricter.
  }
}

/** CPU milliseconds of each of these processes (a database server's, say), by pid; gone ones are left out. */
export function cpuMsOfProcesses(pids: number[]): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const pid of pids) {
    try {
      byPid.set(pid, cpuMs(pid));
    } catch {
      // The process ended between the listing and the reading.
    }
  }
  return byPid;
}
