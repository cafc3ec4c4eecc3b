// Passkeys: /settings/security/passkeys/add|rename|remove, POST /login/passkey ("Sign in with a passkey", on
// its own) and POST /login/verify/passkey (a passkey as the second step). Flows: flows/passkeys.ts,
// flows/second-step.ts. The WebAuthn ceremonies run in the browser script (client/passkeys.ts), which puts
// the authenticator's answer in the form's `credential` field: every answer is an ordinary form post, with
// its CSRF token and origin check.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { addPasskey, beginRegistration, removePasskey, renamePasskey } from '../../flows/passkeys.ts';
import { completeSecondStepWithPasskey, type SessionOpened, signInWithPasskey } from '../../flows/second-step.ts';
import type { SignedIn } from '../../flows/sessions.ts';
import { recentlyProven } from '../../flows/two-step.ts';
import { requireSignedIn } from '../auth.ts';
import { readSessionCookie, setSessionCookie } from '../cookies.ts';
import { csrfField, field, parseForm } from '../forms.ts';
import { redirect, sendPage } from '../render.ts';
import { allowFormTarget } from '../security-headers.ts';
import { withReturnTo } from '../views/login.tsx';
import { AddPasskeyView } from '../views/passkeys.tsx';
import { RecoveryCodesView } from '../views/two-step.tsx';
import { clientInfo, pageContext, type WebContext } from '../web-context.ts';
import { pendingOf, signedInCookies } from './second-step.ts';

const SECURITY = '/settings/security';
const ADD = `${SECURITY}/passkeys/add`;
const HOME = '/settings';

/** A WebAuthn answer is a few kilobytes of JSON; more is not one. */
const answerFields = { ceremony: field(2048), credential: field(16_384) };
const addBody = z.object({ ...csrfField, ...answerFields, name: field(256) });
const passkeyBody = z.object({ ...csrfField, passkey: field(1024) });
const renameBody = z.object({ ...csrfField, passkey: field(1024), name: field(256) });
const answerBody = z.object({ ...csrfField, ...answerFields, return_to: field(4096).optional() });

/** Where the second step's passkey answer goes for a sign-in at /login, and for an app's (interaction.ts). */
export const passkeyStepAction = (secondStepAction: string) => `${secondStepAction}/passkey`;

/** The passkey answer to the second step: the session opened and its cookies set, or undefined, answered. */
export async function submitPasskeyStep(
  web: WebContext,
  request: FastifyRequest,
  reply: FastifyReply,
  after: { failed: string; restart: string },
): Promise<SessionOpened | undefined> {
  const body = parseForm(answerBody, request);
  const outcome = await completeSecondStepWithPasskey(web.deps, {
    token: request.cookies[web.cookies.secondStep],
    sealed: body.ceremony,
    credential: body.credential,
    client: clientInfo(request),
    previousToken: readSessionCookie(web.deps.config, request),
  });
  if (outcome.ok) {
    signedInCookies(web, request, reply, outcome);
    return outcome;
  }
  // A failed passkey leaves the second step where it was, with its other ways; an expired one starts again.
  redirect(reply, outcome.reason === 'failed' && (await pendingOf(web, request)) ? after.failed : after.restart);
  return undefined;
}

/** "Sign in with a passkey": the session opened and its cookies set, or undefined, answered. */
export async function submitPasskeySignIn(
  web: WebContext,
  request: FastifyRequest,
  reply: FastifyReply,
  failed: string,
): Promise<SessionOpened | undefined> {
  const body = parseForm(answerBody, request);
  const outcome = await signInWithPasskey(web.deps, {
    sealed: body.ceremony,
    credential: body.credential,
    client: clientInfo(request),
    previousToken: readSessionCookie(web.deps.config, request),
    deviceToken: request.cookies[web.cookies.device],
  });
  if (outcome.ok) {
    signedInCookies(web, request, reply, outcome);
    return outcome;
  }
  redirect(reply, failed);
  return undefined;
}

