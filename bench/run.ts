// npm run bench: our service beside a raw Argon2id measurement and Better Auth, on this machine, in one run.
// Absolute numbers on a shared machine are noise; the ratios of things measured side by side are the result.
// Writes bench/results/<date>.json and bench/results/latest.json; BENCHMARKS.md explains and records them.
// Environment: BENCH_SECONDS (default 10), BENCH_GROWTH (users for the growth test, default 1000000),
// BENCH_PAIRS (timing pairs, default 1000), TEST_POSTGRES_URL (PostgreSQL server for the growth test),
// BENCH_ONLY (sections to run, e.g. 1,7, 11 for OpenID Connect, 12 for forward-auth, 13 for two-step
// verification; such a partial run leaves bench/results/latest.json alone).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { checkForwardAuth, forwardAuthLoad } from './lib/forward-auth.ts';
import { type LoadResult, load, nextClient, type RequestOptions, request, timed } from './lib/load.ts';
import {
  type AppClient,
  appClient,
  type BenchApp,
  knownDevice,
  refreshChains,
  registerApp,
  signInLoop,
} from './lib/oidc.ts';
import { cpuMs, cpuMsByThread, cpuMsOfProcesses, memoryMiB, resetPeak } from './lib/processes.ts';
import { migrate, postgresDatabase, seed } from './lib/seed.ts';
import { startSmtpSink } from './lib/smtp-sink.ts';
import { auc, median, percentile, round } from './lib/stats.ts';
import { addUsers, type Ours, PASSWORD, PUBLIC_URL, sqliteUrl, startOurs, startPeer } from './lib/systems.ts';
import { passkeyAccounts, passkeySignIn, signInAs, twoStepAccounts } from './lib/two-step.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const GROWTH = Number(process.env.BENCH_GROWTH ?? 1_000_000);
const PAIRS = Number(process.env.BENCH_PAIRS ?? 1000);
const ONLY = process.env.BENCH_ONLY?.split(',').map((part) => part.trim());
/** BENCH_ONLY=1,7 runs those sections alone (1 covers ratios 1 and 2), for a quick look while working. */
const wanted = (section: string) => ONLY === undefined || ONLY.includes(section);
const POSTGRES = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const USERS = Array.from({ length: 10 }, (_, i) => `user${i}@example.com`);
/** The account that signs in to the benchmark's app (section 11). */
const APP_USER = 'apps@example.com';

const results: Record<string, unknown> = {
  startedAt: new Date().toISOString(),
  machine: { cores: availableParallelism(), node: process.version },
  seconds: SECONDS,
};
const ratios: Array<{ id: string; what: string; value: number; target: string; pass: boolean; peer?: string }> = [];
const log = (line: string) => process.stdout.write(`${line}\n`);

/** A ratio reported for information, beside the one that is judged. */
function information(id: string, what: string, value: number): void {
  ratios.push({ id, what, value: round(value, 3), target: 'information', pass: true });
  log(`  INFO ${id}. ${what}: ${round(value, 3)}`);
}

function ratio(id: string, what: string, value: number, target: [number, number], peer?: string): void {
  const pass = value >= target[0] && value <= target[1];
  const range =
    target[1] === Infinity ? `≥ ${target[0]}` : target[0] === 0 ? `≤ ${target[1]}` : `${target[0]}–${target[1]}`;
  ratios.push({ id, what, value: round(value, 3), target: range, pass, peer });
  log(
    `  ${pass ? 'PASS' : 'FAIL'} ${id}. ${what}: ${round(value, 3)} (target ${range})${peer ? ` [Better Auth: ${peer}]` : ''}`,
  );
}

// The peer is not a dependency of the service: it is installed into bench/peers/better-auth on first use.
if (!existsSync('bench/peers/better-auth/node_modules/better-auth')) {
  log('installing Better Auth into bench/peers/better-auth');
  const installed = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], {
    cwd: 'bench/peers/better-auth',
    stdio: 'inherit',
  });
  if (installed.status !== 0) throw new Error('could not install bench/peers/better-auth');
}

/** Our users, plus one account per timing pair of section 5, so that each existing address asked for is a
 * fresh one, under its cap, for which an email really goes out (as for an unknown address, a fresh one). */
async function ourDatabase(): Promise<string> {
  const url = sqliteUrl();
  migrate(url);
  addUsers(url, USERS);
  const storedHash = new Database(url.slice('sqlite:'.length), { readonly: true })
    .prepare('select password_hash from users limit 1')
    .pluck()
    .get() as string;
  await seed(url, PAIRS, storedHash);
  return url;
}

/** Whether the PostgreSQL server is there. The probe's connection is closed again: left open, it kept the
 * benchmark from exiting once done. */
async function postgresUp(): Promise<boolean> {
  const probe = new pg.Client({ connectionString: POSTGRES, connectionTimeoutMillis: 2000 });
  return probe.connect().then(
    () => probe.end().then(() => true),
    () => false,
  );
}

const smtp = await startSmtpSink();
const databaseUrl = await ourDatabase();
const ours = await startOurs({ databaseUrl, smtpUrl: smtp.url });
const peer = await startPeer(USERS.length);
log(`our service on ${ours.url}, Better Auth on ${peer.url}; ${SECONDS} s per measurement`);

// ---- 10. What is stored, and how fast the service starts --------------------------------------------------
const phc = new Database(databaseUrl.slice('sqlite:'.length), { readonly: true })
  .prepare('select password_hash from users limit 1')
  .pluck()
  .get() as string;
const [, m, t, p] = /m=(\d+),t=(\d+),p=(\d+)/.exec(phc)!.map(Number) as [number, number, number, number];
results.storedParameters = { phc: phc.replace(/\$[^$]+\$[^$]+$/, '$…$…'), memoryKiB: m, timeCost: t, parallelism: p };
results.startupMs = { ours: round(ours.startupMs), betterAuth: round(peer.startupMs) };
const idle = { ours: memoryMiB(ours.child.pid!).rss, betterAuth: memoryMiB(peer.child.pid!).rss };
results.idleRssMiB = { ours: round(idle.ours), betterAuth: round(idle.betterAuth) };

