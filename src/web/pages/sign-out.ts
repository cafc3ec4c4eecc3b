// POST /logout: "Sign out" in the gear menu. Flow: flows/sign-out.ts.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { signOut } from '../../flows/sign-out.ts';
import { clearSessionCookie, readSessionCookie } from '../cookies.ts';
import { renewCsrfSecret } from '../csrf.ts';
import { csrfField, parseForm } from '../forms.ts';
import { redirect } from '../render.ts';
import type { WebContext } from '../web-context.ts';

export function registerSignOut(app: FastifyInstance, web: WebContext): void {
  app.post('/logout', { preHandler: web.protect }, async (request, reply) => {
    parseForm(z.object(csrfField), request);
    await signOut(web.deps, readSessionCookie(web.deps.config, request));
    clearSessionCookie(web.deps.config, reply);
    renewCsrfSecret(web.deps.config, request, reply);
    return redirect(reply, '/login?notice=signed-out');
  });
}
