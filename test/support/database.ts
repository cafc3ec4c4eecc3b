// A fresh, empty database for one test: a SQLite file in a temporary folder, or, in the PostgreSQL run of
// the suite, a schema of its own inside the run's database (test/support/postgres-run.ts creates it).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';

export interface TestDatabase {
  /** A DATABASE_URL for the service, the CLI or a second process: they all see the same data. */
  url: string;
  kind: 'sqlite' | 'postgres';
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const runUrl = inject('postgresRunUrl');
  if (!runUrl) {
    const folder = mkdtempSync(join(tmpdir(), 'sc-db-'));
    return {
      url: `sqlite:${join(folder, 'app.db')}`,
      kind: 'sqlite',
      drop: async () => rmSync(folder, { recursive: true, force: true }),
    };
  }
  const schema = `t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  await withClient(runUrl, (client) => client.query(`create schema ${schema}`));
  const url = new URL(runUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.href,
    kind: 'postgres',
    drop: () => withClient(runUrl, (client) => client.query(`drop schema ${schema} cascade`)).then(() => undefined),
  };
}

export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set in the PostgreSQL run: the database this run owns. */
    postgresRunUrl: string | undefined;
  }
}

/** The database as the service leaves it once started: every migration applied. */
export async function migrateTestDatabase(database: TestDatabase): Promise<void> {
  const { connect } = await import('../../src/store/connect.ts');
  const { migrate } = await import('../../src/store/migrate.ts');
  const target =
    database.kind === 'sqlite'
      ? { kind: 'sqlite' as const, path: database.url.slice('sqlite:'.length) }
      : { kind: 'postgres' as const, url: database.url };
  const connection = connect(target);
  try {
    await migrate(connection.db);
  } finally {
    await connection.close();
  }
}
