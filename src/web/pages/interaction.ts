// GET /interaction/:uid and its forms: the sign-in and consent of an app's OpenID Connect request. The
// provider (src/apps/) sends the browser here; we answer it and send the browser back. A user signed in
// here passes straight through (single sign-on), unless the app asked for a fresh sign-in.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import type { CurrentProvider } from '../../apps/current-provider.ts';
import {
  grantConsent,
  type Interaction,
  loginResult,
  readInteraction,
  refusal,
  sessionAnswers,
} from '../../apps/interactions.ts';
import { mustRenewPassword } from '../../flows/breached-password.ts';
import { PASSWORD_ONLY } from '../../flows/sessions.ts';
import { currentSession, NEW_PASSWORD_PAGE } from '../auth.ts';
import { redirect, sendPage } from '../render.ts';
import { allowFormTarget } from '../security-headers.ts';
import { ConsentView } from '../views/consent.tsx';
import { ErrorView } from '../views/error-page.tsx';
import { type LoginForm, LoginView, withReturnTo } from '../views/login.tsx';
import { pageContext, publicPageContext, type WebContext } from '../web-context.ts';
import { loginCeremony, submitLogin } from './login.ts';
import { submitPasskeySignIn, submitPasskeyStep } from './passkeys.ts';
import { type SecondStepPage, showSecondStep, submitSecondStep } from './second-step.ts';

type Params = { Params: { uid: string } };

interface Found {
  provider: Provider;
  interaction: Interaction;
}

