// Who is signed in, from the session cookie and nothing else (SECURITY 63).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { peekSession, type ResumeOutcome, resumeSession, type SignedIn } from '../flows/sessions.ts';
import { clearSessionCookie, readSessionCookie } from './cookies.ts';
import { redirect } from './render.ts';
import type { WebContext } from './web-context.ts';

export function currentSession(web: WebContext, request: FastifyRequest): Promise<ResumeOutcome> {
  return resumeSession(web.deps, readSessionCookie(web.deps.config, request));
}

/** Where a session that may only enrol a second factor is sent (REQUIRE_2FA=required, flows/sessions.ts). */
export const ENROLMENT_PAGE = '/settings/security/two-step/setup';
/** Where a session whose password was found breached is sent (flows/breached-password.ts). */
export const NEW_PASSWORD_PAGE = '/settings/new-password';

const onlyPage = { enrol: ENROLMENT_PAGE, 'new-password': NEW_PASSWORD_PAGE } as const;

/**
 * The signed-in user, or undefined after sending the visitor to the log-in page. A session that may only
 * enrol a second factor, or only choose a new password, is sent to that page, unless `only` says this is it.
 */
export async function requireSignedIn(
  web: WebContext,
  request: FastifyRequest,
  reply: FastifyReply,
  { only }: { only?: keyof typeof onlyPage } = {},
): Promise<SignedIn | undefined> {
  const current = await currentSession(web, request);
  if (current.status === 'active') return current.signedIn;
  if (current.status === 'enrol' || current.status === 'new-password') {
    if (only === current.status) return current.signedIn;
    redirect(reply, onlyPage[current.status]);
    return undefined;
  }
  clearSessionCookie(web.deps.config, reply);
  redirect(reply, current.status === 'expired' ? '/login?notice=session-expired' : '/login');
  return undefined;
}

/**
 * The signed-in user's profile, for pages anyone may see: they speak its language too (PRODUCT.md
 * "Language"). Read only, so that an error page or a refused request changes nothing; best effort: a page
 * must not fail because the session cannot be read.
 */
export async function signedInProfile(web: WebContext, request: FastifyRequest): Promise<SignedIn['user'] | undefined> {
  const signedIn = await peekSession(web.deps, readSessionCookie(web.deps.config, request)).catch(() => undefined);
  return signedIn?.user;
}
