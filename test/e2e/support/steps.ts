// The documentation's steps, each by what the user sees: visible labels and roles in the page's language.
import { expect, type FrameLocator, type Locator, type Page } from '@playwright/test';
import { copy, type Lang, type NoteRule, noteRules } from './copy.ts';

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
  await expect(page.getByRole('button', { name: copy[lang].languageButton, exact: true })).toHaveAttribute(
    'aria-pressed',
    'true',
  );
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
  return {
    form,
    name: form.getByLabel(t.name, { exact: true }),
    changePassword: form.getByRole('checkbox', { name: t.changePassword, exact: true }),
    current: form.getByLabel(t.currentPassword, { exact: true }),
    next: form.getByLabel(t.newPassword, { exact: true }),
    confirm: form.getByLabel(t.confirmPassword, { exact: true }),
    save: form.getByRole('button', { name: t.save, exact: true }),
    ...ruleNote(form, lang),
  };
}

/** The documentation's note of the password rules, beside a New password field (Settings and Set Password). */
export function ruleNote(scope: Page | Locator, lang: Lang) {
  const t = copy[lang];
  const note = scope.locator('[data-rule-note]');
  return {
    note,
    noteTitle: note.getByText(t.rulesTitle, { exact: true }),
    rule: (rule: NoteRule) => note.getByRole('listitem').filter({ hasText: t.rules[rule] }),
  };
}

/** Every rule of the note says, in words, whether what is typed so far meets it: `met` ones do, the rest not yet. */
/**
 * The note as the user sees it: the rules met so far ticked, the others neutral while the field is being
 * typed in (`typing`), and marked as not met once the user has left the field.
 */
export async function expectRuleStates(
  note: ReturnType<typeof ruleNote>,
  lang: Lang,
  met: readonly NoteRule[],
  { typing = true }: { typing?: boolean } = {},
): Promise<void> {
  const t = copy[lang];
  for (const rule of noteRules) {
    const item = note.rule(rule);
    if (met.includes(rule)) {
      await expect(item).toHaveAttribute('data-state', 'met');
      await expect(item).toContainText(t.ruleMet);
    } else if (typing) {
      await expect(item).toHaveAttribute('data-state', 'pending');
      await expect(item).not.toContainText(t.ruleUnmet);
    } else {
      await expect(item).toHaveAttribute('data-state', 'unmet');
      await expect(item).toContainText(t.ruleUnmet);
    }
  }
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

// Signed out (« Modifier votre mot de passe lors de la déconnexion »): Forgot password? → Send Reset Email →
// the email's Reset Password → Set Password.

/** Step 1: "click Forgot password?" on the log-in page already open. */
export async function clickForgotPassword(page: Page, lang: Lang): Promise<void> {
  const t = copy[lang];
  await page.getByRole('link', { name: t.forgotPassword, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(t.forgotPassword);
}

/**
 * Step 2: "enter the email address of the account and click Send Reset Email", on the Forgot password? page
 * already open; the answer tells the user to check their Spam folder too.
 *
 * Budget: every browser test reaches the service from 127.0.0.1, and the service lets one client ask for
 * eleven reset emails an hour before it slows it down with a 429 (src/throttles.ts, `resetEmail.client`). The
 * whole suite asks ten times (forgot-password.spec.ts eight, accessibility.spec.ts two): count before adding.
 * apps.spec.ts and two-step.spec.ts ask twice more each, from a second device at an address of its own
 * (support/apps.ts, otherAddress), which has its own budget: four of its eleven.
 */
export async function sendResetEmail(page: Page, lang: Lang, email: string): Promise<void> {
  const t = copy[lang];
  await page.getByLabel(t.email, { exact: true }).fill(email);
  await page.getByRole('button', { name: t.sendResetEmail, exact: true }).click();
  await expect(
    page.getByRole('heading', { level: 1 }),
    'the answer to Send Reset Email (a 429 here: see the budget above)',
  ).toHaveText(t.checkEmailTitle);
  await expect(page.getByText(t.checkSpam, { exact: true })).toBeVisible();
}

/** Steps 1 and 2 from the start: the log-in page in that language, Forgot password?, the address, Send Reset Email. */
export async function askForResetEmail(page: Page, lang: Lang, email: string): Promise<void> {
  await openLogIn(page, lang);
  await clickForgotPassword(page, lang);
  await sendResetEmail(page, lang, email);
}

/**
 * In the development mailbox (whose language is the page's), opens the newest message called `subject`
 * addressed to `address`. A worker sends the email a moment after the request, so the list is loaded again
 * until it shows.
 */
export async function openNewestEmail(page: Page, lang: Lang, address: string, subject: string): Promise<void> {
  const newest = page
    .getByRole('list')
    .getByRole('link')
    .filter({ hasText: copy[lang].mailboxTo(address) })
    // Not merely the newest to the address: a sign-in from a new browser may have been announced since.
    .filter({ hasText: subject })
    .first();
  await expect(async () => {
    await page.goto('/dev/mailbox');
    await expect(newest).toContainText(subject, { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await loadsNewPage(page, () => newest.click());
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(subject);
}

/** The HTML part of the message open in the mailbox: the email as a mail client shows it, in a sandboxed frame. */
export function emailBody(page: Page, lang: Lang, subject: string): FrameLocator {
  return page.frameLocator(`iframe[title="${copy[lang].mailboxHtmlPart} — ${subject}"]`);
}

/**
 * Step 3: "click Reset Password" in the reset email open in the mailbox (the user's language is the page's
 * in every test): the link opens in the top window, as from a mail client. What it opens depends on the
 * link; the caller checks.
 */
export async function clickResetPassword(page: Page, lang: Lang): Promise<void> {
  const t = copy[lang];
  const button = emailBody(page, lang, t.resetEmailSubject).getByRole('link', { name: t.resetPassword, exact: true });
  await loadsNewPage(page, () => button.click());
}

/** Steps 3 and 4's page: Set a new password for the account, opened from the email, the token out of the address. */
export function setPasswordForm(page: Page, lang: Lang) {
  const t = copy[lang];
  return {
    heading: page.getByRole('heading', { level: 1 }),
    next: page.getByLabel(t.newPassword, { exact: true }),
    confirm: page.getByLabel(t.confirmPassword, { exact: true }),
    submit: page.getByRole('button', { name: t.setPassword, exact: true }),
    ...ruleNote(page, lang),
  };
}

export async function expectSetPasswordPage(
  page: Page,
  lang: Lang,
  email: string,
): Promise<ReturnType<typeof setPasswordForm>> {
  const t = copy[lang];
  const form = setPasswordForm(page, lang);
  await expect(form.heading).toHaveText(t.setPasswordTitle);
  // The link's token moved into a cookie: the address bar, the history and any Referer hold none of it.
  await expect(page).toHaveURL((url) => url.pathname === '/reset-password' && url.search === '' && url.hash === '');
  await expect(page.getByText(t.setPasswordIntro(email), { exact: true })).toBeVisible();
  return form;
}

/** Step 4: "enter and confirm your new password, and click Set Password"; a refusal looks like the page it replaces. */
export async function submitSetPassword(page: Page, lang: Lang, next: string, confirm: string = next): Promise<void> {
  const form = setPasswordForm(page, lang);
  await form.next.fill(next);
  await form.confirm.fill(confirm);
  await loadsNewPage(page, () => form.submit.click());
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
