// The SMTP transport: nodemailer to SMTP_URL, or to the development mailbox on loopback.
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';

export type MailTransport = Pick<Transporter, 'sendMail' | 'close'>;

function loopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127\./.test(host);
}

export function createTransport(url: URL): MailTransport {
  return nodemailer.createTransport({
    url: url.href,
    // Fail fast: the worker retries with backoff, so a hung server must not hold a claim for minutes.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    // SECURITY 46: reset links never cross a network in clear. smtp:// to another host must upgrade with
    // STARTTLS (a stripped offer fails the send, and the worker retries); only loopback may stay plain.
    requireTLS: !loopback(url.hostname),
    ignoreTLS: loopback(url.hostname) && url.searchParams.has('dev-mailbox'),
  } as SMTPTransport.Options);
}
