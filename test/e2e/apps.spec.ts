// Issue 14: the Sales Connect app signs its users in with their account here (OpenID Connect), and the
// documentation starts in that app ("click the gear icon and select Settings"). In English and in French
// (the account's language, and the browser's):
//   1. "Sign in" on the app → our log-in page naming the app → back on the app, which greets the user; the
//      app's gear icon → Settings opens our My Profile, where Change password keeps this browser signed in
//      to the app and signs the app out everywhere else.
//   2. A reset (Forgot password? → the email → Set Password, on another device) signs the app out: the
//      service tells it through a back-channel logout.
//   3. The app's "Sign out" signs out here too (RP-initiated logout) and comes back to the app.
//   4. An app that is not the company's own asks first (the consent page); Settings → Security → Connected
//      apps lists it, and Revoke takes its access back and signs it out.
//   5. Every page of the way has no axe-core violation, at desktop and phone widths (screenshots in
//      test-results/screenshots/).
// The apps: the demo app of examples/sales-connect-app, registered through the admin CLI (support/apps.ts).
// Pages: src/web/pages/interaction.ts, apps.ts, security.ts; views: login.tsx, consent.tsx, app-logout.tsx,
// security.tsx; flows: src/flows/app-access.ts.
import { appCopy } from './support/app-copy.ts';
import {
  browserLocale,
  expect,
  expectAppSignedIn,
  expectAppSignedOut,
  expectAppSignsOut,
  openAppSignIn,
  signInThroughApp,
  test,
} from './support/apps.ts';
import { inspect } from './support/axe.ts';
import { copy, langs } from './support/copy.ts';
import { baseURL } from './support/environment.ts';
import { passwords } from './support/fixtures.ts';
import {
  askForResetEmail,
  clickResetPassword,
  expectSetPasswordPage,
  openGearMenu,
  openNewestEmail,
  selectSettings,
  submitLogIn,
  submitSetPassword,
  tickChangePassword,
} from './support/steps.ts';