// ---- 1. Sign-in throughput against the hash ---------------------------------------------------------------
// The hash's own speed drifts on a shared machine (other tenants, clock speed) by a third within minutes, so
// the raw measurement and the service take turns in short slices and each ratio compares sums over the slices.
const concurrency = availableParallelism();
const SLICES = 5;
const sliceSeconds = SECONDS / SLICES;
const rawTotals = { verifies: 0, seconds: 0, cpuMs: 0 };
const rawSlice = (): typeof rawTotals => {
  const slice = JSON.parse(
    spawnSync(process.execPath, ['bench/raw-argon2.ts', phc, PASSWORD, String(concurrency), String(sliceSeconds)], {
      encoding: 'utf8',
    }).stdout,
  ) as typeof rawTotals;
  rawTotals.verifies += slice.verifies;
  rawTotals.seconds += slice.seconds;
  rawTotals.cpuMs += slice.cpuMs;
  return slice;
};
const sum = <T>(items: T[], value: (item: T) => number) => items.reduce((total, item) => total + value(item), 0);
/** Requests per second over slices of a load taken in turns. */
const perSecond = (slices: LoadResult[]) => sum(slices, (slice) => slice.total) / sum(slices, (slice) => slice.seconds);
/** What `run` cost the process, in CPU milliseconds by kind of thread. */
const withCpu = async <T>(
  pid: number,
  run: () => Promise<T>,
): Promise<{ result: T; threads: Record<string, number> }> => {
  const before = cpuMsByThread(pid);
  const result = await run();
  const after = cpuMsByThread(pid);
  return {
    result,
    threads: Object.fromEntries(Object.keys(after).map((name) => [name, after[name]! - (before[name] ?? 0)])),
  };
};
/** Operations per second and CPU milliseconds per operation, in all and by kind of thread, over slices. */
const perOperation = (slices: Array<{ done: number; seconds: number; threads: Record<string, number> }>) => {
  const done = sum(slices, (slice) => slice.done);
  const names = [...new Set(slices.flatMap((slice) => Object.keys(slice.threads)))];
  const byThread = Object.fromEntries(
    names.map((name) => [name, sum(slices, (slice) => slice.threads[name] ?? 0) / done]),
  );
  return {
    perSecond: done / sum(slices, (slice) => slice.seconds),
    cpuMs: sum(Object.values(byThread), (ms) => ms),
    cpuMsByThread: Object.fromEntries(
      Object.entries(byThread)
        .filter(([, ms]) => ms >= 0.01)
        .map(([name, ms]) => [name, round(ms)]),
    ),
  };
};
/** Alternates slices of the raw hash and of `measure`, and returns the raw totals of those slices beside. */
const besideRaw = async <T>(
  measure: () => Promise<T>,
): Promise<{ slices: T[]; raw: { perSecond: number; cpuMsPerVerify: number } }> => {
  const before = { ...rawTotals };
  const slices: T[] = [];
  for (let i = 0; i < SLICES; i++) {
    rawSlice();
    slices.push(await measure());
  }
  const verifies = rawTotals.verifies - before.verifies;
  return {
    slices,
    raw: {
      perSecond: verifies / (rawTotals.seconds - before.seconds),
      cpuMsPerVerify: (rawTotals.cpuMs - before.cpuMs) / verifies,
    },
  };
};
log(`raw Argon2id (${concurrency} at a time) and our sign-ins, in turn, ${SLICES} slices of ${sliceSeconds} s each`);

const signInLoad = async (
  connections: number,
  seconds = SECONDS,
  service: Ours = ours,
  email = USERS[0]!,
): Promise<LoadResult> => {
  const signIn = await service.signInRequest(email);
  return load({
    url: `${service.url}/login`,
    method: 'POST',
    connections,
    durationSeconds: seconds,
    headers: signIn.headers,
    body: signIn.body,
    varyHeaders: nextClient,
  });
};
const peerSignInLoad = (connections: number, seconds = SECONDS): Promise<LoadResult> =>
  load({
    url: `${peer.url}/api/auth/sign-in/email`,
    method: 'POST',
    connections,
    durationSeconds: seconds,
    headers: { 'content-type': 'application/json', origin: peer.url },
    body: peer.signInBody(USERS[0]!),
  });

if (wanted('1')) {
  const signInSlices = await besideRaw(async () => {
    const { result, threads } = await withCpu(ours.child.pid!, () => signInLoad(10, sliceSeconds));
    return { done: result.statuses['303'] ?? 0, seconds: result.seconds, threads };
  });
  const oursSignIn = perOperation(signInSlices.slices);
  const rawPerSecond = signInSlices.raw.perSecond;
  const rawCpuPerVerify = signInSlices.raw.cpuMsPerVerify;
  results.rawArgon2 = { perSecond: round(rawPerSecond), cpuMsPerVerify: round(rawCpuPerVerify), concurrency };
  const peerSignIn = await peerSignInLoad(10);
  results.signIn = { ours: { ...oursSignIn, slices: signInSlices.slices }, betterAuth: peerSignIn };
  log('1. sign-in against the hash');
  // Judged by CPU (1b): throughput on two cores shared with the load generator measures the generator too.
  information('1a', 'sign-ins/s at 10 connections ÷ raw verifications/s', oursSignIn.perSecond / rawPerSecond);
  ratio('1b', 'server CPU-ms per sign-in ÷ CPU-ms per raw verification', oursSignIn.cpuMs / rawCpuPerVerify, [0, 1.15]);
  log('2. against Better Auth');
  ratio('2', 'our sign-ins/s ÷ Better Auth’s', oursSignIn.perSecond / peerSignIn.requestsPerSecond, [5, Infinity]);
}

// ---- 3. Session checks ------------------------------------------------------------------------------------
const ourCookie = await ours.session(USERS[1]!);
const peerCookie = await peer.session(USERS[1]!);
/** Requests per second and the service's CPU per request over loads measured with withCpu (11c, 12a). */
const cpuPerRequest = (slices: Array<{ load: LoadResult; threads: Record<string, number> }>) =>
  perOperation(
    slices.map((slice) => ({ done: slice.load.total, seconds: slice.load.seconds, threads: slice.threads })),
  );

const whoAmI = (connections: number, seconds = SECONDS / 2) =>
  load({ url: `${ours.url}/api/session`, connections, durationSeconds: seconds, headers: { cookie: ourCookie } });
const settingsPage = (connections: number, seconds = SECONDS / 2) =>
  load({ url: `${ours.url}/settings/profile`, connections, durationSeconds: seconds, headers: { cookie: ourCookie } });
const getSession = (connections: number, seconds = SECONDS / 2) =>
  load({
    url: `${peer.url}/api/auth/get-session`,
    connections,
    durationSeconds: seconds,
    headers: { cookie: peerCookie },
  });
if (wanted('3')) {
  log('3. session checks');
  const sessionChecks: Record<string, unknown> = {};
  for (const connections of [10, 50]) {
    const [json, page, theirs] = [
      await whoAmI(connections),
      await settingsPage(connections),
      await getSession(connections),
    ];
    sessionChecks[connections] = { whoAmI: json, settingsPage: page, betterAuthGetSession: theirs };
    ratio(
      `3-json-${connections}`,
      `who-am-I req/s ÷ Better Auth get-session, ${connections} connections`,
      json.requestsPerSecond / theirs.requestsPerSecond,
      [1, Infinity],
    );
    ratio(
      `3-page-${connections}`,
      `settings page req/s ÷ Better Auth get-session, ${connections} connections`,
      page.requestsPerSecond / theirs.requestsPerSecond,
      [1, Infinity],
    );
  }
  results.sessionChecks = sessionChecks;
}

