// Passkeys as a user meets them, in English and in French, with Chromium's virtual authenticator as the
// user's fingerprint (support/passkeys.ts, which also starts the service at http://localhost: WebAuthn
// refuses an IP address). Settings → Security → Add a passkey, named; the first factor comes with the ten
// recovery codes; the card lists it (its name, on one device) and renames it; the password then leads to
// the second step, which the passkey answers; "Sign in with a passkey" signs in on its own; "Confirm it's
// you" asks the passkey; once removed, the password alone signs in again and the passkey left on the device
// opens nothing. Every page with a passkey is scanned by axe-core at desktop and phone widths (support/axe.ts).
import type { Locator, Page } from '@playwright/test';
import { inspect } from './support/axe.ts';
import { copy, type Lang, langs } from './support/copy.ts';
import { expect, test } from './support/passkeys.ts';
import { gearIcon, openLogIn, selectSettings, signIn, signOut, submitLogIn } from './support/steps.ts';
import { twoStepCopy } from './support/two-step-copy.ts';

/** Our words about passkeys, in each language (src/i18n, passkeys.*). */
const passkeyCopy = {
  en: {
    title: 'Passkeys',
    none: 'No passkey yet.',
    add: 'Add a passkey',
    addIntro: 'Your browser will ask you to create a passkey with your fingerprint, face, screen lock or security key.',
    name: 'Name',
    nameHint: 'So you can tell your passkeys apart, such as “Work laptop”.',
    create: 'Create passkey',
    needsScript: 'Passkeys need JavaScript, and a browser that supports them.',
    cancelled: 'No passkey was used. Try again when you are ready.',
    added: 'Your passkey has been added.',
    renamed: 'That passkey has been renamed.',
    removed:
      'That passkey has been removed. It was your last second factor: two-step verification is now off, and your recovery codes no longer work.',
    neverUsed: 'Never used',
    lastUsed: 'Last used',
    deviceBound: 'On one device',
    rename: 'Rename',
    renameLabel: (name: string) => `New name for ${name}`,
    save: 'Save',
    remove: 'Remove',
    removeLabel: (name: string) => `Remove the passkey ${name}`,
    or: 'or',
    signInWithPasskey: 'Sign in with a passkey',
    signInFailed: 'That passkey could not sign you in. Try again, or sign in with your password.',
    usePasskey: 'Use a passkey',
    secondStepIntro: 'Use your passkey to finish signing in.',
    stepUpTitle: 'Confirm it’s you',
    stepUpIntro: 'For your security, use your passkey to continue.',
    stepUpSubmit: 'Continue',
    firstName: 'Work laptop',
    newName: 'Home laptop',
  },
  fr: {
    title: 'Clés d’accès',
    none: 'Aucune clé d’accès pour l’instant.',
    add: 'Ajouter une clé d’accès',
    addIntro:
      'Votre navigateur vous demandera de créer une clé d’accès avec votre empreinte, votre visage, le verrouillage de votre écran ou une clé de sécurité.',
    name: 'Nom',
    nameHint: 'Pour distinguer vos clés d’accès, par exemple «\u00a0Ordinateur du bureau\u00a0».',
    create: 'Créer la clé d’accès',
    needsScript: 'Les clés d’accès demandent JavaScript et un navigateur qui les prend en charge.',
    cancelled: 'Aucune clé d’accès n’a été utilisée. Réessayez quand vous serez prêt.',
    added: 'Votre clé d’accès a été ajoutée.',
    renamed: 'Cette clé d’accès a été renommée.',
    removed:
      'Cette clé d’accès a été supprimée. C’était votre dernier second facteur : la vérification en deux étapes est désactivée, et vos codes de secours ne fonctionnent plus.',
    neverUsed: 'Jamais utilisée',
    lastUsed: 'Dernière utilisation',
    deviceBound: 'Sur un seul appareil',
    rename: 'Renommer',
    renameLabel: (name: string) => `Nouveau nom pour ${name}`,
    save: 'Enregistrer',
    remove: 'Supprimer',
    removeLabel: (name: string) => `Supprimer la clé d’accès ${name}`,
    or: 'ou',
    signInWithPasskey: 'Se connecter avec une clé d’accès',
    signInFailed: 'Cette clé d’accès n’a pas pu vous connecter. Réessayez, ou connectez-vous avec votre mot de passe.',
    usePasskey: 'Utiliser une clé d’accès',
    secondStepIntro: 'Utilisez votre clé d’accès pour terminer la connexion.',
    stepUpTitle: 'Confirmez votre identité',
    stepUpIntro: 'Pour votre sécurité, utilisez votre clé d’accès pour continuer.',
    stepUpSubmit: 'Continuer',
    firstName: 'Ordinateur du bureau',
    newName: 'Ordinateur de la maison',
  },
} as const satisfies Record<Lang, unknown>;

