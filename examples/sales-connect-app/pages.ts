// The app's pages: server-rendered HTML. Every value that comes from outside goes through `html`.
import { formatMoment, type Locale, type Translate } from './i18n.ts';
import type { SignedInUser } from './sessions.ts';

export interface PageContext {
  locale: Locale;
  t: Translate;
  /** The account service: its Settings page is the user's My Profile. */
  issuer: string;
  /** This app's own address, where the service's Settings page links back to ("Back to the app"). */
  appUrl: string;
  user: SignedInUser | undefined;
}

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function html(value: string): string {
  return value.replace(/[&<>"']/g, (character) => entities[character]!);
}

const brandMark = `<svg class="brand-mark" viewBox="0 0 32 32" width="28" height="28" aria-hidden="true" focusable="false"><rect width="32" height="32" rx="8" fill="currentColor"/><path d="M9 20.5c1.6 1.5 3.7 2.3 6.2 2.3 3.4 0 5.6-1.7 5.6-4.2 0-5.4-10.6-3.3-10.6-8.3 0-2 1.9-3.4 4.7-3.4 2 0 3.8.6 5.2 1.8" fill="none" stroke="#fff" stroke-width="2.4" stroke-linecap="round"/></svg>`;

const gearIcon = `<svg class="icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false"><path fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" d="M10.3 2.6h3.4l.5 2.6a7.5 7.5 0 0 1 1.9 1.1l2.5-.9 1.7 2.9-2 1.7a7.6 7.6 0 0 1 0 2.2l2 1.7-1.7 2.9-2.5-.9a7.5 7.5 0 0 1-1.9 1.1l-.5 2.6h-3.4l-.5-2.6a7.5 7.5 0 0 1-1.9-1.1l-2.5.9-1.7-2.9 2-1.7a7.6 7.6 0 0 1 0-2.2l-2-1.7 1.7-2.9 2.5.9a7.5 7.5 0 0 1 1.9-1.1z"/><circle cx="12" cy="12" r="3" fill="none" stroke="currentColor" stroke-width="1.8"/></svg>`;

/** With return_to, Settings shows "Back to the app" (the service must list this app in ALLOWED_APP_ORIGINS). */
function settingsUrl(ctx: PageContext): string {
  const url = new URL('/settings', ctx.issuer);
  url.searchParams.set('return_to', `${ctx.appUrl}/`);
  return url.href;
}

/** The gear icon: a <details> menu, so it opens without JavaScript. */
function gearMenu(ctx: PageContext, user: SignedInUser): string {
  const label = html(ctx.t('menu.label'));
  return `<details class="gear-menu">
  <summary role="button" aria-label="${label}" title="${label}">${gearIcon}</summary>
  <div class="gear-menu-panel">
    <p class="gear-menu-who"><span>${html(ctx.t('menu.signedInAs'))}</span><strong>${html(user.name ?? user.sub)}</strong>${user.email ? `<span class="muted">${html(user.email)}</span>` : ''}</p>
    <ul>
      <li><a href="${html(settingsUrl(ctx))}">${html(ctx.t('settings'))}</a></li>
      <li><form method="post" action="/logout"><button type="submit">${html(ctx.t('signOut'))}</button></form></li>
    </ul>
  </div>
</details>`;
}

function layout(ctx: PageContext, title: string, main: string): string {
  const actions = ctx.user
    ? gearMenu(ctx, ctx.user)
    : `<a class="button button-primary" href="/login">${html(ctx.t('signIn'))}</a>`;
  return `<!doctype html>
<html lang="${ctx.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${html(title)} · Sales Connect</title>
<link rel="icon" href="/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/style.css">
</head>
<body>
<header class="topbar">
  <div class="topbar-inner">
    <a class="brand" href="/">${brandMark}<span>Sales Connect</span></a>
    <nav class="topbar-actions">${actions}</nav>
  </div>
</header>
<main class="page">
${main}
</main>
</body>
</html>`;
}

export function homePage(ctx: PageContext): string {
  const { user, t } = ctx;
  if (!user) {
    return layout(
      ctx,
      t('home.title'),
      `<section class="hero">
  <p class="eyebrow">${html(t('brand.tagline'))}</p>
  <h1>${html(t('home.title'))}</h1>
  <p class="lead">${html(t('home.lead'))}</p>
  <p><a class="button button-primary button-large" href="/login">${html(t('signIn'))}</a></p>
</section>`,
    );
  }
  const name = user.name ?? user.email ?? user.sub;
  const signedInAt =
    user.authTime === undefined
      ? ''
      : `<div><dt>${html(t('home.signedInAt'))}</dt><dd><time datetime="${new Date(user.authTime * 1000).toISOString()}">${html(formatMoment(ctx.locale, user.authTime))}</time></dd></div>`;
  const stats = [
    ['home.deals', '12'],
    ['home.meetings', '4'],
    ['home.tasks', '7'],
  ] as const;
  return layout(
    ctx,
    t('home.welcome', { name }),
    `<section class="welcome">
  <h1>${html(t('home.welcome', { name }))}</h1>
  <p class="lead">${html(t('home.signedIn'))}</p>
</section>
<section class="stats">
${stats.map(([label, value]) => `  <div class="card stat"><span class="muted">${html(t(label))}</span><strong>${value}</strong></div>`).join('\n')}
</section>
<section class="card account">
  <h2>${html(t('home.account'))}</h2>
  <dl>
    <div><dt>${html(t('home.name'))}</dt><dd>${html(user.name ?? '—')}</dd></div>
    <div><dt>${html(t('home.email'))}</dt><dd>${html(user.email ?? '—')}</dd></div>
    ${signedInAt}
  </dl>
  <p class="muted">${html(t('home.manage'))}</p>
  <p><a class="button button-secondary" href="${html(settingsUrl(ctx))}">${html(t('home.openSettings'))}</a></p>
</section>`,
  );
}

export function signInFailedPage(ctx: PageContext): string {
  return layout(
    ctx,
    ctx.t('error.title'),
    `<section class="card notice">
  <h1>${html(ctx.t('error.title'))}</h1>
  <p class="lead">${html(ctx.t('error.message'))}</p>
  <p><a class="button button-primary" href="/login">${html(ctx.t('error.again'))}</a></p>
</section>`,
  );
}

export function notFoundPage(ctx: PageContext): string {
  return layout(
    ctx,
    ctx.t('notFound.title'),
    `<section class="card notice">
  <h1>${html(ctx.t('notFound.title'))}</h1>
  <p class="lead">${html(ctx.t('notFound.message'))}</p>
  <p><a class="button button-secondary" href="/">${html(ctx.t('notFound.home'))}</a></p>
</section>`,
  );
}
