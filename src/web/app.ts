// buildApp(deps): the whole HTTP side, in the order it is put together. Each line registers one file of
// web/ that does one thing; main.ts listens, and tests build it the same way.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Deps } from '../deps.ts';
import { registerAdmission } from './admission.ts';
import { loadAssets, registerAssets } from './assets.ts';
import { registerBackToApp } from './back-to-app.ts';
import { registerCanonicalHost } from './canonical-host.ts';
import { registerCookies } from './cookies.ts';
import { registerCsrf } from './csrf.ts';
import { registerErrorPages } from './errors.ts';
import { registerFormParser } from './forms.ts';
import { registerApps } from './pages/apps.ts';
import { registerBreachedPassword } from './pages/breached-password.ts';
import { registerDevMailbox } from './pages/dev-mailbox.ts';
import { registerForgotPassword } from './pages/forgot-password.ts';
import { registerForwardAuth } from './pages/forward-auth.ts';
import { registerLanguageSwitch } from './pages/language.ts';
import { registerLockdown } from './pages/lockdown.ts';
import { registerLoginPage } from './pages/login.ts';
import { registerOps } from './pages/ops.ts';
import { registerPasskeyPages } from './pages/passkeys.ts';
import { registerResetPassword } from './pages/reset-password.ts';
import { registerSecondStep } from './pages/second-step.ts';
import { registerSecurityPage } from './pages/security.ts';
import { registerSessionApi } from './pages/session-api.ts';
import { registerSettingsPages } from './pages/settings.ts';
import { registerSignOut } from './pages/sign-out.ts';
import { registerTwoStepPages } from './pages/two-step.ts';
import { registerSecurityHeaders } from './security-headers.ts';
import { serverOptions } from './server-options.ts';
import { registerTiming } from './timing.ts';
import { webContext } from './web-context.ts';

export async function buildApp(deps: Deps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify(serverOptions(config, deps.log as FastifyBaseLogger));
  registerSecurityHeaders(app, config);
  registerCanonicalHost(app, config);

  await registerCookies(app);
  registerFormParser(app);
  await registerCsrf(app, config);
  const assets = loadAssets();
  registerAssets(app, assets);
  const web = webContext(app, deps, assets.urls);

  registerAdmission(app, web);
  registerTiming(app, deps.metrics);
  registerErrorPages(app, web);
  registerBackToApp(app, web);

  registerOps(app, web);
  registerLoginPage(app, web);
  registerSecondStep(app, web);
  registerSignOut(app, web);
  registerSettingsPages(app, web);
  registerBreachedPassword(app, web);
  registerSecurityPage(app, web);
  registerTwoStepPages(app, web);
  registerPasskeyPages(app, web);
  registerSessionApi(app, web);
  registerForwardAuth(app, web);
  registerLanguageSwitch(app, web);
  registerForgotPassword(app, web);
  registerResetPassword(app, web);
  registerLockdown(app, web);
  await registerApps(app, web);
  // SECURITY 69: no development endpoint in production, whatever else is configured.
  if (deps.devMailbox && !config.production) registerDevMailbox(app, web, deps.devMailbox);
  return app;
}
