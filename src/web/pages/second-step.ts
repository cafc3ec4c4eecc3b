// GET/POST /login/verify: the second step of a sign-in (a code from the app, or ?with=recovery a recovery
// code); GET/POST /login/two-step-setup: the enrolment REQUIRE_2FA=required asks for right after the
// password. Flows: flows/second-step.ts. The OpenID Connect sign-in (pages/interaction.ts) shows the same
// second step under its own address.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { groupedKey, otpauthUri, qrCodeSvg } from '../../factors/totp.ts';
import { beginAssertion, type Ceremony } from '../../flows/passkeys.ts';
import {
  completeEnrolment,
  completeSecondStep,
  PENDING_SIGN_IN_MS,
  type Pending,
  pendingSignIn,
  type SessionOpened,
} from '../../flows/second-step.ts';
import { beginTotpSetup, type FactorProof, hasApp, openTotpSetup, type TotpSetup } from '../../flows/two-step.ts';
import { formatWait } from '../../i18n/index.ts';
import { KNOWN_DEVICE_MS } from '../../throttles.ts';
import { cookieOptions, readSessionCookie, setSessionCookie } from '../cookies.ts';
import { renewCsrfSecret } from '../csrf.ts';
import { csrfField, field, parseForm } from '../forms.ts';
import { redirect, sendPage, sendTooSoon } from '../render.ts';
import { allowFormTarget } from '../security-headers.ts';
import type { PageContext } from '../views/context.ts';
import { withReturnTo } from '../views/login.tsx';
import {
  RecoveryCodesView,
  RequiredSetupView,
  SecondStepView,
  type SetupDisplay,
  type StepForm,
} from '../views/two-step.tsx';
import { clientInfo, pageContext, type WebContext } from '../web-context.ts';

const HOME = '/settings';
const VERIFY = '/login/verify';
const ENROL = '/login/two-step-setup';

const stepQuery = z.object({
  return_to: z.string().optional(),
  with: z.string().optional(),
  passkey: z.string().optional(),
});
const stepBody = z.object({
  ...csrfField,
  code: field(64).optional(),
  recovery_code: field(64).optional(),
  return_to: field(4096).optional(),
});
const enrolBody = z.object({ ...csrfField, code: field(64), setup: field(1024), return_to: field(4096).optional() });

/** The half-finished sign-in of this browser: its own cookie, never the session's. */
export function pendingOf(web: WebContext, request: FastifyRequest): Promise<Pending | undefined> {
  return pendingSignIn(web.deps, request.cookies[web.cookies.secondStep]);
}

/** Set by the log-in form when the password was right and a second step is owed. */
export function setSecondStepCookie(web: WebContext, reply: FastifyReply, token: string): void {
  reply.setCookie(web.cookies.secondStep, token, cookieOptions(web.deps.config, { maxAge: PENDING_SIGN_IN_MS / 1000 }));
}

const restartOf = (returnTo: string | undefined) => withReturnTo('/login?notice=second-step-expired', returnTo);

/** Back to the log-in page: the half-finished sign-in is gone (expired, finished elsewhere, password changed). */
function startAgain(web: WebContext, reply: FastifyReply, restart: string) {
  reply.clearCookie(web.cookies.secondStep, cookieOptions(web.deps.config));
  return redirect(reply, restart);
}

/** The session's cookies, once the second step (or a passkey alone) opened it. */
export function signedInCookies(web: WebContext, request: FastifyRequest, reply: FastifyReply, opened: SessionOpened) {
  const { config } = web.deps;
  reply.clearCookie(web.cookies.secondStep, cookieOptions(config));
  setSessionCookie(config, reply, opened.token);
  renewCsrfSecret(config, request, reply);
  if (opened.deviceToken)
    reply.setCookie(web.cookies.device, opened.deviceToken, cookieOptions(config, { maxAge: KNOWN_DEVICE_MS / 1000 }));
}

export interface SecondStepPage {
  /** Where the form posts. */
  action: string;
  /** Where "use a recovery code" and back lead (the same page, ?with=recovery or not). */
  page: string;
  cancelHref: string;
  /** Where a sign-in whose second step is gone starts again: the log-in page it came from. */
  restart: string;
  returnTo?: string;
  uiLocales?: string;
}

