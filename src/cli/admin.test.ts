// The rest of the admin CLI as an operator runs it (README "Administer it"): users show, list --json,
// send-reset, delete and events export. A real process on the service's database, which the test's deps
// (and their outbox) share; every refusal is checked to change nothing.
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../test/support/cli.ts';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.ts';
import { type TestDeps, testDeps } from '../../test/support/deps.ts';
import { currentCode } from '../factors/totp.ts';
import { disableUser } from '../flows/administer.ts';
import { sendResetEmail } from '../flows/forgot-password.ts';
import { resumeSession, startSession } from '../flows/sessions.ts';
import { signIn } from '../flows/sign-in.ts';
import { beginTotpSetup, confirmTotp } from '../flows/two-step.ts';
import { isPostgres } from '../store/connect.ts';
import { insertDevice } from '../store/devices.ts';
import { insertClient } from '../store/oauth-clients.ts';
import { upsertPayload } from '../store/oidc-payloads.ts';
import { insertPasskey } from '../store/passkeys.ts';
import type { User } from '../store/users.ts';

const client = { address: '203.0.113.7', userAgent: 'Firefox on the test bench' };
const password = 'Velvet-Otter-9';
let database: TestDatabase;
let t: TestDeps;

beforeEach(async () => {
  database = await createTestDatabase();
  // The CLI reads the real clock: the service's starts at the real now, and catches up before it sends.
  t = await testDeps({ DATABASE_URL: database.url }, { clockStart: Date.now() });
});
afterEach(async () => {
  await t.close();
  await database.drop();
});

const cli = (args: string[]) => runCli(database.url, args);

/**
 * Every row of every table, as text: what a dump of the database would show. This process's outbox worker
 * settles first (it sends what was queued before, on its own time), and its heartbeat is left out.
 */
async function everyTable(): Promise<Record<string, string>> {
  await t.outbox.drain();
  const db = t.deps.db;
  const tables = isPostgres(db)
    ? await sql<{
        name: string;
      }>`select table_name as name from information_schema.tables where table_schema = current_schema()`.execute(db)
    : await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(db);
  const dump: Record<string, string> = {};
  for (const { name } of tables.rows) {
    if (name === 'outbox_workers') continue;
    const rows = await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(db);
    dump[name] = JSON.stringify(rows.rows);
  }
  return dump;
}

const count = async (table: 'outbox' | 'security_events' | 'users' | 'sessions' | 'reset_tokens') =>
  (await t.deps.db.selectFrom(table).selectAll().execute()).length;

/** A snapshot of what the refusals must leave alone. */
const snapshot = async () => JSON.stringify(await everyTable());

const sendOutbox = async () => {
  t.clock.advance(Math.max(0, Date.now() - t.clock.now()) + 1000);
  await t.outbox.drain();
};

async function addApp(backchannel: boolean): Promise<string> {
  const clientId = `app-${backchannel ? 'bc' : 'plain'}`;
  await insertClient(t.deps.db, {
    client_id: clientId,
    name: backchannel ? 'Field app' : 'Sales Connect',
    secret_hash: null,
    redirect_uris: '["http://127.0.0.1:9/callback"]',
    post_logout_redirect_uris: '[]',
    backchannel_logout_uri: backchannel ? 'http://127.0.0.1:9/backchannel' : null,
    first_party: 1,
    created_at: t.clock.now(),
    secret_set_at: null,
  });
  return clientId;
}

/** What the provider keeps of a sign-in at an app: the grant, and its session (apps/adapter.ts). */
async function grantApp(user: User, clientId: string): Promise<void> {
  const grantId = `grant-${clientId}-${user.id}`;
  const expires_at = t.clock.now() + 3_600_000;
  const grant = { accountId: user.id, clientId, openid: { scope: 'openid email profile' }, iat: 1 };
  await upsertPayload(t.deps.db, {
    model: 'Grant',
    id: `g-${grantId}`,
    payload: JSON.stringify(grant),
    grant_id: grantId,
    client_id: clientId,
    uid: null,
    account_id: user.id,
    session_hash: null,
    expires_at,
    consumed_at: null,
  });
  await upsertPayload(t.deps.db, {
    model: 'Session',
    id: `s-${grantId}`,
    payload: JSON.stringify({ accountId: user.id, authorizations: { [clientId]: { sid: 'sid-1', grantId } } }),
    grant_id: null,
    client_id: null,
    uid: `u-${grantId}`,
    account_id: user.id,
    session_hash: null,
    expires_at,
    consumed_at: null,
  });
  // An interaction names the account only inside its JSON.
  await upsertPayload(t.deps.db, {
    model: 'Interaction',
    id: `i-${grantId}`,
    payload: JSON.stringify({ result: { login: { accountId: user.id } } }),
    grant_id: null,
    client_id: clientId,
    uid: null,
    account_id: null,
    session_hash: null,
    expires_at,
    consumed_at: null,
  });
}

