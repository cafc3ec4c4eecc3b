// GET /dev/mailbox: the development mailbox (mail/dev-mailbox.ts, reached through deps). Registered only
// when it runs, which is never in production (SECURITY 69).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { DevMailbox } from '../../deps.ts';
import { sendPage } from '../render.ts';
import { MailboxListView, MailboxMessageView } from '../views/dev-mailbox.tsx';
import { publicPageContext, type WebContext } from '../web-context.ts';

const messageParams = z.object({ id: z.string().max(100) });

// The message page frames the email's HTML from this origin; everything else stays as strict as elsewhere.
const messagePagePolicy =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
// The email's own HTML: inline styles (as mail clients allow) and nothing that runs; links open on top.
const emailFramePolicy =
  "sandbox allow-top-navigation-by-user-activation allow-popups; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'";

export function registerDevMailbox(app: FastifyInstance, web: WebContext, mailbox: DevMailbox): void {
  app.get('/dev/mailbox', async (request, reply) => {
    const ctx = await publicPageContext(web, request, reply);
    return sendPage(reply, 200, MailboxListView({ ctx, messages: await mailbox.list() }));
  });

  app.get('/dev/mailbox/:id', async (request, reply) => {
    const id = messageParams.safeParse(request.params).data?.id;
    const message = id === undefined ? undefined : await mailbox.get(id);
    if (!message) return reply.callNotFound();
    reply.header('content-security-policy', messagePagePolicy);
    return sendPage(reply, 200, MailboxMessageView({ ctx: await publicPageContext(web, request, reply), message }));
  });

  app.get('/dev/mailbox/:id/html', async (request, reply) => {
    const id = messageParams.safeParse(request.params).data?.id;
    const message = id === undefined ? undefined : await mailbox.get(id);
    if (!message?.html) return reply.callNotFound();
    return reply
      .header('content-security-policy', emailFramePolicy)
      .header('x-frame-options', 'SAMEORIGIN')
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(message.html.replace(/<head>/i, '<head><base target="_top">'));
  });
}