// ---- 4. Session checks during a sign-in flood --------------------------------------------------------------
/** A check measured alone, then during a flood. */
const underFlood = async (check: () => Promise<LoadResult>, flood: () => Promise<LoadResult>) => {
  const quiet = await check();
  const [busy] = await Promise.all([check(), flood()]);
  return { quiet, busy };
};
if (wanted('4')) {
  log('4. session checks during a 10-connection sign-in flood');
  const oursFlood = await underFlood(
    () => whoAmI(10, SECONDS),
    () => signInLoad(10, SECONDS),
  );
  const peerFlood = await underFlood(
    () => getSession(10, SECONDS),
    () => peerSignInLoad(10, SECONDS),
  );
  // What a browser opening the log-in page fetches besides the page: the stylesheet.
  const stylesheet = /href="(\/assets\/app\.css[^"]*)"/.exec(await (await fetch(`${ours.url}/login`)).text())![1]!;
  const assetFlood = await underFlood(
    () => load({ url: ours.url + stylesheet, connections: 10, durationSeconds: SECONDS / 2 }),
    () => signInLoad(10, SECONDS / 2),
  );
  results.flood = { ours: oursFlood, betterAuth: peerFlood, stylesheet: assetFlood };
  const peerP99 = `p99 ×${round(peerFlood.busy.p99Ms / peerFlood.quiet.p99Ms, 1)}, throughput ×${round(peerFlood.busy.requestsPerSecond / peerFlood.quiet.requestsPerSecond, 2)}`;
  ratio(
    '4a',
    'session-check p99 under the flood ÷ idle p99',
    oursFlood.busy.p99Ms / oursFlood.quiet.p99Ms,
    [0, 5],
    peerP99,
  );
  ratio(
    '4b',
    'session-check throughput under the flood ÷ idle',
    oursFlood.busy.requestsPerSecond / oursFlood.quiet.requestsPerSecond,
    [0.3, Infinity],
  );
  ratio(
    '4c',
    'stylesheet (the log-in page needs it) throughput under the flood ÷ idle',
    assetFlood.busy.requestsPerSecond / assetFlood.quiet.requestsPerSecond,
    [0.3, Infinity],
  );
}

/** Timings of two kinds of the same thing, in pairs. */
const timingPairs = async (measure: (kind: 'known' | 'unknown') => Promise<number>) => {
  const known: number[] = [];
  const unknown: number[] = [];
  for (let i = 0; i < PAIRS; i++) {
    // Interleaved, and in alternating order, so drift on the machine touches both samples alike.
    const order = i % 2 === 0 ? (['known', 'unknown'] as const) : (['unknown', 'known'] as const);
    for (const kind of order) (kind === 'known' ? known : unknown).push(await measure(kind));
  }
  return { known, unknown };
};

// ---- 5. Forgot password: the same for every address -------------------------------------------------------
if (wanted('5')) {
  log(`5. forgot password, ${PAIRS} interleaved pairs`);
  const forgotForm = async (service: Ours) => {
    const page = await fetch(`${service.url}/forgot-password`);
    const cookie = page.headers
      .getSetCookie()
      .map((line) => line.split(';')[0])
      .join('; ');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
    return (email: string): RequestOptions => ({
      method: 'POST',
      headers: { cookie, origin: PUBLIC_URL, 'content-type': 'application/x-www-form-urlencoded', ...nextClient() },
      body: new URLSearchParams({ _csrf: csrf, email }).toString(),
    });
  };
  const forgotTiming = async (service: Ours) => {
    const form = await forgotForm(service);
    const asked = { known: 0, unknown: 0 };
    const pairs = await timingPairs(
      async (kind) =>
        (
          await timed(
            `${service.url}/forgot-password`,
            form(kind === 'known' ? `seed${++asked.known}@example.com` : `nobody${++asked.unknown}@example.com`),
          )
        ).ms,
    );
    return {
      medianKnownMs: round(median(pairs.known), 3),
      medianUnknownMs: round(median(pairs.unknown), 3),
      ratio: median(pairs.unknown) / median(pairs.known),
      auc: auc(pairs.unknown, pairs.known),
    };
  };
  // What an attacker could time instead of the answer: a request sent the moment the answer arrives, which
  // waits if the service is then busy with the email of an existing address. Each seeded address is asked a
  // second time here, still under its cap of three.
  const followUpTiming = async (service: Ours) => {
    const form = await forgotForm(service);
    const asked = { known: 0, unknown: 0 };
    const pairs = await timingPairs(async (kind) => {
      await request(
        `${service.url}/forgot-password`,
        form(kind === 'known' ? `seed${++asked.known}@example.com` : `nobody-else${++asked.unknown}@example.com`),
      );
      return (await timed(`${service.url}/healthz`, {})).ms;
    });
    return {
      medianKnownMs: round(median(pairs.known), 3),
      medianUnknownMs: round(median(pairs.unknown), 3),
      ratio: median(pairs.unknown) / median(pairs.known),
      auc: auc(pairs.unknown, pairs.known),
    };
  };
  const forgot = await forgotTiming(ours);
  ratio('5a', 'forgot-password median, unknown ÷ existing address', forgot.ratio, [0.95, 1.05], '0.52');
  ratio('5b', 'AUC of telling them apart by time', forgot.auc, [0.4, 0.6], '0.96');
  const followUp = await followUpTiming(ours);
  ratio('5f', 'a request right after the answer: median, unknown ÷ existing address', followUp.ratio, [0.95, 1.05]);
  ratio('5g', 'a request right after the answer: AUC', followUp.auc, [0.4, 0.6]);
  const slowSmtp = await startSmtpSink(20);
  const oursSlowSmtp = await startOurs({ databaseUrl: await ourDatabase(), smtpUrl: slowSmtp.url });
  const forgotSlow = await forgotTiming(oursSlowSmtp);
  await oursSlowSmtp.stop();
  await slowSmtp.close();
  ratio('5c', 'the same, with a 20 ms SMTP server: median ratio', forgotSlow.ratio, [0.95, 1.05], '0.10');
  ratio('5d', 'the same, with a 20 ms SMTP server: AUC', forgotSlow.auc, [0.4, 0.6]);
  const forgotThroughput = async (email: string) => {
    const form = await forgotForm(ours);
    const sample = form(email);
    return load({
      url: `${ours.url}/forgot-password`,
      method: 'POST',
      connections: 10,
      durationSeconds: sliceSeconds,
      headers: sample.headers,
      body: sample.body,
      varyHeaders: nextClient,
    });
  };
  // In turns, in alternating order, like every comparison of throughputs here.
  const throughputs = { existing: [] as LoadResult[], unknown: [] as LoadResult[] };
  for (let i = 0; i < SLICES; i++) {
    for (const kind of i % 2 === 0 ? (['existing', 'unknown'] as const) : (['unknown', 'existing'] as const)) {
      throughputs[kind].push(await forgotThroughput(kind === 'existing' ? USERS[2]! : 'nobody-at-all@example.com'));
    }
  }
  const existingThroughput = perSecond(throughputs.existing);
  const unknownThroughput = perSecond(throughputs.unknown);
  results.forgotPassword = {
    timing: forgot,
    followUp,
    timingWithSlowSmtp: forgotSlow,
    existingPerSecond: round(existingThroughput),
    unknownPerSecond: round(unknownThroughput),
  };
  ratio('5e', 'forgot-password throughput, existing ÷ unknown address', existingThroughput / unknownThroughput, [
    0.9,
    Infinity,
  ]);
}

