// Better Auth on SQLite, as its documentation sets it up, for `npm run bench` to measure beside our service.
// Usage: PORT=… DB=/tmp/peer.db USERS=10 node server.mjs   (prints "ready" when it listens)
import { createServer } from 'node:http';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import Database from 'better-sqlite3';

const port = Number(process.env.PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;
const database = new Database(process.env.DB ?? ':memory:');
database.pragma('journal_mode = WAL');

const auth = betterAuth({
  database,
  baseURL,
  secret: 'bench-secret-bench-secret-bench-secret-0123456789',
  emailAndPassword: { enabled: true },
  // Like our service in the benchmark, no rate limit stands between the load and the password hash.
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
});

const { runMigrations } = await getMigrations(auth.options);
await runMigrations();
for (let i = 0; i < Number(process.env.USERS ?? 10); i++) {
  await auth.api
    .signUpEmail({ body: { email: `user${i}@example.com`, password: 'Velvet-Otter-9', name: `User ${i}` } })
    .catch(() => undefined);
}
createServer(toNodeHandler(auth)).listen(port, '127.0.0.1', () => console.log('ready'));
