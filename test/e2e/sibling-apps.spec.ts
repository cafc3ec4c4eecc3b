// Apps beside the service, on another origin of the same site (ALLOWED_APP_ORIGINS): what such an app's page
// can do with the user's session here, and what a page of an origin not on that list cannot. In English and in
// French (the account's language, and the browser's):
//   1. The allowed app's page reads who is signed in from /api/session (CORS with credentials); a page of
//      another origin of the same site sends the same cookie and is refused the answer; signed out, the
//      allowed app reads "signed out".
//   2. The app's "Sign out" link (/logout?return_to=…) asks first: "Stay signed in" keeps the session, "Sign
//      out" ends it and comes back to the app, which then reads "signed out".
//   3. The app's "Account settings" link (/settings?return_to=…) adds "Back to the app" to every Settings
//      page, which leads back to it; from an origin not on the list it adds nothing.
//   4. /login?return_to=<the app's page> lands there once signed in; a return_to elsewhere lands on Settings.
//   5. The new pages of ours (the confirmation, Settings with the link) have no axe-core violation
//      (screenshots in test-results/screenshots/).
// The apps are two tiny node:http servers started here, on two ports of 127.0.0.1 (the service's host): one
// of the same SITE is what SameSite=Lax lets the session cookie reach, one of another ORIGIN is what CORS
// keeps apart. Pages: src/web/pages/session-api.ts, sign-out.ts, login.ts; src/web/back-to-app.ts.
import { createServer, type Server } from 'node:http';
import type { Page } from '@playwright/test';
import { freePort } from './support/apps.ts';
import { inspect } from './support/axe.ts';
import { copy, type Lang, langs } from './support/copy.ts';
import { appOrigin, appPort, baseURL } from './support/environment.ts';
import { expect, passwords, test } from './support/fixtures.ts';
import { expectExactText, loadsNewPage, signIn, signOut, submitLogIn } from './support/steps.ts';

/** Our words on the pages an app leads to, in each language (src/i18n). */
const ours = {
  en: {
    confirmTitle: 'Sign out of Sales Connect?',
    confirmSignedInAs: (email: string) => `You are signed in as ${email}.`,
    confirmSignOut: 'Sign out',
    staySignedIn: 'Stay signed in',
    backToApp: 'Back to the app',
  },
  fr: {
    confirmTitle: 'Vous déconnecter de Sales Connect\u00a0?',
    confirmSignedInAs: (email: string) => `Vous êtes connecté en tant que ${email}.`,
    confirmSignOut: 'Se déconnecter',
    staySignedIn: 'Rester connecté',
    backToApp: 'Retour à l’application',
  },
} as const satisfies Record<Lang, unknown>;

/** The sibling apps' own words (not ours: an app of the company, in English whatever the language). */
const app = {
  signedIn: (email: string) => `Signed in as ${email}`,
  signedOut: 'Signed out',
  refused: 'Refused',
  signOutLink: 'Sign out',
  settingsLink: 'Account settings',
} as const;

interface SiblingApp {
  origin: string;
  /** A page of the app that is not its root, so landing "back on the app" means on that very page. */
  page: string;
  close(): Promise<void>;
}

/**
 * An app's page: a heading, what its own script read from /api/session, and the two links an app gives its
 * users to our pages. The script is a file of the app's own origin, as a real app's would be.
 */
function appPage(origin: string, page: string): string {
  const back = encodeURIComponent(page);
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sibling app ${origin}</title><script src="/app.js" defer></script></head>
<body>
<main>
<h1>Sibling app</h1>
<output id="session">Reading the session…</output>
<nav>
<a href="${baseURL}/logout?return_to=${back}">${app.signOutLink}</a>
<a href="${baseURL}/settings?return_to=${back}">${app.settingsLink}</a>
</nav>
</main>
</body>
</html>`;
}

/** The app's script: the browser's fetch with the cookies of the service, as the allow-list is meant for. */
const appScript = `
const output = document.getElementById('session');
fetch(${JSON.stringify(`${baseURL}/api/session`)}, { credentials: 'include' })
  .then((answer) => answer.json())
  .then((body) => {
    output.textContent = body.signedIn ? ${JSON.stringify(app.signedIn(''))} + body.user.email : ${JSON.stringify(app.signedOut)};
  })
  .catch(() => {
    // A CORS refusal reaches the page as a TypeError, with no status and no body.
    output.textContent = ${JSON.stringify(app.refused)};
  });
`;

async function startSiblingApp(port: number): Promise<SiblingApp> {
  const origin = `http://127.0.0.1:${port}`;
  const page = `${origin}/pipeline?view=week`;
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', origin).pathname;
    if (path === '/app.js') {
      response.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' }).end(appScript);
    } else if (path === '/pipeline') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      response.end(appPage(origin, page));
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => done());
  });
  return {
    origin,
    page,
    close: () =>
      new Promise<void>((closed) => {
        server.close(() => closed());
        server.closeAllConnections();
      }),
  };
}

