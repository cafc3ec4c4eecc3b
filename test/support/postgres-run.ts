// vitest globalSetup of the PostgreSQL run: one database of its own per run, dropped at the end, so runs
// never share state. Tests create a schema each inside it (test/support/database.ts).
import pg from 'pg';
import type { TestProject } from 'vitest/node';

export const postgresServerUrl = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export async function isPostgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: postgresServerUrl, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export default async function setup(project: TestProject) {
  const name = `sc_test_${Date.now().toString(36)}_${process.pid}`;
  const admin = new pg.Client({ connectionString: postgresServerUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(postgresServerUrl);
  url.pathname = `/${name}`;
  project.provide('postgresRunUrl', url.href);
  return async () => {
    const client = new pg.Client({ connectionString: postgresServerUrl });
    await client.connect();
    await client.query(`drop database if exists ${name} with (force)`);
    await client.end();
  };
}
