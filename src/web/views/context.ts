// What every view needs to know about the request it renders for.
import type { Locale } from '../../core/locale.ts';
import type { PolicyProfile } from '../../core/password-policy.ts';
import type { Translate } from '../../i18n/index.ts';

export interface PageContext {
  locale: Locale;
  t: Translate;
  brand: string;
  /** Path and query of this page, where the language switch comes back to. */
  path: string;
  csrfToken: string;
  assets: { css: string; js: string; icon: string };
  passwordPolicy: PolicyProfile;
  user?: { name: string; email: string };
  /** Settings' "Back to the app" link (web/back-to-app.ts), when an app opened Settings. */
  backToApp?: string;
}
