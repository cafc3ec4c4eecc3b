// The pages of RP-initiated logout: the confirmation (sent on by itself when the app proved, with an
// id_token_hint, that the request is its own), and "you are signed out".
import type { PageContext } from './context.ts';
import { Document } from './document.tsx';
import { AuthShell } from './shell.tsx';

export interface LogoutRequest {
  /** The provider's confirmation endpoint and its own anti-forgery value. */
  action: string;
  xsrf: string;
  app?: string;
  automatic: boolean;
}

export function LogoutView({ ctx, request }: { ctx: PageContext; request: LogoutRequest }) {
  const title = ctx.t('logout.title', { brand: ctx.brand });
  return (
    <Document ctx={ctx} title={title}>
      <AuthShell ctx={ctx}>
        <h1>{title}</h1>
        <p class="lead">
          {request.app
            ? ctx.t('logout.intro', { app: request.app, brand: ctx.brand })
            : ctx.t('logout.introNoApp', { brand: ctx.brand })}
        </p>
        {request.automatic && (
          <p class="muted" role="status">
            {ctx.t('logout.auto')}
          </p>
        )}
        <form
          method="post"
          action={request.action}
          class="consent-actions"
          data-auto-submit={request.automatic ? 'logout' : undefined}
        >
          <input type="hidden" name="xsrf" value={request.xsrf} />
          <button type="submit" name="logout" value="yes" class="button button-primary button-block">
            {ctx.t('logout.confirm')}
          </button>
          <button type="submit" class="button button-secondary button-block">
            {ctx.t('logout.cancel')}
          </button>
        </form>
      </AuthShell>
    </Document>
  );
}

export function LoggedOutView({ ctx }: { ctx: PageContext }) {
  const title = ctx.t('loggedOut.title');
  return (
    <Document ctx={ctx} title={title}>
      <AuthShell ctx={ctx}>
        <h1>{title}</h1>
        <p class="lead">{ctx.t('loggedOut.message', { brand: ctx.brand })}</p>
        <p>
          <a class="button button-primary" href="/login">
            {ctx.t('loggedOut.signIn')}
          </a>
        </p>
      </AuthShell>
    </Document>
  );
}
