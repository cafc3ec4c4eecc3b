// Where one operation's CPU time goes, thread by thread, user and kernel time apart (what `npm run bench`
// sums into one number per thread), for a closer look at a ratio. On 127.0.0.1, bounded in time.
// Usage: node bench/profile.ts sign-in|change-password [seconds, default 5]
// PROFILE_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/profiles" also has the service write a V8 CPU profile
// when it stops (open it in Chrome DevTools).
import { load, nextClient } from './lib/load.ts';
import { cpuMsByThread } from './lib/processes.ts';
import { migrate } from './lib/seed.ts';
import { startSmtpSink } from './lib/smtp-sink.ts';
import { addUsers, sqliteUrl, startOurs } from './lib/systems.ts';

const [operation = '', secondsText = '5'] = process.argv.slice(2);
if (operation !== 'sign-in' && operation !== 'change-password') {
  console.error('usage: node bench/profile.ts sign-in|change-password [seconds]');
  process.exit(2);
}
const seconds = Number(secondsText);
const emails = Array.from({ length: 6 }, (_, i) => `user${i}@example.com`);

const smtp = await startSmtpSink();
const databaseUrl = sqliteUrl();
migrate(databaseUrl);
addUsers(databaseUrl, emails);
const nodeOptions = process.env.PROFILE_NODE_OPTIONS;
const ours = await startOurs({ databaseUrl, smtpUrl: smtp.url, env: nodeOptions ? { NODE_OPTIONS: nodeOptions } : {} });
const pid = ours.child.pid!;

/** Prepares the load (sessions, forms), then returns what runs it: it resolves to the operations done. */
const prepare = async (): Promise<() => Promise<number>> => {
  if (operation === 'sign-in') {
    const signIn = await ours.signInRequest(emails[0]!);
    return async () => {
      const result = await load({
        url: `${ours.url}/login`,
        method: 'POST',
        connections: 10,
        durationSeconds: seconds,
        headers: signIn.headers,
        body: signIn.body,
        varyHeaders: nextClient,
      });
      return result.statuses['303'] ?? 0;
    };
  }
  const changers = await ours.passwordChangers(emails);
  // Signing the changers in queued no email: every email received from here on is a change's notification.
  const sentBefore = smtp.received();
  return async () => {
    const { done } = await changers.run(seconds);
    // Wait for the outbox to send the notifications, so that their cost is counted.
    const deadline = performance.now() + 10_000;
    while (smtp.received() - sentBefore < done && performance.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    return done;
  };
};
const run = await prepare();

const before = { user: cpuMsByThread(pid, 'user'), system: cpuMsByThread(pid, 'system'), bench: process.cpuUsage() };
const done = await run();
const after = {
  user: cpuMsByThread(pid, 'user'),
  system: cpuMsByThread(pid, 'system'),
  bench: process.cpuUsage(before.bench),
};

const perOperation = (ms: number) => (ms / done).toFixed(2).padStart(6);
console.log(`${operation}: ${done} in ${seconds} s; CPU-ms per operation`);
console.log('thread            user  system');
for (const name of Object.keys(after.user)) {
  const user = after.user[name]! - (before.user[name] ?? 0);
  const system = after.system[name]! - (before.system[name] ?? 0);
  if (user + system >= done * 0.01) console.log(`${name.padEnd(15)} ${perOperation(user)}  ${perOperation(system)}`);
}
console.log(
  `${'(bench client)'.padEnd(15)} ${perOperation(after.bench.user / 1000)}  ${perOperation(after.bench.system / 1000)}`,
);

await ours.stop();
await smtp.close();
