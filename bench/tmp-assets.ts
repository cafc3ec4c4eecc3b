import { addUsers, sqliteUrl, startOurs } from './lib/systems.ts';
import { startSmtpSink } from './lib/smtp-sink.ts';
import { load, nextClient } from './lib/load.ts';
const smtp = await startSmtpSink();
const databaseUrl = sqliteUrl();
addUsers(databaseUrl, ['a@example.com']);
const ours = await startOurs({ databaseUrl, smtpUrl: smtp.url });
const login = await (await fetch(`${ours.url}/login`)).text();
const css = /href="(\/assets\/app\.css[^"]*)"/.exec(login)![1]!;
const request = await ours.signInRequest('a@example.com');
const cookie = await ours.session('a@example.com');
const check = (url: string, headers = {}) => load({ url, connections: 4, durationSeconds: 5, headers });
const flood = () => load({ url: `${ours.url}/login`, method: 'POST', connections: 10, durationSeconds: 5, headers: request.headers, body: request.body, varyHeaders: nextClient });
for (const [name, url, headers] of [['css', ours.url + css, {}], ['login page', ours.url + '/login', {}], ['who-am-I', ours.url + '/api/session', { cookie }]] as const) {
  const quiet = await check(url, headers);
  const [busy] = await Promise.all([check(url, headers), flood()]);
  console.log(name, 'quiet p50/p99', quiet.p50Ms, quiet.p99Ms, quiet.requestsPerSecond, '| flood p50/p99', busy.p50Ms, busy.p99Ms, busy.requestsPerSecond);
}
await ours.stop(); await smtp.close();
