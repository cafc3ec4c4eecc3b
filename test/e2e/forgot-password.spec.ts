// "Change your Sales Connect password" → "Change your password while signed out", followed step by step by
// its visible labels, in English and in French (« Modifier votre mot de passe lors de la déconnexion »):
//   1. Go to the Sales Connect log-in page (« Connexion à Sales Connect ») and click Forgot password?
//      (« Mot de passe oublié ? »).
//   2. Enter the email address of the account and click Send Reset Email (« Envoyer un e-mail de
//      réinitialisation »).
//   3. We send an email to verify that the owner wants to change the password. Click Reset Password
//      (« Réinitialiser le mot de passe »). Note: be sure to check your Spam folder too.
//   4. Enter and confirm the new password. Click Set Password (« Définir le mot de passe »).
// The email is read where the service puts it when SMTP_URL is unset: the development mailbox, /dev/mailbox.
// Each account is created in the language of the run, which is the language of its emails.
// Flows: src/flows/forgot-password.ts, reset-password.ts; pages: src/web/pages/forgot-password.ts,
// reset-password.ts, dev-mailbox.ts; views: src/web/views/forgot-password.tsx, reset-password.tsx.
// These tests ask for eight reset emails in all: see the budget in support/steps.ts (sendResetEmail).
import { copy, langs, noteRules } from './support/copy.ts';
import { baseURL } from './support/environment.ts';
import { expect, newAddress, passwords, test } from './support/fixtures.ts';
import {
  askForResetEmail,
  clickForgotPassword,
  clickResetPassword,
  emailBody,
  errorSummary,
  escapeRegExp,
  expectExactText,
  expectRuleStates,
  expectSetPasswordPage,
  gearIcon,
  loadsNewPage,
  openLogIn,
  openNewestEmail,
  sendResetEmail,
  submitLogIn,
  submitSetPassword,
} from './support/steps.ts';

