// Two-step verification's pages: the second step of a sign-in, the authenticator app's setup (in Settings,
// or on the way in when REQUIRE_2FA=required), the recovery codes shown once, "confirm it's you" before a
// sensitive change, and the card of Settings → Security.
import type { Ceremony } from '../../flows/passkeys.ts';
import type { TwoStepStatus } from '../../flows/two-step.ts';
import type { PageContext } from './context.ts';
import { Document } from './document.tsx';
import { Alert, Notice, PasswordField, TextField } from './form.tsx';
import { ShieldIcon } from './icons.tsx';
import { momentMark, WithMoment } from './moment.tsx';
import { PasskeyForm, PasskeyList } from './passkeys.tsx';
import { SettingsLayout } from './settings-layout.tsx';
import { AuthShell, CsrfField } from './shell.tsx';

/** Where a page of the sign-in's second step or of Settings leads, and what it carries on. */
export interface StepForm {
  action: string;
  /** An allow-listed return_to, carried on as a hidden field. */
  returnTo?: string;
  /** Where a Settings form returns once done (/settings/security/confirm). */
  next?: string;
  error?: string;
  alert?: string;
  notice?: string;
}

function Hidden({ form }: { form: StepForm }) {
  return (
    <>
      {form.returnTo && <input type="hidden" name="return_to" value={form.returnTo} />}
      {form.next && <input type="hidden" name="next" value={form.next} />}
    </>
  );
}

function CodeField({ ctx, recovery, error }: { ctx: PageContext; recovery: boolean; error: string | undefined }) {
  return recovery ? (
    <TextField
      name="recovery_code"
      label={ctx.t('secondStep.recoveryCode')}
      value=""
      autocomplete="off"
      inputMode="text"
      maxLength={32}
      error={error}
      required
    />
  ) : (
    <TextField
      name="code"
      label={ctx.t('secondStep.code')}
      value=""
      autocomplete="one-time-code"
      inputMode="numeric"
      maxLength={12}
      error={error}
      required
    />
  );
}

/** After a right password (« Vérification en deux étapes »): a code from the app, or a recovery code. */
export function SecondStepView({
  ctx,
  email,
  recovery,
  form,
  switchHref,
  cancelHref,
  passkey,
  app,
}: {
  ctx: PageContext;
  email: string;
  recovery: boolean;
  form: StepForm;
  switchHref: string;
  cancelHref: string;
  /** The ceremony of the account's passkeys, when it has any, and where its answer goes. */
  passkey?: { ceremony: Ceremony; action: string };
  /** The account has an authenticator app: without one, the passkey comes first and no code is asked. */
  app: boolean;
}) {
  const { t } = ctx;
  const title = t('secondStep.title');
  const codeForm = recovery || app;
  return (
    <Document ctx={ctx} title={title}>
      <AuthShell ctx={ctx}>
        <div class="step-mark" aria-hidden="true">
          <ShieldIcon />
        </div>
        <h1>{title}</h1>
        <p class="lead">
          {recovery ? t('secondStep.recoveryIntro') : app ? t('secondStep.intro') : t('secondStep.passkeyIntro')}
        </p>
        <p class="muted step-account">{t('secondStep.signingInAs', { email })}</p>
        {form.alert && <Alert message={form.alert} />}
        {codeForm && (
          <form method="post" action={form.action} class="stack" novalidate>
            <CsrfField ctx={ctx} />
            <Hidden form={form} />
            <CodeField ctx={ctx} recovery={recovery} error={form.error} />
            <button type="submit" class="button button-primary button-block">
              {t('secondStep.submit')}
            </button>
          </form>
        )}
        {passkey && !recovery && (
          <PasskeyForm
            ctx={ctx}
            ceremony={passkey.ceremony}
            mode="get"
            action={passkey.action}
            returnTo={form.returnTo}
          >
            <button
              type="submit"
              class={app ? 'button button-secondary button-block' : 'button button-primary button-block'}
            >
              {t('secondStep.usePasskey')}
            </button>
          </PasskeyForm>
        )}
        <p class="auth-links auth-links-stacked">
          <a href={switchHref}>
            {recovery ? (app ? t('secondStep.useApp') : t('secondStep.usePasskey')) : t('secondStep.useRecovery')}
          </a>
          <a href={cancelHref}>{t('secondStep.cancel')}</a>
        </p>
        {recovery && <p class="muted small">{t('secondStep.lostAll')}</p>}
      </AuthShell>
    </Document>
  );
}

