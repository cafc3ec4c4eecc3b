// "Forgot password?" (« Mot de passe oublié ? »): the email field and Send Reset Email, then the answer
// that is the same for every address and reminds the user of their Spam folder.
import type { PageContext } from './context.ts';
import { Document } from './document.tsx';
import { Alert, TextField } from './form.tsx';
import { SuccessIcon } from './icons.tsx';
import { withReturnTo } from './login.tsx';
import { AuthShell, CsrfField } from './shell.tsx';

export interface ForgotPasswordForm {
  email: string;
  error?: string;
  alert?: string;
  /** The app to go back to after the reset and the sign-in (pages/login.ts). */
  returnTo?: string;
}

export function ForgotPasswordView({ ctx, form }: { ctx: PageContext; form: ForgotPasswordForm }) {
  const title = ctx.t('forgot.title');
  return (
    <Document ctx={ctx} title={title}>
      <AuthShell ctx={ctx}>
        <h1>{title}</h1>
        <p class="lead">{ctx.t('forgot.intro')}</p>
        {form.alert && <Alert message={form.alert} />}
        <form method="post" action="/forgot-password" class="stack" novalidate>
          <CsrfField ctx={ctx} />
          {form.returnTo && <input type="hidden" name="return_to" value={form.returnTo} />}
          <TextField
            name="email"
            type="email"
            label={ctx.t('forgot.email')}
            value={form.email}
            autocomplete="email"
            error={form.error}
            maxLength={254}
            required
          />
          <button type="submit" class="button button-primary button-block">
            {ctx.t('forgot.submit')}
          </button>
        </form>
        <p class="auth-links auth-links-center">
          <a href={withReturnTo('/login', form.returnTo)}>{ctx.t('forgot.back')}</a>
        </p>
      </AuthShell>
    </Document>
  );
}

export function ResetEmailSentView({
  ctx,
  email,
  expiry,
  returnTo,
}: {
  ctx: PageContext;
  email: string;
  expiry: string;
  returnTo: string | undefined;
}) {
  const title = ctx.t('forgot.sentTitle');
  return (
    <Document ctx={ctx} title={title}>
      <AuthShell ctx={ctx}>
        <div class="result-icon">
          <SuccessIcon />
        </div>
        <h1>{title}</h1>
        <p class="lead">{ctx.t('forgot.sent', { email, expiry })}</p>
        <p class="callout">{ctx.t('forgot.spam')}</p>
        <p class="auth-links auth-links-split">
          <a href={withReturnTo('/forgot-password', returnTo)}>{ctx.t('forgot.again')}</a>
          <a href={withReturnTo('/login', returnTo)}>{ctx.t('forgot.back')}</a>
        </p>
      </AuthShell>
    </Document>
  );
}