// The allowed app listens on the one port the service was started with: the tests of this file share it, so
// they run one after the other in one worker (a second worker could not listen on it too).
test.describe.configure({ mode: 'default' });

let allowed: SiblingApp;
let foreign: SiblingApp;

test.beforeAll(async () => {
  allowed = await startSiblingApp(Number(appPort));
  foreign = await startSiblingApp(await freePort());
  expect(allowed.origin).toBe(appOrigin);
});

test.afterAll(async () => {
  await Promise.all([allowed?.close(), foreign?.close()]);
});

/** What the app's page read from /api/session, once its script has run. */
function sessionOutput(page: Page) {
  return page.getByRole('status');
}

async function openApp(page: Page, sibling: SiblingApp): Promise<void> {
  await page.goto(sibling.page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sibling app');
}

function onApp(page: Page, sibling: SiblingApp) {
  return expect(page).toHaveURL(sibling.page);
}

for (const lang of langs) {
  const t = copy[lang];
  const o = ours[lang];
  const otherLang: Lang = lang === 'en' ? 'fr' : 'en';
  const locale = lang === 'fr' ? 'fr-FR' : 'en-US';

  test.describe(`Apps beside the service [${lang}]`, () => {
    test.use({ locale });

    test('the allowed app’s page reads the signed-in user’s email from /api/session; a page of an origin not on the list sends the same cookie and is refused the answer; signed out, the allowed app reads signed out', async ({
      page,
      addUser,
    }) => {
      const user = await addUser(lang);
      await signIn(page, lang, user.email, user.password);

      const read = page.waitForResponse(`${baseURL}/api/session`);
      await openApp(page, allowed);
      await expect(sessionOutput(page)).toHaveText(app.signedIn(user.email));
      // Its origin exactly, never "*" (which browsers refuse with credentials anyway).
      expect((await read).headers()).toMatchObject({
        'access-control-allow-origin': allowed.origin,
        'access-control-allow-credentials': 'true',
      });

      // The other origin: its page gets an error and not a byte…
      const failed = page.waitForEvent('requestfailed', (request) => request.url() === `${baseURL}/api/session`);
      await openApp(page, foreign);
      expect((await failed).failure()?.errorText).toBe('net::ERR_FAILED');
      await expect(sessionOutput(page)).toHaveText(app.refused);
      // …although the session cookie goes with its request: a SameSite=Lax cookie of 127.0.0.1, whatever the
      // port, and the service knows whose it is. What keeps the answer from the page is the missing
      // Access-Control-Allow-Origin (the browser's own request log hides cookies of a refused request, so the
      // same request is sent here with this browser's cookies).
      const cookie = (await page.context().cookies(baseURL)).find((each) => each.name === 'session');
      expect(cookie).toMatchObject({ domain: '127.0.0.1', sameSite: 'Lax', httpOnly: true });
      const answer = await page.request.get('/api/session', { headers: { origin: foreign.origin } });
      expect(answer.status()).toBe(200);
      expect((await answer.json()).user.email).toBe(user.email);
      expect(answer.headers()['access-control-allow-origin']).toBeUndefined();
      expect(answer.headers().vary).toMatch(/\bOrigin\b/i);

      // Signed out with the gear menu here: the allowed app now reads signedIn: false (a 401 it may read).
      await page.goto('/settings');
      await signOut(page, lang);
      await openApp(page, allowed);
      await expect(sessionOutput(page)).toHaveText(app.signedOut);
    });

    test(`the app’s Sign out link asks first, in the page’s language and after switching to ${otherLang.toUpperCase()}; Stay signed in keeps the session, Sign out ends it and comes back to the app, signed out`, async ({
      page,
      addUser,
    }) => {
      const user = await addUser(lang);
      await signIn(page, lang, user.email, user.password);
      await openApp(page, allowed);
      await expect(sessionOutput(page)).toHaveText(app.signedIn(user.email));

      await page.getByRole('link', { name: app.signOutLink, exact: true }).click();
      await expect(page).toHaveURL((url) => url.origin === baseURL && url.pathname === '/logout');
      await expectConfirmation(page, lang, user.email);
      await inspect(page, lang, 'sign-out-confirmation');

      // The EN | FR switch keeps the way back: the confirmation again, in the other language.
      await loadsNewPage(page, () =>
        page.getByRole('button', { name: copy[otherLang].languageButton, exact: true }).click(),
      );
      await expectConfirmation(page, otherLang, user.email);
      await inspect(page, otherLang, 'sign-out-confirmation');

      // Stay signed in: back on the app's page, still signed in.
      await page.getByRole('link', { name: ours[otherLang].staySignedIn, exact: true }).click();
      await onApp(page, allowed);
      await expect(sessionOutput(page)).toHaveText(app.signedIn(user.email));

      // Sign out: back on the app's page, signed out; our Settings asks for sign-in.
      await page.getByRole('link', { name: app.signOutLink, exact: true }).click();
      await expectConfirmation(page, otherLang, user.email);
      await page.getByRole('button', { name: ours[otherLang].confirmSignOut, exact: true }).click();
      await onApp(page, allowed);
      await expect(sessionOutput(page)).toHaveText(app.signedOut);
      await page.goto('/settings');
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(copy[otherLang].logInTitle);
    });

    test('the app’s Account settings link adds Back to the app to My Profile and to Security, which leads back to the app’s page', async ({
      page,
      addUser,
    }) => {
      const user = await addUser(lang);
      await signIn(page, lang, user.email, user.password);
      await openApp(page, allowed);
      await page.getByRole('link', { name: app.settingsLink, exact: true }).click();

      // The address the app opened loses its return_to (kept for this browser session instead).
      await expect(page).toHaveURL(`${baseURL}/settings/profile`);
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(t.settings);
      await expect(page.getByRole('heading', { level: 2 })).toHaveText(t.myProfile);
      const back = page.getByRole('link', { name: o.backToApp, exact: true });
      await expect(back).toHaveAttribute('href', allowed.page);
      await inspect(page, lang, 'settings-back-to-app');

      await page.getByRole('link', { name: t.security, exact: true }).click();
      await expect(page.getByRole('heading', { level: 2 })).toHaveText(t.security);
      await expect(back).toHaveAttribute('href', allowed.page);

      await back.click();
      await onApp(page, allowed);
      await expect(sessionOutput(page)).toHaveText(app.signedIn(user.email));
    });

    test('Settings opened by an origin not on the list shows no way back to it', async ({ page, addUser }) => {
      const user = await addUser(lang);
      await signIn(page, lang, user.email, user.password);
      await openApp(page, foreign);
      await page.getByRole('link', { name: app.settingsLink, exact: true }).click();

      await expect(page).toHaveURL(`${baseURL}/settings/profile`);
      await expect(page.getByRole('heading', { level: 2 })).toHaveText(t.myProfile);
      await expect(page.getByRole('link', { name: o.backToApp, exact: true })).toHaveCount(0);
      await expect(page.locator(`a[href^="${foreign.origin}"]`)).toHaveCount(0);
    });

    test('the log-in page opened with return_to=<the app’s page> lands there once signed in, after a wrong password too; with a return_to elsewhere, on Settings', async ({
      page,
      addUser,
    }) => {
      const user = await addUser(lang);
      await openLogInFor(page, lang, allowed.page);
      // A mistake first: the page that says so keeps the way back.
      await submitLogIn(page, lang, user.email, passwords.next);
      await expect(page.getByRole('alert')).toContainText(t.invalidCredentials);
      await submitLogIn(page, lang, user.email, user.password);
      await onApp(page, allowed);
      await expect(sessionOutput(page)).toHaveText(app.signedIn(user.email));

      // Another browser: a session already open would skip the log-in page.
      await page.context().clearCookies();
      await openLogInFor(page, lang, foreign.page);
      await submitLogIn(page, lang, user.email, user.password);
      await expect(page).toHaveURL((url) => url.origin === baseURL && url.pathname.startsWith('/settings'));
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(t.settings);
      await expect(page.getByRole('heading', { level: 2 })).toHaveText(t.myProfile);
    });
  });
}

/** The sign-out confirmation, in `lang`, for the signed-in `email`. */
async function expectConfirmation(page: Page, lang: Lang, email: string): Promise<void> {
  const o = ours[lang];
  await expect(page.locator('html')).toHaveAttribute('lang', lang);
  await expectExactText(page.getByRole('heading', { level: 1 }), o.confirmTitle);
  await expect(page.getByText(o.confirmSignedInAs(email), { exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: o.confirmSignOut, exact: true })).toBeVisible();
  await expect(page.getByRole('link', { name: o.staySignedIn, exact: true })).toBeVisible();
}

/** Our log-in page as an app links to it, switched to `lang` with its EN | FR switch (which keeps return_to). */
async function openLogInFor(page: Page, lang: Lang, returnTo: string): Promise<void> {
  await page.goto(`/login?return_to=${encodeURIComponent(returnTo)}`);
  await loadsNewPage(page, () => page.getByRole('button', { name: copy[lang].languageButton, exact: true }).click());
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(copy[lang].logInTitle);
}
