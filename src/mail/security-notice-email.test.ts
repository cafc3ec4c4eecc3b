// The emails that announce a change to how an account signs in (SECURITY 87, 89), as the owner reads them:
// both parts, both languages, what happened and when, and no link but the one to Settings → Security.
import { describe, expect, it } from 'vitest';
import { visibleText } from '../../test/support/browser.ts';
import { locales } from '../core/locale.ts';
import { en } from '../i18n/en.ts';
import type { SecurityNotice } from '../store/outbox.ts';
import { securityNoticeEmail } from './security-notice-email.tsx';

// Every kind of notice the catalogue writes, so that a kind added later is checked here too.
const kinds = Object.keys(en).flatMap((key) => /^email\.notice\.(.+)\.subject$/.exec(key)?.[1] ?? []) as Array<
  SecurityNotice['notice']
>;

const securityUrl = 'https://accounts.example.com/settings/security';
const at = Date.UTC(2026, 11, 1, 22, 14);
const noticeEmail = (locale: (typeof locales)[number], notice: SecurityNotice) =>
  securityNoticeEmail({
    locale,
    brand: 'Sales Connect',
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    notice,
    securityUrl,
  });

/** The subjects of the notices of two-step verification's first part, word for word. */
const subjects: Record<'en' | 'fr', Partial<Record<SecurityNotice['notice'], string>>> = {
  en: {
    'two-step-enabled': 'Two-step verification is on for your Sales Connect account',
    'two-step-disabled': 'Two-step verification is off for your Sales Connect account',
    'two-step-reset': 'Your Sales Connect two-step verification was reset',
    'recovery-code-used': 'A recovery code of your Sales Connect account was used',
    'recovery-codes-renewed': 'New Sales Connect recovery codes',
  },
  fr: {
    'two-step-enabled': 'La vérification en deux étapes est activée sur votre compte Sales Connect',
    'two-step-disabled': 'La vérification en deux étapes est désactivée sur votre compte Sales Connect',
    'two-step-reset': 'Votre vérification en deux étapes Sales Connect a été réinitialisée',
    'recovery-code-used': 'Un code de secours de votre compte Sales Connect a été utilisé',
    'recovery-codes-renewed': 'Nouveaux codes de secours Sales Connect',
  },
};

describe('the security notices', () => {
  it('cover every kind of notice, the five of the authenticator app and the recovery codes among them', () => {
    expect(kinds).toEqual(expect.arrayContaining(Object.keys(subjects.en)));
  });

  for (const locale of locales) {
    for (const kind of kinds) {
      it(`${kind} (${locale}): a subject, a text part and an HTML part that say the same, with the moment`, () => {
        const email = noticeEmail(locale, { notice: kind, at, left: 4, passkey: 'YubiKey' });
        expect(email.subject).toBe(subjects[locale][kind] ?? email.subject);
        expect(email.subject).toContain('Sales Connect');
        expect(email.text).not.toMatch(/\{\w+\}/);
        expect(email.text).toContain('Ada Lovelace');
        expect(email.text).toContain(locale === 'en' ? 'Dec 1, 2026, 10:14 PM UTC' : '1 déc. 2026, 22:14 UTC');
        const html = visibleText(email.html);
        for (const paragraph of email.text
          .trim()
          .split('\n\n')
          .filter((line) => line !== '--' && !line.includes(securityUrl))) {
          expect(html, paragraph).toContain(paragraph);
        }
        expect(email.html).toContain(`<html lang="${locale}"`);
      });

      it(`${kind} (${locale}): no link but the one to Settings → Security`, () => {
        const email = noticeEmail(locale, { notice: kind, at, left: 4, passkey: 'YubiKey' });
        const hrefs = [...email.html.matchAll(/href="([^"]*)"/g)].map((match) => match[1]);
        expect(hrefs.length).toBeGreaterThan(0);
        expect(new Set(hrefs)).toEqual(new Set([securityUrl]));
        const textLinks = email.text.match(/[a-z][a-z0-9+.-]*:\/\/\S+/gi) ?? [];
        expect(textLinks).toEqual([securityUrl]);
        expect(`${email.text}${email.html}`).not.toMatch(/token=|reset-password|sign-?in\?/i);
      });
    }
  }

  it('tell how many recovery codes are left after one was used, and only then', () => {
    expect(noticeEmail('en', { notice: 'recovery-code-used', at, left: 7 }).text).toContain(
      'You have 7 recovery codes left.',
    );
    expect(noticeEmail('fr', { notice: 'recovery-code-used', at, left: 7 }).text).toContain(
      'Il vous reste 7 codes de secours.',
    );
    expect(noticeEmail('en', { notice: 'recovery-codes-renewed', at, left: 7 }).text).not.toContain('7');
  });

  it('say "one recovery code" in the singular, and urge new ones when none is left', () => {
    expect(noticeEmail('en', { notice: 'recovery-code-used', at, left: 1 }).text).toContain(
      'You have one recovery code left.',
    );
    expect(noticeEmail('fr', { notice: 'recovery-code-used', at, left: 1 }).text).toContain(
      'Il vous reste un seul code de secours.',
    );
    expect(noticeEmail('en', { notice: 'recovery-code-used', at, left: 0 }).text).toContain(
      'You have no recovery codes left. Get new ones under Settings → Security before you need one.',
    );
    expect(noticeEmail('fr', { notice: 'recovery-code-used', at, left: 0 }).text).toContain(
      'Il ne vous reste aucun code de secours.',
    );
  });
});
