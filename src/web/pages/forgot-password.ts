// GET/POST /forgot-password: "Forgot password?" → the email → Send Reset Email. Flow: flows/forgot-password.ts.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { sendResetEmail } from '../../flows/forgot-password.ts';
import { formatWait } from '../../i18n/index.ts';
import { csrfField, field, parseForm } from '../forms.ts';
import { sendPage, sendTooSoon } from '../render.ts';
import { ForgotPasswordView, ResetEmailSentView } from '../views/forgot-password.tsx';
import { clientInfo, publicPageContext, type WebContext } from '../web-context.ts';

const forgotBody = z.object({ ...csrfField, email: field(1024) });

export function registerForgotPassword(app: FastifyInstance, web: WebContext): void {
  app.get('/forgot-password', async (request, reply) => {
    const ctx = await publicPageContext(web, request, reply);
    return sendPage(reply, 200, ForgotPasswordView({ ctx, form: { email: '' } }));
  });

  app.post('/forgot-password', { preHandler: web.protect }, async (request, reply) => {
    const { email } = parseForm(forgotBody, request);
    const ctx = await publicPageContext(web, request, reply);
    if (email.trim() === '')
      return sendPage(reply, 422, ForgotPasswordView({ ctx, form: { email, error: ctx.t('error.email.required') } }));
    const outcome = await sendResetEmail(web.deps, { email, client: clientInfo(request) });
    if (outcome.ok) {
      // SECURITY 27: this page is the same for every address, known or not.
      const expiry = formatWait(ctx.locale, web.deps.config.resetTokenTtlMs);
      return sendPage(reply, 200, ResetEmailSentView({ ctx, email: email.trim(), expiry }));
    }
    if (outcome.reason === 'invalid-email')
      return sendPage(reply, 422, ForgotPasswordView({ ctx, form: { email, error: ctx.t('error.email.invalid') } }));
    const alert = ctx.t('forgot.throttled', { wait: formatWait(ctx.locale, outcome.retryAfterMs) });
    return sendTooSoon(reply, outcome.retryAfterMs, ForgotPasswordView({ ctx, form: { email, alert } }));
  });
}
