// Every page, in every state a user meets on the way through the documentation, in English and in French:
// an axe-core scan (WCAG 2.0/2.1/2.2 A and AA, and axe's best practices) must find nothing, at desktop and
// phone widths. Full-page screenshots of each land in test-results/screenshots/ for a human to look at.
// The language here comes from the browser (Accept-Language); change-password.spec.ts uses the EN | FR switch.

import type { Page } from '@playwright/test';
import { inspect } from './support/axe.ts';
import { copy, type Lang, langs } from './support/copy.ts';
import { expect, passwords, test } from './support/fixtures.ts';
import {
  clickForgotPassword,
  clickResetPassword,
  errorSummary,
  escapeRegExp,
  expectSetPasswordPage,
  gearIcon,
  loadsNewPage,
  openGearMenu,
  openNewestEmail,
  sendResetEmail,
  submitLogIn,
  submitSetPassword,
  tickChangePassword,
} from './support/steps.ts';

const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);

/**
 * The email of the message open in the development mailbox, as a page of its own where scripts run. Three
 * best-practice rules about a whole page (one main landmark, a level-one heading, all content in landmarks)
 * do not apply to an email: a mail client shows it inside its own page, which has those.
 */
async function inspectEmail(page: Page, lang: Lang, name: string): Promise<void> {
  const response = await page.request.get((await page.locator('iframe[sandbox]').getAttribute('src')) ?? '');
  expect(response.ok()).toBe(true);
  const email = await page.context().newPage();
  await email.setContent(await response.text());
  await inspect(email, lang, name, ['landmark-one-main', 'page-has-heading-one', 'region']);
  await email.close();
}

