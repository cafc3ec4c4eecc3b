// GET/POST /reset-password: the link of the reset email, then Set Password. Flow: flows/reset-password.ts.
// SECURITY 41: opening the link moves its token into a short-lived cookie and redirects to a clean URL,
// changing nothing else; 46: no-referrer while the token is in the address bar, never in a log.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { openResetLink, setPassword, type LinkProblem, type SetPasswordProblem } from '../../flows/reset-password.ts';
import { formatTimeSpan, formatWait, type MessageKey } from '../../i18n/index.ts';
import { cookieOptions } from '../cookies.ts';
import { csrfField, parseForm, passwordField } from '../forms.ts';
import { redirect, sendPage } from '../render.ts';
import { problemMessage } from '../problems.ts';
import type { PageContext } from '../views/context.ts';
import { DeadLinkView, SetPasswordView, type SetPasswordForm } from '../views/reset-password.tsx';
import { clientInfo, pageContext, type WebContext } from '../web-context.ts';

const PATH = '/reset-password';
const linkQuery = z.object({ token: z.string().max(256).optional() });
const setPasswordBody = z.object({ ...csrfField, username: z.string().max(1024).optional(), new_password: passwordField, confirm_password: passwordField });

const linkMessages: Record<LinkProblem, MessageKey> = { invalid: 'reset.link.invalid', expired: 'reset.link.expired', used: 'reset.link.used' };

export function registerResetPassword(app: FastifyInstance, web: WebContext): void {
  const cookieName = web.cookies.reset;
  const options = cookieOptions(web.deps.config, { path: '/', maxAge: Math.ceil(web.deps.config.resetTokenTtlMs / 1000) });
  const deadLink = (ctx: PageContext, reply: FastifyReply, problem: LinkProblem) => {
    const message = ctx.t(linkMessages[problem], { ttl: formatTimeSpan(ctx.locale, web.deps.config.resetTokenTtlMs) });
    return sendPage(reply, problem === 'invalid' ? 404 : 410, DeadLinkView({ ctx, message }));
  };

  app.get(PATH, async (request, reply) => {
    reply.header('referrer-policy', 'no-referrer');
    const { token } = linkQuery.safeParse(request.query).data ?? {};
    if (token !== undefined) {
      reply.setCookie(cookieName, token, options);
      return redirect(reply, PATH);
    }
    const ctx = pageContext(web, request, reply);
    const link = await openResetLink(web.deps, request.cookies[cookieName]);
    if (!link.ok) return deadLink(ctx, reply, link.reason);
    return sendPage(reply, 200, SetPasswordView({ ctx, email: link.user.email, form: { errors: {}, summary: [] } }));
  });

  app.post(PATH, { preHandler: web.protect }, async (request, reply) => {
    reply.header('referrer-policy', 'no-referrer');
    const body = parseForm(setPasswordBody, request);
    const token = request.cookies[cookieName];
    const outcome = await setPassword(web.deps, { token, next: body.new_password, confirm: body.confirm_password, client: clientInfo(request) });
    if (outcome.ok) {
      reply.clearCookie(cookieName, options);
      // SECURITY 49: no session is created; the user signs in with the new password.
      return redirect(reply, '/login?notice=password-reset');
    }
    const ctx = pageContext(web, request, reply);
    if (outcome.reason === 'link') {
      reply.clearCookie(cookieName, options);
      return deadLink(ctx, reply, outcome.link);
    }
    const link = await openResetLink(web.deps, token);
    if (!link.ok) return deadLink(ctx, reply, link.reason);
    const form: SetPasswordForm = { errors: {}, summary: [] };
    if (outcome.reason === 'throttled') {
      reply.header('retry-after', Math.ceil(outcome.retryAfterMs / 1000));
      form.summary = [{ message: ctx.t('reset.throttled', { wait: formatWait(ctx.locale, outcome.retryAfterMs) }) }];
      return sendPage(reply, 429, SetPasswordView({ ctx, email: link.user.email, form }));
    }
    return sendPage(reply, 422, SetPasswordView({ ctx, email: link.user.email, form: withProblems(ctx, outcome.problems) }));
  });
}

function withProblems(ctx: PageContext, problems: SetPasswordProblem[]): SetPasswordForm {
  const errors: SetPasswordForm['errors'] = {};
  for (const problem of problems) errors[problem.field] ??= problemMessage(ctx, problem);
  const summary = (['next', 'confirm'] as const).flatMap((name) => {
    const message = errors[name];
    return message ? [{ field: name === 'next' ? 'new_password' : 'confirm_password', message }] : [];
  });
  return { errors, summary };
}
