// The service as an operator runs it: the built dist/main.js in a process of its own (npm test builds first),
// stopped by signals, killed if need be. Every test that starts one goes through here.
import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process';
import { resolve } from 'node:path';

export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  /** Everything it printed on the stdout and stderr it was given as pipes. */
  output(): string;
  /** Resolves with its exit code (null if a signal ended it), however it ends. */
  exited(): Promise<number | null>;
}

export interface StartOptions {
  env: Record<string, string>;
  cwd?: string;
  /** stdout and stderr; pipes the test reads by default. */
  stdio?: StdioOptions;
  /** Wait for /readyz (the database answers) rather than /healthz. */
  ready?: boolean;
  timeoutMs?: number;
}

const running = new Set<ChildProcess>();

export async function startServiceProcess({
  env,
  cwd,
  stdio = ['ignore', 'pipe', 'pipe'],
  ready = false,
  timeoutMs = 30_000,
}: StartOptions): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [resolve('dist/main.js')], {
    env: { PATH: process.env.PATH ?? '', ...env },
    cwd,
    stdio,
  });
  running.add(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  void exit.then(() => running.delete(child));
  const url = `http://127.0.0.1:${env.PORT}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`the service exited before it was ready:\n${output}`);
    const status = await fetch(`${url}${ready ? '/readyz' : '/healthz'}`).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) break;
    if (Date.now() > deadline)
      throw new Error(`the service did not answer at ${url} within ${timeoutMs} ms:\n${output}`);
    await new Promise((done) => setTimeout(done, 50));
  }
  return { child, url, output: () => output, exited: () => exit };
}

/** SIGKILL to every service still running (afterEach): no test leaves one behind. */
export async function killServiceProcesses(): Promise<void> {
  const children = [...running];
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((done) =>
          child.exitCode !== null || child.signalCode !== null ? done() : child.once('exit', () => done()),
        ),
    ),
  );
}
