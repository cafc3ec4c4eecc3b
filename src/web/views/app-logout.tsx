// The pages of RP-initiated logout: the confirmation (sent on by itself when the app proved, with an
// id_token_hint, that the request is its own), and "you are signed out".
import type { PageContext } from './context.ts';
import { Document } from './document.tsx';
import { SuccessIcon } from './icons.tsx';
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

/** After the logout: of the service too, or (the user kept the session here) of the app only. */
export function LoggedOutView({ ctx }: { ctx: PageContext }) {
  const title = ctx.t('loggedOut.title');
  const stillHere = ctx.user !== undefined;
  return (
    <Document ctx={ctx} title={title}>
      <AuthShell ctx={ctx}>
        <div class="result-icon">
          <SuccessIcon />
        </div>
        <h1>{title}</h1>
        <p class="lead">
          {stillHere
            ? ctx.t('loggedOut.appOnly', { brand: ctx.brand })
            : ctx.t('loggedOut.message', { brand: ctx.brand })}
        </p>
        <a class="button button-primary button-block" href={stillHere ? '/settings' : '/login'}>
          {stillHere ? ctx.t('loggedOut.settings') : ctx.t('loggedOut.signIn')}
        </a>
      </AuthShell>
    </Document>
  );
}
