// npm run cli -- breached import FILE: loads a downloaded breached-password list into the database, for a
// service that cannot reach BREACHED_PASSWORDS_URL; new passwords are then looked up in it instead
// (breached/breached-passwords.ts). The file is read twice: once to check every line, so that a bad file
// changes nothing, then to import it in one transaction.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parseRangeLine, prefixOfFile } from '../breached/range-file.ts';
import { countBreachedHashes, insertBreachedHashes } from '../store/breached-hashes.ts';
import { type Command, UsageError, withDeps } from './run.ts';

const BATCH = 500;

export const importBreachedCommand: Command = async (cli, args) => {
  const [file, ...extra] = args;
  if (file === undefined || file.startsWith('--')) throw new UsageError('breached import needs the path of a file');
  if (extra.length > 0) throw new UsageError(`breached import takes one file (got "${args.join(' ')}")`);
  const found = await stat(file).catch(() => undefined);
  if (!found?.isFile()) throw new UsageError(`cannot read ${file}: not a file`);
  const prefix = prefixOfFile(file);
  let entries = 0;
  for await (const { line, number } of lines(file)) {
    const parsed = parseRangeLine(line, prefix);
    if (parsed === 'malformed')
      throw new UsageError(`${file}:${number}: not a PREFIX:SUFFIX:COUNT or HASH:COUNT line of SHA-1 hex digits`);
    if (parsed !== 'skip') entries++;
  }
  return withDeps(cli, async (deps) => {
    await deps.db.transaction().execute(async (tx) => {
      let batch: { sha1: string; count: number }[] = [];
      for await (const { line } of lines(file)) {
        const parsed = parseRangeLine(line, prefix);
        if (typeof parsed === 'string') continue;
        batch.push(parsed);
        if (batch.length === BATCH) {
          await insertBreachedHashes(tx, batch);
          batch = [];
        }
      }
      await insertBreachedHashes(tx, batch);
    });
    process.stdout.write(`imported: ${entries}\n`);
    process.stdout.write(`total: ${await countBreachedHashes(deps.db)}\n`);
    return 0;
  });
};

async function* lines(file: string): AsyncGenerator<{ line: string; number: number }> {
  let number = 0;
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY })) {
    number++;
    yield { line, number };
  }
}
