// GET/POST /this-wasnt-me: the "This wasn't me" link of the security emails, its confirmation page, and
// what happened once confirmed. Flow: flows/lockdown.ts.
// SECURITY 41: opening the link moves its token into a short-lived cookie and redirects to a clean URL,
// changing nothing else (mail scanners open links); 46: no-referrer while the token is in the address bar.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { lockDown, viewLockdownLink } from '../../flows/lockdown.ts';
import { formatWait } from '../../i18n/index.ts';
import { clearSessionCookie, cookieOptions } from '../cookies.ts';
import { csrfField, parseForm } from '../forms.ts';
import { redirect, sendPage, sendTooSoon } from '../render.ts';
import { LockdownDoneView, LockdownView } from '../views/lockdown.tsx';
import { DeadLinkView } from '../views/reset-password.tsx';
import { clientInfo, publicPageContext, type WebContext } from '../web-context.ts';

const PATH = '/this-wasnt-me';
// Long enough to read the page and decide; the link itself lives seven days.
const COOKIE_MS = 60 * 60 * 1000;
const linkQuery = z.object({ token: z.string().max(256).optional() });
const confirmBody = z.object({ ...csrfField });

export function registerLockdown(app: FastifyInstance, web: WebContext): void {
  const options = cookieOptions(web.deps.config, { path: PATH, maxAge: COOKIE_MS / 1000 });

  app.get(PATH, async (request, reply) => {
    const { token } = linkQuery.safeParse(request.query).data ?? {};
    if (token !== undefined) {
      reply.header('referrer-policy', 'no-referrer');
      reply.setCookie(web.cookies.lockdown, token, options);
      return redirect(reply, PATH);
    }
    const ctx = await publicPageContext(web, request, reply);
    const link = await viewLockdownLink(web.deps, {
      token: request.cookies[web.cookies.lockdown],
      client: clientInfo(request),
    });
    if (!link.ok && link.reason === 'throttled') {
      const message = ctx.t('reset.throttled', { wait: formatWait(ctx.locale, link.retryAfterMs) });
      return sendTooSoon(reply, link.retryAfterMs, DeadLinkView({ ctx, message }));
    }
    if (!link.ok) return sendPage(reply, 404, DeadLinkView({ ctx, message: ctx.t('lockdown.invalid') }));
    return sendPage(
      reply,
      200,
      LockdownView({
        ctx,
        email: link.user.email,
        restores: link.restores,
        hasSecondFactor: link.user.second_factor_at !== null,
      }),
    );
  });

  app.post(PATH, { preHandler: web.protect }, async (request, reply) => {
    parseForm(confirmBody, request);
    const ctx = await publicPageContext(web, request, reply);
    const outcome = await lockDown(web.deps, {
      token: request.cookies[web.cookies.lockdown],
      client: clientInfo(request),
    });
    if (!outcome.ok && outcome.reason === 'throttled') {
      const message = ctx.t('reset.throttled', { wait: formatWait(ctx.locale, outcome.retryAfterMs) });
      return sendTooSoon(reply, outcome.retryAfterMs, DeadLinkView({ ctx, message }));
    }
    reply.clearCookie(web.cookies.lockdown, options);
    if (!outcome.ok) return sendPage(reply, 410, DeadLinkView({ ctx, message: ctx.t('lockdown.invalid') }));
    // The session cookie this browser may hold is dead now: it is cleared with the rest.
    clearSessionCookie(web.deps.config, reply);
    return sendPage(reply, 200, LockdownDoneView({ ctx, email: outcome.email }));
  });
}
