// Settings' "Back to the app" link: an app opens Settings as /settings?return_to=<its page>. The address, if
// allow-listed (SECURITY 81), is kept in a host-only cookie for this browser session and the page reloads
// without it, so every Settings page the user goes through shows the way back; anything else is ignored and
// Settings opens as usual. Signing out forgets it (pages/sign-out.ts).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { cookieOptions } from './cookies.ts';
import { redirect } from './render.ts';
import type { WebContext } from './web-context.ts';

const settingsQuery = z.object({ return_to: z.string() });

export function registerBackToApp(app: FastifyInstance, web: WebContext): void {
  app.addHook('preHandler', async (request, reply) => {
    const path = request.url.split('?')[0]!;
    if (request.method !== 'GET' || (path !== '/settings' && !path.startsWith('/settings/'))) return;
    const query = settingsQuery.safeParse(request.query);
    if (!query.success) return;
    const target = web.returnTo(query.data.return_to);
    // The way back is to an app: a page of ours is one click away in Settings already.
    if (target !== undefined && !target.startsWith(`${web.deps.config.publicUrl.origin}/`))
      reply.setCookie(web.cookies.returnTo, target, cookieOptions(web.deps.config));
    const clean = new URLSearchParams(request.query as Record<string, string>);
    clean.delete('return_to');
    const rest = clean.toString();
    return redirect(reply, `${path}${rest === '' ? '' : `?${rest}`}`);
  });
}
