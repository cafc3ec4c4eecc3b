// The "Sales Connect log-in" page (« Connexion à Sales Connect »).
import type { PageContext } from './context.ts';

/** Where the form posts, and for which app (an OpenID Connect sign-in: pages/interaction.ts). */
export interface LoginTarget {
  action: string;
  app?: string;
  /** The app's ui_locales, for a visitor whose language is not known yet (the page's context reads it). */
  uiLocales?: string;
  /** Where to go once signed in (an allow-listed return_to, pages/login.ts), through Forgot password too. */
  returnTo?: string;
  /** The second step after a right password, when the account owes one (pages/second-step.ts). */
  secondStep: { verify: string; enrol: string };
  /** Where "Sign in with a passkey" posts its answer (pages/passkeys.ts). */
  passkey: string;
}

import type { Ceremony } from '../../flows/passkeys.ts';
import { Document } from './document.tsx';
import { Alert, type FieldErrors, Notice, PasswordField, TextField } from './form.tsx';
import { PasskeyForm } from './passkeys.tsx';
import { AuthShell, CsrfField } from './shell.tsx';

/** A page of ours, carrying return_to on to the next one. */
export function withReturnTo(path: string, returnTo: string | undefined): string {
  return returnTo === undefined
    ? path
    : `${path}${path.includes('?') ? '&' : '?'}return_to=${encodeURIComponent(returnTo)}`;
}

export interface LoginForm {
  email: string;
  errors: FieldErrors;
  /** A failure that belongs to the whole form: wrong credentials, throttling. */
  alert?: string;
  notice?: string;
}

export function LoginView({
  ctx,
  form,
  target,
  passkey,
}: {
  ctx: PageContext;
  form: LoginForm;
  target: LoginTarget;
  /** The ceremony of "Sign in with a passkey", where passkeys are offered. */
  passkey?: Ceremony;
}) {
  const title = ctx.t('login.title', { brand: ctx.brand });
  const intro = target.app ? ctx.t('login.forApp', { app: target.app }) : ctx.t('login.intro', { brand: ctx.brand });
  return (
    <Document ctx={ctx} title={title}>
      <AuthShell ctx={ctx}>
        <h1>{title}</h1>
        <p class="lead">{intro}</p>
        {form.notice && <Notice message={form.notice} />}
        {form.alert && <Alert message={form.alert} />}
        <form method="post" action={target.action} class="stack" novalidate>
          <CsrfField ctx={ctx} />
          {target.returnTo && <input type="hidden" name="return_to" value={target.returnTo} />}
          <TextField
            name="email"
            type="email"
            label={ctx.t('login.email')}
            value={form.email}
            autocomplete="username"
            error={form.errors.email}
            maxLength={254}
            required
          />
          <PasswordField
            name="password"
            label={ctx.t('login.password')}
            autocomplete="current-password"
            error={form.errors.password}
            required
          />
          <p class="auth-links">
            <a href={withReturnTo('/forgot-password', target.returnTo)}>{ctx.t('login.forgot')}</a>
          </p>
          <button type="submit" class="button button-primary button-block">
            {ctx.t('login.submit')}
          </button>
        </form>
        {passkey && (
          <PasskeyForm ctx={ctx} ceremony={passkey} mode="get" action={target.passkey} returnTo={target.returnTo}>
            <p class="divider">
              <span>{ctx.t('login.or')}</span>
            </p>
            <button type="submit" class="button button-secondary button-block">
              {ctx.t('login.passkey')}
            </button>
          </PasskeyForm>
        )}
      </AuthShell>
    </Document>
  );
}
