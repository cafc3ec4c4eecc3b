// The admin CLI as an operator runs it: a real process, a real SQLite file, the password on standard input.
import { spawnSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, migrateTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { migrations } from '../store/migrate.ts';

let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
/** As the service leaves it: the commands other than db migrate need an up-to-date database. */
const upToDate = () => beforeEach(() => migrateTestDatabase(database));
afterEach(() => database.drop());

function cli(args: string[], input = '') {
  const result = spawnSync(process.execPath, ['src/cli/main.ts', ...args], {
    input,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, DATABASE_URL: database.url, NODE_ENV: 'test' },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const add = (email: string, password: string, extra: string[] = []) =>
  cli(
    ['users', 'add', '--email', email, '--name', 'Ada Lovelace', '--locale', 'fr', '--password-stdin', ...extra],
    `${password}\n`,
  );

describe('npm run cli -- users', () => {
  upToDate();
  it('adds a user with the password from standard input, and lists it', () => {
    const added = add('Ada@Example.com', 'Velvet-Otter-9');
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/^Added ada@example\.com \(/);
    const listed = cli(['users', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^ada@example\.com\tAda Lovelace\tfr\tactive\t\d{4}-/);
    expect(listed.stdout).not.toContain('argon2');
  });

  it('adds a user without --locale, who then speaks DEFAULT_LOCALE until a first sign-in chooses', () => {
    const added = cli(
      ['users', 'add', '--email', 'cy@example.com', '--name', 'Cy', '--password-stdin'],
      'Velvet-Otter-9\n',
    );
    expect(added.code).toBe(0);
    expect(cli(['users', 'list']).stdout).toMatch(/^cy@example\.com\tCy\ten\tactive\t/);
  });

  it('keeps the password exactly as typed, less the final line ending', () => {
    expect(add('ada@example.com', ' Velvet-Otter-9 ').code).toBe(0);
  });

  it('refuses a duplicate address, whatever its case, with a clear message', () => {
    add('ada@example.com', 'Velvet-Otter-9');
    const again = add('ADA@example.com', 'Amber-Heron-27!');
    expect(again.code).toBe(1);
    expect(again.stderr).toBe('Refused: a user with that email address already exists.\n');
    expect(cli(['users', 'list']).stdout.trim().split('\n')).toHaveLength(1);
  });

  it('refuses a password that breaks the policy, naming the rules', () => {
    const weak = add('ada@example.com', 'weakpass');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('Refused: the password must');
    expect(weak.stderr).toContain('use a special character');
    expect(add('bob@example.com', 'Password123!').stderr).toContain('not be a commonly used password');
    expect(cli(['users', 'list']).stderr).toBe('No users.\n');
  });

  it('never takes a password from the command line', () => {
    const attempt = cli([
      'users',
      'add',
      '--email',
      'ada@example.com',
      '--name',
      'Ada',
      '--locale',
      'en',
      '--password',
      'Velvet-Otter-9',
    ]);
    expect(attempt.code).toBe(2);
    expect(attempt.stderr).toContain("Unknown option '--password'");
    expect(attempt.stderr).toContain('Usage:');
  });

  it('explains every usage mistake and exits with 2', () => {
    expect(cli([]).code).toBe(2);
    expect(cli(['users', 'remove']).stderr).toContain('unknown command "users remove"');
    expect(add('ada@example.com', 'Velvet-Otter-9', ['--locale', 'de']).stderr).toContain(
      '--locale must be en or fr (got "de")',
    );
    const noStdin = cli(['users', 'add', '--email', 'ada@example.com', '--name', 'Ada', '--locale', 'en']);
    expect(noStdin.code).toBe(2);
    expect(noStdin.stderr).toContain('--password-stdin');
  });

  it('refuses an invalid address', () => {
    const bad = add('not-an-address', 'Velvet-Otter-9');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('Refused: that is not a valid email address.\n');
  });
});

describe('npm run cli -- (administration)', () => {
  upToDate();
  const run = (args: string[]) => cli(args);

  it('invites a user without a password, queueing the invitation with the account', async () => {
    const invited = run(['users', 'add', '--email', 'bob@example.com', '--name', 'Bob', '--locale', 'en', '--invite']);
    expect(invited.code).toBe(0);
    expect(invited.stdout).toMatch(/^Invited bob@example\.com/);
    expect(run(['users', 'list']).stdout).toMatch(/^bob@example\.com\tBob\ten\tinvited\t/);
    expect(
      run(['users', 'add', '--email', 'c@example.com', '--name', 'C', '--locale', 'en', '--invite', '--password-stdin'])
        .code,
    ).toBe(2);
  });

  it('disables and enables an account, saying when there is nothing to do', () => {
    add('ada@example.com', 'Velvet-Otter-9');
    expect(run(['users', 'disable', '--email', 'ADA@example.com'])).toMatchObject({
      code: 0,
      stdout: 'Disabled ADA@example.com\n',
    });
    expect(run(['users', 'list']).stdout).toContain('\tdisabled\t');
    expect(run(['users', 'disable', '--email', 'ada@example.com'])).toMatchObject({
      code: 1,
      stderr: 'ada@example.com is already disabled.\n',
    });
    expect(run(['users', 'enable', '--email', 'ada@example.com']).code).toBe(0);
    expect(run(['users', 'list']).stdout).toContain('\tactive\t');
    expect(run(['users', 'disable', '--email', 'nobody@example.com'])).toMatchObject({
      code: 1,
      stderr: 'No user has the address nobody@example.com.\n',
    });
    expect(run(['users', 'disable']).code).toBe(2);
  });

  it('signs a user out everywhere', () => {
    add('ada@example.com', 'Velvet-Otter-9');
    expect(run(['sessions', 'revoke', '--email', 'ada@example.com'])).toMatchObject({
      code: 0,
      stdout: 'Signed out ada@example.com\n',
    });
  });
});

describe('npm run cli -- db migrate, and a database not up to date', () => {
  it('migrates the database, and says when it is up to date', () => {
    const first = cli(['db', 'migrate']);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(`Applied ${Object.keys(migrations).join(', ')}\n`);
    expect(cli(['db', 'migrate']).stdout).toBe('The database is up to date.\n');
  });

  it('refuses every other command on a database with pending migrations, saying what to run, and changes nothing', () => {
    const names = Object.keys(migrations);
    const refusal = `The database is not up to date: ${names.length} migration(s) pending (${names[0]} … ${names.at(-1)}). Run "npm run cli -- db migrate" first; the service also applies them when it starts.\n`;
    for (const [args, input] of [
      [
        ['users', 'add', '--email', 'ada@example.com', '--name', 'Ada', '--locale', 'fr', '--password-stdin'],
        'Velvet-Otter-9\n',
      ],
      [['users', 'add', '--email', 'bob@example.com', '--name', 'Bob', '--locale', 'en', '--invite'], ''],
      [['users', 'list'], ''],
      [['users', 'disable', '--email', 'ada@example.com'], ''],
      [['users', 'enable', '--email', 'ada@example.com'], ''],
      [['sessions', 'revoke', '--email', 'ada@example.com'], ''],
    ] as const) {
      expect(cli([...args], input), args.join(' ')).toEqual({ code: 1, stdout: '', stderr: refusal });
    }
    // Nothing was created on the way: the migrations all still apply.
    expect(cli(['db', 'migrate']).stdout).toBe(`Applied ${names.join(', ')}\n`);
    expect(cli(['users', 'list']).stderr).toBe('No users.\n');
  });
});
