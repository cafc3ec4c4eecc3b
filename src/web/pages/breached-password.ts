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

/** Where to go once the password is renewed: the app's sign-in that sent the user here, or Settings. */
const nextQuery = z.object({ next: z.string().max(200).optional() });
const afterRenewal = (next: string | undefined) =>
  next !== undefined && /^\/interaction\/[\w-]{1,100}$/.test(next) ? next : undefined;

const page = (ctx: PageContext, next: string | undefined) => ({
  action: next === undefined ? NEW_PASSWORD_PAGE : `${NEW_PASSWORD_PAGE}?next=${encodeURIComponent(next)}`,
  title: ctx.t('breachedPassword.title'),
  intro: ctx.t('breachedPassword.intro'),
  submit: ctx.t('breachedPassword.submit'),
});

export function registerBreachedPassword(app: FastifyInstance, web: WebContext): void {
  app.get(NEW_PASSWORD_PAGE, async (request, reply) => {
    const signedIn = await requireSignedIn(web, request, reply, { only: 'new-password' });
    if (!signedIn) return reply;
    // Nothing to renew (changed already, in another tab): the session is whole.
    const next = afterRenewal(nextQuery.safeParse(request.query).data?.next);
    if (signedIn.user.password_breached_at === null) return redirect(reply, next ?? '/settings/profile');
    const ctx = pageContext(web, request, reply, signedIn.user);
    const form: SetPasswordForm = { errors: {}, summary: [] };
    return sendPage(reply, 200, SetPasswordView({ ctx, page: page(ctx, next), email: signedIn.user.email, form }));
  });

  app.post(NEW_PASSWORD_PAGE, { preHandler: web.protect, config: { hashes: true } }, async (request, reply) => {
    const body = parseForm(renewBody, request);
    const signedIn = await requireSignedIn(web, request, reply, { only: 'new-password' });
    if (!signedIn) return reply;
    const next = afterRenewal(nextQuery.safeParse(request.query).data?.next);
    if (signedIn.user.password_breached_at === null) return redirect(reply, next ?? '/settings/profile');
    const outcome = await renewBreachedPassword(
      web.deps,
      signedIn,
      { next: body.new_password, confirm: body.confirm_password },
      clientInfo(request),
    );
    if (outcome.ok) {
      setSessionCookie(web.deps.config, reply, outcome.token);
      return redirect(reply, next ?? '/settings/profile?notice=password-changed');
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
      return sendTooSoon(reply, outcome.retryAfterMs, SetPasswordView({ ctx, page: page(ctx, next), email, form }));
    }
    const form = formErrors(ctx, outcome.problems, { next: 'new_password', confirm: 'confirm_password' });
    return sendPage(reply, 422, SetPasswordView({ ctx, page: page(ctx, next), email, form }));
  });
}