for (const lang of langs) {
  const t = copy[lang];

  test.describe(`Accessibility [${lang}]`, () => {
    test.use({ locale: lang === 'fr' ? 'fr-FR' : 'en-US' });
    // Each test walks up to a dozen page states and scans each at two widths: on a shared two-core machine an
    // axe-core scan can take ten seconds, so the whole walk gets three times the suite's minute.
    test.describe.configure({ timeout: 180_000 });

    test('the log-in page, empty and with errors', async ({ page }) => {
      await page.goto('/login');
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(t.logInTitle);
      await inspect(page, lang, 'log-in');

      await page.getByRole('button', { name: t.signIn, exact: true }).click();
      await expect(page.getByLabel(t.email, { exact: true })).toHaveAccessibleDescription(t.emailRequired);
      await expect(page.getByLabel(t.email, { exact: true })).toBeFocused();
      await expect(page.getByLabel(t.password, { exact: true })).toHaveAccessibleDescription(t.passwordRequired);
      await inspect(page, lang, 'log-in-missing-fields');

      await submitLogIn(page, lang, 'nobody@example.com', 'Not-The-Password-1');
      await expect(page.getByRole('alert')).toHaveText(t.invalidCredentials);
      await inspect(page, lang, 'log-in-refused');
    });

    test('Settings → My Profile: closed, gear menu open, Change password ticked, with errors, and saved', async ({
      page,
      addUser,
    }) => {
      const user = await addUser(lang);
      await page.goto('/login');
      await submitLogIn(page, lang, user.email, user.password);
      await expect(page.getByRole('heading', { level: 2 })).toHaveText(t.myProfile);
      await inspect(page, lang, 'settings');

      await openGearMenu(page, lang);
      await inspect(page, lang, 'gear-menu');
      await page.keyboard.press('Escape');
      await expect(gearIcon(page, lang)).toBeFocused();
      await expect(page.getByRole('link', { name: t.settings, exact: true })).toBeHidden();

      const details = await tickChangePassword(page, lang);
      await details.next.pressSequentially('Violet7');
      await inspect(page, lang, 'settings-change-password');

      await details.name.fill('');
      await details.next.fill('violet');
      await details.confirm.fill('violets');
      await details.save.click();
      const summary = errorSummary(page);
      await expect(summary.getByRole('link')).toHaveText([
        t.nameRequired,
        t.currentRequired,
        escapeRegExp(lowerFirst(t.rules.special)),
        t.mismatch,
      ]);
      await inspect(page, lang, 'settings-errors');

      await details.name.fill(user.name);
      await details.current.fill(user.password);
      await details.next.fill(passwords.next);
      await details.confirm.fill(passwords.next);
      await details.save.click();
      await expect(page.getByRole('status')).toHaveText(t.passwordChanged);
      await inspect(page, lang, 'settings-saved');
    });

    test('Settings → Security: active sessions and recent activity, and signing out another session', async ({
      page,
      browser,
      addUser,
    }) => {
      const user = await addUser(lang);
      const otherDevice = await browser.newContext({ locale: lang === 'fr' ? 'fr-FR' : 'en-US' });
      const other = await otherDevice.newPage();
      await other.goto('/login');
      await submitLogIn(other, lang, user.email, user.password);
      await page.goto('/login');
      await submitLogIn(page, lang, user.email, user.password);
      await page.getByRole('link', { name: t.security, exact: true }).click();
      await expect(page.getByRole('heading', { level: 2 })).toHaveText(t.security);
      await expect(page.getByRole('heading', { name: t.activeSessions })).toBeVisible();
      await expect(page.getByText(t.thisDevice, { exact: true })).toBeVisible();
      await expect(page.getByRole('heading', { name: t.recentActivity })).toBeVisible();
      await inspect(page, lang, 'settings-security');

      await page.getByRole('button', { name: new RegExp(`^${t.revoke} .*, `) }).click();
      await expect(page.getByRole('status')).toHaveText(t.revoked);
      await inspect(page, lang, 'settings-security-revoked');
      await other.reload();
      await expect(other.getByRole('heading', { level: 1 })).toHaveText(t.logInTitle);
      await otherDevice.close();
    });

    test('Forgot password?, empty and with an error', async ({ page }) => {
      await page.goto('/login');
      await clickForgotPassword(page, lang);
      await inspect(page, lang, 'forgot-password');

      const email = page.getByLabel(t.email, { exact: true });
      await email.fill('name@');
      await loadsNewPage(page, () => page.getByRole('button', { name: t.sendResetEmail, exact: true }).click());
      await expect(email).toHaveAccessibleDescription(t.emailInvalid);
      await expect(email).toBeFocused();
      await inspect(page, lang, 'forgot-password-error');
    });

    // One reset email (see the budget in support/steps.ts, sendResetEmail) for every page of its way.
    test('Check your email, the development mailbox and the email, Set Password empty and with errors, the notice, and the used link', async ({
      page,
      addUser,
    }) => {
      const user = await addUser(lang);
      await page.goto('/login');
      await clickForgotPassword(page, lang);
      await sendResetEmail(page, lang, user.email);
      await inspect(page, lang, 'reset-email-sent');

      await openNewestEmail(page, lang, user.email, t.resetEmailSubject);
      await inspect(page, lang, 'dev-mailbox-message');
      await inspectEmail(page, lang, 'reset-email');

      await clickResetPassword(page, lang);
      const form = await expectSetPasswordPage(page, lang, user.email);
      await inspect(page, lang, 'set-password');

      await submitSetPassword(page, lang, 'violet', 'violets');
      const summary = errorSummary(page);
      await expect(summary).toBeFocused();
      await expect(summary.getByRole('link')).toHaveText([escapeRegExp(lowerFirst(t.rules.special)), t.mismatch]);
      await form.next.pressSequentially('Violet7');
      await inspect(page, lang, 'set-password-errors');

      await submitSetPassword(page, lang, passwords.next);
      await expect(page.getByRole('status')).toHaveText(t.passwordSet);
      await inspect(page, lang, 'log-in-password-set');

      await page.goto('/dev/mailbox');
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(t.mailboxTitle);
      const resetEmail = page
        .getByRole('list')
        .getByRole('link')
        .filter({ hasText: t.mailboxTo(user.email) })
        .filter({ hasText: t.resetEmailSubject });
      await inspect(page, lang, 'dev-mailbox');

      await loadsNewPage(page, () => resetEmail.click());
      await clickResetPassword(page, lang);
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(t.deadLinkTitle);
      await expect(page.getByText(t.linkUsed, { exact: true })).toBeVisible();
      await inspect(page, lang, 'reset-link-used');
    });

    test('the page that does not exist', async ({ page }) => {
      const response = await page.goto('/no-such-page');
      expect(response?.status()).toBe(404);
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(t.notFoundTitle);
      await expect(page.getByText(t.notFound, { exact: true })).toBeVisible();
      await inspect(page, lang, 'not-found');
    });
  });
}
