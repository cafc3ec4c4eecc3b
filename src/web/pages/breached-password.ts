// GET/POST /settings/new-password: "Choose a new password", the only page of a session whose password was
// found breached at sign-in (SECURITY 7). Flow: flows/breached-password.ts.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { renewBreachedPassword } from '../../flows/breached-password.ts';
import { formatWait } from '../../i18n/index.ts';
import { NEW_PASSWORD_PAGE, requireSignedIn } from '../auth.ts';
import { clearSessionCookie, setSessionCookie } from '../cookies.ts';
import { csrfField, parseForm, passwordField } from '../forms.ts';
import { formErrors } from '../problems.ts';
import { redirect, sendPage, sendTooSoon } from '../render.ts';
import type { PageContext } from '../views/context.ts';
import { type SetPasswordForm, SetPasswordView } from '../views/reset-password.tsx';
import { clientInfo, pageContext, type WebContext } from '../web-context.ts';

const renewBody = z.object({
  ...csrfField,
  username: z.string().max(1024).optional(),
  new_password: passwordField,
  confirm_password: passwordField,
});

const page = (ctx: PageContext) => ({
  action: NEW_PASSWORD_PAGE,
  title: ctx.t('breachedPassword.title'),
  intro: ctx.t('breachedPassword.intro'),
  submit: ctx.t('breachedPassword.submit'),
});

export function registerBreachedPassword(app: FastifyInstance, web: WebContext): void {
  app.get(NEW_PASSWORD_PAGE, async (request, reply) => {
    const signedIn = await requireSignedIn(web, request, reply, { only: 'new-password' });
    if (!signedIn) return reply;
    // Nothing to renew (changed already, in another tab): the session is whole.
    if (signedIn.user.password_breached_at === null) return redirect(reply, '/settings/profile');
    const ctx = pageContext(web, request, reply, signedIn.user);
    const form: SetPasswordForm = { errors: {}, summary: [] };
    return sendPage(reply, 200, SetPasswordView({ ctx, page: page(ctx), email: signedIn.user.email, form }));
  });

  app.post(NEW_PASSWORD_PAGE, { preHandler: web.protect, config: { hashes: true } }, async (request, reply) => {
    const body = parseForm(renewBody, request);
    const signedIn = await requireSignedIn(web, request, reply, { only: 'new-password' });
    if (!signedIn) return reply;
    if (signedIn.user.password_breached_at === null) return redirect(reply, '/settings/profile');
    const outcome = await renewBreachedPassword(
      web.deps,
      signedIn,
      { next: body.new_password, confirm: body.confirm_password },
      clientInfo(request),
    );
    if (outcome.ok) {
      setSessionCookie(web.deps.config, reply, outcome.token);
      return redirect(reply, '/settings/profile?notice=password-changed');
    }
    if (outcome.reason === 'stale') {
      clearSessionCookie(web.deps.config, reply);
      return redirect(reply, '/login?notice=session-expired');
    }
    const ctx = pageContext(web, request, reply, signedIn.user);
    const email = signedIn.user.email;
    if (outcome.reason === 'throttled') {
      const message = ctx.t('settings.throttled', { wait: formatWait(ctx.locale, outcome.retryAfterMs) });
      const form: SetPasswordForm = { errors: {}, summary: [{ message }] };
      return sendTooSoon(reply, outcome.retryAfterMs, SetPasswordView({ ctx, page: page(ctx), email, form }));
    }
    const form = formErrors(ctx, outcome.problems, { next: 'new_password', confirm: 'confirm_password' });
    return sendPage(reply, 422, SetPasswordView({ ctx, page: page(ctx), email, form }));
  });
}
