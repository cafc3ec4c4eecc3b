// The SMTP transport: nodemailer to SMTP_URL, or to the development mailbox on loopback.
import type { SendMailOptions, Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { isLoopbackHost } from '../core/hosts.ts';

export interface MailTransport {
  sendMail(message: SendMailOptions): Promise<unknown>;
  /** Resolves when the server answers a connection (and takes our credentials): is it back after an outage? */
  verify(): Promise<void>;
  close(): void;
}

/** nodemailer is loaded with the first email: an instance that sends none does not carry it. */
export function createTransport(url: URL): MailTransport {
  let transporter: Promise<Transporter> | undefined;
  const open = () =>
    (transporter ??= import('nodemailer').then(({ default: nodemailer }) =>
      nodemailer.createTransport({
        url: url.href,
        // A few connections kept open and reused: a busy outbox does not pay a TCP and SMTP handshake per email.
        pool: true,
        maxConnections: 2,
        // Fail fast: the worker retries with backoff, so a hung server must not hold a claim for minutes.
        connectionTimeout: 10_000,
        greetingTimeout: 10_000,
        socketTimeout: 30_000,
        // SECURITY 46: reset links never cross a network in clear. smtp:// to another host must upgrade with
        // STARTTLS (a stripped offer fails the send, and the worker retries); only loopback may stay plain.
        requireTLS: !isLoopbackHost(url.hostname),
        ignoreTLS: isLoopbackHost(url.hostname) && url.searchParams.has('dev-mailbox'),
      } as SMTPTransport.Options),
    ));
  return {
    sendMail: async (message) => (await open()).sendMail(message),
    verify: async () => {
      await (await open()).verify();
    },
    close: () => void transporter?.then((opened) => opened.close()),
  };
}
