// `npm run cli -- breached import FILE` as an operator runs it (README, SECURITY 7): a downloaded breach list
// in any of its three spellings loaded into the service's database, a bad file refused whole, and the list
// then used for every new password. A real process on the database the test's deps share.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../test/support/cli.ts';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { type TestDeps, testDeps } from '../../test/support/deps.ts';
import { saveAccountDetails } from '../flows/account-details.ts';
import { addUser } from '../flows/add-user.ts';
import { resumeSession, startSession } from '../flows/sessions.ts';
import { countBreachedHashes } from '../store/breached-hashes.ts';

const sha1 = (password: string) => createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
const client = { address: '203.0.113.7', userAgent: 'test' };
/** An import by another process is seen by a running service within a minute (breached-passwords.ts). */
const MINUTE = 60_000;

let database: TestDatabase;
let t: TestDeps;
let folder: string;

beforeEach(async () => {
  database = await createTestDatabase();
  t = await testDeps({ DATABASE_URL: database.url });
  folder = mkdtempSync(join(tmpdir(), 'sc-breached-'));
});
afterEach(async () => {
  await t.close();
  await database.drop();
  rmSync(folder, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli(database.url, args);

function file(name: string, lines: string[], eol = '\n'): string {
  const path = join(folder, name);
  writeFileSync(path, lines.join(eol) + eol);
  return path;
}

const total = () => countBreachedHashes(t.deps.db);

/** Whether a new account may be made with this password, as `users add` and an invitation would. */
async function refused(password: string): Promise<boolean> {
  const email = `user-${Math.random().toString(36).slice(2, 10)}@example.com`;
  const outcome = await addUser(t.deps, { email, password, name: 'Ada Lovelace', locale: 'en' });
  if (outcome.ok) return false;
  expect(outcome).toEqual({ ok: false, reason: 'password', problems: [{ field: 'next', reason: 'breached' }] });
  return true;
}

const passwords = ['Amber-Heron-27!', 'Coral-Finch-31!', 'Slate-Marten-58?', 'Ivory-Gannet-64#'];
const [first, second, third, fourth] = passwords.map(sha1) as [string, string, string, string];

describe('breached import FILE', () => {
  it('reads PREFIX:SUFFIX:COUNT lines, with CRLF, blank lines and padding, and says how many', async () => {
    const path = file(
      'pwned-passwords-sha1-ordered-by-hash.txt',
      [
        `${first.slice(0, 5)}:${first.slice(5)}:120`,
        '',
        `${second.slice(0, 5).toLowerCase()}:${second.slice(5).toLowerCase()}:3`,
        // Padding: a count of 0 is not a password.
        `${third.slice(0, 5)}:${third.slice(5)}:0`,
        '   ',
      ],
      '\r\n',
    );
    const result = await cli('breached', 'import', path);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe('imported: 2\ntotal: 2\n');
    t.clock.advance(MINUTE + 1);
    expect(await refused(passwords[0]!)).toBe(true);
    expect(await refused(passwords[1]!)).toBe(true);
    expect(await refused(passwords[2]!)).toBe(false);
  });

  it('reads HASH:COUNT lines', async () => {
    const path = file('hashes.txt', [`${first}:9`, `${second.toLowerCase()}:1`, `${fourth}:0`]);
    const result = await cli('breached', 'import', path);
    expect(result).toMatchObject({ code: 0, stdout: 'imported: 2\ntotal: 2\n' });
    t.clock.advance(MINUTE + 1);
    expect(await refused(passwords[0]!)).toBe(true);
    expect(await refused(passwords[3]!)).toBe(false);
  });

  it('reads SUFFIX:COUNT lines from a range file named after its prefix, as the range API serves it', async () => {
    const prefix = first.slice(0, 5);
    // What GET /range/PREFIX answers, saved as PREFIX.txt: CRLF, padded.
    const path = file(
      `${prefix}.txt`,
      [`${first.slice(5)}:4`, `${'0'.repeat(35)}:0`, `${'1'.repeat(35)}:0`, `${'A'.repeat(35)}:2`],
      '\r\n',
    );
    const result = await cli('breached', 'import', path);
    expect(result).toMatchObject({ code: 0, stdout: 'imported: 2\ntotal: 2\n' });
    t.clock.advance(MINUTE + 1);
    expect(await refused(passwords[0]!)).toBe(true);
    expect(await refused(passwords[1]!)).toBe(false);
  });

  it('adds to what was imported before, counting a hash imported again once', async () => {
    expect((await cli('breached', 'import', file('one.txt', [`${first}:1`, `${second}:1`]))).stdout).toBe(
      'imported: 2\ntotal: 2\n',
    );
    expect((await cli('breached', 'import', file('two.txt', [`${second}:5`, `${third}:1`]))).stdout).toBe(
      'imported: 2\ntotal: 3\n',
    );
    expect(await total()).toBe(3);
  });

  it('takes a hash listed twice in one file (lists put together) once, with the later count', async () => {
    const path = file('joined.txt', [`${first}:1`, `${second}:2`, `${first.slice(0, 5)}:${first.slice(5)}:7`]);
    const result = await cli('breached', 'import', path);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^imported: \d+\ntotal: 2\n$/);
    expect(await total()).toBe(2);
  });

  it('refuses a file with one malformed line: names the file and the line, exits 2, imports nothing', async () => {
    // More lines than one batch of the import before the bad one: none of them may stay.
    const good = Array.from({ length: 1200 }, (_, i) => `${sha1(`password ${i}`)}:1`);
    const path = file('list.txt', [...good, `${first.slice(0, 5)}:${first.slice(5, -1)}:7`, `${second}:1`]);
    const result = await cli('breached', 'import', path);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${path}:1201: `);
    expect(result.stdout).toBe('');
    expect(await total()).toBe(0);
    t.clock.advance(MINUTE + 1);
    expect(await refused(passwords[1]!)).toBe(false);
  });

  const malformed: Array<[string, string, string]> = [
    ['a line that is not hex', 'list.txt', 'password123:5'],
    ['a hash without a count', 'list.txt', first],
    ['a count that is not a number', 'list.txt', `${first}:lots`],
    ['a negative count', 'list.txt', `${first}:-3`],
    ['a SHA-256 instead of a SHA-1', 'list.txt', `${createHash('sha256').update('x').digest('hex')}:1`],
    ['an NTLM-style extra field', 'list.txt', `${first.slice(0, 5)}:${first.slice(5)}:1:extra`],
    ['a suffix in a file not named after a prefix', 'list.txt', `${first.slice(5)}:1`],
  ];
  for (const [what, name, line] of malformed) {
    it(`refuses ${what}`, async () => {
      const path = file(name, [`${second}:1`, line]);
      const result = await cli('breached', 'import', path);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`${path}:2: `);
      expect(await total()).toBe(0);
    });
  }

  it('refuses a missing file with exit 2, and imports nothing', async () => {
    const path = join(folder, 'no-such-file.txt');
    const result = await cli('breached', 'import', path);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`cannot read ${path}`);
    expect(result.stdout).toBe('');
    expect(await total()).toBe(0);
  });

  it('answers a missing or extra argument with a message and exit 2', async () => {
    const path = file('list.txt', [`${first}:1`]);
    for (const args of [[], ['--file'], [path, path]]) {
      const result = await cli('breached', 'import', ...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(/^breached import /);
    }
    expect(await total()).toBe(0);
  });

  it('refuses a folder instead of a file, and imports nothing', async () => {
    const path = join(folder, 'ABCDE');
    mkdirSync(path);
    const result = await cli('breached', 'import', path);
    expect(result.code).toBe(2);
    expect(await total()).toBe(0);
  });

  it('makes the running service refuse a listed password in Settings, once imported', async () => {
    const user = await t.addUser({ email: 'ada@example.com', password: 'Velvet-Otter-9' });
    const token = await startSession(t.deps.db, t.clock.now(), user.id, client);
    const resumed = await resumeSession(t.deps, token);
    if (resumed.status !== 'active') throw new Error('no session');
    expect((await cli('breached', 'import', file('list.txt', [`${first}:1`]))).code).toBe(0);
    t.clock.advance(MINUTE + 1);
    const next = passwords[0]!;
    expect(
      await saveAccountDetails(
        t.deps,
        resumed.signedIn,
        { name: 'Ada Lovelace', locale: 'en', password: { current: 'Velvet-Otter-9', next, confirm: next } },
        client,
      ),
    ).toEqual({ ok: false, reason: 'invalid', problems: [{ field: 'next', reason: 'breached' }] });
  });
});