export interface SetupDisplay {
  /** The key, grouped for typing. */
  key: string;
  qrSvg: string;
  /** The setup sealed to its holder, carried back by the form. */
  sealed: string;
}

function SetupBody({
  ctx,
  setup,
  form,
  cancelHref,
}: {
  ctx: PageContext;
  setup: SetupDisplay;
  form: StepForm;
  cancelHref?: string;
}) {
  const { t } = ctx;
  return (
    <div class="setup">
      <ol class="setup-steps">
        <li>
          <p>{t('setup.scan')}</p>
          {/* Drawn on the server from the otpauth URI (factors/totp.ts): no script, no third party. */}
          <div
            class="qr-code"
            role="img"
            aria-label={t('setup.qrLabel')}
            dangerouslySetInnerHTML={{ __html: setup.qrSvg }}
          />
          <p class="muted">{t('setup.keyIntro')}</p>
          <p class="setup-key">
            <span class="visually-hidden">{t('setup.keyLabel')} </span>
            <code data-setup-key>{setup.key}</code>
          </p>
        </li>
        <li>
          <p>{t('setup.enterCode')}</p>
          <form method="post" action={form.action} class="stack" novalidate>
            <CsrfField ctx={ctx} />
            <Hidden form={form} />
            <input type="hidden" name="setup" value={setup.sealed} />
            <TextField
              name="code"
              label={t('setup.code')}
              value=""
              autocomplete="one-time-code"
              inputMode="numeric"
              maxLength={12}
              error={form.error}
              required
            />
            <div class="button-row">
              <button type="submit" class="button button-primary">
                {t('setup.submit')}
              </button>
              {cancelHref && (
                <a class="button button-secondary" href={cancelHref}>
                  {t('setup.cancel')}
                </a>
              )}
            </div>
          </form>
        </li>
      </ol>
    </div>
  );
}

/** Settings → Security → Two-step verification → Set up authenticator app. */
export function SetupView({ ctx, setup, form }: { ctx: PageContext; setup: SetupDisplay; form: StepForm }) {
  return (
    <SettingsLayout ctx={ctx} section="security" intro={ctx.t('twoStep.intro')}>
      {form.alert && <Alert message={form.alert} />}
      <section class="card" aria-labelledby="setup-title">
        <div class="card-header">
          <h3 id="setup-title">{ctx.t('setup.title')}</h3>
        </div>
        <div class="card-body">
          <SetupBody ctx={ctx} setup={setup} form={form} cancelHref="/settings/security" />
        </div>
      </section>
    </SettingsLayout>
  );
}

/** REQUIRE_2FA=required, right after the password of an account without a factor. */
export function RequiredSetupView({ ctx, setup, form }: { ctx: PageContext; setup: SetupDisplay; form: StepForm }) {
  const title = ctx.t('twoStep.requiredTitle');
  return (
    <Document ctx={ctx} title={title}>
      <AuthShell ctx={ctx}>
        <h1>{title}</h1>
        <p class="lead">{ctx.t('twoStep.requiredIntro', { brand: ctx.brand })}</p>
        {form.alert && <Alert message={form.alert} />}
        <SetupBody ctx={ctx} setup={setup} form={form} />
        <p class="auth-links">
          <a href="/login">{ctx.t('secondStep.cancel')}</a>
        </p>
      </AuthShell>
    </Document>
  );
}

