// GET /settings/security and its actions: sessions, connected apps. Flows: flows/security.ts, flows/app-access.ts.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { connectedApps, revokeApp } from '../../flows/app-access.ts';
import { activeSessions, recentActivity, revokeSession, signOutEverywhereElse } from '../../flows/security.ts';
import { twoStepStatus } from '../../flows/two-step.ts';
import { requireSignedIn } from '../auth.ts';
import { csrfField, field, noticeOf, parseForm } from '../forms.ts';
import { redirect, sendPage } from '../render.ts';
import { SecurityView } from '../views/security.tsx';
import { clientInfo, pageContext, type WebContext } from '../web-context.ts';

const PATH = '/settings/security';
const notices = {
  revoked: 'security.revoked',
  'signed-out-others': 'security.signedOutOthers',
  'not-found': 'security.notFound',
  'app-revoked': 'security.appRevoked',
  'app-not-found': 'security.appNotFound',
  'two-step-off': 'twoStep.turnedOff',
  required: 'twoStep.requiredRefused',
  'already-on': 'twoStep.alreadyOn',
  'not-on': 'twoStep.notOn',
  'passkey-added': 'passkeys.added',
  'passkey-removed': 'passkeys.removed',
  'passkey-removed-last': 'passkeys.removedLast',
  'passkey-renamed': 'passkeys.renamed',
  'passkey-name': 'passkeys.nameInvalid',
  'passkey-gone': 'passkeys.notFound',
} as const;
const revokeBody = z.object({ ...csrfField, session: field(64) });
const revokeAppBody = z.object({ ...csrfField, client: field(64) });

export function registerSecurityPage(app: FastifyInstance, web: WebContext): void {
  app.get(PATH, async (request, reply) => {
    const signedIn = await requireSignedIn(web, request, reply);
    if (!signedIn) return reply;
    const ctx = pageContext(web, request, reply, signedIn.user);
    const key = noticeOf(request, notices);
    const [sessions, apps, events, twoStep] = await Promise.all([
      activeSessions(web.deps, signedIn),
      connectedApps(web.deps, signedIn.user.id),
      recentActivity(web.deps, signedIn),
      twoStepStatus(web.deps, signedIn.user),
    ]);
    const page = SecurityView({
      ctx,
      sessions,
      apps,
      events,
      twoStep: { status: twoStep, since: signedIn.user.second_factor_at },
      notice: key && ctx.t(key),
    });
    return sendPage(reply, 200, page);
  });

  app.post(`${PATH}/sessions/revoke`, { preHandler: web.protect }, async (request, reply) => {
    // A malformed form is refused before the session is looked at: a refusal changes nothing, not even it.
    const { session } = parseForm(revokeBody, request);
    const signedIn = await requireSignedIn(web, request, reply);
    if (!signedIn) return reply;
    const outcome = await revokeSession(web.deps, signedIn, session, clientInfo(request));
    // This device is signed out from the gear menu; its row has no button, so "current" means tampering.
    return redirect(reply, `${PATH}?notice=${outcome.ok ? 'revoked' : 'not-found'}`);
  });

  app.post(`${PATH}/apps/revoke`, { preHandler: web.protect }, async (request, reply) => {
    const { client } = parseForm(revokeAppBody, request);
    const signedIn = await requireSignedIn(web, request, reply);
    if (!signedIn) return reply;
    const outcome = await revokeApp(web.deps, signedIn, client, clientInfo(request));
    return redirect(reply, `${PATH}?notice=${outcome.ok ? 'app-revoked' : 'app-not-found'}`);
  });

  app.post(`${PATH}/sign-out-others`, { preHandler: web.protect }, async (request, reply) => {
    parseForm(z.object(csrfField), request);
    const signedIn = await requireSignedIn(web, request, reply);
    if (!signedIn) return reply;
    await signOutEverywhereElse(web.deps, signedIn, clientInfo(request));
    return redirect(reply, `${PATH}?notice=signed-out-others`);
  });
}
