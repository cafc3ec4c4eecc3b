// "Change your Sales Connect password" → "Change your password while signed in", followed step by step by
// its visible labels, in English and in French (« Modifier votre mot de passe lors de la connexion »):
//   1. Click the gear icon and select Settings (« Paramètres »).
//   2. My Profile (« Mon profil ») opens by default. Under Account Details (« Détails du compte »), tick the
//      Change password box (« Modifier le mot de passe »).
//   3. Enter the current password, then the new one, then type it again; they must match. Save (« Enregistrer »).
//   Note: passwords must contain at least nine characters, use upper and lower case, include a number and
//   use a special character.
// Flow: src/flows/change-password.ts; page: src/web/pages/settings.ts; view: src/web/views/settings.tsx.
import type { Locator } from '@playwright/test';
import { copy, langs, type NoteRule, noteRules } from './support/copy.ts';
import { expect, passwords, test } from './support/fixtures.ts';
import {
  accountDetails,
  chooseSignOut,
  errorSummary,
  escapeRegExp,
  expectExactText,
  expectRuleStates,
  gearIcon,
  loadsNewPage,
  openGearMenu,
  openLogIn,
  selectSettings,
  signIn,
  signOut,
  submitLogIn,
  tickChangePassword,
} from './support/steps.ts';

