// The pages laid out for every width from a small phone (360 px) to a wide desktop (1440 px), in English and
// in French: nothing wider than the screen, the documentation's title and button each on one line where
// there is room for them, and the moments of the activity table each on one line.
import type { Locator, Page } from '@playwright/test';
import { copy, type Lang, langs } from './support/copy.ts';
import { expect, test } from './support/fixtures.ts';
import { clickForgotPassword, openLogIn, signIn } from './support/steps.ts';

const widths = [360, 390, 768, 1024, 1280, 1440];

/** Whether the element's text fits on one line: no taller than one line of its own line height. */
async function onOneLine(locator: Locator): Promise<boolean> {
  return locator.evaluate((element) => {
    const style = getComputedStyle(element);
    const line = Number.parseFloat(style.lineHeight) || Number.parseFloat(style.fontSize) * 1.3;
    const padding = Number.parseFloat(style.paddingTop) + Number.parseFloat(style.paddingBottom);
    return element.getBoundingClientRect().height - padding < line * 1.5;
  });
}

async function fitsTheScreen(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
}

for (const lang of langs) {
  const t = copy[lang];

  test.describe(`Layout from 360 to 1440 px [${lang}]`, () => {
    test.use({ locale: lang === 'fr' ? 'fr-FR' : 'en-US' });

    test('the log-in and Forgot password? pages: the title and Send Reset Email on one line from 768 px', async ({
      page,
    }) => {
      await openLogIn(page, lang);
      for (const width of widths) {
        await page.setViewportSize({ width, height: 800 });
        expect(await fitsTheScreen(page), `log-in at ${width}`).toBe(true);
        if (width >= 768)
          expect(await onOneLine(page.getByRole('heading', { level: 1 })), `title at ${width}`).toBe(true);
      }
      await clickForgotPassword(page, lang);
      for (const width of widths) {
        await page.setViewportSize({ width, height: 800 });
        expect(await fitsTheScreen(page), `forgot at ${width}`).toBe(true);
        if (width >= 768) {
          const button = page.getByRole('button', { name: t.sendResetEmail, exact: true });
          expect(await onOneLine(button), `button at ${width}`).toBe(true);
          expect(await onOneLine(page.getByRole('heading', { level: 1 })), `title at ${width}`).toBe(true);
        }
      }
    });

    test('Settings → My Profile and Security: nothing wider than the screen, each moment of the activity on one line', async ({
      page,
      addUser,
    }) => {
      const user = await addUser(lang as Lang);
      await signIn(page, lang, user.email, user.password);
      for (const path of ['/settings/profile', '/settings/security', '/no-such-page']) {
        await page.goto(path);
        for (const width of widths) {
          await page.setViewportSize({ width, height: 800 });
          expect(await fitsTheScreen(page), `${path} at ${width}`).toBe(true);
          if (path === '/settings/security') {
            for (const moment of await page.locator('.activity time').all()) {
              expect(await onOneLine(moment), `a moment at ${width}`).toBe(true);
            }
          }
        }
      }
    });
  });
}