// ---- 6. Sign-in: unknown address against wrong password ----------------------------------------------------
if (wanted('6')) {
  log(`6. sign-in, unknown address against wrong password, ${PAIRS} interleaved pairs`);
  const signIn = await ours.signInRequest(USERS[3]!);
  const csrf = new URLSearchParams(signIn.body).get('_csrf')!;
  const pairs = await timingPairs(async (kind) => {
    const email = kind === 'known' ? USERS[3]! : `nobody${Math.random()}@example.com`;
    const body = new URLSearchParams({ _csrf: csrf, email, password: 'Wrong-Otter-1' }).toString();
    return (await timed(`${ours.url}/login`, { method: 'POST', headers: { ...signIn.headers, ...nextClient() }, body }))
      .ms;
  });
  results.signInTiming = {
    medianWrongPasswordMs: round(median(pairs.known)),
    medianUnknownMs: round(median(pairs.unknown)),
    auc: round(auc(pairs.unknown, pairs.known), 3),
  };
  ratio(
    '6',
    'sign-in median, unknown address ÷ wrong password',
    median(pairs.unknown) / median(pairs.known),
    [0.95, 1.05],
  );
}

// ---- 7. Change password ------------------------------------------------------------------------------------
if (wanted('7')) {
  log('7. change password (verify the current one, hash the new one)');
  const changerEmails = USERS.slice(4, 10);
  const changers = await ours.passwordChangers(changerEmails);
  const changeSlices = await besideRaw(async () => {
    const before = process.cpuUsage();
    // Until the "password changed" emails of the slice are out (the outbox starts half a second to a second
    // after each change), so that what each change costs includes its email's rendering and delivery.
    const { result, threads } = await withCpu(ours.child.pid!, async () => {
      const run = await changers.run(sliceSeconds);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      return run;
    });
    const spent = process.cpuUsage(before);
    return { ...result, threads, benchCpuMs: (spent.user + spent.system) / 1000 };
  });
  const changes = perOperation(changeSlices.slices);
  // The client and the SMTP sink share the two cores with the service: what they cost is recorded beside.
  const benchCpuMs =
    sum(changeSlices.slices, (slice) => slice.benchCpuMs) / sum(changeSlices.slices, (slice) => slice.done);
  results.changePassword = {
    ...changes,
    benchProcessCpuMs: round(benchCpuMs),
    connections: changerEmails.length,
    raw: changeSlices.raw,
  };
  // A change verifies the current password and hashes the new one: two Argon2id operations. Judged by CPU,
  // all the service's threads, the email included; the throughput is shared with the client and SMTP sink.
  ratio(
    '7',
    'server CPU-ms per password change ÷ CPU-ms of two raw Argon2id operations',
    changes.cpuMs / (2 * changeSlices.raw.cpuMsPerVerify),
    [0, 1.25],
  );
  information('7t', 'change-passwords/s ÷ raw verifications/s', changes.perSecond / changeSlices.raw.perSecond);
}

