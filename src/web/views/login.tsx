// The "Sales Connect log-in" page (« Connexion à Sales Connect »).
import type { PageContext } from './context.ts';
import { Document } from './document.tsx';
import { Alert, type FieldErrors, Notice, PasswordField, TextField } from './form.tsx';
import { AuthShell, CsrfField } from './shell.tsx';

export interface LoginForm {
  email: string;
  errors: FieldErrors;
  /** A failure that belongs to the whole form: wrong credentials, throttling. */
  alert?: string;
  notice?: string;
}

export function LoginView({ ctx, form }: { ctx: PageContext; form: LoginForm }) {
  const title = ctx.t('login.title', { brand: ctx.brand });
  return (
    <Document ctx={ctx} title={title}>
      <AuthShell ctx={ctx}>
        <h1>{title}</h1>
        <p class="lead">{ctx.t('login.intro', { brand: ctx.brand })}</p>
        {form.notice && <Notice message={form.notice} />}
        {form.alert && <Alert message={form.alert} />}
        <form method="post" action="/login" class="stack" novalidate>
          <CsrfField ctx={ctx} />
          <TextField
            name="email"
            type="email"
            label={ctx.t('login.email')}
            value={form.email}
            autocomplete="username"
            error={form.errors.email}
            maxLength={254}
            required
          />
          <PasswordField
            name="password"
            label={ctx.t('login.password')}
            autocomplete="current-password"
            error={form.errors.password}
            required
          />
          <p class="auth-links">
            <a href="/forgot-password">{ctx.t('login.forgot')}</a>
          </p>
          <button type="submit" class="button button-primary button-block">
            {ctx.t('login.submit')}
          </button>
        </form>
      </AuthShell>
    </Document>
  );
}