/**
 * Ada with all an account can hold: a signed-in session, an authenticator app and its recovery codes, a
 * passkey, a known device, a sign-in waiting for its second step, a used reset link and a pending one, sent
 * and queued emails, failed and successful sign-ins, and an app she signed in to.
 */
async function fullAda(): Promise<{ user: User; session: string }> {
  const user = await t.addUser({ email: 'ada@example.com', password, name: 'Ada Lovelace', locale: 'fr' });
  const signedIn = await signIn(t.deps, { email: 'ada@example.com', password, client });
  if (!signedIn.ok) throw new Error('no sign-in');
  await signIn(t.deps, { email: 'ada@example.com', password: 'Wrong-Otter-9', client });
  const resumed = await resumeSession(t.deps, signedIn.token);
  if (resumed.status !== 'active') throw new Error('no session');
  const setup = beginTotpSetup(t.deps, user.id, resumed.signedIn.session.id_hash)!;
  const confirmed = await confirmTotp(t.deps, {
    user,
    holder: resumed.signedIn.session.id_hash,
    sealed: setup.sealed,
    code: currentCode(setup.secret, t.clock.now()),
    client,
    session: resumed.signedIn.session,
  });
  if (!confirmed.ok || confirmed.token === undefined) throw new Error('not enrolled');
  await insertPasskey(t.deps.db, {
    credential_id: 'cred-ada',
    user_id: user.id,
    name: "Ada's laptop",
    public_key: 'pk',
    counter: 0,
    transports: '["internal"]',
    device_type: 'multiDevice',
    backed_up: 1,
    created_at: t.clock.now(),
    last_used_at: null,
  });
  await insertDevice(t.deps.db, 'device-of-ada', user.id, t.clock.now());
  const pending = await signIn(t.deps, { email: 'ada@example.com', password, client });
  expect(pending).toMatchObject({ ok: false, reason: 'second-step' });
  await sendResetEmail(t.deps, { email: 'ada@example.com', client });
  await sendOutbox();
  await t.deps.db.updateTable('reset_tokens').set({ used_at: t.clock.now() }).execute();
  await sendResetEmail(t.deps, { email: 'ada@example.com', client });
  await sendOutbox();
  await sendResetEmail(t.deps, { email: 'ada@example.com', client });
  await grantApp(user, await addApp(false));
  return {
    user: (await t.deps.db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirst())!,
    session: confirmed.token,
  };
}

