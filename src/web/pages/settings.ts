// GET/POST /settings/profile: Settings → My Profile → Account Details, and the "Change password" checkbox.
// Flows: flows/account-details.ts → flows/change-password.ts.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { isLocale } from '../../core/locale.ts';
import { saveAccountDetails } from '../../flows/account-details.ts';
import type { SignedIn } from '../../flows/sessions.ts';
import { recentlyProven, secondFactorOwed } from '../../flows/two-step.ts';
import { formatWait } from '../../i18n/index.ts';
import { requireSignedIn } from '../auth.ts';
import { setSessionCookie } from '../cookies.ts';
import { csrfField, field, noticeOf, parseForm, passwordField } from '../forms.ts';
import { type FieldProblem, formErrors } from '../problems.ts';
import { redirect, sendPage, sendTooSoon } from '../render.ts';
import type { PageContext } from '../views/context.ts';
import { type AccountDetailsForm, SettingsProfileView } from '../views/settings.tsx';
import { clientInfo, pageContext, type WebContext } from '../web-context.ts';

const notices = { saved: 'settings.saved', 'password-changed': 'settings.passwordChanged' } as const;

const profileBody = z.object({
  ...csrfField,
  name: field(1024),
  // The page sends none (the language is the EN | FR switch's, applied at once); a form that does sets it.
  locale: field(16).optional(),
  change_password: z.literal('on').optional(),
  current_password: passwordField.optional(),
  new_password: passwordField.optional(),
  confirm_password: passwordField.optional(),
});

// Each field's input, in the order of the page, so the summary at the top reads in the same order.
const inputs = {
  name: 'name',
  locale: 'locale',
  current: 'current_password',
  next: 'new_password',
  confirm: 'confirm_password',
} as const;

export function registerSettingsPages(app: FastifyInstance, web: WebContext): void {
  app.get('/settings', async (_request, reply) => redirect(reply, '/settings/profile'));

  app.get('/settings/profile', async (request, reply) => {
    const signedIn = await requireSignedIn(web, request, reply);
    if (!signedIn) return reply;
    const ctx = pageContext(web, request, reply, signedIn.user);
    const key = noticeOf(request, notices);
    return sendPage(reply, 200, view(web, ctx, signedIn, { ...blankForm(signedIn), notice: key && ctx.t(key) }));
  });

  app.post('/settings/profile', { preHandler: web.protect, config: { hashes: true } }, async (request, reply) => {
    // A malformed form is refused before the session is looked at: a refusal changes nothing, not even it.
    const body = parseForm(profileBody, request);
    const signedIn = await requireSignedIn(web, request, reply);
    if (!signedIn) return reply;
    const changePassword = body.change_password === 'on';
    const form: AccountDetailsForm = {
      name: body.name,
      locale: signedIn.user.locale as AccountDetailsForm['locale'],
      changePassword,
      errors: {},
      summary: [],
    };

    const locale = body.locale ?? form.locale;
    if (!isLocale(locale)) {
      const ctx = pageContext(web, request, reply, signedIn.user);
      return sendPage(
        reply,
        422,
        view(web, ctx, signedIn, withProblems(ctx, form, [{ field: 'locale', reason: 'invalid' }])),
      );
    }
    form.locale = locale;
    const outcome = await saveAccountDetails(
      web.deps,
      signedIn,
      {
        name: body.name,
        locale,
        password: changePassword
          ? {
              current: body.current_password ?? '',
              next: body.new_password ?? '',
              confirm: body.confirm_password ?? '',
            }
          : undefined,
      },
      clientInfo(request),
    );
    if (outcome.ok) {
      if (outcome.passwordChanged) setSessionCookie(web.deps.config, reply, outcome.token);
      return redirect(reply, `/settings/profile?notice=${outcome.passwordChanged ? 'password-changed' : 'saved'}`);
    }
    const ctx = pageContext(web, request, reply, signedIn.user);
    if (outcome.reason === 'throttled') {
      form.summary = [{ message: ctx.t('settings.throttled', { wait: formatWait(ctx.locale, outcome.retryAfterMs) }) }];
      return sendTooSoon(reply, outcome.retryAfterMs, view(web, ctx, signedIn, form));
    }
    return sendPage(reply, 422, view(web, ctx, signedIn, withProblems(ctx, form, outcome.problems)));
  });
}

function blankForm(signedIn: SignedIn): AccountDetailsForm {
  const locale = isLocale(signedIn.user.locale) ? signedIn.user.locale : 'en';
  return { name: signedIn.user.name, locale, changePassword: false, errors: {}, summary: [] };
}

function view(web: WebContext, ctx: PageContext, signedIn: SignedIn, form: AccountDetailsForm) {
  const { deps } = web;
  // SECURITY 89: with a second factor, the password changes only after "confirm it's you" lately.
  const stepUp =
    secondFactorOwed(deps, signedIn.user) && !recentlyProven(deps, signedIn.session)
      ? `/settings/security/confirm?next=${encodeURIComponent('/settings/profile')}`
      : undefined;
  return SettingsProfileView({ ctx, email: signedIn.user.email, form: { ...form, stepUp } });
}

function withProblems(ctx: PageContext, form: AccountDetailsForm, problems: FieldProblem[]): AccountDetailsForm {
  return { ...form, ...formErrors(ctx, problems, inputs) };
}
