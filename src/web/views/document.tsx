import type { ComponentChildren } from 'preact';
import type { PageContext } from './context.ts';

export function Document({ ctx, title, children }: { ctx: PageContext; title: string; children: ComponentChildren }) {
  return (
    <html lang={ctx.locale}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light" />
        {/* Account pages have nothing a search engine should show. */}
        <meta name="robots" content="noindex, nofollow" />
        <title>{title.includes(ctx.brand) ? title : `${title} · ${ctx.brand}`}</title>
        <link rel="icon" href={ctx.assets.icon} type="image/svg+xml" />
        <link rel="stylesheet" href={ctx.assets.css} />
        <script src={ctx.assets.js} defer />
      </head>
      <body data-show-password={ctx.t('password.show')} data-hide-password={ctx.t('password.hide')}>
        <a class="skip-link" href="#main">
          {ctx.t('meta.skipToContent')}
        </a>
        {children}
      </body>
    </html>
  );
}
