// Settings → Security as someone far from the server reads it: the moments of their sessions and of their
// account's activity in their own time zone and their language; without JavaScript, in UTC and saying so.
import { copy, langs } from './support/copy.ts';
import { expect, test } from './support/fixtures.ts';
import { signIn } from './support/steps.ts';

// Auckland in December is thirteen hours ahead of UTC: no moment reads the same there and in UTC.
const timezoneId = 'Pacific/Auckland';

for (const lang of langs) {
  const t = copy[lang];

  test.describe(`Settings → Security, far from the server [${lang}]`, () => {
    test.use({ timezoneId, locale: lang === 'fr' ? 'fr-FR' : 'en-US' });

    test('shows every moment in the viewer’s time zone, in the page’s language', async ({ page, addUser }) => {
      const user = await addUser(lang);
      await signIn(page, lang, user.email, user.password);
      await page.goto('/settings/security');
      await expect(page.getByRole('heading', { level: 2 })).toHaveText(t.security);
      const moments = page.locator('time[data-moment]');
      // The session's sign-in and last activity, and the sign-in in the activity table.
      await expect(moments).toHaveCount(4);
      for (const moment of await moments.all()) {
        const at = Date.parse((await moment.getAttribute('datetime'))!);
        const local = new Intl.DateTimeFormat(lang, {
          timeZone: timezoneId,
          day: 'numeric',
          hour: 'numeric',
          minute: '2-digit',
        });
        const parts = Object.fromEntries(local.formatToParts(at).map((part) => [part.type, part.value]));
        const text = (await moment.textContent())!;
        expect(text, text).not.toMatch(/UTC$/);
        expect(text, text).toMatch(/[+]13/);
        expect(text, text).toContain(`${parts.hour}`);
        expect(text, text).toContain(`:${parts.minute}`);
      }
    });
  });

  test.describe(`Settings → Security without JavaScript [${lang}]`, () => {
    test.use({ timezoneId, javaScriptEnabled: false, locale: lang === 'fr' ? 'fr-FR' : 'en-US' });

    test('shows every moment in UTC, and says so', async ({ page, addUser }) => {
      const user = await addUser(lang);
      await signIn(page, lang, user.email, user.password);
      await page.goto('/settings/security');
      const moments = page.locator('time[data-moment]');
      await expect(moments).toHaveCount(4);
      for (const moment of await moments.all()) {
        const at = Date.parse((await moment.getAttribute('datetime'))!);
        const utc = new Intl.DateTimeFormat(lang, { timeZone: 'UTC', hour: 'numeric', minute: '2-digit' });
        const parts = Object.fromEntries(utc.formatToParts(at).map((part) => [part.type, part.value]));
        const text = (await moment.textContent())!;
        expect(text, text).toMatch(/ UTC$/);
        expect(text, text).toContain(`${parts.hour}:${parts.minute}`);
      }
    });
  });
}
