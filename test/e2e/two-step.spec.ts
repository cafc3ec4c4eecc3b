// Two-step verification as a user meets it, in English and in French: Settings → Security → set up the
// authenticator app (the key read off the page, the code computed here as the user's phone would), the ten
// recovery codes and their Copy, Download and Print; then every sign-in asks for a code, or a recovery code;
// a reset of the password does not take the second step away; and turning it off asks first. Every page is
// scanned by axe-core, with screenshots at desktop and phone widths (support/axe.ts).
import { readFileSync } from 'node:fs';
import type { Locator, Page } from '@playwright/test';
import { currentCode, stepAt } from '../../src/factors/totp.ts';
import { test } from './support/apps.ts';
import { inspect, screenshots } from './support/axe.ts';
import { copy, type Lang, langs } from './support/copy.ts';
import { expect, passwords } from './support/fixtures.ts';
import {
  askForResetEmail,
  clickResetPassword,
  expectSetPasswordPage,
  gearIcon,
  openLogIn,
  openNewestEmail,
  selectSettings,
  signIn,
  signOut,
  submitLogIn,
  submitSetPassword,
} from './support/steps.ts';
import { twoStepCopy } from './support/two-step-copy.ts';

/** The user's authenticator app: the key it was given, and the last time step whose code was used. */
interface Authenticator {
  secret: string;
  lastStep: number;
}

/**
 * The code the app shows now, once its time step is later than the last one used: the service accepts a
 * step's code once (SECURITY 86), so a sign-in right after another waits for the next 30 seconds.
 */
async function nextCode(app: Authenticator): Promise<string> {
  while (stepAt(Date.now()) <= app.lastStep) await new Promise((done) => setTimeout(done, 250));
  const now = Date.now();
  app.lastStep = stepAt(now);
  return currentCode(app.secret, now);
}

/** A code that is not the app's of this moment (its last digit changed). */
function wrongCode(secret: string): string {
  const code = currentCode(secret, Date.now());
  return `${code.slice(0, 5)}${(Number(code[5]) + 1) % 10}`;
}

/** Settings → Security, from anywhere signed in. */
async function openSecurity(page: Page, lang: Lang): Promise<void> {
  const t = copy[lang];
  await selectSettings(page, lang);
  await page.getByRole('navigation').getByRole('link', { name: t.security, exact: true }).click();
  await expect(page.getByRole('heading', { level: 2 })).toHaveText(t.security);
}

/** Settings → Security's card of two-step verification. */
function twoStepCard(page: Page, lang: Lang): Locator {
  return page.getByRole('region', { name: twoStepCopy[lang].title });
}

async function expectTwoStep(page: Page, lang: Lang, state: 'on' | 'off'): Promise<Locator> {
  const s = twoStepCopy[lang];
  const card = twoStepCard(page, lang);
  await expect(card.getByRole('heading', { level: 3 })).toHaveText(`${s.title} ${state === 'on' ? s.on : s.off}`);
  return card;
}

/** The setup page's key as the user reads it (groups of four), typed into the app without its spaces. */
async function readSetupKey(page: Page): Promise<string> {
  const key = (await page.locator('[data-setup-key]').textContent()) ?? '';
  expect(key).toMatch(/^[A-Z2-7]{4}( [A-Z2-7]{1,4})+$/);
  return key.replace(/\s/g, '');
}

/**
 * Settings → Security → Set up authenticator app, the code of the app → the recovery codes, shown once.
 * `look`: scan each page on the way, with a wrong code first.
 */
async function setUpAuthenticatorApp(
  page: Page,
  lang: Lang,
  look = false,
): Promise<{ app: Authenticator; codes: string[] }> {
  const s = twoStepCopy[lang];
  await openSecurity(page, lang);
  const card = await expectTwoStep(page, lang, 'off');
  if (look) await inspect(page, lang, 'two-step-security-off');
  await card.getByRole('link', { name: s.setUp, exact: true }).click();
  await expect(page.getByRole('heading', { level: 3 })).toHaveText(s.setupTitle);
  await expect(page.getByRole('img', { name: s.qrLabel, exact: true }).locator('svg')).toBeVisible();
  const secret = await readSetupKey(page);
  const field = page.getByLabel(s.setupCode, { exact: true });
  await expect(field).toHaveAttribute('autocomplete', 'one-time-code');
  await expect(field).toHaveAttribute('inputmode', 'numeric');
  if (look) {
    await inspect(page, lang, 'two-step-setup');
    await field.fill(wrongCode(secret));
    await page.getByRole('button', { name: s.turnOn, exact: true }).click();
    await expect(page.getByText(s.setupWrongCode, { exact: true })).toBeVisible();
    await expect(field).toHaveAttribute('aria-invalid', 'true');
    // The same key: the one already in the app still works.
    expect(await readSetupKey(page)).toBe(secret);
    await inspect(page, lang, 'two-step-setup-wrong-code');
  }
  const app: Authenticator = { secret, lastStep: -1 };
  await field.fill(await nextCode(app));
  await page.getByRole('button', { name: s.turnOn, exact: true }).click();

  // The notice; the script adds a status of its own for Copy.
  await expect(page.getByRole('status').filter({ hasText: s.codesEnabled })).toBeVisible();
  await expect(page.getByRole('heading', { level: 3 })).toHaveText(s.codesTitle);
  const list = page.getByRole('list', { name: s.codesListLabel, exact: true });
  await expect(list.getByRole('listitem')).toHaveCount(10);
  const codes = (await list.locator('code').allTextContents()).map((code) => code.trim());
  expect(new Set(codes).size).toBe(10);
  return { app, codes };
}