// ---- 11. OpenID Connect (issue 14) ----------------------------------------------------------------------
// On a service of its own, configured as the main one (SQLite, synchronous=FULL) on a database of its own,
// so that what this section leaves behind (a grown heap, rows) touches no other section: run before it, on
// the main service, the overload of section 9 peaked 46 MiB higher. An app registered through the CLI before
// the service starts signs APP_USER in, a returning user on a known device, from a browser with no session
// of ours: each sign-in verifies the password once.
if (wanted('11')) {
  log('11. OpenID Connect: sign-ins through an app, refresh tokens, userinfo');
  const sectionStarted = performance.now();
  const cores = availableParallelism();
  /** A service of ours on a fresh database with APP_USER and the app, registered before it starts. */
  const withApp = async (url: string) => {
    migrate(url);
    addUsers(url, [APP_USER]);
    const registered = registerApp(url);
    return { registered, service: await startOurs({ databaseUrl: url, smtpUrl: smtp.url }) };
  };
  const { registered: benchApp, service: apps } = await withApp(sqliteUrl());
  const app = appClient(apps, benchApp, new Map([[APP_USER, await knownDevice(apps, APP_USER)]]));
  // One sign-in checked in full, as a relying party would: the ID token's signature, issuer, audience and
  // nonce, and userinfo's answer for its subject. The loads below then check only the status of each step.
  await app.check(await app.signIn(APP_USER));

  // Where one sign-in's time goes, on the idle service, one at a time: the median of each request.
  const steps = new Map<string, number[]>();
  const stepped = appClient(apps, benchApp, new Map([[APP_USER, await knownDevice(apps, APP_USER)]]), (step, ms) =>
    steps.set(step, [...(steps.get(step) ?? []), ms]),
  );
  for (let i = 0; i < 40; i++) await stepped.signIn(APP_USER);
  const stepMedians = Object.fromEntries([...steps].map(([step, ms]) => [step, round(median(ms), 2)]));
  log(
    `  one sign-in, idle, median ms per request: ${Object.entries(stepMedians)
      .map(([step, ms]) => `${step} ${ms}`)
      .join(', ')}`,
  );

  // 11a, in turns with the raw hash, like 1a: ten browsers signing in at once, each one sign-in after another.
  const appSignIns = await besideRaw(async () => {
    const before = process.cpuUsage();
    const { result, threads } = await withCpu(apps.child.pid!, () => signInLoop(app, APP_USER, 10, sliceSeconds));
    const spent = process.cpuUsage(before);
    return { ...result, threads, benchCpuMs: (spent.user + spent.system) / 1000 };
  });
  const appSignIn = perOperation(appSignIns.slices);
  const appSignInBenchCpuMs =
    sum(appSignIns.slices, (slice) => slice.benchCpuMs) / sum(appSignIns.slices, (slice) => slice.done);
  ratio(
    '11a',
    'sign-ins through an app (GET /oidc/auth … tokens from /oidc/token)/s, 10 at a time ÷ raw verifications/s',
    appSignIn.perSecond / appSignIns.raw.perSecond,
    [0.8, Infinity],
  );
  information(
    '11a-cpu',
    'server CPU-ms per sign-in through an app ÷ CPU-ms per raw verification',
    appSignIn.cpuMs / appSignIns.raw.cpuMsPerVerify,
  );
  log(
    `  ${round(appSignIn.perSecond)} sign-ins/s against ${round(appSignIns.raw.perSecond)} raw verifications/s; server CPU-ms per sign-in ${round(appSignIn.cpuMs)} (${Object.entries(
      appSignIn.cpuMsByThread,
    )
      .map(([name, ms]) => `${name} ${ms}`)
      .join(', ')}), benchmark process ${round(appSignInBenchCpuMs)}`,
  );

  // 11b: refresh-token chains, each refreshed by a worker of its own (reusing a token would end its grant),
  // on each database the bench has, in turns in alternating order, so that drift touches them alike.
  const CHAINS = 20;
  interface RefreshSetup {
    name: string;
    label: string;
    service: Ours;
    client: AppClient;
    chains: string[];
    /** The database server's processes that serve this service, for PostgreSQL: their CPU is counted too. */
    serverPids?: () => Promise<number[]>;
    close(): Promise<void>;
    slices: Array<{ done: number; seconds: number; threads: Record<string, number>; serverCpuMs: number }>;
    latenciesMs: number[];
  }
  const setups: RefreshSetup[] = [];
  const prepare = async (
    setup: Omit<RefreshSetup, 'client' | 'chains' | 'slices' | 'latenciesMs'>,
    registered: BenchApp,
  ): Promise<void> => {
    const client = appClient(
      setup.service,
      registered,
      new Map([[APP_USER, await knownDevice(setup.service, APP_USER)]]),
    );
    const chains: string[] = [];
    for (let i = 0; i < CHAINS; i++) chains.push((await client.signIn(APP_USER, { offline: true })).refresh_token!);
    setups.push({ ...setup, client, chains, slices: [], latenciesMs: [] });
  };
  await prepare({ name: 'sqlite', label: 'SQLite (synchronous=FULL)', service: apps, close: async () => {} }, benchApp);
  if (await postgresUp()) {
    const database = await postgresDatabase(POSTGRES, 'sc_bench_oidc');
    const { registered: postgresApp, service } = await withApp(database.url);
    const watcher = new pg.Client({ connectionString: POSTGRES });
    await watcher.connect();
    const serverPids = async () =>
      (
        await watcher.query<{ pid: number }>(
          'select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
          ['sc_bench_oidc'],
        )
      ).rows.map((row) => row.pid);
    const close = async () => {
      await service.stop();
      await watcher.end();
      await database.drop();
    };
    await prepare(
      { name: 'postgres', label: 'PostgreSQL (synchronous_commit=on)', service, serverPids, close },
      postgresApp,
    );
  }
  // For information: the same SQLite in memory (tmpfs, where an fsync returns at once), to show what waiting
  // for the disk costs a rotation. The service and its settings are the same; only the disk is gone.
  const memoryDirectory = mkdtempSync('/dev/shm/sc-bench-');
  const memory = await withApp(`sqlite:${join(memoryDirectory, 'app.db')}`);
  await prepare(
    {
      name: 'sqliteOnTmpfs',
      label: 'SQLite on tmpfs (no disk to wait for), for comparison',
      service: memory.service,
      close: async () => {
        await memory.service.stop();
        rmSync(memoryDirectory, { recursive: true, force: true });
      },
    },
    memory.registered,
  );
  const serverCpu = async (setup: RefreshSetup) =>
    setup.serverPids ? cpuMsOfProcesses(await setup.serverPids()) : new Map<number, number>();
  for (let i = 0; i < SLICES; i++) {
    for (const setup of i % 2 === 0 ? setups : [...setups].reverse()) {
      const before = await serverCpu(setup);
      const { result, threads } = await withCpu(setup.service.child.pid!, () =>
        refreshChains(setup.client, setup.chains, sliceSeconds),
      );
      const after = await serverCpu(setup);
      const serverCpuMs = sum([...after], ([pid, ms]) => ms - (before.get(pid) ?? 0));
      setup.slices.push({ done: result.done, seconds: result.seconds, threads, serverCpuMs });
      setup.latenciesMs.push(...result.latenciesMs);
    }
  }
  const refresh: Record<string, unknown> = {};
  for (const setup of setups) {
    await setup.close();
    const grants = perOperation(setup.slices);
    // The database server shares the cores with the service: what it spent per grant is counted beside.
    const serverCpuMs = sum(setup.slices, (slice) => slice.serverCpuMs) / sum(setup.slices, (slice) => slice.done);
    const measured = {
      ...grants,
      perCore: grants.perSecond / cores,
      databaseServerCpuMs: round(serverCpuMs),
      p50Ms: round(median(setup.latenciesMs)),
      p99Ms: round(percentile(setup.latenciesMs, 99)),
      chains: CHAINS,
    };
    refresh[setup.name] = measured;
    const what = `${setup.label}: refresh-token grants/s with rotation, ${CHAINS} chains, per core`;
    if (setup.name === 'sqliteOnTmpfs') information('11b-tmpfs', what, measured.perCore);
    else ratio(`11b-${setup.name}`, what, measured.perCore, [600, Infinity]);
    information(
      `11b-${setup.name}-cpu`,
      `${setup.label}: grants per CPU-second of the service${setup.serverPids ? ' and PostgreSQL' : ''}`,
      1000 / (grants.cpuMs + serverCpuMs),
    );
    log(
      `  ${setup.name}: ${round(grants.perSecond)} grants/s, p50 ${measured.p50Ms} ms, p99 ${measured.p99Ms} ms; CPU-ms per grant: service ${round(grants.cpuMs)}${setup.serverPids ? `, PostgreSQL ${measured.databaseServerCpuMs}` : ''}`,
    );
  }

  // 11c: userinfo with a Bearer access token against the session check with a cookie (section 3's), in turns.
  const bearer = { authorization: `Bearer ${(await app.signIn(APP_USER)).access_token}` };
  const cookie = { cookie: await apps.session(APP_USER) };
  const sessionCheck = (connections: number, seconds: number) =>
    load({ url: `${apps.url}/api/session`, connections, durationSeconds: seconds, headers: cookie });
  const userinfo = (connections: number, seconds: number) =>
    load({ url: `${apps.url}/oidc/me`, connections, durationSeconds: seconds, headers: bearer }).then((result) => {
      if ((result.statuses['200'] ?? 0) !== result.total)
        throw new Error(`userinfo answered ${JSON.stringify(result.statuses)}`);
      return result;
    });
  const turns = {
    userinfo: [] as Array<{ load: LoadResult; threads: Record<string, number> }>,
    session: [] as Array<{ load: LoadResult; threads: Record<string, number> }>,
  };
  for (let i = 0; i < SLICES; i++) {
    for (const kind of i % 2 === 0 ? (['userinfo', 'session'] as const) : (['session', 'userinfo'] as const)) {
      const { result, threads } = await withCpu(apps.child.pid!, () =>
        kind === 'userinfo' ? userinfo(10, sliceSeconds) : sessionCheck(10, sliceSeconds),
      );
      turns[kind].push({ load: result, threads });
    }
  }
  const userinfoChecks = cpuPerRequest(turns.userinfo);
  const sessionChecks = cpuPerRequest(turns.session);
  ratio(
    '11c',
    'userinfo (Bearer access token) req/s ÷ /api/session (session cookie) req/s, 10 connections',
    userinfoChecks.perSecond / sessionChecks.perSecond,
    [0.8, Infinity],
  );
  log(
    `  userinfo ${round(userinfoChecks.perSecond)} req/s at ${round(userinfoChecks.cpuMs, 3)} server CPU-ms each, /api/session ${round(sessionChecks.perSecond)} req/s at ${round(sessionChecks.cpuMs, 3)}`,
  );

  // 11d: userinfo's latency while password sign-ins keep the hashing threads busy, as 4a for the session.
  const flood = await underFlood(
    () => userinfo(10, SECONDS),
    () => signInLoad(10, SECONDS, apps, APP_USER),
  );
  ratio(
    '11d',
    'userinfo p99 during a 10-connection sign-in flood ÷ idle p99',
    flood.busy.p99Ms / flood.quiet.p99Ms,
    [0, 5],
  );
  information(
    '11d-throughput',
    'userinfo throughput during the flood ÷ idle',
    flood.busy.requestsPerSecond / flood.quiet.requestsPerSecond,
  );
  await apps.stop();
  const sectionSeconds = (performance.now() - sectionStarted) / 1000;
  log(`  section 11 took ${round(sectionSeconds)} s`);
  results.oidc = {
    seconds: round(sectionSeconds),
    stepMediansMs: stepMedians,
    signIn: {
      ...appSignIn,
      benchProcessCpuMs: round(appSignInBenchCpuMs),
      raw: appSignIns.raw,
      slices: appSignIns.slices,
    },
    refresh,
    userinfo: { userinfo: userinfoChecks, session: sessionChecks, turns },
    userinfoFlood: flood,
  };
}