interface StepChoices {
  app: boolean;
  passkey?: { ceremony: Ceremony; action: string };
}

/** What the account can prove itself with: its authenticator app, its passkeys (a ceremony for them). */
async function choicesOf(web: WebContext, from: Pending, target: SecondStepPage): Promise<StepChoices> {
  const app = await hasApp(web.deps, from.user.id);
  const ceremony = await beginAssertion(web.deps, 'second-step', from.pending.token_hash, from.user);
  return { app, passkey: ceremony && { ceremony, action: `${target.action}/passkey` } };
}

function stepView(
  ctx: PageContext,
  from: Pending,
  target: SecondStepPage,
  choices: StepChoices,
  recovery: boolean,
  form: StepForm,
) {
  const switchHref = recovery ? target.page : `${target.page}${target.page.includes('?') ? '&' : '?'}with=recovery`;
  return SecondStepView({
    ctx,
    email: from.user.email,
    recovery,
    form,
    switchHref,
    cancelHref: target.cancelHref,
    ...choices,
  });
}

/** GET of the second step: the code form, or the recovery code's with ?with=recovery. */
export async function showSecondStep(
  web: WebContext,
  request: FastifyRequest,
  reply: FastifyReply,
  target: SecondStepPage,
) {
  const from = await pendingOf(web, request);
  if (!from || from.pending.stage !== 'verify') return startAgain(web, reply, target.restart);
  const query = stepQuery.safeParse(request.query).data;
  const recovery = query?.with === 'recovery';
  const ctx = pageContext(web, request, reply, from.user, target.uiLocales);
  allowFormTarget(reply, target.returnTo);
  const alert = query?.passkey === 'failed' ? ctx.t('passkeys.failed') : undefined;
  const form: StepForm = { action: target.action, returnTo: target.returnTo, alert };
  return sendPage(reply, 200, stepView(ctx, from, target, await choicesOf(web, from, target), recovery, form));
}

/**
 * POST of the second step: the session opened and its cookies set, returning it; or the page that says why
 * not, sent, returning undefined.
 */
export async function submitSecondStep(
  web: WebContext,
  request: FastifyRequest,
  reply: FastifyReply,
  target: SecondStepPage,
): Promise<SessionOpened | undefined> {
  const body = parseForm(stepBody, request);
  allowFormTarget(reply, target.returnTo);
  const from = await pendingOf(web, request);
  if (!from || from.pending.stage !== 'verify') {
    startAgain(web, reply, target.restart);
    return undefined;
  }
  const recovery = body.recovery_code !== undefined;
  const typed = (recovery ? body.recovery_code : body.code)?.trim() ?? '';
  // The page again, only when the code was refused: a right one costs no ceremony and no render.
  const page = async (status: number, says: (ctx: PageContext) => Partial<StepForm>, waitMs?: number) => {
    const ctx = pageContext(web, request, reply, from.user, target.uiLocales);
    const form: StepForm = { action: target.action, returnTo: target.returnTo, ...says(ctx) };
    const view = stepView(ctx, from, target, await choicesOf(web, from, target), recovery, form);
    return waitMs === undefined ? sendPage(reply, status, view) : sendTooSoon(reply, waitMs, view);
  };
  if (typed === '') {
    await page(422, (ctx) => ({ error: ctx.t(recovery ? 'secondStep.recoveryRequired' : 'secondStep.codeRequired') }));
    return undefined;
  }
  const proof: FactorProof = recovery ? { kind: 'recovery', code: typed } : { kind: 'totp', code: typed };
  const outcome = await completeSecondStep(web.deps, {
    token: request.cookies[web.cookies.secondStep],
    proof,
    client: clientInfo(request),
    previousToken: readSessionCookie(web.deps.config, request),
    pending: from,
  });
  if (outcome.ok) {
    signedInCookies(web, request, reply, outcome);
    return outcome;
  }
  if (outcome.reason === 'expired') startAgain(web, reply, target.restart);
  else if (outcome.reason === 'throttled') {
    const wait = outcome.retryAfterMs;
    await page(429, (ctx) => ({ alert: ctx.t('secondStep.throttled', { wait: formatWait(ctx.locale, wait) }) }), wait);
  } else if (outcome.reason === 'unavailable') await page(503, (ctx) => ({ alert: ctx.t('secondStep.unavailable') }));
  else await page(401, (ctx) => ({ error: ctx.t(recovery ? 'secondStep.wrongRecovery' : 'secondStep.wrongCode') }));
  return undefined;
}

