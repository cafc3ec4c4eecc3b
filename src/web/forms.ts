// Form bodies are parsed with a zod schema beside each handler. A body that does not fit the schema at all
// (a field missing, a field sent twice, a value far too long) is a tampered or broken request: 400, and
// nothing is done (SECURITY 67). Fields a person fills in are plain strings; their rules live in the flows.
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';

export class BadForm extends Error {
  readonly statusCode = 400;
  constructor() {
    super('the form does not have the expected fields');
  }
}

export function parseForm<Schema extends z.ZodType>(schema: Schema, request: FastifyRequest): z.infer<Schema> {
  const parsed = schema.safeParse(request.body);
  if (!parsed.success) throw new BadForm();
  return parsed.data;
}

/** A single text field of bounded size. */
export const field = (max: number) => z.string().max(max);

/** What a typed password may be on the wire: generous, the policy gives the precise error. */
export const passwordField = field(4096);

/** The CSRF token travels in every form; the plugin checks it, the schema only tolerates it. */
export const csrfField = { _csrf: z.string().max(256).optional() };