// ---- 12. Forward-auth ---------------------------------------------------------------------------------------
// GET /auth/check, which nginx, Traefik or Caddy ask before every request to an app they guard: the session
// check of /api/session, answered with the identity in headers and no body. On the main service, with the
// cookie of section 3 (the floods sign another account in, as in section 4). Both parts run in rounds, what
// is compared side by side within each, in alternating order, and are judged by the median of the rounds'
// ratios: a burst of another tenant's work on this shared machine then spoils a round, not the result.
if (wanted('12')) {
  log('12. forward-auth: /auth/check beside /api/session, then during sign-in floods');
  const sectionStarted = performance.now();
  // Recorded beside the ratios: the service and the benchmark alone keep it near 2 to 3 during a flood, and
  // more says another tenant's work shared the two cores.
  const loadAverages = [loadavg()[0]!];
  await checkForwardAuth(ours.url, ourCookie, USERS[1]!);
  const checks = {
    forwardAuth: (seconds: number) => forwardAuthLoad(ours.url, ourCookie, 10, seconds),
    session: async (seconds: number) => {
      const result = await whoAmI(10, seconds);
      if ((result.statuses['200'] ?? 0) !== result.total)
        throw new Error(`/api/session answered ${JSON.stringify(result.statuses)}`);
      return result;
    },
  };
  const inTurn = (i: number) =>
    i % 2 === 0 ? (['forwardAuth', 'session'] as const) : (['session', 'forwardAuth'] as const);

  // 12a: throughput in turns, as 11c, in rounds of half a slice, so that the two of a round are a second apart.
  const ROUNDS = 2 * SLICES;
  const turns = {
    forwardAuth: [] as Array<{ load: LoadResult; threads: Record<string, number> }>,
    session: [] as Array<{ load: LoadResult; threads: Record<string, number> }>,
  };
  for (let i = 0; i < ROUNDS; i++) {
    for (const kind of inTurn(i)) {
      const { result, threads } = await withCpu(ours.child.pid!, () => checks[kind](sliceSeconds / 2));
      turns[kind].push({ load: result, threads });
    }
  }
  const throughputRatios = turns.forwardAuth.map(
    (turn, i) => perSecond([turn.load]) / perSecond([turns.session[i]!.load]),
  );
  const forwardAuthCpu = cpuPerRequest(turns.forwardAuth);
  const sessionCpu = cpuPerRequest(turns.session);
  ratio(
    '12a',
    `/auth/check req/s ÷ /api/session req/s (session cookie), 10 connections, median of ${ROUNDS} rounds`,
    median(throughputRatios),
    [0.9, Infinity],
  );
  log(
    `  rounds ${throughputRatios.map((value) => round(value, 2)).join(', ')}; /auth/check ${round(forwardAuthCpu.perSecond)} req/s at ${round(forwardAuthCpu.cpuMs, 3)} server CPU-ms each, /api/session ${round(sessionCpu.perSecond)} req/s at ${round(sessionCpu.cpuMs, 3)}`,
  );
  loadAverages.push(loadavg()[0]!);

  // 12b: as 4a and 11d, 10 connections idle, then beside password sign-ins (POST /login) from 10 connections,
  // which keep both hashing threads busy and their queue never empty; /api/session measured the same way in
  // the same rounds, for information. 12b-full: sign-ins beyond the queue's limit (HASH_QUEUE_LIMIT's 64 and
  // the two per hashing thread handed in advance), so that it stays full and the excess is shed with 503.
  const drainer = await ours.signInRequest(USERS[0]!);
  /** Returns once the sign-ins still queued when a flood stopped are through: the hashing queue is first in,
   * first out, so one more sign-in answered means every one before it was. */
  const drained = async () => {
    for (let tries = 0; tries < 100; tries++) {
      const { status } = await request(`${ours.url}/login`, {
        method: 'POST',
        headers: { ...drainer.headers, ...nextClient() },
        body: drainer.body,
      });
      if (status !== 503) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('the hashing queue did not drain');
  };
  interface FloodRound {
    quiet: LoadResult;
    busy: LoadResult;
    signIns: LoadResult;
  }
  const floodRounds = async (connections: number, rounds: number) => {
    const measured = { forwardAuth: [] as FloodRound[], session: [] as FloodRound[] };
    for (let i = 0; i < rounds; i++) {
      for (const kind of inTurn(i)) {
        let signIns: LoadResult | undefined;
        const { quiet, busy } = await underFlood(
          () => checks[kind](sliceSeconds),
          () => signInLoad(connections, sliceSeconds).then((result) => (signIns = result)),
        );
        measured[kind].push({ quiet, busy, signIns: signIns! });
        await drained();
      }
    }
    const summary = (kind: keyof typeof measured) => ({
      p99Ratio: median(measured[kind].map((one) => one.busy.p99Ms / one.quiet.p99Ms)),
      throughputRatio: median(measured[kind].map((one) => one.busy.requestsPerSecond / one.quiet.requestsPerSecond)),
      medianMs: {
        idleP50: median(measured[kind].map((one) => one.quiet.p50Ms)),
        idleP99: median(measured[kind].map((one) => one.quiet.p99Ms)),
        floodP50: median(measured[kind].map((one) => one.busy.p50Ms)),
        floodP99: median(measured[kind].map((one) => one.busy.p99Ms)),
      },
    });
    const floods = [...measured.forwardAuth, ...measured.session].map((one) => one.signIns);
    return {
      connections,
      forwardAuth: summary('forwardAuth'),
      session: summary('session'),
      signInsPerSecond: sum(floods, (flood) => flood.statuses['303'] ?? 0) / sum(floods, (flood) => flood.seconds),
      shed: sum(floods, (flood) => flood.statuses['503'] ?? 0),
      rounds: measured,
    };
  };
  const floodLine = (flood: Awaited<ReturnType<typeof floodRounds>>) =>
    `  ${flood.connections}-connection flood, ${round(flood.signInsPerSecond)} sign-ins/s, ${flood.shed} shed with 503; median p50/p99 ms idle → flood: /auth/check ${flood.forwardAuth.medianMs.idleP50}/${flood.forwardAuth.medianMs.idleP99} → ${flood.forwardAuth.medianMs.floodP50}/${flood.forwardAuth.medianMs.floodP99}, /api/session ${flood.session.medianMs.idleP50}/${flood.session.medianMs.idleP99} → ${flood.session.medianMs.floodP50}/${flood.session.medianMs.floodP99}`;
  const flood = await floodRounds(10, SLICES);
  ratio(
    '12b',
    `/auth/check p99 during a 10-connection sign-in flood ÷ idle p99, median of ${SLICES} rounds`,
    flood.forwardAuth.p99Ratio,
    [0, 5],
  );
  information('12b-throughput', '/auth/check throughput during the flood ÷ idle', flood.forwardAuth.throughputRatio);
  information('12b-session', '/api/session p99 during the same flood ÷ idle p99 (as 4a)', flood.session.p99Ratio);
  log(floodLine(flood));
  loadAverages.push(loadavg()[0]!);
  const queueFilling = 2 * concurrency + 64 + 30;
  const fullFlood = await floodRounds(queueFilling, Math.ceil(SLICES / 2));
  information(
    '12b-full',
    `/auth/check p99 during a ${queueFilling}-connection sign-in flood (hashing queue full) ÷ idle p99`,
    fullFlood.forwardAuth.p99Ratio,
  );
  information(
    '12b-full-throughput',
    '/auth/check throughput during that flood ÷ idle',
    fullFlood.forwardAuth.throughputRatio,
  );
  information('12b-full-session', '/api/session p99 during that flood ÷ idle p99', fullFlood.session.p99Ratio);
  log(floodLine(fullFlood));
  const sectionSeconds = (performance.now() - sectionStarted) / 1000;
  loadAverages.push(loadavg()[0]!);
  log(
    `  section 12 took ${round(sectionSeconds)} s; 1-minute load average ${loadAverages.map((value) => round(value)).join(' → ')}`,
  );
  results.forwardAuth = {
    seconds: round(sectionSeconds),
    loadAverages,
    throughput: { ratios: throughputRatios, forwardAuth: forwardAuthCpu, session: sessionCpu, turns },
    flood,
    fullFlood,
  };
}

// ---- 13. Two-step verification --------------------------------------------------------------------------
// The CPU of a whole sign-in with an authenticator app's code (the log-in page, the password, the second
// step's page, the code) against a sign-in with the password alone (the page, the password), one at a time so
// that the service's CPU counts them and nothing else, in rounds of twenty of each in alternating order. Each
// account signs in once (a code is accepted once per step), from a browser new to it, so both insert a
// known device and neither is throttled. 13b compares "Sign in with a passkey" with the password's sign-in
// the same way, with passkeys made by a software authenticator (test/support/authenticator.ts).
if (wanted('13')) {
  log('13. two-step verification: the CPU of a sign-in with a code, and with a passkey, beside the password');
  // /proc reads CPU in 10 ms ticks: twenty sign-ins a batch keep that within a few percent.
  const ROUNDS = 10;
  const PER_ROUND = 20;
  const count = ROUNDS * PER_ROUND;
  const accounts = {
    password: twoStepAccounts(databaseUrl, { prefix: 'bench-pwd', count, passwordHash: phc, withApp: false }),
    code: twoStepAccounts(databaseUrl, { prefix: 'bench-otp', count, passwordHash: phc, withApp: true }),
  };
  const cpu = { password: [] as number[], code: [] as number[] };
  const pid = ours.child.pid!;
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? (['password', 'code'] as const) : (['code', 'password'] as const);
    for (const kind of order) {
      const before = cpuMs(pid);
      for (let i = 0; i < PER_ROUND; i++) {
        const account = accounts[kind][round * PER_ROUND + i]!;
        await signInAs(ours.url, account.email, account.secret);
      }
      cpu[kind].push((cpuMs(pid) - before) / PER_ROUND);
    }
  }
  const roundRatios = cpu.code.map((ms, i) => ms / cpu.password[i]!);
  ratio(
    '13a',
    `server CPU of a sign-in with an authenticator app's code ÷ of one with the password alone, median of ${ROUNDS} rounds`,
    median(roundRatios),
    [0, 1.05],
  );
  log(
    `  per sign-in: with the code ${round(median(cpu.code), 2)} CPU-ms, password alone ${round(median(cpu.password), 2)} CPU-ms (medians); rounds ${roundRatios.map((value) => round(value, 3)).join(', ')}`,
  );

  // 13b: "Sign in with a passkey" (the log-in page, the passkey's answer: no hash) against the password's
  // sign-in, with as many fresh password accounts again, in the same rounds.
  const passkeys = await passkeyAccounts(databaseUrl, { prefix: 'bench-key', count, passwordHash: phc });
  const others = twoStepAccounts(databaseUrl, { prefix: 'bench-again', count, passwordHash: phc, withApp: false });
  const passkeyCpu = { passkey: [] as number[], password: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? (['password', 'passkey'] as const) : (['passkey', 'password'] as const);
    for (const kind of order) {
      const before = cpuMs(pid);
      for (let i = 0; i < PER_ROUND; i++) {
        const n = round * PER_ROUND + i;
        if (kind === 'passkey') await passkeySignIn(ours.url, passkeys[n]!.authenticator);
        else await signInAs(ours.url, others[n]!.email);
      }
      passkeyCpu[kind].push((cpuMs(pid) - before) / PER_ROUND);
    }
  }
  const passkeyRatios = passkeyCpu.passkey.map((ms, i) => ms / passkeyCpu.password[i]!);
  ratio(
    '13b',
    `server CPU of a sign-in with a passkey alone ÷ of one with the password, median of ${ROUNDS} rounds`,
    median(passkeyRatios),
    [0, 0.2],
  );
  log(
    `  per sign-in: passkey ${round(median(passkeyCpu.passkey), 2)} CPU-ms, password ${round(median(passkeyCpu.password), 2)} CPU-ms (medians); rounds ${passkeyRatios.map((value) => round(value, 3)).join(', ')}`,
  );
  results.twoStep = {
    cpuMsPerSignIn: { code: cpu.code.map((ms) => round(ms, 2)), password: cpu.password.map((ms) => round(ms, 2)) },
    roundRatios: roundRatios.map((value) => round(value, 3)),
    passkey: {
      cpuMsPerSignIn: {
        passkey: passkeyCpu.passkey.map((ms) => round(ms, 2)),
        password: passkeyCpu.password.map((ms) => round(ms, 2)),
      },
      roundRatios: passkeyRatios.map((value) => round(value, 3)),
    },
  };
}

