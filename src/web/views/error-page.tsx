// The one page for every error: a status, a sentence in the user's language, a reference for 5xx. A
// signed-in user sees it in the app's frame, gear menu included; anyone else in the signed-out card.
import type { ComponentChildren } from 'preact';
import type { PageContext } from './context.ts';
import { Document } from './document.tsx';
import { AppShell, AuthShell } from './shell.tsx';

function Frame({ ctx, children }: { ctx: PageContext; children: ComponentChildren }) {
  if (!ctx.user) return <AuthShell ctx={ctx}>{children}</AuthShell>;
  return (
    <AppShell ctx={ctx}>
      <div class="card error-card">{children}</div>
    </AppShell>
  );
}

export function ErrorView({
  ctx,
  title,
  message,
  reference,
}: {
  ctx: PageContext;
  title: string;
  message: string;
  reference?: string;
}) {
  return (
    <Document ctx={ctx} title={title}>
      <Frame ctx={ctx}>
        <h1>{title}</h1>
        <p class="lead">{message}</p>
        {reference && <p class="muted">{ctx.t('page.error.reference', { id: reference })}</p>}
        <p>
          <a class="button button-secondary" href="/">
            {ctx.t('page.error.home')}
          </a>
        </p>
      </Frame>
    </Document>
  );
}

/** The answer to a request shed under load: like ErrorView, without the language switch and its form. */
export function BusyView({ ctx, title, message }: { ctx: PageContext; title: string; message: string }) {
  return (
    <Document ctx={ctx} title={title}>
      <div class="auth">
        <main id="main" class="auth-main" tabIndex={-1}>
          <div class="card auth-card">
            <h1>{title}</h1>
            <p class="lead">{message}</p>
            <p>
              <a class="button button-secondary" href="/">
                {ctx.t('page.error.home')}
              </a>
            </p>
          </div>
        </main>
      </div>
    </Document>
  );
}
