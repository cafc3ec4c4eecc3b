// The development mailbox: outside production, when no SMTP_URL is set, the service runs this SMTP server
// on loopback, sends its own mail to it, and shows what arrived at /dev/mailbox. Messages are kept as .eml
// files beside the database, so a restart loses none of them.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { newId } from '../core/tokens.ts';
import type { DevMailbox, MailboxMessage, MailboxSummary } from '../deps.ts';

const KEEP = 200;
const MAX_MESSAGE_BYTES = 2 * 1024 * 1024;

export interface RunningDevMailbox extends DevMailbox {
  /** Where the service's own transport should send. */
  url: URL;
  close(): Promise<void>;
}

export async function startDevMailbox(folder: string): Promise<RunningDevMailbox> {
  mkdirSync(folder, { recursive: true });
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    size: MAX_MESSAGE_BYTES,
    logger: false,
    banner: 'development mailbox',
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const envelope = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
        };
        const name = `${Date.now()}-${newId()}`;
        writeFileSync(join(folder, `${name}.eml`), Buffer.concat(chunks));
        writeFileSync(join(folder, `${name}.json`), JSON.stringify(envelope));
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as { port: number };

  const names = () =>
    readdirSync(folder)
      .filter((file) => file.endsWith('.eml'))
      .map((file) => file.slice(0, -'.eml'.length))
      .sort((a, b) => Number(b.split('-')[0]) - Number(a.split('-')[0]) || (a < b ? 1 : -1))
      .slice(0, KEEP);

  async function read(name: string): Promise<MailboxMessage> {
    const parsed = await simpleParser(readFileSync(join(folder, `${name}.eml`)));
    const envelope = JSON.parse(readFileSync(join(folder, `${name}.json`), 'utf8')) as { from: string; to: string[] };
    return {
      id: name,
      receivedAt: Number(name.split('-')[0]),
      envelopeFrom: envelope.from,
      envelopeTo: envelope.to,
      subject: parsed.subject ?? '',
      text: parsed.text ?? '',
      html: typeof parsed.html === 'string' ? parsed.html : undefined,
    };
  }

  return {
    url: new URL(`smtp://127.0.0.1:${port}/?dev-mailbox`),
    async list(): Promise<MailboxSummary[]> {
      return Promise.all(
        names().map(async (name) => {
          const { text: _text, html: _html, ...summary } = await read(name);
          return summary;
        }),
      );
    },
    async get(id) {
      return /^\d+-[0-9a-f-]{36}$/.test(id) && names().includes(id) ? read(id) : undefined;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
