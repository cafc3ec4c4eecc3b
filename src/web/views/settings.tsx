// Settings → My Profile → Account Details, with the "Change password" checkbox of the documentation.
// Ticking the box reveals the password fields through CSS alone (:checked), so it works without JavaScript.
import { locales, type Locale } from '../../core/locale.ts';
import type { PageContext } from './context.ts';
import { Document } from './document.tsx';
import { ErrorSummary, Notice, PasswordField, TextField, type FieldErrors } from './form.tsx';
import { UserIcon } from './icons.tsx';
import { RULE_NOTE_ID, RuleNote } from './rule-note.tsx';
import { AppShell, CsrfField } from './shell.tsx';

export interface AccountDetailsForm {
  name: string;
  locale: Locale;
  changePassword: boolean;
  errors: FieldErrors;
  /** In the order the fields appear, for the summary at the top. */
  summary: Array<{ field?: string; message: string }>;
  notice?: string;
}

export function SettingsProfileView({ ctx, email, form }: { ctx: PageContext; email: string; form: AccountDetailsForm }) {
  const { t } = ctx;
  return (
    <Document ctx={ctx} title={`${t('settings.myProfile')} · ${t('settings.title')}`}>
      <AppShell ctx={ctx}>
        <div class="settings">
          <div class="settings-header">
            <h1>{t('settings.title')}</h1>
          </div>
          <nav class="settings-nav" aria-label={t('settings.nav')}>
            <ul>
              <li>
                <a href="/settings/profile" aria-current="page">
                  <UserIcon />
                  <span>{t('settings.myProfile')}</span>
                </a>
              </li>
            </ul>
          </nav>
          <div class="settings-content">
            <div class="page-heading">
              <h2>{t('settings.myProfile')}</h2>
              <p class="muted">{t('settings.myProfileIntro')}</p>
            </div>
            {form.notice && <Notice message={form.notice} />}
            <ErrorSummary title={t('settings.errorSummary')} errors={form.summary} />
            <form method="post" action="/settings/profile" class="card" novalidate aria-labelledby="account-details">
              <CsrfField ctx={ctx} />
              <div class="card-header">
                <h3 id="account-details">{t('settings.accountDetails')}</h3>
              </div>
              <div class="card-body">
                <div class="grid-2">
                  <TextField name="name" label={t('settings.name')} value={form.name} autocomplete="name" maxLength={100} error={form.errors.name} required />
                  <TextField name="email" type="email" label={t('settings.email')} value={email} autocomplete="email" hint={t('settings.emailHint')} readOnly />
                  <div class={form.errors.locale ? 'field has-error' : 'field'}>
                    <label for="locale">{t('settings.language')}</label>
                    <select id="locale" name="locale" autocomplete="language">
                      {locales.map((locale) => (
                        <option value={locale} lang={locale} selected={locale === form.locale}>
                          {t(`language.${locale}`)}
                        </option>
                      ))}
                    </select>
                  </div>
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
                    <div class="stack">
                      <PasswordField name="current_password" label={t('settings.currentPassword')} autocomplete="current-password" error={form.errors.current} />
                      <PasswordField
                        name="new_password"
                        label={t('settings.newPassword')}
                        autocomplete="new-password"
                        error={form.errors.next}
                        describedBy={RULE_NOTE_ID}
                      />
                      <PasswordField name="confirm_password" label={t('settings.confirmPassword')} autocomplete="new-password" error={form.errors.confirm} />
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
          </div>
        </div>
      </AppShell>
    </Document>
  );
}
