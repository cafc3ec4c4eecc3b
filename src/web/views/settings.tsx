// Settings → My Profile → Account Details, with the "Change password" checkbox of the documentation.
// Ticking the box reveals the password fields through CSS alone (:checked), so it works without JavaScript.
import type { Locale } from '../../core/locale.ts';
import type { PageContext } from './context.ts';
import { ErrorSummary, type FieldErrors, Notice, PasswordField, TextField } from './form.tsx';
import { RULE_NOTE_ID, RuleNote } from './rule-note.tsx';
import { SettingsLayout } from './settings-layout.tsx';
import { CsrfField } from './shell.tsx';

export interface AccountDetailsForm {
  name: string;
  locale: Locale;
  changePassword: boolean;
  errors: FieldErrors;
  /** In the order the fields appear, for the summary at the top. */
  summary: Array<{ field?: string; message: string }>;
  notice?: string;
  /** The account has a second factor not proven lately: the password changes after "confirm it's you". */
  stepUp?: string;
}

export function SettingsProfileView({
  ctx,
  email,
  form,
}: {
  ctx: PageContext;
  email: string;
  form: AccountDetailsForm;
}) {
  const { t } = ctx;
  return (
    <SettingsLayout ctx={ctx} section="profile" intro={t('settings.myProfileIntro')}>
      {form.notice && <Notice message={form.notice} />}
      <ErrorSummary title={t('settings.errorSummary')} errors={form.summary} />
      <form method="post" action="/settings/profile" class="card" novalidate aria-labelledby="account-details">
        <CsrfField ctx={ctx} />
        <div class="card-header">
          <h3 id="account-details">{t('settings.accountDetails')}</h3>
        </div>
        <div class="card-body">
          <div class="grid-2">
            <TextField
              name="name"
              label={t('settings.name')}
              value={form.name}
              autocomplete="name"
              maxLength={100}
              error={form.errors.name}
              required
            />
            <TextField
              name="email"
              type="email"
              label={t('settings.email')}
              value={email}
              autocomplete="email"
              hint={t('settings.emailHint')}
              readOnly
            />
          </div>

          <div class="password-section">
            <input
              class="checkbox"
              type="checkbox"
              id="change_password"
              name="change_password"
              value="on"
              checked={form.changePassword}
              aria-controls="password-fields"
            />
            <label class="checkbox-label" for="change_password">
              {t('settings.changePassword')}
            </label>
            <div class="password-fields" id="password-fields">
              {form.stepUp && (
                <p class="callout step-up-callout">
                  {t('stepUp.passwordCallout')} <a href={form.stepUp}>{t('stepUp.confirmLink')}</a>
                </p>
              )}
              <div class="stack">
                <PasswordField
                  name="current_password"
                  label={t('settings.currentPassword')}
                  autocomplete="current-password"
                  error={form.errors.current}
                />
                <PasswordField
                  name="new_password"
                  label={t('settings.newPassword')}
                  autocomplete="new-password"
                  error={form.errors.next}
                  describedBy={RULE_NOTE_ID}
                />
                <PasswordField
                  name="confirm_password"
                  label={t('settings.confirmPassword')}
                  autocomplete="new-password"
                  error={form.errors.confirm}
                />
              </div>
              <RuleNote ctx={ctx} forField="new_password" />
            </div>
          </div>
        </div>
        <div class="card-footer">
          <button type="submit" class="button button-primary">
            {t('settings.save')}
          </button>
        </div>
      </form>
    </SettingsLayout>
  );
}
