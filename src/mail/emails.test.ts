// The emails, as their two parts read: every sentence of the HTML part is in the plain-text part too, and the
// plain text never points at a button it does not have.
import { describe, expect, it } from 'vitest';
import { visibleText } from '../../test/support/browser.ts';
import { locales } from '../core/locale.ts';
import type { RenderedEmail } from './layout.tsx';
import { newDeviceEmail } from './new-device-email.tsx';
import { passwordChangedEmail } from './password-changed-email.tsx';
import { inviteEmail, resetEmail } from './reset-email.tsx';

const common = { brand: 'Sales Connect', name: 'Ada Lovelace', email: 'ada@example.com' };
const link = 'https://accounts.example.com/reset-password?token=abc';
const emails = (locale: (typeof locales)[number]): Array<[string, RenderedEmail, string]> => [
  [
    'reset',
    resetEmail({ ...common, locale, link, ttlMs: 3_600_000 }),
    locale === 'en' ? 'Reset Password' : 'Réinitialiser le mot de passe',
  ],
  [
    'invitation',
    inviteEmail({ ...common, locale, link, ttlMs: 7 * 86_400_000 }),
    locale === 'en' ? 'Choose my password' : 'Choisir mon mot de passe',
  ],
  [
    'password changed',
    passwordChangedEmail({
      ...common,
      locale,
      changedAt: Date.UTC(2026, 11, 1, 22, 14),
      notYouUrl: 'https://accounts.example.com/this-wasnt-me?token=x',
    }),
    locale === 'en' ? 'This wasn’t me' : 'Ce n’était pas moi',
  ],
  [
    'new sign-in',
    newDeviceEmail({
      ...common,
      locale,
      signedInAt: Date.UTC(2026, 11, 1, 22, 14),
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0 Safari/537.36',
      notYouUrl: 'https://accounts.example.com/this-wasnt-me?token=x',
    }),
    locale === 'en' ? 'This wasn’t me' : 'Ce n’était pas moi',
  ],
];

describe('the emails', () => {
  for (const locale of locales) {
    it(`say the same in text and in HTML, and the text has no button to click (${locale})`, () => {
      for (const [what, email, button] of emails(locale)) {
        const html = visibleText(email.html);
        // Every paragraph of the text part, the footer included, reads in the HTML part.
        for (const paragraph of email.text
          .trim()
          .split('\n\n')
          .filter((line) => line !== '--')) {
          const sentence = paragraph.startsWith(`${button}`) ? button : paragraph;
          expect(html, `${what}: ${sentence}`).toContain(sentence);
        }
        // The button is a button in HTML and its label and link in text.
        expect(email.html, what).toMatch(
          new RegExp(`<a href="https://accounts\\.example\\.com/[^"]+"[^>]*>${button}</a>`),
        );
        expect(email.text, what).toMatch(
          new RegExp(`\\n\\n${button}\\u00a0?: https://accounts\\.example\\.com/\\S+\\n\\n`),
        );
        expect(email.text, what).not.toMatch(/button|bouton|click|cliquez/i);
      }
    });
  }

  it('write the moment of a change in UTC, and say so', () => {
    const [, changed] = emails('en')[2]!;
    expect(changed.text).toContain('was changed on Dec 1, 2026, 10:14 PM UTC.');
    const [, changé] = emails('fr')[2]!;
    expect(changé.text).toContain('a été modifié le 1 déc. 2026, 22:14 UTC.');
  });
});
