// Passkeys on the pages: the form a passkey answers (the script runs the WebAuthn ceremony with the options
// the form carries, puts the answer in its `credential` field and submits it), the page that adds one, and
// the list of Settings → Security.
import type { ComponentChildren } from 'preact';
import type { Ceremony, PasskeySummary } from '../../flows/passkeys.ts';
import type { PageContext } from './context.ts';
import { Alert, TextField } from './form.tsx';
import { momentMark, WithMoment } from './moment.tsx';
import { SettingsLayout } from './settings-layout.tsx';
import { CsrfField } from './shell.tsx';

/**
 * A form that a passkey submits: hidden until the script finds WebAuthn in the browser. `create` makes a
 * passkey (registration), `get` proves one (assertion).
 */
export function PasskeyForm({
  ctx,
  ceremony,
  mode,
  action,
  returnTo,
  next,
  children,
  className,
}: {
  ctx: PageContext;
  ceremony: Ceremony;
  mode: 'create' | 'get';
  action: string;
  returnTo?: string;
  next?: string;
  children: ComponentChildren;
  className?: string;
}) {
  return (
    <form
      method="post"
      action={action}
      class={className ? `passkey-form ${className}` : 'passkey-form'}
      data-passkey={mode}
      data-options={JSON.stringify(ceremony.options)}
      data-cancelled={ctx.t('passkeys.cancelled')}
      hidden
    >
      <CsrfField ctx={ctx} />
      <input type="hidden" name="ceremony" value={ceremony.sealed} />
      <input type="hidden" name="credential" value="" />
      {returnTo && <input type="hidden" name="return_to" value={returnTo} />}
      {next && <input type="hidden" name="next" value={next} />}
      <p class="field-error passkey-error" role="alert" hidden />
      {children}
    </form>
  );
}

/** Settings → Security → Add a passkey. */
export function AddPasskeyView({
  ctx,
  ceremony,
  name,
  error,
  alert,
}: {
  ctx: PageContext;
  ceremony: Ceremony;
  name: string;
  error?: string;
  alert?: string;
}) {
  const { t } = ctx;
  return (
    <SettingsLayout ctx={ctx} section="security" intro={t('passkeys.intro')}>
      {alert && <Alert message={alert} />}
      <section class="card card-narrow" aria-labelledby="add-passkey">
        <div class="card-header">
          <h3 id="add-passkey">{t('passkeys.add')}</h3>
          <p class="muted card-intro">{t('passkeys.addIntro')}</p>
        </div>
        <div class="card-body">
          <p class="muted" data-passkey-fallback>
            {t('passkeys.needsScript')}
          </p>
          <PasskeyForm ctx={ctx} ceremony={ceremony} mode="create" action="/settings/security/passkeys/add">
            <TextField
              name="name"
              label={t('passkeys.name')}
              hint={t('passkeys.nameHint')}
              value={name}
              autocomplete="off"
              maxLength={60}
              error={error}
              required
            />
            <div class="button-row">
              <button type="submit" class="button button-primary">
                {t('passkeys.create')}
              </button>
              <a class="button button-secondary" href="/settings/security">
                {t('setup.cancel')}
              </a>
            </div>
          </PasskeyForm>
        </div>
      </section>
    </SettingsLayout>
  );
}

/** The passkeys of the account, each with Rename and Remove, in the Security page's card. */
export function PasskeyList({
  ctx,
  passkeys,
  editable,
}: {
  ctx: PageContext;
  passkeys: PasskeySummary[];
  /** False under REQUIRE_2FA=off: the passkeys are kept as they are, to be asked for again. */
  editable: boolean;
}) {
  const { t } = ctx;
  if (passkeys.length === 0) return <p class="muted">{t('passkeys.none')}</p>;
  return (
    <ul class="session-list passkey-list">
      {passkeys.map((passkey) => (
        <li class="session" key={passkey.id}>
          <div class="session-details">
            <p class="session-device">
              <strong>{passkey.name}</strong>
              <span class="badge badge-muted">{passkey.synced ? t('passkeys.synced') : t('passkeys.deviceBound')}</span>
            </p>
            <p class="muted session-facts">
              <span>
                <WithMoment ctx={ctx} text={t('passkeys.addedOn', { date: momentMark })} at={passkey.createdAt} />
              </span>
              <span>
                {passkey.lastUsedAt === null ? (
                  t('passkeys.neverUsed')
                ) : (
                  <WithMoment ctx={ctx} text={t('passkeys.lastUsed', { date: momentMark })} at={passkey.lastUsedAt} />
                )}
              </span>
            </p>
            {editable && (
              <details class="passkey-rename">
                <summary>{t('passkeys.rename')}</summary>
                <form method="post" action="/settings/security/passkeys/rename" class="inline-form">
                  <CsrfField ctx={ctx} />
                  <input type="hidden" name="passkey" value={passkey.id} />
                  <TextField
                    name="name"
                    id={`passkey-name-${passkey.id}`}
                    label={t('passkeys.renameLabel', { name: passkey.name })}
                    value={passkey.name}
                    autocomplete="off"
                    maxLength={60}
                    required
                  />
                  <button type="submit" class="button button-secondary button-small">
                    {t('settings.save')}
                  </button>
                </form>
              </details>
            )}
          </div>
          {editable && (
            <form method="post" action="/settings/security/passkeys/remove">
              <CsrfField ctx={ctx} />
              <input type="hidden" name="passkey" value={passkey.id} />
              <button
                type="submit"
                class="button button-danger button-small"
                aria-label={t('passkeys.removeLabel', { name: passkey.name })}
              >
                {t('passkeys.remove')}
              </button>
            </form>
          )}
        </li>
      ))}
    </ul>
  );
}
