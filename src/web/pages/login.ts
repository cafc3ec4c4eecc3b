// GET/POST /login: the "Sales Connect log-in" page. Flow: flows/sign-in.ts.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { beginAssertion, type Ceremony } from '../../flows/passkeys.ts';
import type { SignedIn } from '../../flows/sessions.ts';
import { signIn } from '../../flows/sign-in.ts';
import { formatWait } from '../../i18n/index.ts';
import { KNOWN_DEVICE_MS } from '../../throttles.ts';
import { currentSession, NEW_PASSWORD_PAGE, signedInProfile } from '../auth.ts';
import { cookieOptions, readSessionCookie, setSessionCookie } from '../cookies.ts';
import { renewCsrfSecret } from '../csrf.ts';
import { csrfField, field, noticeOf, parseForm, passwordField } from '../forms.ts';
import { redirect, sendPage, sendTooSoon } from '../render.ts';
import { allowFormTarget } from '../security-headers.ts';
import { type LoginForm, type LoginTarget, LoginView, withReturnTo } from '../views/login.tsx';
import { clientInfo, pageContext, type WebContext } from '../web-context.ts';
import { setSecondStepCookie } from './second-step.ts';

const notices = {
  'signed-out': 'login.signedOut',
  'session-expired': 'login.sessionExpired',
  'password-reset': 'login.passwordReset',
  'second-step-expired': 'login.secondStepExpired',
} as const;

const loginBody = z.object({
  ...csrfField,
  email: field(1024),
  password: passwordField,
  return_to: field(4096).optional(),
});
const loginQuery = z.object({ return_to: z.string().optional(), notice: z.string().optional() });

/**
 * After signing in: Settings, or the return_to an app asked for if its origin is allow-listed (SECURITY 25,
 * 81: never anywhere else).
 */
const HOME = '/settings';

const directLogin = (returnTo: string | undefined): LoginTarget => ({
  action: '/login',
  passkey: '/login/passkey',
  returnTo,
  secondStep: {
    verify: withReturnTo('/login/verify', returnTo),
    enrol: withReturnTo('/login/two-step-setup', returnTo),
  },
});

/**
 * The posted log-in form: the session started and its cookies set, returning the user; or the page that
 * says why not, or the way to the second step, sent, returning undefined.
 */
export async function submitLogin(
  web: WebContext,
  request: FastifyRequest,
  reply: FastifyReply,
  target: LoginTarget,
): Promise<SignedIn['user'] | undefined> {
  const body = parseForm(loginBody, request);
  // The answer to this page's form may be a redirect to the app it returns to: form-action must allow it.
  allowFormTarget(reply, target.returnTo);
  const profile = await signedInProfile(web, request);
  const ctx = pageContext(web, request, reply, profile, target.uiLocales);
  const form: LoginForm = { email: body.email, errors: {} };
  const page = async () => LoginView({ ctx, form, target, passkey: await loginCeremony(web) });
  if (body.email.trim() === '') form.errors.email = ctx.t('error.email.required');
  if (body.password === '') form.errors.password = ctx.t('error.password.required');
  if (form.errors.email || form.errors.password) {
    sendPage(reply, 422, await page());
    return undefined;
  }

  const outcome = await signIn(web.deps, {
    email: body.email,
    password: body.password,
    client: clientInfo(request),
    previousToken: readSessionCookie(web.deps.config, request),
    deviceToken: request.cookies[web.cookies.device],
    pageLocale: ctx.locale,
  });
  if (outcome.ok) {
    setSessionCookie(web.deps.config, reply, outcome.token);
    renewCsrfSecret(web.deps.config, request, reply);
    if (outcome.deviceToken) {
      reply.setCookie(
        web.cookies.device,
        outcome.deviceToken,
        cookieOptions(web.deps.config, { maxAge: KNOWN_DEVICE_MS / 1000 }),
      );
    }
    return outcome.user;
  }
  if (outcome.reason === 'second-step') {
    setSecondStepCookie(web, reply, outcome.pendingToken);
    renewCsrfSecret(web.deps.config, request, reply);
    redirect(reply, outcome.stage === 'verify' ? target.secondStep.verify : target.secondStep.enrol);
    return undefined;
  }
  if (outcome.reason === 'throttled') {
    form.alert = ctx.t('login.throttled', { wait: formatWait(ctx.locale, outcome.retryAfterMs) });
    sendTooSoon(reply, outcome.retryAfterMs, await page());
    return undefined;
  }
  // SECURITY 17: one message for an unknown address, a wrong password and a disabled account.
  form.alert = ctx.t('login.invalid');
  sendPage(reply, 401, await page());
  return undefined;
}

/** "Sign in with a passkey", where passkeys are offered: a ceremony any passkey of this site may answer. */
export function loginCeremony(web: WebContext): Promise<Ceremony | undefined> {
  return beginAssertion(web.deps, 'sign-in', '');
}

export function registerLoginPage(app: FastifyInstance, web: WebContext): void {
  app.get('/', async (request, reply) => {
    const current = await currentSession(web, request);
    return redirect(reply, current.status === 'active' ? HOME : '/login');
  });

  app.get('/login', async (request, reply) => {
    const returnTo = web.returnTo(loginQuery.safeParse(request.query).data?.return_to);
    const current = await currentSession(web, request);
    if (current.status === 'active') return redirect(reply, returnTo ?? HOME);
    // Signed in, but its password was found breached: an app sending it back here must not go round and round.
    if (current.status === 'new-password') return redirect(reply, NEW_PASSWORD_PAGE);
    const ctx = pageContext(web, request, reply);
    const key = noticeOf(request, notices);
    const form: LoginForm = { email: '', errors: {}, notice: key && ctx.t(key) };
    if (loginQuery.safeParse(request.query).data?.notice === 'passkey-failed')
      form.alert = ctx.t('login.passkeyFailed');
    // Chromium holds the redirects after a form post to form-action too: the app returned to joins it.
    allowFormTarget(reply, returnTo);
    const passkey = await loginCeremony(web);
    return sendPage(reply, 200, LoginView({ ctx, form, target: directLogin(returnTo), passkey }));
  });

  app.post('/login', { preHandler: web.protect, config: { hashes: true } }, async (request, reply) => {
    const returnTo = web.returnTo(parseForm(loginBody, request).return_to);
    if (await submitLogin(web, request, reply, directLogin(returnTo))) return redirect(reply, returnTo ?? HOME);
    return reply;
  });
}
