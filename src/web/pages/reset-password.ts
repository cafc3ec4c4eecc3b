// GET/POST /reset-password: the link of the reset email, then Set Password; GET/POST /welcome: the same for
// the link of an invitation. Flow: flows/reset-password.ts.
// SECURITY 41: opening the link moves its token into a short-lived cookie and redirects to a clean URL,
// changing nothing else; 46: no-referrer while the token is in the address bar, never in a log.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import {
  type LinkProblem,
  openResetLink,
  type SetPasswordProblem,
  setPassword,
  type TokenPurpose,
  viewResetLink,
} from '../../flows/reset-password.ts';
import { formatTimeSpan, formatWait, type MessageKey } from '../../i18n/index.ts';
import { cookieOptions } from '../cookies.ts';
import { csrfField, parseForm, passwordField } from '../forms.ts';
import { formErrors } from '../problems.ts';
import { redirect, sendPage, sendTooSoon } from '../render.ts';
import type { PageContext } from '../views/context.ts';
import { withReturnTo } from '../views/login.tsx';
import { DeadLinkView, type SetPasswordForm, type SetPasswordPage, SetPasswordView } from '../views/reset-password.tsx';
import { clientInfo, publicPageContext, type WebContext } from '../web-context.ts';

const linkQuery = z.object({ token: z.string().max(256).optional() });
const setPasswordBody = z.object({
  ...csrfField,
  username: z.string().max(1024).optional(),
  new_password: passwordField,
  confirm_password: passwordField,
});

const linkMessages: Record<LinkProblem, MessageKey> = {
  invalid: 'reset.link.invalid',
  expired: 'reset.link.expired',
  used: 'reset.link.used',
};

/** The two doors to the same form: a reset link, and an invitation to choose a first password. */
interface Door {
  path: string;
  purpose: TokenPurpose;
  cookie: string;
  ttlMs: number;
  page(ctx: PageContext, email: string): SetPasswordPage;
}

export function registerResetPassword(app: FastifyInstance, web: WebContext): void {
  const { config } = web.deps;
  registerDoor(app, web, {
    path: '/reset-password',
    purpose: 'reset',
    cookie: web.cookies.reset,
    ttlMs: config.resetTokenTtlMs,
    page: (ctx, email) => ({
      action: '/reset-password',
      title: ctx.t('reset.title'),
      intro: ctx.t('reset.intro', { email }),
    }),
  });
  registerDoor(app, web, {
    path: '/welcome',
    purpose: 'invite',
    cookie: web.cookies.invite,
    ttlMs: config.inviteTokenTtlMs,
    page: (ctx, email) => ({
      action: '/welcome',
      title: ctx.t('welcome.title', { brand: ctx.brand }),
      intro: ctx.t('welcome.intro', { email }),
    }),
  });
}

function registerDoor(app: FastifyInstance, web: WebContext, door: Door): void {
  const options = cookieOptions(web.deps.config, { path: '/', maxAge: Math.ceil(door.ttlMs / 1000) });
  const deadLink = (ctx: PageContext, reply: FastifyReply, problem: LinkProblem) => {
    const message = ctx.t(linkMessages[problem], { ttl: formatTimeSpan(ctx.locale, door.ttlMs) });
    return sendPage(reply, problem === 'invalid' ? 404 : 410, DeadLinkView({ ctx, message }));
  };

  app.get(door.path, async (request, reply) => {
    const { token } = linkQuery.safeParse(request.query).data ?? {};
    if (token !== undefined) {
      // SECURITY 46: the only response whose address holds the token sends no Referer anywhere. The pages
      // after it keep the default policy, under which browsers send the Origin the form check needs.
      reply.header('referrer-policy', 'no-referrer');
      reply.setCookie(door.cookie, token, options);
      return redirect(reply, door.path);
    }
    const ctx = await publicPageContext(web, request, reply);
    const link = await viewResetLink(web.deps, {
      token: request.cookies[door.cookie],
      purpose: door.purpose,
      client: clientInfo(request),
    });
    if (!link.ok && link.reason === 'throttled') {
      const message = ctx.t('reset.throttled', { wait: formatWait(ctx.locale, link.retryAfterMs) });
      return sendTooSoon(reply, link.retryAfterMs, DeadLinkView({ ctx, message }));
    }
    if (!link.ok) return deadLink(ctx, reply, link.reason);
    return sendPage(
      reply,
      200,
      SetPasswordView({
        ctx,
        page: door.page(ctx, link.user.email),
        email: link.user.email,
        form: { errors: {}, summary: [] },
      }),
    );
  });

  app.post(door.path, { preHandler: web.protect, config: { hashes: true } }, async (request, reply) => {
    const body = parseForm(setPasswordBody, request);
    const token = request.cookies[door.cookie];
    const ctx = await publicPageContext(web, request, reply);
    const outcome = await setPassword(web.deps, {
      token,
      purpose: door.purpose,
      next: body.new_password,
      confirm: body.confirm_password,
      client: clientInfo(request),
      pageLocale: ctx.locale,
    });
    if (outcome.ok) {
      reply.clearCookie(door.cookie, options);
      // SECURITY 49: no session is created; the user signs in with the new password, and goes on to the app
      // the reset was asked from (SECURITY 81: if its origin is still allowed).
      return redirect(reply, withReturnTo('/login?notice=password-reset', web.returnTo(outcome.returnTo)));
    }
    if (outcome.reason === 'link') {
      reply.clearCookie(door.cookie, options);
      return deadLink(ctx, reply, outcome.link);
    }
    const link = await openResetLink(web.deps, token, door.purpose);
    if (!link.ok) return deadLink(ctx, reply, link.reason);
    const page = door.page(ctx, link.user.email);
    const form: SetPasswordForm = { errors: {}, summary: [] };
    if (outcome.reason === 'throttled') {
      form.summary = [{ message: ctx.t('reset.throttled', { wait: formatWait(ctx.locale, outcome.retryAfterMs) }) }];
      return sendTooSoon(reply, outcome.retryAfterMs, SetPasswordView({ ctx, page, email: link.user.email, form }));
    }
    return sendPage(
      reply,
      422,
      SetPasswordView({ ctx, page, email: link.user.email, form: withProblems(ctx, outcome.problems) }),
    );
  });
}

function withProblems(ctx: PageContext, problems: SetPasswordProblem[]): SetPasswordForm {
  return formErrors(ctx, problems, { next: 'new_password', confirm: 'confirm_password' });
}
