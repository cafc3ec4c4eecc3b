// Forgot password? → Send Reset Email, as the flow and the SMTP server see it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type TestDeps, testDeps } from '../../test/support/deps.ts';
import { resetLinkOf } from '../../test/support/smtp.ts';
import { countOutbox } from '../store/outbox.ts';
import { findUserById } from '../store/users.ts';
import { sendResetEmail } from './forgot-password.ts';
import { openResetLink } from './reset-password.ts';

const client = { address: '203.0.113.7', userAgent: 'test' };
let t: TestDeps;

beforeEach(async () => {
  t = await testDeps();
});
afterEach(() => t.close());

describe('sending the reset email', () => {
  it('mails the stored address of the account, in its language, with a working link (SECURITY 29, 33)', async () => {
    await t.addUser({ email: 'ada@example.com', password: 'Velvet-Otter-9', name: 'Ada Lovelace', locale: 'fr' });
    expect(await sendResetEmail(t.deps, { email: ' ADA@Example.com ', client })).toEqual({ ok: true });
    await t.outbox.drain();
    expect(t.smtp.received).toHaveLength(1);
    const [email] = t.smtp.received;
    expect(email!.envelope.to).toEqual(['ada@example.com']);
    expect(email!.subject).toBe('Réinitialisez votre mot de passe Sales Connect');
    expect(email!.html).toContain('Réinitialiser le mot de passe');
    expect(email!.text).toContain('Bonjour Ada Lovelace,');
    expect(email!.text).toContain('Ce lien expire dans 1 heure');
    expect(email!.text).toContain('ignorez cet e-mail');
    const link = resetLinkOf(email!);
    expect(link.origin).toBe(t.deps.config.publicUrl.origin);
    expect(await openResetLink(t.deps, link.searchParams.get('token')!)).toMatchObject({ ok: true });
  });

  it('answers the same for an unknown, a disabled and a real address, and mails only the real one (SECURITY 27)', async () => {
    const disabled = await t.addUser({ email: 'gone@example.com', password: 'Velvet-Otter-9' });
    await t.deps.db.updateTable('users').set({ disabled_at: t.clock.now() }).where('id', '=', disabled.id).execute();
    await t.addUser({ email: 'ada@example.com', password: 'Velvet-Otter-9' });
    for (const email of ['nobody@example.com', 'gone@example.com', 'ada@example.com']) {
      expect(await sendResetEmail(t.deps, { email, client })).toEqual({ ok: true });
    }
    await t.outbox.drain();
    expect(t.smtp.received.map((email) => email.envelope.to)).toEqual([['ada@example.com']]);
  });

  it('writes for an unknown, a disabled or a capped address the rows it writes for an account, and sends only the account’s (SECURITY 28)', async () => {
    // Counted without the worker running in between: the test drains it itself.
    await t.close();
    t = await testDeps({}, { wakes: false });
    const ada = await t.addUser({ email: 'ada@example.com', password: 'Velvet-Otter-9' });
    const gone = await t.addUser({ email: 'gone@example.com', password: 'Velvet-Otter-9' });
    await t.deps.db.updateTable('users').set({ disabled_at: t.clock.now() }).where('id', '=', gone.id).execute();
    const count = async (table: 'security_events' | 'outbox') =>
      Number(
        (
          await t.deps.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number | string>().as('rows'))
            .executeTakeFirstOrThrow()
        ).rows,
      );
    const written = async (email: string) => {
      const before = { events: await count('security_events'), outbox: await count('outbox') };
      await sendResetEmail(t.deps, { email, client });
      return {
        events: (await count('security_events')) - before.events,
        outbox: (await count('outbox')) - before.outbox,
      };
    };
    for (const email of [
      'ada@example.com',
      'nobody@example.com',
      'gone@example.com',
      'ada@example.com',
      'ada@example.com',
    ]) {
      expect(await written(email)).toEqual({ events: 1, outbox: 1 });
    }
    // The fourth request for Ada's address is over its cap: tied to no account, like the unknown ones.
    expect(await written('ada@example.com')).toEqual({ events: 1, outbox: 1 });
    expect(await countOutbox(t.deps.db)).toEqual({ pending: 3, sent: 0, failed: 0 });

    await t.outbox.drain();
    expect(t.smtp.received.map((email) => email.envelope.to)).toEqual([
      ['ada@example.com'],
      ['ada@example.com'],
      ['ada@example.com'],
    ]);
    // The rows of no account are gone, unsent, and were never mail waiting to go out.
    expect(await t.deps.db.selectFrom('outbox').select('user_id').execute()).toEqual([
      { user_id: ada.id },
      { user_id: ada.id },
      { user_id: ada.id },
    ]);
    expect(await countOutbox(t.deps.db)).toEqual({ pending: 0, sent: 3, failed: 0 });
  });

  it('never mails an address that only resembles the account’s (SECURITY 29)', async () => {
    await t.addUser({ email: 'ada@example.com', password: 'Velvet-Otter-9' });
    for (const email of [
      'ada@example.com.evil.test',
      'ada@exampIe.com',
      'аda@example.com',
      'ada@example.com, eve@evil.test',
    ]) {
      await sendResetEmail(t.deps, { email, client });
    }
    await t.outbox.drain();
    expect(t.smtp.received).toEqual([]);
  });

  it('stores no token and changes nothing on the account (SECURITY 32, 35)', async () => {
    const user = await t.addUser({ email: 'ada@example.com', password: 'Velvet-Otter-9' });
    await sendResetEmail(t.deps, { email: 'ada@example.com', client });
    await t.outbox.drain();
    const token = resetLinkOf(t.smtp.received[0]!).searchParams.get('token')!;
    const dump = JSON.stringify([
      await t.deps.db.selectFrom('reset_tokens').selectAll().execute(),
      await t.deps.db.selectFrom('outbox').selectAll().execute(),
      await t.deps.db.selectFrom('throttles').selectAll().execute(),
    ]);
    expect(dump).not.toContain(token);
    expect(await findUserById(t.deps.db, user.id)).toEqual(user);
  });

  it('sends at most three emails per address in fifteen minutes, without saying so (SECURITY 30)', async () => {
    await t.addUser({ email: 'ada@example.com', password: 'Velvet-Otter-9' });
    for (let i = 0; i < 5; i++) {
      expect(
        await sendResetEmail(t.deps, { email: 'ada@example.com', client: { ...client, address: `198.51.100.${i}` } }),
      ).toEqual({ ok: true });
    }
    await t.outbox.drain();
    expect(t.smtp.received).toHaveLength(3);
    t.clock.advance(15 * 60_000);
    await sendResetEmail(t.deps, { email: 'ada@example.com', client });
    await t.outbox.drain();
    expect(t.smtp.received).toHaveLength(4);
  });

  it('shows the owner one request per email sent, and records every request, unknown addresses too, tied to no account', async () => {
    const user = await t.addUser({ email: 'ada@example.com', password: 'Velvet-Otter-9' });
    for (let i = 0; i < 12; i++)
      await sendResetEmail(t.deps, { email: 'ada@example.com', client: { ...client, address: `198.51.100.${i}` } });
    await sendResetEmail(t.deps, { email: 'nobody@example.com', client: { ...client, address: '192.0.2.1' } });
    const requests = await t.deps.db
      .selectFrom('security_events')
      .select(['user_id', 'client_address'])
      .where('kind', '=', 'reset-requested')
      .execute();
    expect(requests).toHaveLength(13);
    const owners = requests
      .filter((event) => event.user_id === user.id)
      .map((event) => event.client_address)
      .sort();
    expect(owners).toEqual(['198.51.100.0', '198.51.100.1', '198.51.100.2']);
    expect(requests.filter((event) => event.user_id === null)).toHaveLength(10);
    // A quarter of an hour later the cap starts again, and so does the owner's activity.
    t.clock.advance(15 * 60_000);
    await sendResetEmail(t.deps, { email: 'ada@example.com', client });
    expect(
      await t.deps.db.selectFrom('security_events').select('id').where('user_id', '=', user.id).execute(),
    ).toHaveLength(4);
  });

  it('slows down one client asking for many addresses, visibly', async () => {
    for (let i = 0; i < 10; i++)
      expect(await sendResetEmail(t.deps, { email: `user${i}@example.com`, client })).toEqual({ ok: true });
    expect(await sendResetEmail(t.deps, { email: 'user10@example.com', client })).toEqual({ ok: true });
    expect(await sendResetEmail(t.deps, { email: 'user11@example.com', client })).toEqual({
      ok: false,
      reason: 'throttled',
      retryAfterMs: 1000,
    });
  });

  it('sends at most three emails for a burst of forty parallel requests (SECURITY 20, 30)', async () => {
    await t.addUser({ email: 'ada@example.com', password: 'Velvet-Otter-9' });
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        sendResetEmail(t.deps, { email: 'ada@example.com', client: { ...client, address: `198.51.100.${i}` } }),
      ),
    );
    expect(answers.every((answer) => answer.ok)).toBe(true);
    await t.outbox.drain();
    expect(t.smtp.received.length).toBeLessThanOrEqual(3);
    expect(t.smtp.received.length).toBeGreaterThan(0);
  });

  it('refuses what is not an email address', async () => {
    expect(await sendResetEmail(t.deps, { email: 'not an address', client })).toEqual({
      ok: false,
      reason: 'invalid-email',
    });
  });

  it('answers without waiting for a slow or broken SMTP server (SECURITY 28)', async () => {
    await t.addUser({ email: 'ada@example.com', password: 'Velvet-Otter-9' });
    t.smtp.setDown(true);
    expect(await sendResetEmail(t.deps, { email: 'ada@example.com', client })).toEqual({ ok: true });
    const [row] = await t.deps.db.selectFrom('outbox').selectAll().execute();
    expect(row).toMatchObject({ kind: 'reset-email', sent_at: null });
  });
});
