// /dev/mailbox: present outside production when no SMTP server is configured, absent otherwise.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestBrowser, visibleText } from '../../../test/support/browser.ts';
import { startService, type TestService } from '../../../test/support/service.ts';
import { type RunningDevMailbox, startDevMailbox } from '../../mail/dev-mailbox.ts';

let folder: string;
let mailbox: RunningDevMailbox;
let service: TestService;

beforeEach(async () => {
  folder = mkdtempSync(join(tmpdir(), 'sc-mailbox-'));
  mailbox = await startDevMailbox(folder);
  // The service's mail goes to the mailbox, as `npm start` wires it.
  service = await startService({}, { devMailbox: mailbox });
  await service.addUser({ email: 'ada@example.com', password: 'Velvet-Otter-9', locale: 'fr' });
  const browser = new TestBrowser(service.url);
  await browser.get('/forgot-password');
  await browser.post('/forgot-password', { email: 'ada@example.com' });
  await service.outbox.drain();
  // Its pooled SMTP connection closed, so that the mailbox can be stopped and started again.
  await service.outbox.stop();
});
afterEach(async () => {
  await service.close();
  await mailbox.close();
  rmSync(folder, { recursive: true, force: true });
});

describe('the development mailbox', () => {
  it('lists what the service sent, and opens each message with its envelope, HTML and text', async () => {
    const browser = new TestBrowser(service.url);
    const list = await browser.get('/dev/mailbox');
    expect(list.status).toBe(200);
    expect(visibleText(list.text)).toContain('Réinitialisez votre mot de passe Sales Connect');
    const href = /href="(\/dev\/mailbox\/[^"]+)"/.exec(list.text)![1]!;
    const message = await browser.get(href);
    expect(visibleText(message.text)).toContain('ada@example.com');
    expect(message.text).toContain(`<iframe`);
    expect(message.text).toContain('sandbox="allow-top-navigation-by-user-activation allow-popups"');
    expect(message.headers.get('content-security-policy')).toContain("frame-src 'self'");
    const html = await browser.get(`${href}/html`);
    expect(html.headers.get('content-security-policy')).toMatch(/^sandbox /);
    expect(html.text).toContain('<base target="_top">');
    expect(html.text).toContain('Réinitialiser le mot de passe');
  });

  it('keeps messages across a restart of the mailbox', async () => {
    await mailbox.close();
    mailbox = await startDevMailbox(folder);
    expect((await mailbox.list()).map((message) => message.envelopeTo)).toEqual([['ada@example.com']]);
  });

  it('answers 404 for a message that does not exist or a path that tries to leave the folder', async () => {
    const browser = new TestBrowser(service.url);
    expect((await browser.get('/dev/mailbox/123-not-there')).status).toBe(404);
    expect((await browser.get('/dev/mailbox/..%2F..%2Fapp.db')).status).toBe(404);
    expect((await browser.get(`/dev/mailbox/${'a'.repeat(150)}`)).status).toBe(404);
    expect((await browser.get(`/dev/mailbox/${'a'.repeat(150)}/html`)).status).toBe(404);
  });
});

describe('without the development mailbox', () => {
  it('has no /dev/mailbox at all', async () => {
    const plain = await startService();
    expect((await new TestBrowser(plain.url).get('/dev/mailbox')).status).toBe(404);
    await plain.close();
  });
});
