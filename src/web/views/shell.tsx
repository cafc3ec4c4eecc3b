// The frames pages sit in: the signed-in app shell (brand, language, gear menu) and the signed-out card.
import type { ComponentChildren } from 'preact';
import { locales } from '../../core/locale.ts';
import type { PageContext } from './context.ts';
import { BrandMark, GearIcon } from './icons.tsx';

export function CsrfField({ ctx }: { ctx: PageContext }) {
  return <input type="hidden" name="_csrf" value={ctx.csrfToken} />;
}

/**
 * Two submit buttons, so the switch works without JavaScript and in one click. Each shows "EN" or "FR" and is
 * named "EN English" / "FR Français": the visible text starts the accessible name (WCAG 2.5.3, label in name),
 * so speech users can say "click FR" and screen readers still hear the language.
 */
export function LanguageSwitch({ ctx }: { ctx: PageContext }) {
  if (ctx.csrfToken === '') return null;
  return (
    <form class="language-switch" method="post" action="/language" aria-label={ctx.t('language.switch')}>
      <CsrfField ctx={ctx} />
      <input type="hidden" name="next" value={ctx.path} />
      {locales.map((locale) => (
        <button
          type="submit"
          name="locale"
          value={locale}
          lang={locale}
          aria-pressed={locale === ctx.locale ? 'true' : 'false'}
        >
          {locale.toUpperCase()}
          <span class="visually-hidden">{` ${ctx.t(`language.${locale}`)}`}</span>
        </button>
      ))}
    </form>
  );
}

/** The gear icon of the documentation ("Click the gear icon and select Settings"). */
function GearMenu({ ctx }: { ctx: PageContext }) {
  return (
    <details class="gear-menu" data-menu>
      {/* biome-ignore lint/a11y/useSemanticElements: a summary is what opens the menu without JavaScript; the role makes screen readers announce it as the button it is */}
      <summary role="button" aria-label={ctx.t('menu.label')} title={ctx.t('menu.label')}>
        <GearIcon />
      </summary>
      <div class="gear-menu-panel">
        {ctx.user && (
          <p class="gear-menu-who">
            <span>{ctx.t('menu.signedInAs')}</span>
            <strong>{ctx.user.name}</strong>
            <span class="muted">{ctx.user.email}</span>
          </p>
        )}
        <ul>
          <li>
            <a href="/settings">{ctx.t('menu.settings')}</a>
          </li>
          <li>
            <form method="post" action="/logout">
              <CsrfField ctx={ctx} />
              <button type="submit">{ctx.t('menu.signOut')}</button>
            </form>
          </li>
        </ul>
      </div>
    </details>
  );
}

function Brand({ ctx }: { ctx: PageContext }) {
  return (
    <span class="brand">
      <BrandMark />
      <span>{ctx.brand}</span>
    </span>
  );
}

export function AppShell({ ctx, children }: { ctx: PageContext; children: ComponentChildren }) {
  return (
    <div class="app">
      <header class="topbar">
        <a class="brand-link" href="/settings">
          <Brand ctx={ctx} />
        </a>
        <div class="topbar-actions">
          <LanguageSwitch ctx={ctx} />
          <GearMenu ctx={ctx} />
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}

export function AuthShell({ ctx, children }: { ctx: PageContext; children: ComponentChildren }) {
  return (
    <div class="auth">
      <header class="auth-header">
        <Brand ctx={ctx} />
        <LanguageSwitch ctx={ctx} />
      </header>
      <main id="main" class="auth-main" tabIndex={-1}>
        <div class="card auth-card">{children}</div>
      </main>
    </div>
  );
}
