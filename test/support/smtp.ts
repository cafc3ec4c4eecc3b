// A real SMTP server for tests: it receives what the service sends, keeps the envelope (RCPT TO is what
// SECURITY 29 is about, not the To: header) and the parsed message, and can be taken down or slowed.
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface CapturedEmail {
  envelope: { from: string; to: string[] };
  mail: ParsedMail;
  subject: string;
  text: string;
  html: string;
}

export interface SmtpCapture {
  url: URL;
  received: CapturedEmail[];
  /** Refuse every connection (an outage) until set back to false. */
  setDown(down: boolean): void;
  /** Hold each message this long before accepting it (a slow provider). */
  setDelay(ms: number): void;
  /** Messages being received and not yet accepted: a sender killed now has not heard the answer. */
  inFlight(): number;
  close(): Promise<void>;
}

export async function startSmtpCapture(): Promise<SmtpCapture> {
  const received: CapturedEmail[] = [];
  let down = false;
  let delay = 0;
  let receiving = 0;
  /** While down: the 421 a provider answers during an outage. */
  const outage = () => {
    if (!down) return undefined;
    const error = new Error('service unavailable') as Error & { responseCode: number };
    error.responseCode = 421;
    return error;
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onConnect(_session, callback) {
      callback(outage());
    },
    // Connections opened before the outage (the service keeps a pool) fail too, at the first command.
    onMailFrom(_address, _session, callback) {
      callback(outage());
    },
    onData(stream, session, callback) {
      receiving++;
      simpleParser(stream)
        .then(async (mail) => {
          if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
          received.push({
            envelope: {
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            },
            mail,
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            html: typeof mail.html === 'string' ? mail.html : '',
          });
          callback();
        })
        .catch(callback)
        .finally(() => receiving--);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as { port: number };
  return {
    url: new URL(`smtp://127.0.0.1:${port}`),
    received,
    setDown: (value) => {
      down = value;
    },
    setDelay: (ms) => {
      delay = ms;
    },
    inFlight: () => receiving,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The reset link of an email, as a user would copy it from the plain-text part. */
/** The newest email that carries a reset link: a sign-in from a new browser may have been announced since. */
export function newestResetEmail(received: CapturedEmail[]): CapturedEmail {
  const email = received.findLast((each) => /\/reset-password\?token=/.test(each.text));
  if (!email) throw new Error('no email with a reset link was received');
  return email;
}

export function resetLinkOf(email: CapturedEmail): URL {
  const match = /https?:\/\/\S+\/reset-password\?token=[A-Za-z0-9_-]+/.exec(email.text);
  if (!match) throw new Error(`no reset link in: ${email.text}`);
  return new URL(match[0]);
}