// ---- 9. Overload ------------------------------------------------------------------------------------------
if (wanted('9')) {
  log('9. overload: 400 concurrent sign-ins for 20 s');
  const overload = async (pid: number, run: () => Promise<LoadResult>) => {
    resetPeak(pid);
    const result = await run();
    return { result, peakRssMiB: memoryMiB(pid).peak };
  };
  const oursOverload = await overload(ours.child.pid!, () => signInLoad(400, 20));
  const oursAlive = (await fetch(`${ours.url}/healthz`)).status === 200;
  const peerOverload = await overload(peer.child.pid!, () => peerSignInLoad(400, 20));
  results.overload = { ours: { ...oursOverload, aliveAfter: oursAlive }, betterAuth: peerOverload };
  ratio('9a', 'service still answering after the overload (1 = yes)', oursAlive ? 1 : 0, [1, 1]);
  ratio('9b', 'share of the excess shed with 503', (oursOverload.result.statuses['503'] ?? 0) > 0 ? 1 : 0, [1, 1]);
  ratio(
    '9c',
    'our peak RSS ÷ Better Auth’s, same overload',
    oursOverload.peakRssMiB / peerOverload.peakRssMiB,
    [0, 0.6],
  );
  ratio('9d', 'our idle RSS ÷ Better Auth’s', idle.ours / idle.betterAuth, [0, 1]);
}
await ours.stop();
await peer.stop();