/** What the setup page shows of a setup: the QR code and the key, and the sealed setup for the form. */
export function setupDisplay(ctx: PageContext, setup: TotpSetup, email: string): SetupDisplay {
  return {
    key: groupedKey(setup.secret),
    qrSvg: qrCodeSvg(otpauthUri(setup.secret, ctx.brand, email)),
    sealed: setup.sealed,
  };
}

export function registerSecondStep(app: FastifyInstance, web: WebContext): void {
  const returnToOf = (request: FastifyRequest) => web.returnTo(stepQuery.safeParse(request.query).data?.return_to);
  const target = (returnTo: string | undefined): SecondStepPage => ({
    action: VERIFY,
    page: withReturnTo(VERIFY, returnTo),
    cancelHref: withReturnTo('/login', returnTo),
    restart: restartOf(returnTo),
    returnTo,
  });

  app.get(VERIFY, async (request, reply) => showSecondStep(web, request, reply, target(returnToOf(request))));

  app.post(VERIFY, { preHandler: web.protect }, async (request, reply) => {
    const returnTo = web.returnTo(parseForm(stepBody, request).return_to);
    const opened = await submitSecondStep(web, request, reply, target(returnTo));
    return opened ? redirect(reply, returnTo ?? HOME) : reply;
  });

  app.get(ENROL, async (request, reply) => {
    const returnTo = returnToOf(request);
    const from = await pendingOf(web, request);
    if (!from || from.pending.stage !== 'enrol') return startAgain(web, reply, restartOf(returnTo));
    const ctx = pageContext(web, request, reply, from.user);
    const setup = beginTotpSetup(web.deps, from.user.id, from.pending.token_hash);
    if (!setup) return startAgain(web, reply, restartOf(returnTo));
    const form: StepForm = { action: ENROL, returnTo };
    return sendPage(reply, 200, RequiredSetupView({ ctx, setup: setupDisplay(ctx, setup, from.user.email), form }));
  });

  app.post(ENROL, { preHandler: web.protect }, async (request, reply) => {
    const body = parseForm(enrolBody, request);
    const returnTo = web.returnTo(body.return_to);
    const from = await pendingOf(web, request);
    if (!from || from.pending.stage !== 'enrol') return startAgain(web, reply, restartOf(returnTo));
    const ctx = pageContext(web, request, reply, from.user);
    const outcome = await completeEnrolment(web.deps, {
      token: request.cookies[web.cookies.secondStep],
      sealed: body.setup,
      code: body.code,
      client: clientInfo(request),
      previousToken: readSessionCookie(web.deps.config, request),
    });
    if (outcome.ok) {
      signedInCookies(web, request, reply, outcome);
      const page = RecoveryCodesView({
        ctx,
        codes: outcome.codes,
        email: from.user.email,
        notice: ctx.t('codes.enabled'),
        continueHref: returnTo ?? HOME,
        standalone: true,
      });
      return sendPage(reply, 200, page);
    }
    if (outcome.reason === 'expired') return startAgain(web, reply, restartOf(returnTo));
    // The same key again while it is fresh, so that the app the user already scanned it into still works.
    const setup =
      openTotpSetup(web.deps, from.user.id, from.pending.token_hash, body.setup) ??
      beginTotpSetup(web.deps, from.user.id, from.pending.token_hash);
    if (!setup) return startAgain(web, reply, restartOf(returnTo));
    const form: StepForm = {
      action: ENROL,
      returnTo,
      error: outcome.reason === 'wrong-code' ? ctx.t('setup.wrongCode') : undefined,
      alert: outcome.reason === 'unavailable' ? ctx.t('secondStep.unavailable') : undefined,
    };
    const status = outcome.reason === 'unavailable' ? 503 : 422;
    return sendPage(reply, status, RequiredSetupView({ ctx, setup: setupDisplay(ctx, setup, from.user.email), form }));
  });
}