for (const lang of langs) {
  const t = copy[lang];

  test.describe(`Change password while signed out [${lang}]`, () => {
    test('Forgot password? → Send Reset Email → Reset Password in the email → Set Password: the new password signs in, the old one no longer does, the link is dead and a confirmation email arrives', async ({
      page,
      addUser,
    }) => {
      const user = await addUser(lang);

      // 1. The log-in page, Forgot password?
      await openLogIn(page, lang);
      await expectExactText(page.getByRole('link', { name: t.forgotPassword, exact: true }), t.forgotPassword);
      await clickForgotPassword(page, lang);
      await expectExactText(page.getByRole('heading', { level: 1 }), t.forgotPassword);

      // 2. The account's address, Send Reset Email; the answer names the address and the Spam folder.
      await sendResetEmail(page, lang, user.email);
      await expectExactText(
        page.getByText(t.resetEmailSent(user.email), { exact: true }),
        t.resetEmailSent(user.email),
      );
      await expectExactText(page.getByText(t.checkSpam, { exact: true }), t.checkSpam);
      await expect(page.getByRole('link', { name: t.sendAnother, exact: true })).toBeVisible();
      await expect(page.getByRole('link', { name: t.backToLogIn, exact: true })).toBeVisible();

      // 3. The email, in the account's language; Reset Password in it opens the set-password page.
      await openNewestEmail(page, lang, user.email, t.resetEmailSubject);
      await expectExactText(page.getByRole('heading', { level: 1 }), t.resetEmailSubject);
      const button = emailBody(page, lang, t.resetEmailSubject).getByRole('link', {
        name: t.resetPassword,
        exact: true,
      });
      await expectExactText(button, t.resetPassword);
      // The link is built on PUBLIC_URL and carries a 256-bit token; the text part, for mail clients that show
      // no HTML, holds the same one.
      const link = new URL((await button.getAttribute('href')) ?? '');
      expect(link.origin).toBe(baseURL);
      expect(link.pathname).toBe('/reset-password');
      expect(link.searchParams.get('token')).toMatch(/^[\w-]{43}$/);
      await expect(page.getByRole('region', { name: t.mailboxTextPart }).locator('pre')).toContainText(link.href);
      await clickResetPassword(page, lang);

      // 4. The new password, twice, Set Password; the note ticks each rule as it is typed.
      const form = await expectSetPasswordPage(page, lang, user.email);
      await expectExactText(form.noteTitle, t.rulesTitle);
      await expect(form.note.getByRole('listitem')).toHaveText(noteRules.map((rule) => t.rules[rule]));
      await form.next.pressSequentially('v');
      await expectRuleStates(form, lang, []);
      await form.next.pressSequentially('H');
      await expectRuleStates(form, lang, ['mixed-case']);
      await form.next.pressSequentially('7#');
      await expectRuleStates(form, lang, ['mixed-case', 'number', 'special']);
      await form.next.pressSequentially('arbor-2');
      await expectRuleStates(form, lang, noteRules);
      await expectExactText(form.submit, t.setPassword);
      await submitSetPassword(page, lang, passwords.next);

      // Back on the log-in page, told so; the old password is refused and the new one signs in.
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(t.logInTitle);
      await expect(page.getByRole('status')).toHaveText(t.passwordSet);
      await submitLogIn(page, lang, user.email, user.password);
      await expect(page.getByRole('alert')).toHaveText(t.invalidCredentials);
      await submitLogIn(page, lang, user.email, passwords.next);
      await expect(gearIcon(page, lang)).toBeVisible();
      await expect(page.getByRole('heading', { level: 2 })).toHaveText(t.myProfile);

      // 5. The same link a second time: dead, saying why, with a way to ask for a new email.
      await page.goto('/dev/mailbox');
      const resetEmail = page
        .getByRole('list')
        .getByRole('link')
        .filter({ hasText: t.mailboxTo(user.email) })
        .filter({ hasText: t.resetEmailSubject });
      await loadsNewPage(page, () => resetEmail.click());
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(t.resetEmailSubject);
      await clickResetPassword(page, lang);
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(t.deadLinkTitle);
      await expectExactText(page.getByText(t.linkUsed, { exact: true }), t.linkUsed);
      await expect(page.getByLabel(t.newPassword, { exact: true })).toHaveCount(0);
      await loadsNewPage(page, () => page.getByRole('link', { name: t.sendNewResetEmail, exact: true }).click());
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(t.forgotPassword);
      await expect(page.getByRole('button', { name: t.sendResetEmail, exact: true })).toBeVisible();

      // 6. The "password changed" email, in the account's language.
      await openNewestEmail(page, lang, user.email, t.passwordChangedSubject);
      await expectExactText(page.getByRole('heading', { level: 1 }), t.passwordChangedSubject);
    });

    test('an address with no account gets exactly the same answer as one with an account', async ({
      page,
      addUser,
    }) => {
      const user = await addUser(lang);
      const stranger = newAddress(lang);
      const answerFor = async (email: string) => {
        await askForResetEmail(page, lang, email);
        await expect(page.getByText(t.resetEmailSent(email), { exact: true })).toBeVisible();
        // biome-ignore lint/performance/useDomNodeTextContent: what the user reads, not the hidden text too
        return (await page.locator('body').innerText()).replaceAll(email, '<address>');
      };

      const known = await answerFor(user.email);
      const unknown = await answerFor(stranger);
      expect(unknown).toBe(known);
      expect(known).toContain(t.checkSpam);
    });

    test('on the set-password page a mismatch, a broken rule and the old password are each refused with their own error, and the link still works afterwards', async ({
      browser,
      page,
      addUser,
    }) => {
      const user = await addUser(lang);
      await askForResetEmail(page, lang, user.email);
      await openNewestEmail(page, lang, user.email, t.resetEmailSubject);
      await clickResetPassword(page, lang);
      const form = await expectSetPasswordPage(page, lang, user.email);
      const summary = errorSummary(page);

      await submitSetPassword(page, lang, passwords.next, passwords.nextTypo);
      await expectSetPasswordPage(page, lang, user.email);
      await expect(summary).toBeFocused();
      await expectExactText(summary.getByText(t.errorSummary, { exact: true }), t.errorSummary);
      await expect(summary.getByRole('link')).toHaveText([t.mismatch]);
      await expect(form.confirm).toHaveAttribute('aria-invalid', 'true');
      await expect(form.confirm).toHaveAccessibleDescription(escapeRegExp(t.mismatch));
      await expect(form.next).not.toHaveAttribute('aria-invalid', 'true');
      await expect(form.next).toHaveValue('');
      await expect(form.confirm).toHaveValue('');
      // The summary's link leads to the field to correct.
      await summary.getByRole('link', { name: t.mismatch }).click();
      await expect(form.confirm).toBeFocused();

      await submitSetPassword(page, lang, passwords.noSpecial);
      await expect(summary).toBeFocused();
      await expect(summary.getByRole('link')).toHaveText([t.missingSpecial]);
      await expectExactText(summary.getByRole('link'), t.missingSpecial);
      await expect(form.next).toHaveAttribute('aria-invalid', 'true');
      await expect(form.next).toHaveAccessibleDescription(escapeRegExp(t.missingSpecial));
      await expect(form.confirm).not.toHaveAttribute('aria-invalid', 'true');

      await submitSetPassword(page, lang, user.password);
      await expect(summary).toBeFocused();
      await expect(summary.getByRole('link')).toHaveText([t.sameAsCurrent]);
      await expect(form.next).toHaveAccessibleDescription(escapeRegExp(t.sameAsCurrent));

      // Nothing changed: the old password still signs in (in another browser, keeping this one's link)…
      const otherDevice = await browser.newContext();
      const other = await otherDevice.newPage();
      await openLogIn(other, lang);
      await submitLogIn(other, lang, user.email, user.password);
      await expect(gearIcon(other, lang)).toBeVisible();
      await otherDevice.close();

      // …and the link still sets the password, after a switch of language on its page and back.
      await page.goto('/reset-password');
      const otherLang = lang === 'en' ? 'fr' : 'en';
      await loadsNewPage(page, () =>
        page.getByRole('button', { name: copy[otherLang].languageButton, exact: true }).click(),
      );
      await expectSetPasswordPage(page, otherLang, user.email);
      await loadsNewPage(page, () => page.getByRole('button', { name: t.languageButton, exact: true }).click());
      await expectSetPasswordPage(page, lang, user.email);
      await expect(page.getByRole('alert')).toHaveCount(0);
      await submitSetPassword(page, lang, passwords.next);
      await expect(page.getByRole('status')).toHaveText(t.passwordSet);
      await submitLogIn(page, lang, user.email, passwords.next);
      await expect(gearIcon(page, lang)).toBeVisible();
    });

    test('Forgot password? with a blank or malformed address says what is wrong, and leads back to the log-in page', async ({
      page,
    }) => {
      await openLogIn(page, lang);
      await clickForgotPassword(page, lang);
      const email = page.getByLabel(t.email, { exact: true });
      for (const [typed, error] of [
        ['', t.emailRequired],
        ['name@', t.emailInvalid],
      ] as const) {
        await email.fill(typed);
        await loadsNewPage(page, () => page.getByRole('button', { name: t.sendResetEmail, exact: true }).click());
        await expect(page.getByRole('heading', { level: 1 })).toHaveText(t.forgotPassword);
        await expect(email).toHaveValue(typed);
        await expect(email).toHaveAttribute('aria-invalid', 'true');
        await expect(email).toHaveAccessibleDescription(error);
        await expect(email).toBeFocused();
      }
      await loadsNewPage(page, () => page.getByRole('link', { name: t.backToLogIn, exact: true }).click());
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(t.logInTitle);
    });
  });
}
