// The page the email's Reset Password button opens: New password, Confirm, the live rule note, and
// Set Password (« Définir le mot de passe »); or, for a dead link, why and a way to ask for a new email.
// An invitation's link opens the same form under a welcome, and so does "Choose a new password" for a
// session whose password was found breached.
import type { PageContext } from './context.ts';
import { Document } from './document.tsx';
import { ErrorSummary, type FieldErrors, PasswordField } from './form.tsx';
import { AlertIcon } from './icons.tsx';
import { RULE_NOTE_ID, RuleNote } from './rule-note.tsx';
import { AuthShell, CsrfField } from './shell.tsx';

export interface SetPasswordForm {
  errors: FieldErrors;
  summary: Array<{ field?: string; message: string }>;
}

export interface SetPasswordPage {
  /** Where the form posts: /reset-password or /welcome. */
  action: string;
  title: string;
  intro: string;
  /** The button: Set Password unless told otherwise. */
  submit?: string;
}

export function SetPasswordView({
  ctx,
  page,
  email,
  form,
}: {
  ctx: PageContext;
  page: SetPasswordPage;
  email: string;
  form: SetPasswordForm;
}) {
  const { t } = ctx;
  return (
    <Document ctx={ctx} title={page.title}>
      <AuthShell ctx={ctx}>
        <h1>{page.title}</h1>
        <p class="lead">{page.intro}</p>
        <ErrorSummary title={t('settings.errorSummary')} errors={form.summary} />
        <form method="post" action={page.action} class="stack" novalidate>
          <CsrfField ctx={ctx} />
          {/* A hidden username lets password managers file the new password under the right account. */}
          <input type="email" name="username" value={email} autocomplete="username" hidden readOnly />
          <PasswordField
            name="new_password"
            label={t('reset.newPassword')}
            autocomplete="new-password"
            error={form.errors.next}
            describedBy={RULE_NOTE_ID}
          />
          <RuleNote ctx={ctx} forField="new_password" />
          <PasswordField
            name="confirm_password"
            label={t('reset.confirmPassword')}
            autocomplete="new-password"
            error={form.errors.confirm}
          />
          <button type="submit" class="button button-primary button-block">
            {page.submit ?? t('reset.submit')}
          </button>
        </form>
      </AuthShell>
    </Document>
  );
}

export function DeadLinkView({ ctx, message }: { ctx: PageContext; message: string }) {
  return (
    <Document ctx={ctx} title={ctx.t('reset.invalidTitle')}>
      <AuthShell ctx={ctx}>
        <div class="result-icon result-icon-error">
          <AlertIcon />
        </div>
        <h1>{ctx.t('reset.invalidTitle')}</h1>
        <p class="lead">{message}</p>
        <a class="button button-primary button-block" href="/forgot-password">
          {ctx.t('reset.askAgain')}
        </a>
        <p class="auth-links auth-links-center">
          <a href="/login">{ctx.t('forgot.back')}</a>
        </p>
      </AuthShell>
    </Document>
  );
}
