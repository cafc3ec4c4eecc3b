// "Secure your account": the page a "This wasn't me" link opens (flows/lockdown.ts). It says exactly what
// confirming will do before anything is done, and afterwards what happened and what to do next.
import type { PageContext } from './context.ts';
import { Document } from './document.tsx';
import { ShieldIcon, SuccessIcon } from './icons.tsx';
import { AuthShell, CsrfField } from './shell.tsx';

export function LockdownView({
  ctx,
  email,
  restores,
  hasSecondFactor,
}: {
  ctx: PageContext;
  email: string;
  /** The address the link was mailed to, which the account gets back. */
  restores: string | undefined;
  hasSecondFactor: boolean;
}) {
  const { t } = ctx;
  return (
    <Document ctx={ctx} title={t('lockdown.title')}>
      <AuthShell ctx={ctx}>
        <div class="result-icon result-icon-error">
          <ShieldIcon />
        </div>
        <h1>{t('lockdown.title')}</h1>
        <p class="lead">{t('lockdown.intro', { email: restores ?? email })}</p>
        <ul class="effects">
          <li>{t('lockdown.effect.sessions')}</li>
          <li>{t('lockdown.effect.password')}</li>
          <li>{t('lockdown.effect.links')}</li>
          {restores !== undefined && <li>{t('lockdown.effect.address', { email: restores })}</li>}
          <li>{t('lockdown.effect.reset')}</li>
        </ul>
        {hasSecondFactor && <p class="callout">{t('lockdown.keepsFactor')}</p>}
        <form method="post" action="/this-wasnt-me" class="stack">
          <CsrfField ctx={ctx} />
          <button type="submit" class="button button-danger button-block">
            {t('lockdown.submit')}
          </button>
        </form>
        <p class="auth-links auth-links-center">
          <a href="/login">{t('forgot.back')}</a>
        </p>
      </AuthShell>
    </Document>
  );
}

export function LockdownDoneView({ ctx, email }: { ctx: PageContext; email: string }) {
  const { t } = ctx;
  return (
    <Document ctx={ctx} title={t('lockdown.doneTitle')}>
      <AuthShell ctx={ctx}>
        <div class="result-icon">
          <SuccessIcon />
        </div>
        <h1>{t('lockdown.doneTitle')}</h1>
        <p class="lead">{t('lockdown.done', { email })}</p>
        <p class="callout">{t('lockdown.next')}</p>
        <p class="auth-links auth-links-center">
          <a href="/login">{t('forgot.back')}</a>
        </p>
      </AuthShell>
    </Document>
  );
}