/** Settings → Security, from anywhere signed in. */
async function openSecurity(page: Page, lang: Lang): Promise<void> {
  const t = copy[lang];
  await selectSettings(page, lang);
  await page.getByRole('navigation').getByRole('link', { name: t.security, exact: true }).click();
  await expect(page.getByRole('heading', { level: 2 })).toHaveText(t.security);
}

/** Settings → Security's card of two-step verification, on or off; and its block of passkeys. */
async function passkeysBlock(page: Page, lang: Lang, state: 'on' | 'off'): Promise<Locator> {
  const s = twoStepCopy[lang];
  const card = page.getByRole('region', { name: s.title });
  await expect(card.getByRole('heading', { level: 3 })).toHaveText(`${s.title} ${state === 'on' ? s.on : s.off}`);
  const block = card
    .locator('.factor')
    .filter({ has: page.getByRole('heading', { level: 4, name: passkeyCopy[lang].title, exact: true }) });
  await expect(block).toHaveCount(1);
  return block;
}

/** The passkey called `name` in the card's list. */
function listed(block: Locator, name: string): Locator {
  return block.getByRole('listitem').filter({ has: block.page().getByText(name, { exact: true }) });
}

/** Signed in: the gear icon, on My Profile. */
async function expectSignedIn(page: Page, lang: Lang): Promise<void> {
  await expect(gearIcon(page, lang)).toBeVisible();
  await expect(page).toHaveURL((url) => url.pathname === '/settings/profile');
  await expect(page.getByRole('heading', { level: 2 })).toHaveText(copy[lang].myProfile);
}

/** The log-in page's "or" line and "Sign in with a passkey", shown by the script where WebAuthn is. */
function passkeySignIn(page: Page, lang: Lang): Locator {
  return page.getByRole('button', { name: passkeyCopy[lang].signInWithPasskey, exact: true });
}