export function registerInteractionPages(app: FastifyInstance, web: WebContext, providers: CurrentProvider): void {
  /** The interaction of this browser's cookie, if it is the one of the URL; otherwise the expired page is sent. */
  async function interactionOf(request: FastifyRequest<Params>, reply: FastifyReply): Promise<Found | undefined> {
    const provider = await providers.get();
    const interaction = await readInteraction(provider, request.raw, reply.raw);
    if (interaction?.uid === request.params.uid) return { provider, interaction };
    const ctx = await publicPageContext(web, request, reply);
    const page = ErrorView({
      ctx,
      title: ctx.t('interaction.expired.title'),
      message: ctx.t('interaction.expired.message'),
    });
    sendPage(reply, 400, page);
    return undefined;
  }

  /**
   * A sign-in just made for an app: the app hears of it only once the password is not known breached; till
   * then the user chooses a new one, and comes back here (SECURITY 7).
   */
  async function signedInAnswer(
    request: FastifyRequest,
    reply: FastifyReply,
    found: Found,
    opened: { userId: string; factors: string },
  ) {
    if (await mustRenewPassword(web.deps, opened.userId))
      return redirect(
        reply,
        `${NEW_PASSWORD_PAGE}?next=${encodeURIComponent(`/interaction/${found.interaction.uid}`)}`,
      );
    return answer(request, reply, found, loginResult(opened.userId, web.deps.clock.now(), opened.factors));
  }

  async function answer(request: FastifyRequest, reply: FastifyReply, found: Found, result: InteractionResults) {
    const to = await found.provider.interactionResult(request.raw, reply.raw, result, {
      mergeWithLastSubmission: false,
    });
    return redirect(reply, to);
  }

  const appRedirect = (interaction: Interaction) => String(interaction.details.params.redirect_uri);

  const target = (interaction: Interaction) => ({
    action: `/interaction/${interaction.uid}/login`,
    passkey: `/interaction/${interaction.uid}/passkey`,
    app: interaction.clientName,
    uiLocales: interaction.uiLocales,
    secondStep: {
      verify: `/interaction/${interaction.uid}/verify`,
      // Enrolled, the user continues to the interaction, which the new session then answers.
      enrol: withReturnTo('/login/two-step-setup', `/interaction/${interaction.uid}`),
    },
  });

  const secondStep = (interaction: Interaction): SecondStepPage => ({
    action: `/interaction/${interaction.uid}/verify`,
    page: `/interaction/${interaction.uid}/verify`,
    cancelHref: `/interaction/${interaction.uid}`,
    restart: `/interaction/${interaction.uid}`,
    uiLocales: interaction.uiLocales,
  });

  app.get<Params>('/interaction/:uid', async (request, reply) => {
    const found = await interactionOf(request, reply);
    if (!found) return reply;
    const { interaction } = found;
    // Its forms end at the app's redirect URI, through the provider's redirects.
    allowFormTarget(reply, appRedirect(interaction));
    const current = await currentSession(web, request);
    const signedIn = current.status === 'active' ? current.signedIn : undefined;
    if (interaction.prompt === 'login') {
      if (signedIn && sessionAnswers(interaction, signedIn.session, web.deps.clock.now())) {
        const { session } = signedIn;
        return answer(request, reply, found, loginResult(signedIn.user.id, session.created_at, session.factors));
      }
      const ctx = pageContext(web, request, reply, signedIn?.user, interaction.uiLocales);
      const form: LoginForm = { email: '', errors: {} };
      if (new URLSearchParams(request.url.split('?')[1] ?? '').get('passkey') === 'failed')
        form.alert = ctx.t('login.passkeyFailed');
      const passkey = await loginCeremony(web);
      return sendPage(reply, 200, LoginView({ ctx, form, target: target(interaction), passkey }));
    }
    // Consent: the provider asks only once its session is our session's account (provider.ts).
    if (!signedIn || signedIn.user.id !== interaction.details.session?.accountId) {
      const ctx = pageContext(web, request, reply, undefined, interaction.uiLocales);
      const passkey = await loginCeremony(web);
      return sendPage(
        reply,
        200,
        LoginView({ ctx, form: { email: '', errors: {} }, target: target(interaction), passkey }),
      );
    }
    if (interaction.firstParty) return answer(request, reply, found, await grantConsent(found.provider, interaction));
    const ctx = pageContext(web, request, reply, signedIn.user, interaction.uiLocales);
    const consent = {
      uid: interaction.uid,
      app: interaction.clientName,
      email: signedIn.user.email,
      scopes: interaction.missingScopes,
    };
    return sendPage(reply, 200, ConsentView({ ctx, request: consent }));
  });

  app.post<Params>(
    '/interaction/:uid/login',
    { preHandler: web.protect, config: { hashes: true } },
    async (request, reply) => {
      const found = await interactionOf(request, reply);
      if (!found) return reply;
      allowFormTarget(reply, appRedirect(found.interaction));
      const user = await submitLogin(web, request, reply, target(found.interaction));
      if (!user) return reply;
      return signedInAnswer(request, reply, found, { userId: user.id, factors: PASSWORD_ONLY });
    },
  );

  app.post<Params>('/interaction/:uid/passkey', { preHandler: web.protect }, async (request, reply) => {
    const found = await interactionOf(request, reply);
    if (!found) return reply;
    allowFormTarget(reply, appRedirect(found.interaction));
    const failed = `/interaction/${found.interaction.uid}?passkey=failed`;
    const opened = await submitPasskeySignIn(web, request, reply, failed);
    if (!opened) return reply;
    return signedInAnswer(request, reply, found, { userId: opened.user.id, factors: opened.factors });
  });

  app.post<Params>('/interaction/:uid/verify/passkey', { preHandler: web.protect }, async (request, reply) => {
    const found = await interactionOf(request, reply);
    if (!found) return reply;
    allowFormTarget(reply, appRedirect(found.interaction));
    const { uid } = found.interaction;
    const after = { failed: `/interaction/${uid}/verify?passkey=failed`, restart: `/interaction/${uid}` };
    const opened = await submitPasskeyStep(web, request, reply, after);
    if (!opened) return reply;
    return signedInAnswer(request, reply, found, { userId: opened.user.id, factors: opened.factors });
  });

  app.get<Params>('/interaction/:uid/verify', async (request, reply) => {
    const found = await interactionOf(request, reply);
    if (!found) return reply;
    allowFormTarget(reply, appRedirect(found.interaction));
    return showSecondStep(web, request, reply, secondStep(found.interaction));
  });

  app.post<Params>('/interaction/:uid/verify', { preHandler: web.protect }, async (request, reply) => {
    const found = await interactionOf(request, reply);
    if (!found) return reply;
    allowFormTarget(reply, appRedirect(found.interaction));
    const opened = await submitSecondStep(web, request, reply, secondStep(found.interaction));
    if (!opened) return reply;
    return signedInAnswer(request, reply, found, { userId: opened.user.id, factors: opened.factors });
  });

  app.post<Params>('/interaction/:uid/consent', { preHandler: web.protect }, async (request, reply) => {
    const found = await interactionOf(request, reply);
    if (!found) return reply;
    const current = await currentSession(web, request);
    const accountId = found.interaction.details.session?.accountId;
    if (current.status !== 'active' || current.signedIn.user.id !== accountId) {
      return redirect(reply, `/interaction/${found.interaction.uid}`);
    }
    return answer(request, reply, found, await grantConsent(found.provider, found.interaction));
  });

  app.post<Params>('/interaction/:uid/deny', { preHandler: web.protect }, async (request, reply) => {
    const found = await interactionOf(request, reply);
    if (!found) return reply;
    return answer(request, reply, found, refusal);
  });
}
