// "Your password was changed", after a change in Settings or through a reset link: when, and what to do if
// it was not you (SECURITY 50: the "This wasn't me" link); no secret, no link that signs anyone in.
import type { Locale } from '../core/locale.ts';
import { formatMoment, translator } from '../i18n/index.ts';
import { type RenderedEmail, renderEmail } from './layout.tsx';

export interface PasswordChangedEmailInput {
  locale: Locale;
  brand: string;
  name: string;
  email: string;
  changedAt: number;
  /** The "This wasn't me" link (flows/lockdown.ts), for an owner who did not make the change. */
  notYouUrl: string;
}

export function passwordChangedEmail({
  locale,
  brand,
  name,
  email,
  changedAt,
  notYouUrl,
}: PasswordChangedEmailInput): RenderedEmail {
  const t = translator(locale);
  return renderEmail({
    locale,
    subject: t('email.changed.subject', { brand }),
    brand,
    footer: t('email.footer', { brand, email }),
    blocks: [
      { kind: 'paragraph', text: t('email.greeting', { name }) },
      { kind: 'paragraph', text: t('email.changed.intro', { brand, date: formatMoment(locale, changedAt) }) },
      { kind: 'paragraph', text: t('email.changed.ok') },
      { kind: 'paragraph', text: t('email.notYou.text') },
      { kind: 'button', label: t('email.notYou.button'), href: notYouUrl },
    ],
  });
}