for (const lang of langs) {
  const t = copy[lang];
  const s = twoStepCopy[lang];
  const p = passkeyCopy[lang];
  const locale = lang === 'fr' ? 'fr-FR' : 'en-US';

  test.describe(`Passkeys [${lang}]`, () => {
    test.use({ locale });

    test('Settings → Security: add a passkey and rename it; it answers the second step, signs in on its own and confirms it’s you; once removed, the password alone signs in', async ({
      page,
      addUser,
      authenticator,
    }) => {
      test.setTimeout(150_000);
      const user = await addUser(lang);

      // The log-in page offers the passkey below the password, past an "or" line.
      await openLogIn(page, lang);
      await expect(passkeySignIn(page, lang)).toBeVisible();
      await expect(page.locator('.divider')).toHaveText(p.or);
      await inspect(page, lang, 'passkeys-login');
      await submitLogIn(page, lang, user.email, user.password);
      await expect(gearIcon(page, lang)).toBeVisible();

      // Settings → Security → Add a passkey: a fresh sign-in is a recent proof, else the password is asked.
      await openSecurity(page, lang);
      const before = await passkeysBlock(page, lang, 'off');
      await expect(before.getByText(p.none, { exact: true })).toBeVisible();
      await before.getByRole('link', { name: p.add, exact: true }).click();
      if (new URL(page.url()).pathname === '/settings/security/confirm') {
        await page.getByLabel(t.password, { exact: true }).fill(user.password);
        await page.getByRole('button', { name: p.stepUpSubmit, exact: true }).click();
      }
      await expect(page).toHaveURL((url) => url.pathname === '/settings/security/passkeys/add');
      await expect(page.getByRole('heading', { level: 3 })).toHaveText(p.add);
      await expect(page.getByText(p.addIntro, { exact: true })).toBeVisible();
      await expect(page.getByText(p.needsScript, { exact: true })).toBeHidden();
      const name = page.getByLabel(p.name, { exact: true });
      await expect(page.getByText(p.nameHint, { exact: true })).toBeVisible();
      await inspect(page, lang, 'passkeys-add');

      // A fingerprint not recognised (or the browser's prompt cancelled): the page stays, and says so.
      await name.fill(p.firstName);
      await authenticator.userVerifies(false);
      await page.getByRole('button', { name: p.create, exact: true }).click();
      await expect(page.getByRole('alert')).toHaveText(p.cancelled);
      await expect(name).toHaveValue(p.firstName);
      expect(await authenticator.credentials()).toHaveLength(0);
      await inspect(page, lang, 'passkeys-add-cancelled');

      // The virtual authenticator makes the passkey; the first factor of the account comes with the codes.
      await authenticator.userVerifies(true);
      await page.getByRole('button', { name: p.create, exact: true }).click();
      await expect(page.getByRole('status').filter({ hasText: p.added })).toBeVisible();
      await expect(page.getByRole('heading', { level: 3 })).toHaveText(s.codesTitle);
      const codes = page.getByRole('list', { name: s.codesListLabel, exact: true });
      await expect(codes.getByRole('listitem')).toHaveCount(10);
      const held = await authenticator.credentials();
      expect(held).toHaveLength(1);
      expect(held[0]?.isResidentCredential).toBe(true);

      // The card: two-step verification on, the passkey listed by its name, on one device, never used yet.
      await page.getByRole('link', { name: s.savedCodes, exact: true }).click();
      await expect(page.getByRole('heading', { level: 2 })).toHaveText(t.security);
      let block = await passkeysBlock(page, lang, 'on');
      let item = listed(block, p.firstName);
      await expect(item).toHaveCount(1);
      await expect(item.getByText(p.deviceBound, { exact: true })).toBeVisible();
      await expect(item).toContainText(p.neverUsed);
      await expect(block.getByText(p.none, { exact: true })).toHaveCount(0);
      await inspect(page, lang, 'passkeys-security');

      // Rename, a disclosure in the list: the new name replaces the old.
      await item.getByText(p.rename, { exact: true }).click();
      const newName = item.getByLabel(p.renameLabel(p.firstName), { exact: true });
      await expect(newName).toHaveValue(p.firstName);
      await inspect(page, lang, 'passkeys-rename');
      await newName.fill(p.newName);
      await item.getByRole('button', { name: p.save, exact: true }).click();
      await expect(page.getByRole('status')).toHaveText(p.renamed);
      block = await passkeysBlock(page, lang, 'on');
      await expect(listed(block, p.firstName)).toHaveCount(0);
      item = listed(block, p.newName);
      await expect(item).toHaveCount(1);

      // Signed out and in with the password: the second step asks for the passkey, which answers.
      await signOut(page, lang);
      await submitLogIn(page, lang, user.email, user.password);
      await expect(page).toHaveURL((url) => url.pathname === '/login/verify');
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(s.title);
      await expect(page.getByText(p.secondStepIntro, { exact: true })).toBeVisible();
      await expect(page.getByText(s.signingInAs(user.email), { exact: true })).toBeVisible();
      await expect(page.getByRole('link', { name: s.useRecovery, exact: true })).toBeVisible();
      await inspect(page, lang, 'passkeys-second-step');
      await page.getByRole('button', { name: p.usePasskey, exact: true }).click();
      await expectSignedIn(page, lang);

      // Signed out: "Sign in with a passkey", no email address and no password.
      await signOut(page, lang);
      await passkeySignIn(page, lang).click();
      await expectSignedIn(page, lang);

      // "Confirm it's you", as a sensitive change asks once the last proof is ten minutes old: the passkey.
      await page.goto('/settings/security/confirm?next=%2Fsettings%2Fsecurity');
      await expect(page.getByRole('heading', { level: 3 })).toHaveText(p.stepUpTitle);
      await expect(page.getByText(p.stepUpIntro, { exact: true })).toBeVisible();
      await expect(page.getByLabel(t.password, { exact: true })).toHaveCount(0);
      await inspect(page, lang, 'passkeys-step-up');
      await page.getByRole('button', { name: p.usePasskey, exact: true }).click();
      await expect(page).toHaveURL((url) => url.pathname === '/settings/security');
      block = await passkeysBlock(page, lang, 'on');
      item = listed(block, p.newName);
      await expect(item).toContainText(p.lastUsed);

      // Remove: the last factor gone, two-step verification is off.
      await item.getByRole('button', { name: p.removeLabel(p.newName), exact: true }).click();
      await expect(page.getByRole('status')).toHaveText(p.removed);
      block = await passkeysBlock(page, lang, 'off');
      await expect(block.getByText(p.none, { exact: true })).toBeVisible();

      // The passkey still on the device opens nothing; the password alone signs in.
      await signOut(page, lang);
      await passkeySignIn(page, lang).click();
      await expect(page.getByRole('alert')).toHaveText(p.signInFailed);
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(t.logInTitle);
      await signIn(page, lang, user.email, user.password);
      await expectSignedIn(page, lang);
    });
  });
}