for (const lang of langs) {
  const t = copy[lang];
  const a = appCopy[lang];
  const locale = browserLocale(lang);

  test.describe(`Signing in through an app [${lang}]`, () => {
    test.use({ locale });

    test('Sign in on the app → our log-in page naming the app → back on the app signed in; its gear icon → Settings opens My Profile, where Change password keeps this browser signed in to the app and signs the app out on the other device', async ({
      page,
      browser,
      addUser,
      salesApp,
    }) => {
      const user = await addUser(lang);
      const otherDevice = await browser.newContext({ locale });
      const other = await otherDevice.newPage();
      await signInThroughApp(other, lang, salesApp, user);

      await openAppSignIn(page, lang, salesApp);
      await submitLogIn(page, lang, user.email, user.password);
      await expectAppSignedIn(page, lang, salesApp, user.name);

      // The app's gear icon → Settings: our My Profile, the documentation's step 1 from the app.
      await selectSettings(page, lang);
      await expect(page).toHaveURL((url) => url.origin === baseURL && url.pathname.startsWith('/settings'));
      const details = await tickChangePassword(page, lang);
      await details.current.fill(user.password);
      await details.next.fill(passwords.next);
      await details.confirm.fill(passwords.next);
      await details.save.click();
      await expect(page.getByRole('status')).toHaveText(t.passwordChanged);

      // The other device is signed out of the app (its back-channel logout arrives a moment later), the
      // "password changed" email queued with it has arrived…
      await expectAppSignsOut(other, lang, salesApp);
      await openNewestEmail(page, lang, user.email, t.passwordChangedSubject);
      // …and this browser is still signed in to the app.
      await page.goto(salesApp.url);
      await expectAppSignedIn(page, lang, salesApp, user.name);
      await otherDevice.close();
    });

    test('a password reset on another device signs the app out here: the service tells the app (back-channel logout), and our pages ask for sign-in again', async ({
      page,
      browser,
      addUser,
      salesApp,
      otherAddress,
    }) => {
      const user = await addUser(lang);
      await signInThroughApp(page, lang, salesApp, user);

      // The user's phone: Forgot password? → Send Reset Email → Reset Password in the email → Set Password.
      const phone = await browser.newContext({ locale, ...otherAddress });
      const onPhone = await phone.newPage();
      await askForResetEmail(onPhone, lang, user.email);
      await openNewestEmail(onPhone, lang, user.email, t.resetEmailSubject);
      await clickResetPassword(onPhone, lang);
      await expectSetPasswordPage(onPhone, lang, user.email);
      await submitSetPassword(onPhone, lang, passwords.next);
      await expect(onPhone.getByRole('status')).toHaveText(t.passwordSet);
      await phone.close();

      // Back on the laptop: the app shows the user signed out, and so does our Settings.
      await expectAppSignsOut(page, lang, salesApp);
      await page.goto('/settings');
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(t.logInTitle);
    });

    test('Sign out on the app signs out of the service too and comes back to the app, signed out; our Settings then asks for sign-in', async ({
      page,
      addUser,
      salesApp,
    }) => {
      const user = await addUser(lang);
      await signInThroughApp(page, lang, salesApp, user);

      await openGearMenu(page, lang);
      await page.getByRole('button', { name: a.appSignOut, exact: true }).click();
      await expectAppSignedOut(page, lang, salesApp);

      await page.goto('/settings');
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(t.logInTitle);
      await expect(page.getByRole('button', { name: t.accountMenu, exact: true })).toHaveCount(0);
    });

    test('an app that is not the company’s own asks first: the consent page says what it will see, Allow completes the sign-in, and Settings → Security → Connected apps lists it until Revoke, which signs the app out', async ({
      page,
      addUser,
      partnerApp,
    }) => {
      const user = await addUser(lang);
      await openAppSignIn(page, lang, partnerApp);
      await submitLogIn(page, lang, user.email, user.password);

      await expect(page).toHaveURL((url) => url.origin === baseURL && url.pathname.startsWith('/interaction/'));
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(a.consentTitle(partnerApp.name));
      await expect(page.getByText(a.consentIntro(partnerApp.name, user.email), { exact: true })).toBeVisible();
      await expect(page.locator('.consent-list').getByRole('listitem')).toHaveText([...a.consentScopes]);
      await expect(page.getByRole('button', { name: a.deny, exact: true })).toBeVisible();
      await page.getByRole('button', { name: a.allow, exact: true }).click();
      await expectAppSignedIn(page, lang, partnerApp, user.name);

      await selectSettings(page, lang);
      await page.getByRole('link', { name: t.security, exact: true }).click();
      await expect(page.getByRole('heading', { level: 2 })).toHaveText(t.security);
      const connected = page.getByRole('region', { name: a.connectedApps });
      await expect(connected.getByRole('listitem')).toHaveCount(1);
      await expect(connected.getByRole('listitem')).toContainText(partnerApp.name);
      const revoke = connected.getByRole('button', { name: a.revokeAppLabel(partnerApp.name), exact: true });
      await expect(revoke).toHaveText(a.revokeApp);
      await revoke.click();

      await expect(page.getByRole('status')).toHaveText(a.appRevoked);
      await expect(connected.getByRole('listitem')).toHaveCount(0);
      await expect(connected.getByText(a.noApps, { exact: true })).toBeVisible();
      await expectAppSignsOut(page, lang, partnerApp);
    });
  });

  test.describe(`Accessibility of an app's sign-in and sign-out [${lang}]`, () => {
    test.use({ locale });
    // A dozen scans at two widths each: see accessibility.spec.ts for why three minutes.
    test.describe.configure({ timeout: 180_000 });

    test('the app signed out, the log-in page for it, the consent page, the app signed in, Connected apps, the end-session confirmation and "You are signed out"', async ({
      page,
      addUser,
      partnerApp,
    }) => {
      const user = await addUser(lang);
      await page.goto(partnerApp.url);
      await expectAppSignedOut(page, lang, partnerApp);
      await inspect(page, lang, 'demo-app-signed-out');

      await openAppSignIn(page, lang, partnerApp);
      await inspect(page, lang, 'app-log-in');

      await submitLogIn(page, lang, user.email, user.password);
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(a.consentTitle(partnerApp.name));
      await inspect(page, lang, 'app-consent');

      await page.getByRole('button', { name: a.allow, exact: true }).click();
      await expectAppSignedIn(page, lang, partnerApp, user.name);
      await inspect(page, lang, 'demo-app-signed-in');
      await openGearMenu(page, lang);
      await inspect(page, lang, 'demo-app-gear-menu');

      await page.goto('/settings/security');
      await expect(page.getByRole('region', { name: a.connectedApps })).toContainText(partnerApp.name);
      await inspect(page, lang, 'settings-security-connected-app');

      // The end-session endpoint, asked without the app's ID token: the user confirms.
      await page.goto(`/oidc/session/end?client_id=${encodeURIComponent(partnerApp.clientId)}`);
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(a.endSessionTitle);
      await expect(page.getByText(a.endSessionIntro(partnerApp.name), { exact: true })).toBeVisible();
      await expect(page.getByRole('button', { name: a.endSessionCancel, exact: true })).toBeVisible();
      await inspect(page, lang, 'app-end-session');

      await page.getByRole('button', { name: a.endSessionConfirm, exact: true }).click();
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(a.loggedOutTitle);
      await expect(page.getByText(a.loggedOutMessage, { exact: true })).toBeVisible();
      await expect(page.getByRole('link', { name: a.signInAgain, exact: true })).toBeVisible();
      await inspect(page, lang, 'app-signed-out');

      // Signing out here signed the app out as well.
      await expectAppSignsOut(page, lang, partnerApp);
    });
  });
}