/** Email address + Password → Sign in: the second step's page, for this account, the app's code asked for. */
async function expectSecondStep(page: Page, lang: Lang, email: string): Promise<Locator> {
  const s = twoStepCopy[lang];
  await expect(page).toHaveURL((url) => url.pathname === '/login/verify');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(s.title);
  await expect(page.getByText(s.intro, { exact: true })).toBeVisible();
  await expect(page.getByText(s.signingInAs(email), { exact: true })).toBeVisible();
  await expect(gearIcon(page, lang)).toHaveCount(0);
  const field = page.getByLabel(s.code, { exact: true });
  await expect(field).toHaveAttribute('autocomplete', 'one-time-code');
  await expect(field).toHaveAttribute('inputmode', 'numeric');
  return field;
}

/** The code of the app → Verify: signed in, on My Profile. */
async function verifyWithApp(page: Page, lang: Lang, field: Locator, app: Authenticator): Promise<void> {
  await field.fill(await nextCode(app));
  await page.getByRole('button', { name: twoStepCopy[lang].verify, exact: true }).click();
  await expect(gearIcon(page, lang)).toBeVisible();
  await expect(page.getByRole('heading', { level: 2 })).toHaveText(copy[lang].myProfile);
}

for (const lang of langs) {
  const t = copy[lang];
  const s = twoStepCopy[lang];
  const locale = lang === 'fr' ? 'fr-FR' : 'en-US';

  test.describe(`Two-step verification [${lang}]`, () => {
    test.use({ locale, permissions: ['clipboard-read', 'clipboard-write'] });

    test('Settings → Security: set up the authenticator app and save the recovery codes; every sign-in then asks for a code or a recovery code; turning it off asks first', async ({
      page,
      addUser,
    }) => {
      // One wait for the next 30-second step at most, and every page scanned at two widths.
      test.setTimeout(150_000);
      const user = await addUser(lang);
      await signIn(page, lang, user.email, user.password);
      const { app, codes } = await setUpAuthenticatorApp(page, lang, true);

      // Copy, Download and Print, the first and last with the script only.
      const copyButton = page.getByRole('button', { name: s.copy, exact: true });
      await copyButton.click();
      await expect(page.getByRole('button', { name: s.copied, exact: true })).toBeVisible();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(codes.join('\n'));
      await expect(copyButton).toBeVisible({ timeout: 5_000 });
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: s.download, exact: true }).click(),
      ]);
      expect(download.suggestedFilename()).toBe('recovery-codes.txt');
      expect(readFileSync(await download.path(), 'utf8')).toBe(
        [s.codesFileTitle(user.email), s.codesFileHint, '', ...codes, ''].join('\n'),
      );
      // Chromium's print dialog would stop the test: the button is only checked to ask for it.
      await page.evaluate(() => {
        window.print = () => document.documentElement.setAttribute('data-printed', 'true');
      });
      await page.getByRole('button', { name: s.print, exact: true }).click();
      await expect(page.locator('html')).toHaveAttribute('data-printed', 'true');
      await inspect(page, lang, 'two-step-recovery-codes');
      // What the printer gets: the codes, without the page around them.
      await page.emulateMedia({ media: 'print' });
      await expect(page.getByRole('banner')).toBeHidden();
      await expect(page.getByRole('navigation')).toBeHidden();
      await expect(page.getByRole('button', { name: s.print, exact: true })).toBeHidden();
      await expect(page.getByRole('list', { name: s.codesListLabel, exact: true })).toBeVisible();
      await page.screenshot({ path: `${screenshots}/two-step-recovery-codes-print-${lang}.png`, fullPage: true });
      await page.emulateMedia({ media: 'screen' });

      await page.getByRole('link', { name: s.savedCodes, exact: true }).click();
      await expect(page.getByRole('heading', { level: 2 })).toHaveText(t.security);
      const card = await expectTwoStep(page, lang, 'on');
      await expect(card.getByText(s.app, { exact: true })).toBeVisible();
      await expect(card.getByText(s.codesLeft(10), { exact: true })).toBeVisible();
      await expect(card.getByRole('link', { name: s.renewCodes, exact: true })).toBeVisible();
      await inspect(page, lang, 'two-step-security-on');

      // Signed out and in again: the password is not enough. A wrong code first, then a recovery code.
      await signOut(page, lang);
      await submitLogIn(page, lang, user.email, user.password);
      const field = await expectSecondStep(page, lang, user.email);
      await inspect(page, lang, 'second-step');
      await field.fill(wrongCode(app.secret));
      await page.getByRole('button', { name: s.verify, exact: true }).click();
      await expect(page.getByText(s.wrongCode, { exact: true })).toBeVisible();
      await expect(page.getByLabel(s.code, { exact: true })).toHaveAttribute('aria-invalid', 'true');
      await inspect(page, lang, 'second-step-wrong-code');

      await page.getByRole('link', { name: s.useRecovery, exact: true }).click();
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(s.title);
      await expect(page.getByText(s.recoveryIntro, { exact: true })).toBeVisible();
      await expect(page.getByRole('link', { name: s.useApp, exact: true })).toBeVisible();
      await inspect(page, lang, 'second-step-recovery');
      await page.getByLabel(s.recoveryCode, { exact: true }).fill(codes[0]!);
      await page.getByRole('button', { name: s.verify, exact: true }).click();
      await expect(gearIcon(page, lang)).toBeVisible();
      await openSecurity(page, lang);
      await expect(twoStepCard(page, lang).getByText(s.codesLeft(9), { exact: true })).toBeVisible();

      // "Confirm it's you", as a sensitive change asks once the last proof is ten minutes old.
      await page.goto('/settings/security/confirm?next=%2Fsettings%2Fsecurity%2Ftwo-step%2Foff');
      await expect(page.getByLabel(s.code, { exact: true })).toHaveAttribute('autocomplete', 'one-time-code');
      await inspect(page, lang, 'step-up');

      // And with the app's code, the next 30-second step if the enrolment's is not over yet.
      await signOut(page, lang);
      await submitLogIn(page, lang, user.email, user.password);
      await verifyWithApp(page, lang, await expectSecondStep(page, lang, user.email), app);

      // Turning it off asks first, and says what it means.
      await openSecurity(page, lang);
      await twoStepCard(page, lang).getByRole('link', { name: s.turnOff, exact: true }).click();
      const confirm = page.getByRole('region', { name: s.offTitle, exact: true });
      await expect(confirm.getByRole('heading', { level: 3 })).toHaveText(s.offTitle);
      await expect(confirm.getByText(s.offIntro, { exact: true })).toBeVisible();
      await expect(confirm.getByRole('link', { name: s.cancel, exact: true })).toBeVisible();
      await inspect(page, lang, 'two-step-turn-off');
      await confirm.getByRole('button', { name: s.offSubmit, exact: true }).click();
      await expect(page.getByRole('status')).toHaveText(s.turnedOff);
      await expectTwoStep(page, lang, 'off');

      // The password alone signs in again.
      await signOut(page, lang);
      await submitLogIn(page, lang, user.email, user.password);
      await expect(gearIcon(page, lang)).toBeVisible();
    });

    test('Forgot password? with two-step verification on: Set Password, then the sign-in still asks for the code', async ({
      page,
      browser,
      addUser,
      otherAddress,
    }) => {
      test.setTimeout(120_000);
      const user = await addUser(lang);
      await signIn(page, lang, user.email, user.password);
      const { app } = await setUpAuthenticatorApp(page, lang);

      // On the user's phone (an address of its own: see sendResetEmail's budget): Forgot password? → Send
      // Reset Email → Reset Password in the development mailbox → Set Password.
      const phone = await browser.newContext({ locale, ...otherAddress });
      const onPhone = await phone.newPage();
      await askForResetEmail(onPhone, lang, user.email);
      await openNewestEmail(onPhone, lang, user.email, t.resetEmailSubject);
      await clickResetPassword(onPhone, lang);
      await expectSetPasswordPage(onPhone, lang, user.email);
      await submitSetPassword(onPhone, lang, passwords.next);
      await expect(onPhone.getByRole('status')).toHaveText(t.passwordSet);

      // The new password is the first step only: the code of the app is still asked for.
      await submitLogIn(onPhone, lang, user.email, passwords.next);
      await verifyWithApp(onPhone, lang, await expectSecondStep(onPhone, lang, user.email), app);
      await openSecurity(onPhone, lang);
      await expectTwoStep(onPhone, lang, 'on');
      await phone.close();

      // The reset signed the laptop out; there too the new password leads to the second step.
      await page.goto('/settings');
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(t.logInTitle);
      await openLogIn(page, lang);
      await submitLogIn(page, lang, user.email, passwords.next);
      await verifyWithApp(page, lang, await expectSecondStep(page, lang, user.email), app);
    });
  });
}
