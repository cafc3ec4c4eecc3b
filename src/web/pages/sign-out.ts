// GET /logout: the confirmation an app links to (?return_to=…); POST /logout: "Sign out" in the gear menu and
// that confirmation's button. Flow: flows/sign-out.ts. SECURITY 81: the way back is allow-listed.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { signOut } from '../../flows/sign-out.ts';
import { currentSession } from '../auth.ts';
import { clearSessionCookie, cookieOptions, readSessionCookie } from '../cookies.ts';
import { renewCsrfSecret } from '../csrf.ts';
import { csrfField, field, parseForm } from '../forms.ts';
import { redirect, sendPage } from '../render.ts';
import { allowFormTarget } from '../security-headers.ts';
import { SignOutView } from '../views/sign-out.tsx';
import { pageContext, type WebContext } from '../web-context.ts';

const signOutQuery = z.object({ return_to: z.string().optional() });
const signOutBody = z.object({ ...csrfField, return_to: field(4096).optional() });

const SIGNED_OUT = '/login?notice=signed-out';

export function registerSignOut(app: FastifyInstance, web: WebContext): void {
  app.get('/logout', async (request, reply) => {
    const returnTo = web.returnTo(signOutQuery.safeParse(request.query).data?.return_to);
    const current = await currentSession(web, request);
    // Nobody to sign out: straight on, as if the button had been pressed.
    if (current.status !== 'active') return redirect(reply, returnTo ?? SIGNED_OUT);
    const ctx = pageContext(web, request, reply, current.signedIn.user);
    // Its button's answer is a redirect to the app: form-action must allow it (Chromium holds redirects to it).
    allowFormTarget(reply, returnTo);
    return sendPage(reply, 200, SignOutView({ ctx, returnTo }));
  });

  app.post('/logout', { preHandler: web.protect }, async (request, reply) => {
    const body = parseForm(signOutBody, request);
    await signOut(web.deps, readSessionCookie(web.deps.config, request));
    clearSessionCookie(web.deps.config, reply);
    reply.clearCookie(web.cookies.returnTo, cookieOptions(web.deps.config));
    renewCsrfSecret(web.deps.config, request, reply);
    return redirect(reply, web.returnTo(body.return_to) ?? SIGNED_OUT);
  });
}