// ---- 8. Growth ----------------------------------------------------------------------------------------------
if (wanted('8')) {
  log(`8. growth: ${GROWTH.toLocaleString('en')} users and sessions against 1,000`);
  const growth: Record<string, unknown> = {};
  for (const backend of (await postgresUp()) ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const)) {
    // Both sizes run side by side and are asked in turn, so drift on a shared machine touches both alike.
    const sizes = [1000, GROWTH] as const;
    const setups = [];
    for (const size of sizes) {
      const started = performance.now();
      const database =
        backend === 'sqlite'
          ? { url: sqliteUrl(), drop: async () => undefined }
          : await postgresDatabase(POSTGRES, `sc_bench_${size}`);
      await seed(database.url, size, phc);
      addUsers(database.url, [USERS[0]!]);
      log(
        `  ${backend}: ${size.toLocaleString('en')} users and sessions seeded in ${round((performance.now() - started) / 1000, 1)} s`,
      );
      const service = await startOurs({ databaseUrl: database.url, smtpUrl: smtp.url });
      setups.push({
        size,
        database,
        service,
        request: await service.signInRequest(USERS[0]!),
        cookie: await service.session(USERS[0]!),
        signIns: [] as number[],
        pages: [] as number[],
      });
    }
    for (let round_ = 0; round_ < 400; round_++) {
      for (const setup of round_ % 2 === 0 ? setups : [...setups].reverse()) {
        if (round_ < 120)
          setup.signIns.push(
            (
              await timed(`${setup.service.url}/login`, {
                method: 'POST',
                headers: { ...setup.request.headers, ...nextClient() },
                body: setup.request.body,
              })
            ).ms,
          );
        setup.pages.push(
          (await timed(`${setup.service.url}/settings/profile`, { headers: { cookie: setup.cookie } })).ms,
        );
      }
    }
    const latencies: Record<number, { signInMs: number; settingsMs: number; settingsP90Ms: number }> = {};
    for (const setup of setups) {
      await setup.service.stop();
      await setup.database.drop();
      latencies[setup.size] = {
        signInMs: round(median(setup.signIns), 3),
        settingsMs: round(median(setup.pages), 3),
        settingsP90Ms: round(percentile(setup.pages, 90), 3),
      };
      log(
        `  ${backend}, ${setup.size.toLocaleString('en')} users: sign-in ${latencies[setup.size]!.signInMs} ms, settings page ${latencies[setup.size]!.settingsMs} ms (p90 ${latencies[setup.size]!.settingsP90Ms} ms)`,
      );
    }
    growth[backend] = latencies;
    ratio(
      `8-${backend}-sign-in`,
      `${backend}: sign-in latency, ${GROWTH.toLocaleString('en')} ÷ 1,000 users`,
      latencies[GROWTH]!.signInMs / latencies[1000]!.signInMs,
      [0, 1.2],
    );
    ratio(
      `8-${backend}-page`,
      `${backend}: settings-page latency, ${GROWTH.toLocaleString('en')} ÷ 1,000 users`,
      latencies[GROWTH]!.settingsMs / latencies[1000]!.settingsMs,
      [0, 1.2],
    );
  }
  results.growth = growth;
}

// ---- 10. Stored parameters --------------------------------------------------------------------------------
log('10. stored parameters and start-up');
ratio('10a', `stored Argon2id memory (KiB) ÷ OWASP's 19456 (t=${t}, p=${p})`, m / 19456, [1, Infinity]);
ratio('10b', 'stored Argon2id passes ÷ OWASP’s 2', t / 2, [1, Infinity]);
log(`  start-up to /healthz: ours ${round(ours.startupMs)} ms, Better Auth ${round(peer.startupMs)} ms`);
await smtp.close();

results.ratios = ratios;
mkdirSync('bench/results', { recursive: true });
const file = `bench/results/${new Date().toISOString().replace(/[:.]/g, '-')}${ONLY ? `-only-${ONLY.join('-')}` : ''}.json`;
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
if (ONLY === undefined) writeFileSync('bench/results/latest.json', `${JSON.stringify(results, null, 2)}\n`);
const failed = ratios.filter((entry) => !entry.pass);
log(`\n${ratios.length - failed.length} of ${ratios.length} ratios within target; results in ${file}`);
