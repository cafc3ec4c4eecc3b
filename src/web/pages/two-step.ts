// Settings → Security → Two-step verification: set up the authenticator app, turn it off, get new recovery
// codes; and /settings/security/confirm, "confirm it's you", which each of them (and a password change)
// asks for first when no factor was proven in the last ten minutes. Flows: flows/two-step.ts.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { beginAssertion } from '../../flows/passkeys.ts';
import type { SignedIn } from '../../flows/sessions.ts';
import {
  beginTotpSetup,
  confirmTotp,
  hasApp,
  openTotpSetup,
  recentlyProven,
  removeTwoStep,
  renewRecoveryCodes,
  type StepUpProof,
  secondFactorOwed,
  stepUp,
} from '../../flows/two-step.ts';
import { formatWait } from '../../i18n/index.ts';
import { requireSignedIn } from '../auth.ts';
import { setSessionCookie } from '../cookies.ts';
import { csrfField, field, parseForm, passwordField } from '../forms.ts';
import { redirect, sendPage, sendTooSoon } from '../render.ts';
import { ConfirmChangeView, RecoveryCodesView, SetupView, type StepForm, StepUpView } from '../views/two-step.tsx';
import { clientInfo, pageContext, type WebContext } from '../web-context.ts';
import { setupDisplay } from './second-step.ts';

const SECURITY = '/settings/security';
const SETUP = `${SECURITY}/two-step/setup`;
const OFF = `${SECURITY}/two-step/off`;
const CODES = `${SECURITY}/two-step/recovery-codes`;
const CONFIRM = `${SECURITY}/confirm`;

/** Where "confirm it's you" may send the user back to: these pages of ours, nothing else. */
const afterConfirm = new Set([SECURITY, SETUP, OFF, CODES, `${SECURITY}/passkeys/add`, '/settings/profile']);
const nextOf = (value: unknown) => (typeof value === 'string' && afterConfirm.has(value) ? value : SECURITY);
const confirmFirst = (next: string) => `${CONFIRM}?next=${encodeURIComponent(next)}`;

const setupBody = z.object({ ...csrfField, code: field(64), setup: field(1024) });
const confirmQuery = z.object({ next: z.string().optional(), with: z.string().optional() });
const confirmBody = z.object({
  ...csrfField,
  next: field(256).optional(),
  code: field(64).optional(),
  recovery_code: field(64).optional(),
  password: passwordField.optional(),
  // A passkey's answer (views/passkeys.tsx).
  ceremony: field(2048).optional(),
  credential: field(16_384).optional(),
});