/** The codes, shown once, with copy, download and print (the script adds copy and print). */
function CodesBody({
  ctx,
  codes,
  email,
  continueHref,
}: {
  ctx: PageContext;
  codes: string[];
  email: string;
  continueHref: string;
}) {
  const { t } = ctx;
  const file = [t('codes.fileTitle', { brand: ctx.brand, email }), t('codes.fileHint'), '', ...codes, ''].join('\n');
  return (
    <div class="recovery-codes" data-recovery-codes>
      <p class="print-only">{t('codes.fileTitle', { brand: ctx.brand, email })}</p>
      <p>{t('codes.intro')}</p>
      <ol class="code-list" aria-label={t('codes.listLabel')}>
        {codes.map((code) => (
          <li>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <div class="button-row">
        <button type="button" class="button button-secondary" data-copy-codes data-copied={t('codes.copied')} hidden>
          {t('codes.copy')}
        </button>
        <a
          class="button button-secondary"
          download="recovery-codes.txt"
          href={`data:text/plain;charset=utf-8,${encodeURIComponent(file)}`}
        >
          {t('codes.download')}
        </a>
        <button type="button" class="button button-secondary" data-print hidden>
          {t('codes.print')}
        </button>
      </div>
      <p>
        <a class="button button-primary" href={continueHref}>
          {t('codes.continue')}
        </a>
      </p>
    </div>
  );
}

export function RecoveryCodesView({
  ctx,
  codes,
  email,
  notice,
  continueHref,
  standalone,
}: {
  ctx: PageContext;
  codes: string[];
  email: string;
  notice: string;
  continueHref: string;
  /** On the way in (REQUIRE_2FA=required): the sign-in's frame, not Settings'. */
  standalone: boolean;
}) {
  const title = ctx.t('codes.title');
  const body = <CodesBody ctx={ctx} codes={codes} email={email} continueHref={continueHref} />;
  if (standalone) {
    return (
      <Document ctx={ctx} title={title}>
        <AuthShell ctx={ctx}>
          <Notice message={notice} />
          <h1>{title}</h1>
          {body}
        </AuthShell>
      </Document>
    );
  }
  return (
    <SettingsLayout ctx={ctx} section="security" intro={ctx.t('twoStep.intro')}>
      <Notice message={notice} />
      <section class="card" aria-labelledby="codes-title">
        <div class="card-header">
          <h3 id="codes-title">{title}</h3>
        </div>
        <div class="card-body">{body}</div>
      </section>
    </SettingsLayout>
  );
}

/** "Confirm it's you" before a sensitive change: a code (or a recovery code), or the password. */
export function StepUpView({
  ctx,
  proof,
  email,
  form,
  switchHref,
  passkey,
}: {
  ctx: PageContext;
  /** 'passkey': the account has passkeys and no authenticator app. */
  proof: 'code' | 'recovery' | 'password' | 'passkey';
  email: string;
  form: StepForm;
  switchHref?: string;
  passkey?: Ceremony;
}) {
  const { t } = ctx;
  const intro =
    proof === 'password'
      ? t('stepUp.introPassword')
      : proof === 'passkey'
        ? t('stepUp.introPasskey')
        : t('stepUp.introCode');
  return (
    <SettingsLayout ctx={ctx} section="security" intro={t('twoStep.intro')}>
      {form.alert && <Alert message={form.alert} />}
      <section class="card card-narrow" aria-labelledby="step-up-title">
        <div class="card-header">
          <h3 id="step-up-title">{t('stepUp.title')}</h3>
          <p class="muted card-intro">{proof === 'recovery' ? t('secondStep.recoveryIntro') : intro}</p>
        </div>
        {passkey && proof !== 'recovery' && (
          <div class="card-body">
            <PasskeyForm ctx={ctx} ceremony={passkey} mode="get" action={form.action} next={form.next}>
              <button type="submit" class={proof === 'passkey' ? 'button button-primary' : 'button button-secondary'}>
                {t('secondStep.usePasskey')}
              </button>
            </PasskeyForm>
          </div>
        )}
        {proof !== 'passkey' && (
          <form method="post" action={form.action} novalidate>
            <div class="card-body">
              <CsrfField ctx={ctx} />
              <Hidden form={form} />
              {proof === 'password' ? (
                <>
                  <input type="email" name="username" value={email} autocomplete="username" hidden readOnly />
                  <PasswordField
                    name="password"
                    label={t('stepUp.password')}
                    autocomplete="current-password"
                    error={form.error}
                    required
                  />
                </>
              ) : (
                <CodeField ctx={ctx} recovery={proof === 'recovery'} error={form.error} />
              )}
              {switchHref && (
                <p>
                  <a href={switchHref}>{proof === 'recovery' ? t('secondStep.useApp') : t('secondStep.useRecovery')}</a>
                </p>
              )}
            </div>
            <div class="card-footer">
              <button type="submit" class="button button-primary">
                {t('stepUp.submit')}
              </button>
            </div>
          </form>
        )}
        {proof === 'passkey' && switchHref && (
          <div class="card-footer">
            <a href={switchHref}>{t('secondStep.useRecovery')}</a>
          </div>
        )}
      </section>
    </SettingsLayout>
  );
}

/** A change that asks "are you sure?": turning two-step verification off, renewing the recovery codes. */
export function ConfirmChangeView({
  ctx,
  title,
  intro,
  action,
  submit,
  danger,
}: {
  ctx: PageContext;
  title: string;
  intro: string;
  action: string;
  submit: string;
  danger: boolean;
}) {
  return (
    <SettingsLayout ctx={ctx} section="security" intro={ctx.t('twoStep.intro')}>
      <section class="card card-narrow" aria-labelledby="confirm-title">
        <div class="card-header">
          <h3 id="confirm-title">{title}</h3>
        </div>
        <form method="post" action={action}>
          <div class="card-body">
            <CsrfField ctx={ctx} />
            <p>{intro}</p>
          </div>
          <div class="card-footer card-footer-split">
            <a class="button button-secondary" href="/settings/security">
              {ctx.t('setup.cancel')}
            </a>
            <button type="submit" class={danger ? 'button button-danger' : 'button button-primary'}>
              {submit}
            </button>
          </div>
        </form>
      </section>
    </SettingsLayout>
  );
}

/** The card of Settings → Security: the authenticator app, the passkeys, the recovery codes. */
export function TwoStepCard({ ctx, status, since }: { ctx: PageContext; status: TwoStepStatus; since: number | null }) {
  const { t } = ctx;
  if (!status.available && !status.enrolled) return null;
  return (
    <section class="card" aria-labelledby="two-step">
      <div class="card-header">
        <h3 id="two-step">
          {t('twoStep.title')}{' '}
          <span class={status.enrolled ? 'badge' : 'badge badge-muted'}>
            {status.enrolled ? t('twoStep.on') : t('twoStep.off')}
          </span>
        </h3>
        <p class="muted card-intro">{t('twoStep.intro')}</p>
      </div>
      <div class="card-body two-step-facts">
        <div class="factor">
          <h4>{t('twoStep.app')}</h4>
          {status.app ? (
            <p>
              <span class="badge">{t('twoStep.on')}</span>
              {since !== null && (
                <span class="muted">
                  {' '}
                  <WithMoment ctx={ctx} text={t('twoStep.enabledSince', { date: momentMark })} at={since} />
                </span>
              )}
            </p>
          ) : (
            status.available && (
              <p>
                <a class="button button-primary" href="/settings/security/two-step/setup">
                  {t('twoStep.setUp')}
                </a>
              </p>
            )
          )}
        </div>
        <div class="factor">
          <h4>{t('passkeys.title')}</h4>
          <p class="muted">{t('passkeys.intro')}</p>
          <PasskeyList ctx={ctx} passkeys={status.passkeys} editable={status.available} />
          {status.available && (
            <p>
              <a class="button button-secondary" href="/settings/security/passkeys/add">
                {t('passkeys.add')}
              </a>
            </p>
          )}
        </div>
        {status.enrolled && (
          <div class="factor">
            <p>{t('twoStep.codesLeft', { count: String(status.recoveryCodesLeft) })}</p>
            {status.recoveryCodesLeft <= 3 && <p class="callout">{t('twoStep.codesLow')}</p>}
          </div>
        )}
      </div>
      {status.enrolled && status.available && (
        <div class="card-footer card-footer-split">
          <a class="button button-secondary" href="/settings/security/two-step/recovery-codes">
            {t('twoStep.renewCodes')}
          </a>
          {status.required ? (
            <p class="muted">{t('twoStep.requiredNote')}</p>
          ) : (
            <a class="button button-danger" href="/settings/security/two-step/off">
              {t('twoStep.turnOff')}
            </a>
          )}
        </div>
      )}
    </section>
  );
}