for (const lang of langs) {
  const t = copy[lang];

  test.describe(`Change password while signed in [${lang}]`, () => {
    test('gear icon → Settings opens My Profile; ticking Change password shows the fields and a note that ticks each rule as the new password is typed, and names what is missing once the field is left', async ({
      page,
      addUser,
    }) => {
      const user = await addUser(lang);
      await signIn(page, lang, user.email, user.password);
      await selectSettings(page, lang);

      const details = accountDetails(page, lang);
      await expect(details.changePassword).not.toBeChecked();
      await expect(details.current).toBeHidden();
      await expect(details.next).toBeHidden();
      await expect(details.confirm).toBeHidden();

      await tickChangePassword(page, lang);
      await expectExactText(details.noteTitle, t.rulesTitle);
      await expect(details.note.getByRole('listitem')).toHaveText(noteRules.map((rule) => t.rules[rule]));

      const expectStates = (met: readonly NoteRule[]) => expectRuleStates(details, lang, met);
      await details.next.pressSequentially('v');
      await expectStates([]);
      await details.next.pressSequentially('H');
      await expectStates(['mixed-case']);
      await details.next.pressSequentially('7');
      await expectStates(['mixed-case', 'number']);
      await details.next.pressSequentially('#');
      await expectStates(['mixed-case', 'number', 'special']);
      await details.next.pressSequentially('arbor');
      await expectStates(['min-length', 'mixed-case', 'number', 'special']);
      await details.next.press('Backspace');
      await expectStates(['mixed-case', 'number', 'special']);
      // Leaving the field says what is still missing.
      await details.next.press('Tab');
      await expectRuleStates(details, lang, ['mixed-case', 'number', 'special'], { typing: false });
    });

    test('a confirmation that does not match is refused: the error is announced, the passwords are cleared, the name is kept, and the old password still works', async ({
      page,
      addUser,
    }) => {
      const user = await addUser(lang);
      await signIn(page, lang, user.email, user.password);
      await selectSettings(page, lang);
      const details = await tickChangePassword(page, lang);

      const typedName = lang === 'en' ? 'Ada King' : 'Amélie Martin';
      await details.name.fill(typedName);
      await details.current.fill(user.password);
      await details.next.fill(passwords.next);
      await details.confirm.fill(passwords.nextTypo);
      await details.save.click();

      const summary = errorSummary(page);
      await expect(summary).toBeFocused();
      await expect(summary).toContainText(t.errorSummary);
      await expect(summary.getByRole('link')).toHaveText([t.mismatch]);
      await expect(details.confirm).toHaveAttribute('aria-invalid', 'true');
      await expect(details.confirm).toHaveAccessibleDescription(escapeRegExp(t.mismatch));

      await expect(details.changePassword).toBeChecked();
      await expect(details.current).toHaveValue('');
      await expect(details.next).toHaveValue('');
      await expect(details.confirm).toHaveValue('');
      await expect(details.name).toHaveValue(typedName);

      // The summary's link leads to the field to correct.
      await summary.getByRole('link', { name: t.mismatch }).click();
      await expect(details.confirm).toBeFocused();

      // Nothing was saved: the gear menu still knows the user by their old name…
      await openGearMenu(page, lang);
      await expect(page.getByText(t.signedInAs, { exact: true })).toBeVisible();
      await expect(page.getByText(user.name, { exact: true })).toBeVisible();
      // …and the old password still signs in.
      await chooseSignOut(page, lang);
      await submitLogIn(page, lang, user.email, user.password);
      await expect(gearIcon(page, lang)).toBeVisible();
    });

    test('a new password that breaks a rule is refused with an error naming the rule', async ({ page, addUser }) => {
      const user = await addUser(lang);
      await signIn(page, lang, user.email, user.password);
      await selectSettings(page, lang);
      const details = await tickChangePassword(page, lang);

      await details.current.fill(user.password);
      await details.next.fill(passwords.noSpecial);
      await details.confirm.fill(passwords.noSpecial);
      // The note already says which rule is missing…
      await expect(details.rule('special')).toHaveAttribute('data-state', 'unmet');
      await expect(details.rule('min-length')).toHaveAttribute('data-state', 'met');
      await expect(details.rule('mixed-case')).toHaveAttribute('data-state', 'met');
      await expect(details.rule('number')).toHaveAttribute('data-state', 'met');
      await details.save.click();

      // …and so does the server.
      const summary = errorSummary(page);
      await expect(summary).toBeFocused();
      await expect(summary.getByRole('link')).toHaveText([t.missingSpecial]);
      await expectExactText(summary.getByRole('link'), t.missingSpecial);
      await expect(details.next).toHaveAttribute('aria-invalid', 'true');
      await expect(details.next).toHaveAccessibleDescription(escapeRegExp(t.missingSpecial));
      await expect(details.current).toHaveValue('');

      await signOut(page, lang);
      await submitLogIn(page, lang, user.email, passwords.noSpecial);
      await expect(page.getByRole('alert')).toHaveText(t.invalidCredentials);
    });

    test('a new password that meets the rules is saved: the old password is refused afterwards and the new one accepted', async ({
      page,
      addUser,
    }) => {
      const user = await addUser(lang);
      await signIn(page, lang, user.email, user.password);
      await selectSettings(page, lang);
      const details = await tickChangePassword(page, lang);

      await details.current.fill(user.password);
      await details.next.fill(passwords.next);
      await details.confirm.fill(passwords.next);
      for (const rule of noteRules) await expect(details.rule(rule)).toHaveAttribute('data-state', 'met');
      await details.save.click();

      await expect(page.getByRole('status')).toHaveText(t.passwordChanged);
      await expect(page.getByRole('alert')).toHaveCount(0);
      await expect(details.changePassword).not.toBeChecked();
      await expect(details.current).toBeHidden();

      await signOut(page, lang);
      await submitLogIn(page, lang, user.email, user.password);
      const refusal = page.getByRole('alert');
      await expect(refusal).toHaveText(t.invalidCredentials);
      await expectExactText(refusal.getByText(t.invalidCredentials), t.invalidCredentials);
      await expect(refusal).toBeFocused();

      await submitLogIn(page, lang, user.email, passwords.next);
      await expect(gearIcon(page, lang)).toBeVisible();
      await expect(page.getByRole('heading', { level: 2 })).toHaveText(t.myProfile);
    });

    test('another device signed in to the account is signed out by the change; the device that made it stays signed in', async ({
      browser,
      page,
      addUser,
    }) => {
      const user = await addUser(lang);
      const otherDevice = await browser.newContext();
      const other = await otherDevice.newPage();
      await signIn(other, lang, user.email, user.password);
      await signIn(page, lang, user.email, user.password);

      await selectSettings(page, lang);
      const details = await tickChangePassword(page, lang);
      await details.current.fill(user.password);
      await details.next.fill(passwords.next);
      await details.confirm.fill(passwords.next);
      await details.save.click();
      await expect(page.getByRole('status')).toHaveText(t.passwordChanged);

      await other.reload();
      await expect(other.getByRole('heading', { level: 1 })).toHaveText(t.logInTitle);
      await expect(gearIcon(other, lang)).toHaveCount(0);

      await page.reload();
      await expect(gearIcon(page, lang)).toBeVisible();
      await expect(page.getByRole('heading', { level: 2 })).toHaveText(t.myProfile);

      // The other device signs back in with the new password.
      await submitLogIn(other, lang, user.email, passwords.next);
      await expect(gearIcon(other, lang)).toBeVisible();
      await otherDevice.close();
    });

    test('with the keyboard alone (Tab, Enter, Space): sign in, gear menu, Settings, tick the box, fill the fields, Save', async ({
      page,
      addUser,
    }) => {
      const user = await addUser(lang);
      const tabTo = async (target: Locator) => {
        for (let presses = 0; presses < 40; presses++) {
          if (await target.evaluate((element) => element === document.activeElement)) return;
          await page.keyboard.press('Tab');
        }
        throw new Error(`Tab never reached ${target.toString()}`);
      };

      await page.goto('/login');
      await tabTo(page.getByRole('button', { name: t.languageButton, exact: true }));
      await loadsNewPage(page, () => page.keyboard.press('Enter'));
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(t.logInTitle);
      await tabTo(page.getByRole('textbox', { name: t.email, exact: true }));
      await page.keyboard.type(user.email);
      await tabTo(page.getByLabel(t.password, { exact: true }));
      await page.keyboard.type(user.password);
      await tabTo(page.getByRole('button', { name: t.signIn, exact: true }));
      await page.keyboard.press('Enter');

      const gear = gearIcon(page, lang);
      await tabTo(gear);
      await expect(gear).toHaveCSS('outline-style', 'solid');
      await page.keyboard.press('Enter');
      const settingsLink = page.getByRole('link', { name: t.settings, exact: true });
      await expect(settingsLink).toBeVisible();
      await page.keyboard.press('Tab');
      await expect(settingsLink).toBeFocused();
      await loadsNewPage(page, () => page.keyboard.press('Enter'));
      await expect(page.getByRole('heading', { level: 2 })).toHaveText(t.myProfile);

      const details = accountDetails(page, lang);
      await tabTo(details.changePassword);
      await expect(details.changePassword).toHaveCSS('outline-style', 'solid');
      await page.keyboard.press('Space');
      await expect(details.changePassword).toBeChecked();
      await tabTo(details.current);
      await page.keyboard.type(user.password);
      await tabTo(details.next);
      await page.keyboard.type(passwords.next);
      await tabTo(details.confirm);
      await page.keyboard.type(passwords.next);
      await tabTo(details.save);
      await expect(details.save).toHaveCSS('outline-style', 'solid');
      await page.keyboard.press('Enter');

      await expect(page.getByRole('status')).toHaveText(t.passwordChanged);
    });

    test.describe('with JavaScript turned off', () => {
      test.use({ javaScriptEnabled: false });

      test('the box reveals the fields by itself and the new password is saved', async ({ page, addUser }) => {
        const user = await addUser(lang);
        await signIn(page, lang, user.email, user.password);
        await selectSettings(page, lang);

        const details = accountDetails(page, lang);
        await expect(details.current).toBeHidden();
        await tickChangePassword(page, lang);
        await expect(details.note.getByRole('listitem')).toHaveText(noteRules.map((rule) => t.rules[rule]));
        await details.current.fill(user.password);
        await details.next.fill(passwords.next);
        await details.confirm.fill(passwords.next);
        await details.save.click();

        await expect(page.getByRole('status')).toHaveText(t.passwordChanged);
        await signOut(page, lang);
        await submitLogIn(page, lang, user.email, passwords.next);
        await expect(gearIcon(page, lang)).toBeVisible();
      });

      test('a mismatch is still refused with the same error', async ({ page, addUser }) => {
        const user = await addUser(lang);
        await signIn(page, lang, user.email, user.password);
        await selectSettings(page, lang);
        const details = await tickChangePassword(page, lang);
        await details.current.fill(user.password);
        await details.next.fill(passwords.next);
        await details.confirm.fill(passwords.nextTypo);
        await details.save.click();

        await expect(errorSummary(page).getByRole('link')).toHaveText([t.mismatch]);
        await expect(details.confirm).toHaveAccessibleDescription(escapeRegExp(t.mismatch));
        await expect(details.current).toBeVisible();
        await expect(details.current).toHaveValue('');
      });
    });
  });
}

test('the log-in page follows the language of the browser until the switch says otherwise', async ({ browser }) => {
  const french = await browser.newContext({ locale: 'fr-FR' });
  const page = await french.newPage();
  await page.goto('/login');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(copy.fr.logInTitle);
  await expect(page.getByRole('button', { name: copy.fr.signIn, exact: true })).toBeVisible();
  await openLogIn(page, 'en');
  await expect(page.getByRole('button', { name: copy.en.signIn, exact: true })).toBeVisible();
  await french.close();
});
