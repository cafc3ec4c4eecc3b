// GET/POST /forgot-password: "Forgot password?" → the email → Send Reset Email. Flow: flows/forgot-password.ts.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { sendResetEmail } from '../../flows/forgot-password.ts';
import { formatWait } from '../../i18n/index.ts';
import { csrfField, field, parseForm } from '../forms.ts';
import { sendPage, sendTooSoon } from '../render.ts';
import { ForgotPasswordView, ResetEmailSentView } from '../views/forgot-password.tsx';
import { clientInfo, publicPageContext, type WebContext } from '../web-context.ts';

const forgotBody = z.object({ ...csrfField, email: field(1024), return_to: field(4096).optional() });
const forgotQuery = z.object({ return_to: z.string().optional() });

export function registerForgotPassword(app: FastifyInstance, web: WebContext): void {
  app.get('/forgot-password', async (request, reply) => {
    const returnTo = web.returnTo(forgotQuery.safeParse(request.query).data?.return_to);
    const ctx = await publicPageContext(web, request, reply);
    return sendPage(reply, 200, ForgotPasswordView({ ctx, form: { email: '', returnTo } }));
  });

  app.post('/forgot-password', { preHandler: web.protect }, async (request, reply) => {
    const body = parseForm(forgotBody, request);
    const { email } = body;
    // Kept with the link the email carries, and followed once the new password is set and used to sign in.
    const returnTo = web.returnTo(body.return_to);
    const ctx = await publicPageContext(web, request, reply);
    const error = (key: 'error.email.required' | 'error.email.invalid') =>
      sendPage(reply, 422, ForgotPasswordView({ ctx, form: { email, returnTo, error: ctx.t(key) } }));
    if (email.trim() === '') return error('error.email.required');
    const outcome = await sendResetEmail(web.deps, { email, client: clientInfo(request), returnTo });
    if (outcome.ok) {
      // SECURITY 27: this page is the same for every address, known or not.
      const expiry = formatWait(ctx.locale, web.deps.config.resetTokenTtlMs);
      return sendPage(reply, 200, ResetEmailSentView({ ctx, email: email.trim(), expiry, returnTo }));
    }
    if (outcome.reason === 'invalid-email') return error('error.email.invalid');
    const alert = ctx.t('forgot.throttled', { wait: formatWait(ctx.locale, outcome.retryAfterMs) });
    return sendTooSoon(reply, outcome.retryAfterMs, ForgotPasswordView({ ctx, form: { email, alert, returnTo } }));
  });
}