export function registerTwoStepPages(app: FastifyInstance, web: WebContext): void {
  const { deps } = web;
  // A session that may only enrol (REQUIRE_2FA=required) may set up the app and prove its password here.
  const signedIn = (request: FastifyRequest, reply: FastifyReply) =>
    requireSignedIn(web, request, reply, { only: 'enrol' });

  /** The setup page: with the key of `sealed` while it is fresh (the app the user scanned it into), else a new one. */
  function setupPage(
    request: FastifyRequest,
    reply: FastifyReply,
    user: SignedIn,
    page: { status: number; form: StepForm; sealed?: string },
  ) {
    const ctx = pageContext(web, request, reply, user.user);
    const { id } = user.user;
    const setup =
      (page.sealed && openTotpSetup(deps, id, user.session.id_hash, page.sealed)) ||
      beginTotpSetup(deps, id, user.session.id_hash);
    if (!setup) return redirect(reply, SECURITY);
    return sendPage(
      reply,
      page.status,
      SetupView({ ctx, setup: setupDisplay(ctx, setup, user.user.email), form: page.form }),
    );
  }

  app.get(SETUP, async (request, reply) => {
    const user = await signedIn(request, reply);
    if (!user) return reply;
    if (await hasApp(deps, user.user.id)) return redirect(reply, `${SECURITY}?notice=already-on`);
    if (!recentlyProven(deps, user.session)) return redirect(reply, confirmFirst(SETUP));
    return setupPage(request, reply, user, { status: 200, form: { action: SETUP } });
  });

  app.post(SETUP, { preHandler: web.protect }, async (request, reply) => {
    const body = parseForm(setupBody, request);
    const user = await signedIn(request, reply);
    if (!user) return reply;
    const outcome = await confirmTotp(deps, {
      user: user.user,
      holder: user.session.id_hash,
      sealed: body.setup,
      code: body.code,
      client: clientInfo(request),
      session: user.session,
    });
    if (outcome.ok) {
      if (outcome.token) setSessionCookie(deps.config, reply, outcome.token);
      const ctx = pageContext(web, request, reply, user.user);
      const page = RecoveryCodesView({
        ctx,
        codes: outcome.codes,
        email: user.user.email,
        notice: ctx.t('codes.enabled'),
        continueHref: SECURITY,
        standalone: false,
      });
      return sendPage(reply, 200, page);
    }
    if (outcome.reason === 'step-up') return redirect(reply, confirmFirst(SETUP));
    if (outcome.reason === 'already-enrolled') return redirect(reply, `${SECURITY}?notice=already-on`);
    if (outcome.reason === 'unavailable') return redirect(reply, SECURITY);
    const ctx = pageContext(web, request, reply, user.user);
    // A wrong code keeps the key the user already scanned; an expired setup starts a new one.
    return outcome.reason === 'wrong-code'
      ? setupPage(request, reply, user, {
          status: 422,
          form: { action: SETUP, error: ctx.t('setup.wrongCode') },
          sealed: body.setup,
        })
      : setupPage(request, reply, user, { status: 422, form: { action: SETUP, alert: ctx.t('setup.expired') } });
  });

  /** The "are you sure?" page of a change, once a factor was proven lately. */
  function confirmation(
    path: string,
    keys: { title: 'off.title' | 'renew.title'; intro: 'off.intro' | 'renew.intro' },
  ) {
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const user = await requireSignedIn(web, request, reply);
      if (!user) return reply;
      if (user.user.second_factor_at === null) return redirect(reply, `${SECURITY}?notice=not-on`);
      if (path === OFF && deps.config.twoStep === 'required') return redirect(reply, `${SECURITY}?notice=required`);
      if (!recentlyProven(deps, user.session)) return redirect(reply, confirmFirst(path));
      const ctx = pageContext(web, request, reply, user.user);
      const off = path === OFF;
      const page = ConfirmChangeView({
        ctx,
        title: ctx.t(keys.title),
        intro: ctx.t(keys.intro),
        action: path,
        submit: ctx.t(off ? 'off.submit' : 'renew.submit'),
        danger: off,
      });
      return sendPage(reply, 200, page);
    };
  }

  app.get(OFF, confirmation(OFF, { title: 'off.title', intro: 'off.intro' }));
  app.get(CODES, confirmation(CODES, { title: 'renew.title', intro: 'renew.intro' }));

  app.post(OFF, { preHandler: web.protect }, async (request, reply) => {
    parseForm(z.object(csrfField), request);
    const user = await requireSignedIn(web, request, reply);
    if (!user) return reply;
    const outcome = await removeTwoStep(deps, user, clientInfo(request));
    if (outcome.ok) return redirect(reply, `${SECURITY}?notice=two-step-off`);
    if (outcome.reason === 'step-up') return redirect(reply, confirmFirst(OFF));
    return redirect(reply, `${SECURITY}?notice=${outcome.reason === 'required' ? 'required' : 'not-on'}`);
  });

  app.post(CODES, { preHandler: web.protect }, async (request, reply) => {
    parseForm(z.object(csrfField), request);
    const user = await requireSignedIn(web, request, reply);
    if (!user) return reply;
    const outcome = await renewRecoveryCodes(deps, user, clientInfo(request));
    if (!outcome.ok) {
      if (outcome.reason === 'step-up') return redirect(reply, confirmFirst(CODES));
      return redirect(reply, `${SECURITY}?notice=not-on`);
    }
    const ctx = pageContext(web, request, reply, user.user);
    const page = RecoveryCodesView({
      ctx,
      codes: outcome.codes,
      email: user.user.email,
      notice: ctx.t('codes.renewed'),
      continueHref: SECURITY,
      standalone: false,
    });
    return sendPage(reply, 200, page);
  });

  /**
   * A factor if the account has one (its app's code or a passkey; a recovery code with ?with=recovery), else
   * the password.
   */
  async function stepUpPage(
    request: FastifyRequest,
    reply: FastifyReply,
    user: SignedIn,
    options: { next: string; recovery: boolean; error?: string; alert?: string },
  ) {
    const ctx = pageContext(web, request, reply, user.user);
    const withFactor = secondFactorOwed(deps, user.user);
    const app = withFactor && (await hasApp(deps, user.user.id));
    const passkey = withFactor ? await beginAssertion(deps, 'step-up', user.session.id_hash, user.user) : undefined;
    const proof = !withFactor ? 'password' : options.recovery ? 'recovery' : app ? 'code' : 'passkey';
    const here = confirmFirst(options.next);
    const form: StepForm = { action: CONFIRM, next: options.next, error: options.error, alert: options.alert };
    const switchHref = withFactor ? (options.recovery ? here : `${here}&with=recovery`) : undefined;
    return StepUpView({ ctx, proof, email: user.user.email, form, switchHref, passkey });
  }

  app.get(CONFIRM, async (request, reply) => {
    const user = await signedIn(request, reply);
    if (!user) return reply;
    const query = confirmQuery.safeParse(request.query).data;
    const page = await stepUpPage(request, reply, user, {
      next: nextOf(query?.next),
      recovery: query?.with === 'recovery',
    });
    return sendPage(reply, 200, page);
  });

  app.post(CONFIRM, { preHandler: web.protect, config: { hashes: true } }, async (request, reply) => {
    const body = parseForm(confirmBody, request);
    const user = await signedIn(request, reply);
    if (!user) return reply;
    const next = nextOf(body.next);
    const recovery = body.recovery_code !== undefined;
    const proof: StepUpProof =
      body.ceremony !== undefined && body.credential !== undefined
        ? { kind: 'passkey', sealed: body.ceremony, credential: body.credential }
        : body.password !== undefined
          ? { kind: 'password', password: body.password }
          : recovery
            ? { kind: 'recovery', code: body.recovery_code?.trim() ?? '' }
            : { kind: 'totp', code: body.code?.trim() ?? '' };
    const ctx = pageContext(web, request, reply, user.user);
    const typed = proof.kind === 'password' ? proof.password : proof.kind === 'passkey' ? proof.credential : proof.code;
    if (typed === '') {
      const key =
        proof.kind === 'password'
          ? 'error.password.required'
          : recovery
            ? 'secondStep.recoveryRequired'
            : 'secondStep.codeRequired';
      return sendPage(reply, 422, await stepUpPage(request, reply, user, { next, recovery, error: ctx.t(key) }));
    }
    const outcome = await stepUp(deps, user, proof, clientInfo(request));
    if (outcome.ok) return redirect(reply, next);
    if (outcome.reason === 'throttled') {
      const alert = ctx.t('stepUp.throttled', { wait: formatWait(ctx.locale, outcome.retryAfterMs) });
      return sendTooSoon(
        reply,
        outcome.retryAfterMs,
        await stepUpPage(request, reply, user, { next, recovery, alert }),
      );
    }
    if (outcome.reason === 'unavailable') {
      const alert = ctx.t('secondStep.unavailable');
      return sendPage(reply, 503, await stepUpPage(request, reply, user, { next, recovery, alert }));
    }
    if (proof.kind === 'passkey') {
      const alert = ctx.t('passkeys.failed');
      return sendPage(reply, 401, await stepUpPage(request, reply, user, { next, recovery, alert }));
    }
    const error =
      proof.kind === 'password'
        ? ctx.t('stepUp.wrongPassword')
        : ctx.t(recovery ? 'secondStep.wrongRecovery' : 'secondStep.wrongCode');
    return sendPage(reply, 401, await stepUpPage(request, reply, user, { next, recovery, error }));
  });
}
