// The admin CLI as an operator runs it: `npm run cli -- …` in a process of its own, against a database.
import { execFile } from 'node:child_process';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Not spawnSync: a test's own outbox worker may share the database, and one of its transactions left waiting
 * on a blocked event loop would hold the rows the command locks.
 */
export function runCli(databaseUrl: string, args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['src/cli/main.ts', ...args],
      { encoding: 'utf8', env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl, NODE_ENV: 'test' } },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
    child.stdin?.end();
  });
}
