// npm run demo: the account service and the demo app of examples/sales-connect-app, side by side on this
// machine, in development only. Starts the service as `npm start` does (the embedded defaults: SQLite, the
// development mailbox), registers the app through the admin CLI (or reuses the client an earlier run
// registered, with a new secret: only its digest is kept), starts the app, and stops both on Ctrl-C.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

if (process.env.NODE_ENV === 'production') {
  process.stderr.write(
    'npm run demo is for development only: it registers an app and shows a demo account. Unset NODE_ENV=production.\n',
  );
  process.exit(2);
}

const servicePort = Number(process.env.PORT ?? 3000);
const serviceUrl = new URL(process.env.PUBLIC_URL ?? `http://localhost:${servicePort}`).origin;
const appPort = Number(process.env.APP_PORT ?? servicePort + 1);
const appUrl = new URL(process.env.APP_URL ?? `http://localhost:${appPort}`).origin;
const verbose = process.env.DEMO_LOGS === '1';
const children: ChildProcess[] = [];
let stopping = false;

/** The service's command line is the start script's, so the demo runs it exactly as `npm start` does. */
function serviceArguments(): string[] {
  const start = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } }).scripts.start;
  const [command, ...rest] = start.split(/\s+/);
  if (command !== 'node') throw new Error(`the start script no longer runs node: ${start}`);
  return rest;
}

/** Forwards a child's lines: its log lines (JSON) only from warn up, unless DEMO_LOGS=1. */
function forward(child: ChildProcess, name: string, onLine: (line: string) => void = () => {}): void {
  for (const [stream, output] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ] as const) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => {
      onLine(line);
      if (verbose) return void output.write(`${name} | ${line}\n`);
      if (!line.startsWith('{')) {
        if (output === process.stderr) output.write(`${name} | ${line}\n`);
        return;
      }
      try {
        const entry = JSON.parse(line) as { level?: number; msg?: string };
        if ((entry.level ?? 0) >= 40) output.write(`${name} | ${entry.msg ?? line}\n`);
      } catch {
        output.write(`${name} | ${line}\n`);
      }
    });
  }
}

function start(name: string, args: string[], env: NodeJS.ProcessEnv, onLine?: (line: string) => void): ChildProcess {
  // Its own process group: Ctrl-C reaches the demo alone, which stops the children in order.
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.push(child);
  forward(child, name, onLine);
  child.on('exit', (code, signal) => {
    if (stopping) return;
    process.stderr.write(`The ${name} stopped (${signal ?? `exit code ${code}`}); stopping the demo.\n`);
    void stop(1);
  });
  return child;
}

async function waitFor(what: string, url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (stopping) throw new Error('stopped');
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(2000) })).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${what} did not answer at ${url} within ${timeoutMs / 1000} s`);
}

const run = promisify(execFile);

/** The admin CLI, on the service's database (the same environment); its stdout. */
async function cli(...args: string[]): Promise<string> {
  try {
    return (await run(process.execPath, ['src/cli/main.ts', ...args], { env: process.env })).stdout;
  } catch (error) {
    const { stderr, message } = error as { stderr?: string; message: string };
    throw new Error(`npm run cli -- ${args.join(' ')} failed: ${stderr?.trim() || message}`);
  }
}

const field = (output: string, name: string) => new RegExp(`^${name}: (\\S+)$`, 'm').exec(output)?.[1];

/** The first-party confidential client of the app: the one an earlier run registered, or a new one. */
async function registerApp(): Promise<{ clientId: string; clientSecret: string; reused: boolean }> {
  const callback = `${appUrl}/callback`;
  const existing = (await cli('clients', 'list'))
    .split('\n')
    .map((line) => line.split('\t'))
    .find(
      ([, , kind, party, uris]) =>
        kind === 'confidential' && party === 'first-party' && (uris ?? '').split(' ').includes(callback),
    );
  if (existing?.[0]) {
    const clientSecret = field(await cli('clients', 'rotate-secret', '--client-id', existing[0]), 'client_secret');
    if (!clientSecret) throw new Error('clients rotate-secret printed no client_secret');
    return { clientId: existing[0], clientSecret, reused: true };
  }
  const added = await cli(
    'clients',
    'add',
    '--name',
    'Sales Connect demo app',
    '--redirect-uri',
    callback,
    '--post-logout-redirect-uri',
    `${appUrl}/`,
    '--backchannel-logout-uri',
    `${appUrl}/backchannel-logout`,
    '--first-party',
  );
  const clientId = field(added, 'client_id');
  const clientSecret = field(added, 'client_secret');
  if (!clientId || !clientSecret) throw new Error('clients add printed no client_id and client_secret');
  return { clientId, clientSecret, reused: false };
}

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  // The app first: it needs the service, not the other way round.
  for (const child of [...children].reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const force = setTimeout(() => child.kill('SIGKILL'), 25_000);
    await exited;
    clearTimeout(force);
  }
  process.exit(code);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stop(0));
// Whatever ends the demo ends its children: they are in process groups of their own.
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

let demoPassword: string | undefined;
let serviceSaidReady = false;
let accountBlock = false;
// The app may send its users back from Settings ("Back to the app"), and after signing in or out.
const serviceEnv = { ALLOWED_APP_ORIGINS: appUrl, ...process.env, PORT: String(servicePort) };
start('service', serviceArguments(), serviceEnv, (line) => {
  if (line.startsWith('Demo account')) accountBlock = true;
  const password = accountBlock ? /^\s+password:\s+(\S+)/.exec(line)?.[1] : undefined;
  if (password) demoPassword = password;
  if (line.includes('accounts is ready at')) serviceSaidReady = true;
});

try {
  await waitFor('The service', `${serviceUrl}/readyz`);
  // The demo account's lines come before the ready line; let the pipe deliver them.
  for (let waited = 0; !serviceSaidReady && waited < 5000; waited += 50) await new Promise((r) => setTimeout(r, 50));
  const client = await registerApp();
  start('app', ['examples/sales-connect-app/main.ts'], {
    ...process.env,
    ISSUER: serviceUrl,
    CLIENT_ID: client.clientId,
    CLIENT_SECRET: client.clientSecret,
    APP_URL: appUrl,
    PORT: String(appPort),
    HOST: process.env.APP_HOST ?? '127.0.0.1',
  });
  await waitFor('The app', `${appUrl}/`);
  const databaseUrl = process.env.DATABASE_URL ?? 'sqlite:./data/app.db';
  const password =
    demoPassword ??
    `(printed when this database was created; for a new demo account, start with a fresh database${databaseUrl === 'sqlite:./data/app.db' ? ': delete data/app.db' : ''})`;
  process.stdout.write(`
Sales Connect demo is running (development only)

  The account service   ${serviceUrl}
  The app               ${appUrl}
  Emails                ${serviceUrl}/dev/mailbox

  Sign in to the app with the demo account:
    email:     demo@example.com
    password:  ${password}

  The app is client ${client.clientId}${client.reused ? ' (registered by an earlier run; its secret was renewed)' : ''}.
  Ctrl-C stops both.
`);
} catch (error) {
  if (!stopping) {
    process.stderr.write(`npm run demo: ${(error as Error).message}\n`);
    await stop(1);
  }
}
