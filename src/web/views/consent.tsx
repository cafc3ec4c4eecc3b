// The consent page: what an app that is not the company's own will see, and the choice to let it in.
import type { PageContext } from './context.ts';
import { Document } from './document.tsx';
import { BrandMark } from './icons.tsx';
import { AuthShell, CsrfField } from './shell.tsx';

export interface ConsentRequest {
  uid: string;
  app: string;
  email: string;
  /** The scopes asked for beyond openid, in the order they are listed. */
  scopes: string[];
}

const described = ['openid', 'profile', 'email', 'offline_access'] as const;

export function ConsentView({ ctx, request }: { ctx: PageContext; request: ConsentRequest }) {
  const title = ctx.t('consent.title', { app: request.app });
  const shown = described.filter((scope) => scope === 'openid' || request.scopes.includes(scope));
  return (
    <Document ctx={ctx} title={title}>
      <AuthShell ctx={ctx}>
        {/* The app and us, side by side: the title says it in words. */}
        <div class="consent-parties" aria-hidden="true">
          <span class="consent-app-mark">{Array.from(request.app)[0]?.toUpperCase()}</span>
          <span class="consent-connector" />
          <BrandMark />
        </div>
        <h1>{title}</h1>
        <p class="lead">{ctx.t('consent.intro', { app: request.app, brand: ctx.brand, email: request.email })}</p>
        <ul class="consent-list">
          {shown.map((scope) => (
            <li key={scope}>{ctx.t(`consent.scope.${scope}`)}</li>
          ))}
        </ul>
        <p class="muted consent-note">{ctx.t('consent.revokeHint')}</p>
        <div class="consent-actions">
          <form method="post" action={`/interaction/${request.uid}/consent`}>
            <CsrfField ctx={ctx} />
            <button type="submit" class="button button-primary button-block">
              {ctx.t('consent.allow')}
            </button>
          </form>
          <form method="post" action={`/interaction/${request.uid}/deny`}>
            <CsrfField ctx={ctx} />
            <button type="submit" class="button button-secondary button-block">
              {ctx.t('consent.deny')}
            </button>
          </form>
        </div>
      </AuthShell>
    </Document>
  );
}