export function registerPasskeyPages(app: FastifyInstance, web: WebContext): void {
  const { deps } = web;

  async function addPage(
    request: FastifyRequest,
    reply: FastifyReply,
    user: SignedIn,
    page: { status: number; name: string; error?: string; alert?: string },
  ) {
    const ceremony = await beginRegistration(deps, user);
    if (!ceremony) return redirect(reply, SECURITY);
    const ctx = pageContext(web, request, reply, user.user);
    return sendPage(reply, page.status, AddPasskeyView({ ctx, ceremony, ...page }));
  }

  app.get(ADD, async (request, reply) => {
    const user = await requireSignedIn(web, request, reply, { only: 'enrol' });
    if (!user) return reply;
    if (!recentlyProven(deps, user.session))
      return redirect(reply, `${SECURITY}/confirm?next=${encodeURIComponent(ADD)}`);
    return addPage(request, reply, user, { status: 200, name: '' });
  });

  app.post(ADD, { preHandler: web.protect }, async (request, reply) => {
    const body = parseForm(addBody, request);
    const user = await requireSignedIn(web, request, reply, { only: 'enrol' });
    if (!user) return reply;
    const outcome = await addPasskey(deps, user, {
      sealed: body.ceremony,
      credential: body.credential,
      name: body.name,
      client: clientInfo(request),
    });
    const ctx = pageContext(web, request, reply, user.user);
    if (outcome.ok) {
      if (outcome.token) setSessionCookie(deps.config, reply, outcome.token);
      if (outcome.codes.length === 0) return redirect(reply, `${SECURITY}?notice=passkey-added`);
      const page = RecoveryCodesView({
        ctx,
        codes: outcome.codes,
        email: user.user.email,
        notice: ctx.t('passkeys.added'),
        continueHref: SECURITY,
        standalone: false,
      });
      return sendPage(reply, 200, page);
    }
    if (outcome.reason === 'step-up') return redirect(reply, `${SECURITY}/confirm?next=${encodeURIComponent(ADD)}`);
    if (outcome.reason === 'unavailable') return redirect(reply, SECURITY);
    if (outcome.reason === 'invalid-name')
      return addPage(request, reply, user, { status: 422, name: body.name, error: ctx.t('passkeys.nameInvalid') });
    return addPage(request, reply, user, { status: 422, name: body.name, alert: ctx.t('passkeys.failed') });
  });

  app.post(`${SECURITY}/passkeys/rename`, { preHandler: web.protect }, async (request, reply) => {
    const body = parseForm(renameBody, request);
    const user = await requireSignedIn(web, request, reply);
    if (!user) return reply;
    const outcome = await renamePasskey(deps, user, body.passkey, body.name);
    const notice = outcome.ok ? 'passkey-renamed' : outcome.reason === 'invalid-name' ? 'passkey-name' : 'passkey-gone';
    return redirect(reply, `${SECURITY}?notice=${notice}`);
  });

  app.post(`${SECURITY}/passkeys/remove`, { preHandler: web.protect }, async (request, reply) => {
    const body = parseForm(passkeyBody, request);
    const user = await requireSignedIn(web, request, reply);
    if (!user) return reply;
    const outcome = await removePasskey(deps, user, body.passkey, clientInfo(request));
    if (outcome.ok)
      return redirect(reply, `${SECURITY}?notice=${outcome.lastFactor ? 'passkey-removed-last' : 'passkey-removed'}`);
    if (outcome.reason === 'step-up')
      return redirect(reply, `${SECURITY}/confirm?next=${encodeURIComponent(SECURITY)}`);
    return redirect(reply, `${SECURITY}?notice=${outcome.reason === 'required' ? 'required' : 'passkey-gone'}`);
  });

  app.post('/login/passkey', { preHandler: web.protect }, async (request, reply) => {
    const returnTo = web.returnTo(parseForm(answerBody, request).return_to);
    allowFormTarget(reply, returnTo);
    const failed = withReturnTo('/login?notice=passkey-failed', returnTo);
    const opened = await submitPasskeySignIn(web, request, reply, failed);
    return opened ? redirect(reply, returnTo ?? HOME) : reply;
  });

  app.post('/login/verify/passkey', { preHandler: web.protect }, async (request, reply) => {
    const returnTo = web.returnTo(parseForm(answerBody, request).return_to);
    allowFormTarget(reply, returnTo);
    const opened = await submitPasskeyStep(web, request, reply, {
      failed: withReturnTo('/login/verify?passkey=failed', returnTo),
      restart: withReturnTo('/login?notice=second-step-expired', returnTo),
    });
    return opened ? redirect(reply, returnTo ?? HOME) : reply;
  });
}
