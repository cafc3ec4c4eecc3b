// The admin CLI for apps as an operator runs it: a real process on a real database, the database read
// afterwards to see what the commands left there.
import { spawnSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, migrateTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { loadKeys, rotateKeys } from '../apps/keys.ts';
import { parseConfig } from '../config.ts';
import { HOUR } from '../core/duration.ts';
import { KEY_PROPAGATION_MS, SIGNED_LIFETIME_MS } from '../core/key-generations.ts';
import { digest } from '../core/tokens.ts';
import { connect } from '../store/connect.ts';
import type { Db } from '../store/database.ts';
import { migrations } from '../store/migrate.ts';
import { findClient } from '../store/oauth-clients.ts';

let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
/** As the service leaves it: the commands other than db migrate need an up-to-date database. */
const upToDate = () => beforeEach(() => migrateTestDatabase(database));
afterEach(() => database.drop());

function cli(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, ['src/cli/main.ts', ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, DATABASE_URL: database.url, NODE_ENV: 'test', ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The database the CLI wrote to, opened as the service opens DATABASE_URL, for one look. */
async function inDatabase<T>(work: (db: Db) => Promise<T>): Promise<T> {
  const parsed = parseConfig({ NODE_ENV: 'test', DATABASE_URL: database.url });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  const connection = connect(parsed.config.database);
  try {
    return await work(connection.db);
  } finally {
    await connection.close();
  }
}

const CALLBACK = 'https://app.example.com/callback';
const keepTheSecret = 'Keep the secret now: it is stored only as a digest and cannot be shown again.\n';

function addClient(extra: string[] = [], env: Record<string, string> = {}) {
  return cli(['clients', 'add', '--name', 'Sales Connect', '--redirect-uri', CALLBACK, ...extra], env);
}

/** The id and secret a successful `clients add` printed, each on its own line and nothing else. */
function printed(added: ReturnType<typeof cli>): { clientId: string; clientSecret?: string } {
  expect(added.code, added.stderr).toBe(0);
  const match = /^client_id: (\S+)\n(?:client_secret: (\S+)\n)?$/.exec(added.stdout);
  expect(match, added.stdout).not.toBeNull();
  // Never taken for an option when passed back: a client_id starting with a dash made --client-id fail.
  expect(match![1]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
  return { clientId: match![1]!, clientSecret: match![2] };
}

describe('npm run cli -- clients add', () => {
  upToDate();

  it('adds a confidential client, printing its id and its secret once, and stores only the digest', async () => {
    const added = addClient([
      '--redirect-uri',
      'https://app.example.com/other',
      '--post-logout-redirect-uri',
      'https://app.example.com/signed-out',
      '--backchannel-logout-uri',
      'https://app.example.com/backchannel',
    ]);
    const { clientId, clientSecret } = printed(added);
    expect(clientSecret).toBeDefined();
    expect(added.stderr).toBe(keepTheSecret);
    const row = await inDatabase((db) => findClient(db, clientId));
    expect(row).toMatchObject({
      name: 'Sales Connect',
      secret_hash: digest(clientSecret!),
      redirect_uris: JSON.stringify([CALLBACK, 'https://app.example.com/other']),
      post_logout_redirect_uris: JSON.stringify(['https://app.example.com/signed-out']),
      backchannel_logout_uri: 'https://app.example.com/backchannel',
      first_party: 0,
    });
    expect(JSON.stringify(row)).not.toContain(clientSecret);
  });

  it('adds a public client with only an id: it has no secret', async () => {
    const added = addClient(['--public', '--first-party']);
    const { clientId, clientSecret } = printed(added);
    expect(clientSecret).toBeUndefined();
    expect(added.stdout).not.toContain('client_secret');
    expect(await inDatabase((db) => findClient(db, clientId))).toMatchObject({ secret_hash: null, first_party: 1 });
  });

  it('refuses what cannot be a client, with the reason and exit code 1, and adds nothing', () => {
    const refusals: [string[], string][] = [
      [
        ['--name', 'Sales Connect', '--redirect-uri', 'https://app.example.com/callback#done'],
        'Refused: the redirect URI "https://app.example.com/callback#done" has a fragment, which a redirect URI may not have (RFC 6749 §3.1.2).\n',
      ],
      [
        ['--name', 'Sales Connect', '--redirect-uri', 'app.example.com/callback'],
        'Refused: the redirect URI "app.example.com/callback" is not an absolute URI.\n',
      ],
      [
        ['--name', 'Sales Connect', '--redirect-uri', CALLBACK, '--post-logout-redirect-uri', 'nowhere'],
        'Refused: the post-logout redirect URI "nowhere" is not an absolute URI.\n',
      ],
      [
        ['--name', 'Sales Connect', '--redirect-uri', CALLBACK, '--backchannel-logout-uri', 'ftp://app.example.com/'],
        'Refused: the back-channel logout URI "ftp://app.example.com/" must use https (or http on a loopback address, or an app\'s reverse-domain scheme).\n',
      ],
      [
        ['--name', '', '--redirect-uri', CALLBACK],
        'Refused: the name must be 1 to 100 characters on one line, without control characters.\n',
      ],
      [
        ['--name', 'Sales\nConnect', '--redirect-uri', CALLBACK],
        'Refused: the name must be 1 to 100 characters on one line, without control characters.\n',
      ],
      [['--name', 'Sales Connect'], 'Refused: a client needs at least one --redirect-uri.\n'],
    ];
    for (const [args, stderr] of refusals) {
      expect(cli(['clients', 'add', ...args]), args.join(' ')).toEqual({ code: 1, stdout: '', stderr });
    }
    expect(cli(['clients', 'list'])).toEqual({ code: 0, stdout: '', stderr: 'No clients.\n' });
  });

  it('refuses http outside a loopback address in production, and accepts it on a loopback address', () => {
    const production = {
      NODE_ENV: 'production',
      PUBLIC_URL: 'https://accounts.example.com',
      SMTP_URL: 'smtp://127.0.0.1:2525',
      ENCRYPTION_KEY: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
    };
    const plain = ['--name', 'Sales Connect', '--redirect-uri', 'http://app.example.com/callback'];
    expect(cli(['clients', 'add', ...plain], production)).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'Refused: the redirect URI "http://app.example.com/callback" uses http outside a loopback address, which production refuses: use https.\n',
    });
    printed(cli(['clients', 'add', '--name', 'Dev app', '--redirect-uri', 'http://127.0.0.1:8080/cb'], production));
    // Outside production, a developer's app on a LAN address may use http.
    printed(cli(['clients', 'add', ...plain]));
  });
});

describe('npm run cli -- clients list, rotate-secret, remove', () => {
  upToDate();

  it('lists one tab-separated line per client, never a secret or its digest', async () => {
    expect(cli(['clients', 'list'])).toEqual({ code: 0, stdout: '', stderr: 'No clients.\n' });
    const confidential = printed(addClient(['--redirect-uri', 'https://app.example.com/other']));
    const spa = printed(
      cli([
        'clients',
        'add',
        '--name',
        'Field app',
        '--redirect-uri',
        'com.example.field:/cb',
        '--public',
        '--first-party',
      ]),
    );
    const listed = cli(['clients', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stderr).toBe('');
    const iso = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';
    const lines = listed.stdout.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    const line = (id: string) => lines.find((text) => text.startsWith(`${id}\t`));
    expect(line(confidential.clientId)).toMatch(
      new RegExp(
        `^${confidential.clientId}\\tSales Connect\\tconfidential\\tthird-party\\t${CALLBACK} https://app\\.example\\.com/other\\t${iso}$`,
      ),
    );
    expect(line(spa.clientId)).toMatch(
      new RegExp(`^${spa.clientId}\\tField app\\tpublic\\tfirst-party\\tcom\\.example\\.field:/cb\\t${iso}$`),
    );
    expect(listed.stdout).not.toContain(confidential.clientSecret);
    expect(listed.stdout).not.toContain(digest(confidential.clientSecret!));
  });

  it('rotates a secret: the new one matches the stored digest, the old one no longer does', async () => {
    const { clientId, clientSecret: old } = printed(addClient());
    const rotated = cli(['clients', 'rotate-secret', '--client-id', clientId]);
    expect(rotated.code).toBe(0);
    const match = /^client_secret: (\S+)\n$/.exec(rotated.stdout);
    expect(match, rotated.stdout).not.toBeNull();
    const fresh = match![1]!;
    expect(fresh).not.toBe(old);
    expect(rotated.stderr).toContain(keepTheSecret);
    const row = await inDatabase((db) => findClient(db, clientId));
    expect(row?.secret_hash).toBe(digest(fresh));
    expect(row?.secret_hash).not.toBe(digest(old!));
  });

  it('refuses to rotate the secret of an unknown or a public client', () => {
    expect(cli(['clients', 'rotate-secret', '--client-id', 'no-such-client'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'No client has the id no-such-client.\n',
    });
    const { clientId } = printed(addClient(['--public']));
    expect(cli(['clients', 'rotate-secret', '--client-id', clientId])).toEqual({
      code: 1,
      stdout: '',
      stderr: `${clientId} is a public client: it has no secret.\n`,
    });
  });

  it('removes a client with everything issued to it, and leaves the other clients their own', async () => {
    const removed = printed(addClient());
    const kept = printed(cli(['clients', 'add', '--name', 'Other app', '--redirect-uri', CALLBACK]));
    const issued = (clientId: string, id: string) => ({
      model: 'AccessToken',
      id,
      payload: '{}',
      grant_id: null,
      client_id: clientId,
      uid: null,
      account_id: null,
      expires_at: Date.now() + HOUR,
      consumed_at: null,
    });
    await inDatabase((db) =>
      db
        .insertInto('oidc_payloads')
        .values([issued(removed.clientId, 'token-of-removed'), issued(kept.clientId, 'token-of-kept')])
        .execute(),
    );
    expect(cli(['clients', 'remove', '--client-id', removed.clientId])).toEqual({
      code: 0,
      stdout: `Removed ${removed.clientId} (Sales Connect)\n`,
      stderr: '',
    });
    await inDatabase(async (db) => {
      expect(await findClient(db, removed.clientId)).toBeUndefined();
      const payloads = await db.selectFrom('oidc_payloads').select(['id', 'client_id']).execute();
      expect(payloads).toEqual([{ id: 'token-of-kept', client_id: kept.clientId }]);
    });
    expect(cli(['clients', 'list']).stdout).not.toContain(removed.clientId);
    expect(cli(['clients', 'remove', '--client-id', removed.clientId])).toEqual({
      code: 1,
      stdout: '',
      stderr: `No client has the id ${removed.clientId}.\n`,
    });
  });
});

describe('npm run cli -- keys rotate', () => {
  upToDate();
  const generations = (use: 'signing' | 'cookie') =>
    inDatabase(async (db) => {
      const rows = await db
        .selectFrom('provider_keys')
        .select(['kid', 'generation'])
        .where('use', '=', use)
        .orderBy('generation')
        .execute();
      return rows.map((row) => ({ kid: row.kid, generation: Number(row.generation) }));
    });

  it('adds a signing generation that signs once every instance has read it', async () => {
    // As the service's first start leaves them: one generation of each.
    await inDatabase((db) => loadKeys(db, Date.now()));
    const before = Date.now();
    const rotated = cli(['keys', 'rotate']);
    expect(rotated.code, rotated.stderr).toBe(0);
    const match =
      /^Added signing key (\S+); it signs from (\S+), once every instance has read it\. Keys replaced more than 1h ago were dropped\.\n$/.exec(
        rotated.stdout,
      );
    expect(match, rotated.stdout).not.toBeNull();
    const signsFrom = Date.parse(match![2]!);
    expect(new Date(signsFrom).toISOString()).toBe(match![2]);
    expect(signsFrom).toBeGreaterThanOrEqual(before + KEY_PROPAGATION_MS);
    expect(signsFrom).toBeLessThanOrEqual(Date.now() + KEY_PROPAGATION_MS);
    const signing = await generations('signing');
    expect(signing.map((row) => row.generation)).toEqual([1, 2]);
    expect(signing[1]!.kid).toBe(match![1]);
    expect((await generations('cookie')).map((row) => row.generation)).toEqual([1, 2]);
  });

  it('drops the keys replaced more than the life of what they signed ago', async () => {
    expect(SIGNED_LIFETIME_MS).toBe(HOUR);
    const now = Date.now();
    await inDatabase(async (db) => {
      await loadKeys(db, now - 3 * HOUR);
      // Generation 2 took over two hours ago: what generation 1 signed has all expired.
      await rotateKeys(db, now - 2 * HOUR - KEY_PROPAGATION_MS, SIGNED_LIFETIME_MS);
    });
    expect(cli(['keys', 'rotate']).code).toBe(0);
    // Generation 2 was replaced just now: it stays published for what it signed.
    expect((await generations('signing')).map((row) => row.generation)).toEqual([2, 3]);
    expect((await generations('cookie')).map((row) => row.generation)).toEqual([2, 3]);
  });
});

describe('npm run cli -- clients and keys: usage and the database', () => {
  it('explains every usage mistake and exits with 2', async () => {
    await migrateTestDatabase(database);
    const mistakes = {
      noName: ['clients', 'add', '--redirect-uri', CALLBACK],
      unknownOption: ['clients', 'add', '--name', 'Sales Connect', '--redirect-uri', CALLBACK, '--client-secret', 'x'],
      positional: ['clients', 'add', '--name', 'Sales Connect', CALLBACK],
      listArgument: ['clients', 'list', '--all'],
      noClientId: ['clients', 'remove'],
      positionalId: ['clients', 'rotate-secret', 'some-id'],
      unknownCommand: ['clients', 'rename', '--client-id', 'some-id'],
      rotateArgument: ['keys', 'rotate', 'now'],
      noKeysCommand: ['keys'],
    };
    const results = Object.fromEntries(Object.entries(mistakes).map(([name, args]) => [name, cli(args)]));
    for (const [name, result] of Object.entries(results)) {
      expect(result.code, name).toBe(2);
      expect(result.stdout, name).toBe('');
      expect(result.stderr, name).toContain('\n\nUsage:\n');
      expect(result.stderr, name).toContain('npm run cli -- clients add --name "NAME" --redirect-uri URI');
      expect(result.stderr, name).toContain('npm run cli -- keys rotate');
    }
    expect(results.noName!.stderr).toMatch(/^clients add needs --name\n/);
    expect(results.unknownOption!.stderr).toContain("Unknown option '--client-secret'");
    expect(results.noClientId!.stderr).toMatch(/^clients remove needs --client-id\n/);
    expect(results.unknownCommand!.stderr).toMatch(/^unknown command "clients rename"\n/);
    expect(results.rotateArgument!.stderr).toMatch(/^keys rotate takes no arguments \(got "now"\)\n/);
    expect(cli(['clients', 'list'])).toEqual({ code: 0, stdout: '', stderr: 'No clients.\n' });
  });

  it('refuses every command on a database with pending migrations, and changes nothing', () => {
    const names = Object.keys(migrations);
    const refusal = `The database is not up to date: ${names.length} migration(s) pending (${names[0]} … ${names.at(-1)}). Run "npm run cli -- db migrate" first; the service also applies them when it starts.\n`;
    for (const args of [
      ['clients', 'add', '--name', 'Sales Connect', '--redirect-uri', CALLBACK],
      ['clients', 'list'],
      ['clients', 'remove', '--client-id', 'some-id'],
      ['clients', 'rotate-secret', '--client-id', 'some-id'],
      ['keys', 'rotate'],
    ]) {
      expect(cli(args), args.join(' ')).toEqual({ code: 1, stdout: '', stderr: refusal });
    }
    expect(cli(['db', 'migrate']).stdout).toBe(`Applied ${names.join(', ')}\n`);
  });
});
