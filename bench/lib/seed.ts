// Fills a database with `count` users and as many sessions, in one statement each, on the server side:
// a million rows take seconds, not an hour of inserts. Every seeded user has the same password hash.
import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import pg from 'pg';

export function migrate(databaseUrl: string): void {
  const result = spawnSync(process.execPath, ['src/cli/main.ts', 'db', 'migrate'], {
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`db migrate: ${result.stderr}`);
}

export async function seed(databaseUrl: string, count: number, passwordHash: string): Promise<void> {
  migrate(databaseUrl);
  const now = Date.now();
  if (databaseUrl.startsWith('sqlite:')) {
    const db = new Database(databaseUrl.slice('sqlite:'.length));
    db.pragma('journal_mode = WAL');
    db.exec('BEGIN');
    db.prepare(
      `WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < ?)
       INSERT INTO users (id, email, name, locale, password_hash, disabled_at, created_at, updated_at)
       SELECT printf('seed-%d', i), printf('seed%d@example.com', i), 'Seeded User', 'en', ?, NULL, ?, ? FROM g`,
    ).run(count, passwordHash, now, now);
    db.prepare(
      `WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < ?)
       INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, client_address, user_agent)
       SELECT printf('%064d', i), printf('seed-%d', i), ?, ?, '10.0.0.1', 'seed' FROM g`,
    ).run(count, now, now);
    db.exec('COMMIT');
    db.close();
    return;
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query('BEGIN');
  await client.query(
    `INSERT INTO users (id, email, name, locale, password_hash, disabled_at, created_at, updated_at)
     SELECT 'seed-' || g, 'seed' || g || '@example.com', 'Seeded User', 'en', $2, NULL, $3, $3 FROM generate_series(1, $1::int) g`,
    [count, passwordHash, now],
  );
  await client.query(
    `INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, client_address, user_agent)
     SELECT lpad(g::text, 64, '0'), 'seed-' || g, $2, $2, '10.0.0.1', 'seed' FROM generate_series(1, $1::int) g`,
    [count, now],
  );
  await client.query('COMMIT');
  await client.query('ANALYZE');
  await client.end();
}

/** A fresh PostgreSQL database for one measurement, and how to drop it. */
export async function postgresDatabase(
  serverUrl: string,
  name: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}
