// The documentation's steps, each by what the user sees: visible labels and roles in the page's language.
import { expect, type Locator, type Page } from '@playwright/test';
import { copy, type Lang, type NoteRule } from './copy.ts';

/**
 * Does what leads to a new page and waits for that page: where the new page looks like the old one (the
 * switch on a page already in that language, Settings from Settings), nothing else tells them apart, and
 * typing into the old one would be lost.
 */
export async function loadsNewPage(page: Page, action: () => Promise<void>): Promise<void> {
  await Promise.all([page.waitForEvent('load'), action()]);
}

/** "Go to the Sales Connect log-in page" and pick the language with its EN | FR switch. */
export async function openLogIn(page: Page, lang: Lang): Promise<void> {
  await page.goto('/login');
  await loadsNewPage(page, () => page.getByRole('button', { name: copy[lang].languageButton, exact: true }).click());
  await expect(page.locator('html')).toHaveAttribute('lang', lang);
  await expect(page.getByRole('button', { name: copy[lang].languageButton, exact: true })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(copy[lang].logInTitle);
}

/** Email address + Password → Sign in, on the log-in page already open. */
export async function submitLogIn(page: Page, lang: Lang, email: string, password: string): Promise<void> {
  const t = copy[lang];
  await page.getByLabel(t.email, { exact: true }).fill(email);
  await page.getByLabel(t.password, { exact: true }).fill(password);
  await page.getByRole('button', { name: t.signIn, exact: true }).click();
}

/** Signs in and checks the user is in: the gear icon of the signed-in pages is there. */
export async function signIn(page: Page, lang: Lang, email: string, password: string): Promise<void> {
  await openLogIn(page, lang);
  await submitLogIn(page, lang, email, password);
  await expect(gearIcon(page, lang)).toBeVisible();
}

export function gearIcon(page: Page, lang: Lang): Locator {
  return page.getByRole('button', { name: copy[lang].accountMenu, exact: true });
}

/** "Click the gear icon" (« Cliquez sur l’icône d’engrenage »). */
export async function openGearMenu(page: Page, lang: Lang): Promise<void> {
  await gearIcon(page, lang).click();
  await expect(page.getByRole('link', { name: copy[lang].settings, exact: true })).toBeVisible();
}

/** "…and select Settings": My Profile opens by default. */
export async function selectSettings(page: Page, lang: Lang): Promise<void> {
  const t = copy[lang];
  await openGearMenu(page, lang);
  await loadsNewPage(page, () => page.getByRole('link', { name: t.settings, exact: true }).click());
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(t.settings);
  await expect(page.getByRole('heading', { level: 2 })).toHaveText(t.myProfile);
  await expect(page.getByRole('link', { name: t.myProfile, exact: true })).toHaveAttribute('aria-current', 'page');
}

/** Gear icon → Sign out: back on the log-in page, told so. */
export async function signOut(page: Page, lang: Lang): Promise<void> {
  await openGearMenu(page, lang);
  await chooseSignOut(page, lang);
}

/** Sign out, in the gear menu already open. */
export async function chooseSignOut(page: Page, lang: Lang): Promise<void> {
  const t = copy[lang];
  await page.getByRole('button', { name: t.signOut, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(t.logInTitle);
  await expect(page.getByRole('status')).toHaveText(t.signedOut);
}

/** My Profile → Account Details, and what lives in it. */
export function accountDetails(page: Page, lang: Lang) {
  const t = copy[lang];
  const form = page.getByRole('form', { name: t.accountDetails });
  const note = form.locator('[data-rule-note]');
  return {
    form,
    name: form.getByLabel(t.name, { exact: true }),
    changePassword: form.getByRole('checkbox', { name: t.changePassword, exact: true }),
    current: form.getByLabel(t.currentPassword, { exact: true }),
    next: form.getByLabel(t.newPassword, { exact: true }),
    confirm: form.getByLabel(t.confirmPassword, { exact: true }),
    save: form.getByRole('button', { name: t.save, exact: true }),
    note,
    noteTitle: note.getByText(t.rulesTitle, { exact: true }),
    rule: (rule: NoteRule) => note.getByRole('listitem').filter({ hasText: t.rules[rule] }),
  };
}

/** Tick "Change password": the three fields and the note appear. */
export async function tickChangePassword(page: Page, lang: Lang): Promise<ReturnType<typeof accountDetails>> {
  const details = accountDetails(page, lang);
  await expect(details.form.getByRole('heading', { name: copy[lang].accountDetails })).toBeVisible();
  await details.changePassword.check();
  await expect(details.current).toBeVisible();
  await expect(details.next).toBeVisible();
  await expect(details.confirm).toBeVisible();
  await expect(details.noteTitle).toBeVisible();
  return details;
}

/** The error summary at the top: announced (role=alert) and holding the focus, so a screen reader reads it. */
export function errorSummary(page: Page): Locator {
  return page.getByRole('alert');
}

export function escapeRegExp(text: string): RegExp {
  return new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
}

/**
 * textContent exactly, with no whitespace folding: the French non-breaking spaces must really be there
 * (Playwright's text matchers treat them as ordinary spaces).
 */
export async function expectExactText(locator: Locator, text: string): Promise<void> {
  await expect(locator).toHaveJSProperty('textContent', text);
}
