// The SMTP transport: nodemailer to SMTP_URL, or to the development mailbox on loopback.
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';

export type MailTransport = Pick<Transporter, 'sendMail' | 'close'>;

export function createTransport(url: URL): MailTransport {
  return nodemailer.createTransport({
    url: url.href,
    // Fail fast: the worker retries with backoff, so a hung server must not hold a claim for minutes.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    // The development mailbox listens on loopback without TLS; everything else may offer STARTTLS.
    ignoreTLS: url.hostname === '127.0.0.1' && url.searchParams.has('dev-mailbox'),
  } as SMTPTransport.Options);
}
