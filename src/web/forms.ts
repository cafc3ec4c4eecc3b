// Form bodies are parsed with a zod schema beside each handler. A body that does not fit the schema at all
// (a field missing, a field sent twice, a value far too long) is a tampered or broken request: 400, and
// nothing is done (SECURITY 67). Fields a person fills in are plain strings; their rules live in the flows.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';

// SECURITY 65: forms here are a few short fields; anything bigger is refused before it is parsed.
export const BODY_LIMIT = 16 * 1024;

/** The one body our pages accept; JSON, text and everything else are refused with 415. */
export function registerFormParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'buffer', bodyLimit: BODY_LIMIT },
    (_request, body, done) => {
      try {
        done(null, parseFormBody(body as Buffer));
      } catch (error) {
        done(error as Error);
      }
    },
  );
}

export class BadForm extends Error {
  readonly statusCode = 400;
  constructor() {
    super('the form does not have the expected fields');
  }
}

// Refuses what is not UTF-8 instead of replacing it with U+FFFD, which would be saved as if typed.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The parser of every urlencoded body (registerFormParser). Strict where the usual parsers are lenient: they
 * keep the raw text of a broken %-escape ("name=Ada%ZZ" saved as "Ada%ZZ") and turn bytes that are not
 * UTF-8, raw or %-escaped, into U+FFFD, so that a name would be saved and a password checked as something the
 * user never typed. A browser never sends such a body: it is refused whole with a 400 and nothing is done
 * (SECURITY 67). A name sent twice becomes an array, which no schema accepts.
 */
export function parseFormBody(raw: Buffer): Record<string, string | string[]> {
  let body: string;
  try {
    body = utf8.decode(raw);
  } catch {
    throw new BadForm();
  }
  // No prototype: a field named "__proto__" is a field like any other.
  const fields: Record<string, string | string[]> = Object.create(null);
  for (const pair of body.split('&')) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    const name = decodeFormText(at === -1 ? pair : pair.slice(0, at));
    const value = at === -1 ? '' : decodeFormText(pair.slice(at + 1));
    const seen = fields[name];
    fields[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return fields;
}

function decodeFormText(text: string): string {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    // URIError: a % not followed by two hex digits, or escapes that do not spell UTF-8.
    throw new BadForm();
  }
}

export function parseForm<Schema extends z.ZodType>(schema: Schema, request: FastifyRequest): z.infer<Schema> {
  const parsed = schema.safeParse(request.body);
  if (!parsed.success) throw new BadForm();
  return parsed.data;
}

const noticeQuery = z.object({ notice: z.string().optional() });

/**
 * The sentence of `?notice=` (the redirect after a POST says what happened), when it names one of the page's
 * notices; anything else shows nothing, so no text of the visitor's choosing reaches the page.
 */
export function noticeOf<Key extends string>(request: FastifyRequest, notices: Record<string, Key>): Key | undefined {
  const { notice } = noticeQuery.safeParse(request.query).data ?? {};
  return notice !== undefined && Object.hasOwn(notices, notice) ? notices[notice] : undefined;
}

/** A single text field of bounded size. */
export const field = (max: number) => z.string().max(max);

/** What a typed password may be on the wire: generous, the policy gives the precise error. */
export const passwordField = field(4096);

/** The CSRF token travels in every form; the plugin checks it, the schema only tolerates it. */
export const csrfField = { _csrf: z.string().max(256).optional() };
