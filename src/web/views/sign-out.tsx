// GET /logout: the sign-out an app can link to. A link must not sign anyone out (a page of another site could
// show it as an image), so this asks, and its button posts with the CSRF token.
import type { PageContext } from './context.ts';
import { Document } from './document.tsx';
import { AuthShell, CsrfField } from './shell.tsx';

export function SignOutView({ ctx, returnTo }: { ctx: PageContext; returnTo: string | undefined }) {
  const title = ctx.t('logout.title', { brand: ctx.brand });
  return (
    <Document ctx={ctx} title={title}>
      <AuthShell ctx={ctx}>
        <h1>{title}</h1>
        {ctx.user && <p class="lead">{ctx.t('logout.signedInAs', { email: ctx.user.email })}</p>}
        <p class="muted">{ctx.t('logout.introNoApp', { brand: ctx.brand })}</p>
        <form method="post" action="/logout" class="consent-actions">
          <CsrfField ctx={ctx} />
          {returnTo && <input type="hidden" name="return_to" value={returnTo} />}
          <button type="submit" class="button button-primary button-block">
            {ctx.t('logout.confirm')}
          </button>
          <a href={returnTo ?? '/settings'} class="button button-secondary button-block">
            {ctx.t('logout.cancel')}
          </a>
        </form>
      </AuthShell>
    </Document>
  );
}