describe('npm run cli -- users show and users list --json', () => {
  it('shows an account as aligned lines, and as one JSON object', async () => {
    const { user } = await fullAda();
    const lastSignIn = await t.deps.db
      .selectFrom('security_events')
      .select('at')
      .where('kind', '=', 'sign-in-succeeded')
      .executeTakeFirstOrThrow();
    const created = new Date(user.created_at).toISOString();
    const shown = await cli(['users', 'show', '--email', 'ADA@example.com']);
    expect(shown).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        `id:              ${user.id}`,
        'email:           ada@example.com',
        'name:            Ada Lovelace',
        'locale:          fr',
        'state:           active',
        `created:         ${created}`,
        'email verified:  no',
        'two-step:        authenticator app, 1 passkey; 10 recovery codes left',
        'active sessions: 1',
        'connected apps:  1',
        `last sign-in:    ${new Date(lastSignIn.at).toISOString()}`,
        '',
      ].join('\n'),
    });
    const json = await cli(['users', 'show', '--email', 'ada@example.com', '--json']);
    expect(json.code).toBe(0);
    expect(json.stdout.endsWith('}\n')).toBe(true);
    expect(JSON.parse(json.stdout)).toEqual({
      id: user.id,
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      locale: 'fr',
      state: 'active',
      created,
      emailVerified: null,
      twoStep: { authenticatorApp: true, passkeys: 1, recoveryCodesLeft: 10 },
      activeSessions: 1,
      connectedApps: 1,
      lastSignIn: new Date(lastSignIn.at).toISOString(),
    });
    expect(json.stdout).not.toContain('argon2');
  });

  it('shows an invited account, and a disabled one, as such', async () => {
    expect((await cli(['users', 'add', '--email', 'bob@example.com', '--name', 'Bob', '--invite'])).code).toBe(0);
    const bob = (await cli(['users', 'show', '--email', 'bob@example.com'])).stdout;
    expect(bob).toContain('state:           invited\n');
    expect(bob).toContain('two-step:        off\n');
    expect(bob).toContain('last sign-in:    never\n');
    await t.addUser({ email: 'cy@example.com', password });
    await startSession(
      t.deps.db,
      t.clock.now(),
      (await t.deps.db.selectFrom('users').select('id').where('email', '=', 'cy@example.com').executeTakeFirstOrThrow())
        .id,
      client,
    );
    await disableUser(t.deps, 'cy@example.com');
    expect(JSON.parse((await cli(['users', 'show', '--email', 'cy@example.com', '--json'])).stdout)).toMatchObject({
      state: 'disabled',
      activeSessions: 0,
    });
  });

  it('lists the users as JSON lines with the fields of the tab-separated list', async () => {
    await t.addUser({ email: 'ada@example.com', password, name: 'Ada Lovelace', locale: 'fr' });
    await cli(['users', 'add', '--email', 'bob@example.com', '--name', 'Bob', '--locale', 'en', '--invite']);
    const tabs = (await cli(['users', 'list'])).stdout.trim().split('\n');
    const listed = await cli(['users', 'list', '--json']);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    const objects = lines.map((line) => JSON.parse(line) as Record<string, string>);
    expect(objects[0]).toEqual({
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      locale: 'fr',
      state: 'active',
      created: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(objects[1]).toMatchObject({ email: 'bob@example.com', state: 'invited' });
    expect(objects.map((object) => Object.values(object).join('\t'))).toEqual(tabs);
  });

  it('refuses an unknown address with 1, and bad arguments with 2', async () => {
    expect(await cli(['users', 'show', '--email', 'nobody@example.com'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'No user has the address nobody@example.com.\n',
    });
    for (const args of [
      ['users', 'show'],
      ['users', 'show', '--email'],
      ['users', 'show', '--email', 'not-an-address'],
      ['users', 'show', '--email', 'ada@example.com', 'extra'],
      ['users', 'show', '--email', 'ada@example.com', '--verbose'],
      ['users', 'list', '--json', 'extra'],
      ['users', 'list', '--csv'],
    ]) {
      const bad = await cli(args);
      expect(bad.code, args.join(' ')).toBe(2);
      expect(bad.stdout).toBe('');
      expect(bad.stderr).toContain('Usage:');
    }
    expect((await cli(['users', 'show'])).stderr).toContain('users show needs --email');
    expect((await cli(['users', 'show', '--email', 'not-an-address'])).stderr).toContain(
      '--email must be an email address (got "not-an-address")',
    );
  });
});

describe('npm run cli -- users send-reset', () => {
  it('queues the reset email Forgot password sends, which the service mails; the admin is not capped', async () => {
    await t.addUser({ email: 'ada@example.com', password, name: 'Ada Lovelace', locale: 'fr' });
    for (let i = 0; i < 4; i++) {
      expect(await cli(['users', 'send-reset', '--email', 'Ada@Example.com'])).toEqual({
        code: 0,
        stdout: 'Queued a reset email to Ada@Example.com; the service sends it from its outbox\n',
        stderr: '',
      });
    }
    // Forgot password would stop at three per address; the fourth is queued too.
    const queued = await t.deps.db.selectFrom('outbox').selectAll().where('user_id', 'is not', null).execute();
    expect(queued.map((row) => row.kind)).toEqual(['reset-email', 'reset-email', 'reset-email', 'reset-email']);
    const events = await t.deps.db.selectFrom('security_events').selectAll().where('user_id', 'is not', null).execute();
    expect(events.map((event) => [event.kind, event.client_address])).toEqual(
      Array(4).fill(['reset-requested', 'cli']),
    );
    await sendOutbox();
    expect(t.smtp.received).toHaveLength(4);
    const email = t.smtp.received.at(-1)!;
    expect(email.envelope.to).toEqual(['ada@example.com']);
    expect(email.text).toContain('Réinitialiser le mot de passe');
    expect(email.text).toMatch(/\/reset-password\?token=[A-Za-z0-9_-]{43}\n/);
    // The links of the emails before the last one died when it was sent (as after Forgot password).
    expect(await t.deps.db.selectFrom('reset_tokens').selectAll().execute()).toHaveLength(1);
  });

  it('refuses an unknown or disabled address with 1 and queues nothing; bad arguments exit with 2', async () => {
    await t.addUser({ email: 'cy@example.com', password });
    await disableUser(t.deps, 'cy@example.com');
    const before = await snapshot();
    expect(await cli(['users', 'send-reset', '--email', 'nobody@example.com'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'No user has the address nobody@example.com.\n',
    });
    expect(await cli(['users', 'send-reset', '--email', 'cy@example.com'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'cy@example.com is disabled: no reset email is sent to a disabled account (users enable first).\n',
    });
    for (const args of [
      ['users', 'send-reset'],
      ['users', 'send-reset', '--email', ''],
      ['users', 'send-reset', '--email', 'cy@example.com', 'again'],
      ['users', 'send-reset', '--email', 'cy@example.com', '--yes'],
    ]) {
      expect((await cli(args)).code, args.join(' ')).toBe(2);
    }
    expect(await snapshot()).toBe(before);
  });
});

describe('npm run cli -- users delete', () => {
  it('erases the account and everything that names the person; the events stay without personal data', async () => {
    const { user, session } = await fullAda();
    // Bob is left as he was.
    const bob = await t.addUser({ email: 'bob@example.com', password, name: 'Bob Smith' });
    const bobSession = await startSession(t.deps.db, t.clock.now(), bob.id, client);
    await signIn(t.deps, { email: 'bob@example.com', password, client });
    const total = await count('security_events');
    const bobEvents = (
      await t.deps.db.selectFrom('security_events').selectAll().where('user_id', '=', bob.id).execute()
    ).length;
    const before = await everyTable();
    for (const table of [
      'users',
      'sessions',
      'totp_factors',
      'recovery_codes',
      'pending_sign_ins',
      'passkeys',
      'known_devices',
      'reset_tokens',
      'outbox',
      'security_events',
      'oidc_payloads',
    ]) {
      expect(before[table], table).toContain(user.id);
    }
    expect(before.users).toContain('Ada Lovelace');
    expect(before.security_events).toContain('Firefox on the test bench');

    const deleted = await cli(['users', 'delete', '--email', 'ADA@example.com', '--yes']);
    expect(deleted).toEqual({
      code: 0,
      stdout: `Deleted ADA@example.com; 1 session(s) ended, ${total - bobEvents} security event(s) kept without personal data\n`,
      stderr: '',
    });

    const after = await everyTable();
    for (const [table, rows] of Object.entries(after)) {
      expect(rows, table).not.toContain(user.id);
      expect(rows.toLowerCase(), table).not.toContain('ada@example.com');
      expect(rows, table).not.toContain('Lovelace');
      expect(rows, table).not.toContain("Ada's laptop");
    }
    expect((await resumeSession(t.deps, session)).status).toBe('none');
    // Her events are all there, of no account, without address or browser; Bob's are untouched.
    const events = await t.deps.db.selectFrom('security_events').selectAll().orderBy('at').execute();
    expect(events).toHaveLength(total);
    const hers = events.filter((event) => event.user_id === null);
    expect(hers.length).toBeGreaterThanOrEqual(total - bobEvents);
    for (const event of hers) expect([event.client_address, event.user_agent]).toEqual(['', '']);
    expect(hers.map((event) => event.kind)).toEqual(expect.arrayContaining(['sign-in-succeeded', 'two-step-enabled']));
    expect(events.filter((event) => event.user_id === bob.id)).toHaveLength(bobEvents);
    expect((await resumeSession(t.deps, bobSession)).status).toBe('active');
    expect((await cli(['users', 'list'])).stdout).toMatch(/^bob@example\.com\tBob Smith\t/);
    // Nothing queued for her is sent afterwards.
    const sent = t.smtp.received.length;
    await sendOutbox();
    expect(t.smtp.received).toHaveLength(sent);
    // The address can be given to someone new, who starts with clean counters.
    expect((await cli(['users', 'show', '--email', 'ada@example.com'])).code).toBe(1);
    const again = await t.addUser({ email: 'ada@example.com', password, name: 'Ada Byron' });
    expect((await signIn(t.deps, { email: 'ada@example.com', password, client })).ok).toBe(true);
    expect(again.id).not.toBe(user.id);
  });

  it('without --yes says what would be erased, exits with 2 and changes nothing', async () => {
    const { user } = await fullAda();
    const before = await snapshot();
    const asked = await cli(['users', 'delete', '--email', 'ada@example.com']);
    expect(asked.code).toBe(2);
    expect(asked.stdout).toBe('');
    expect(asked.stderr).toContain(`users delete would erase ada@example.com (Ada Lovelace, ${user.id}) for good:`);
    expect(asked.stderr).toContain('1 active session(s)');
    expect(asked.stderr).toContain('1 connected app(s)');
    expect(asked.stderr).toContain('two-step verification (authenticator app, 1 passkey; 10 recovery codes left)');
    expect(asked.stderr).toMatch(/Its \d+ security event\(s\) are kept, tied to no account/);
    expect(asked.stderr).toContain('Add --yes to do it.\n');
    expect(await snapshot()).toBe(before);
  });

  it('refuses an unknown address with 1 and bad arguments with 2, changing nothing', async () => {
    await fullAda();
    const before = await snapshot();
    expect(await cli(['users', 'delete', '--email', 'nobody@example.com', '--yes'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'No user has the address nobody@example.com.\n',
    });
    expect((await cli(['users', 'delete', '--email', 'nobody@example.com'])).code).toBe(1);
    for (const args of [
      ['users', 'delete', '--yes'],
      ['users', 'delete', '--email', '--yes'],
      ['users', 'delete', '--email', 'ada@example.com', '--yes', 'now'],
      ['users', 'delete', '--email', 'ada@example.com', '--yes', '--force'],
      ['users', 'delete', '--email', 'ada@example.com', '--yes=no'],
    ]) {
      const bad = await cli(args);
      expect(bad.code, args.join(' ')).toBe(2);
      expect(bad.stderr).toContain('Usage:');
    }
    expect(await snapshot()).toBe(before);
  });

  it('waits for the back-channel logouts an app is owed: refused with 1 until they are delivered', async () => {
    const { user } = await fullAda();
    await grantApp(user, await addApp(true));
    const before = await snapshot();
    const refused = await cli(['users', 'delete', '--email', 'ada@example.com', '--yes']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      'Refused: apps (Field app) are owed a back-channel logout for ada@example.com, and deleting the account would drop it. Run "npm run cli -- users disable --email ada@example.com" first, then delete once the service has delivered them. Nothing was changed.\n',
    );
    expect(await snapshot()).toBe(before);

    expect((await cli(['users', 'disable', '--email', 'ada@example.com'])).code).toBe(0);
    const pending = await cli(['users', 'delete', '--email', 'ada@example.com', '--yes']);
    expect(pending.code).toBe(1);
    expect(pending.stderr).toContain('(1 not delivered yet)');
    // The service delivered it (the app's URI is not served here: the row is marked as its worker would).
    await t.deps.db
      .updateTable('outbox')
      .set({ sent_at: t.clock.now() })
      .where('kind', '=', 'backchannel-logout')
      .execute();
    expect((await cli(['users', 'delete', '--email', 'ada@example.com', '--yes'])).code).toBe(0);
    expect(JSON.stringify(await everyTable())).not.toContain(user.id);
  });
});

describe('npm run cli -- events export', () => {
  const exported = async (args: string[] = []) => {
    const result = await cli(['events', 'export', ...args]);
    return {
      ...result,
      lines: result.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line)),
    };
  };

  it('writes one JSON line per event, oldest first, with the address of its account or null', async () => {
    const ada = await t.addUser({ email: 'ada@example.com', password });
    await signIn(t.deps, { email: 'ada@example.com', password, client });
    t.clock.advance(60_000);
    await signIn(t.deps, { email: 'nobody@example.com', password, client });
    t.clock.advance(60_000);
    await disableUser(t.deps, 'ada@example.com');
    const all = await exported();
    expect(all.code).toBe(0);
    expect(all.stderr).toBe('');
    // The sign-in and the notice of its new browser share their instant: within one, the order is the id's.
    const inOrder = [...all.lines].sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.kind.localeCompare(b.kind));
    expect(inOrder).toEqual([
      {
        at: expect.stringMatching(/Z$/),
        kind: 'new-device-sign-in',
        user: 'ada@example.com',
        client_address: '203.0.113.7',
        user_agent: 'Firefox on the test bench',
      },
      {
        at: expect.stringMatching(/Z$/),
        kind: 'sign-in-succeeded',
        user: 'ada@example.com',
        client_address: '203.0.113.7',
        user_agent: 'Firefox on the test bench',
      },
      {
        at: expect.any(String),
        kind: 'sign-in-failed',
        user: null,
        client_address: '203.0.113.7',
        user_agent: 'Firefox on the test bench',
      },
      {
        at: expect.any(String),
        kind: 'account-disabled',
        user: 'ada@example.com',
        client_address: 'cli',
        user_agent: 'admin command line',
      },
    ]);
    const times = all.lines.map((line) => Date.parse(line.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const firstAt = (await t.deps.db.selectFrom('security_events').select('at').orderBy('at').executeTakeFirstOrThrow())
      .at;
    expect(all.lines[0].at).toBe(new Date(firstAt).toISOString());

    expect((await exported(['--user', 'ADA@example.com'])).lines.map((line) => line.kind).sort()).toEqual([
      'account-disabled',
      'new-device-sign-in',
      'sign-in-succeeded',
    ]);
    expect(
      (await exported(['--since', new Date(firstAt + 30_000).toISOString()])).lines.map((line) => line.kind),
    ).toEqual(['sign-in-failed', 'account-disabled']);
    expect((await exported(['--since', '2000-01-01'])).lines).toHaveLength(4);
    expect((await exported(['--since', '2999-01-01T00:00'])).lines).toEqual([]);
    expect(
      (await exported(['--since', new Date(firstAt + 90_000).toISOString(), '--user', 'ada@example.com'])).lines.map(
        (line) => line.kind,
      ),
    ).toEqual(['account-disabled']);
    expect(ada.id).toBeTruthy();
  });

  it('reads a long history page by page, in order', async () => {
    const ada = await t.addUser({ email: 'ada@example.com', password });
    const base = t.clock.now();
    // 2,500 events, many at the same instant: the pages must neither skip nor repeat any.
    const rows = Array.from({ length: 2500 }, (_, i) => ({
      id: `e-${String(i).padStart(5, '0')}`,
      user_id: i % 2 === 0 ? ada.id : null,
      kind: 'sign-in-failed' as const,
      at: base + Math.floor(i / 7),
      client_address: '198.51.100.1',
      user_agent: 'curl',
    }));
    for (let i = 0; i < rows.length; i += 500)
      await t.deps.db
        .insertInto('security_events')
        .values(rows.slice(i, i + 500))
        .execute();
    const all = await exported();
    expect(all.lines).toHaveLength(2500);
    expect(all.lines.filter((line) => line.user === 'ada@example.com')).toHaveLength(1250);
    const times = all.lines.map((line) => Date.parse(line.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  // Seventeen processes, each a Node start and a database opened: more than the default on a busy machine.
  it('refuses an unknown --user with 1, and a bad date or argument with 2', async () => {
    expect(await cli(['events', 'export', '--user', 'nobody@example.com'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'No user has the address nobody@example.com.\n',
    });
    for (const since of [
      'yesterday',
      '2024-02-30',
      '2024-13-01',
      '2024-05-01T25:00',
      '2024-05-01 10:00',
      '1714550400',
      '',
    ]) {
      const bad = await cli(['events', 'export', '--since', since]);
      expect(bad.code, since).toBe(2);
      expect(bad.stdout).toBe('');
      expect(bad.stderr).toContain(
        `--since must be an ISO date or date-time, e.g. 2024-05-01 or 2024-05-01T09:30Z (got "${since}")`,
      );
    }
    for (const args of [['--since'], ['--user'], ['--user', ''], ['all'], ['--format', 'csv']]) {
      const bad = await cli(['events', 'export', ...args]);
      expect(bad.code, args.join(' ')).toBe(2);
      expect(bad.stderr).toContain('Usage:');
    }
    for (const since of ['2024-05-01', '2024-05-01T09:30', '2024-05-01T09:30:15.5+02:00', '2024-02-29T23:59:59Z']) {
      expect((await cli(['events', 'export', '--since', since])).code, since).toBe(0);
    }
  }, 120_000);
});
