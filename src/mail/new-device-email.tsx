// "New sign-in to your account": a sign-in from a browser that had no known-device cookie for the account
// (flows/sign-in.ts, at most one a day per browser): when, from what, and the "This wasn't me" link.
import type { Locale } from '../core/locale.ts';
import { describeUserAgent } from '../core/user-agent.ts';
import { formatMoment, translator } from '../i18n/index.ts';
import { type RenderedEmail, renderEmail } from './layout.tsx';

export interface NewDeviceEmailInput {
  locale: Locale;
  brand: string;
  name: string;
  email: string;
  signedInAt: number;
  /** As stored with the session: the browser and system are named from it, nothing else is shown. */
  userAgent: string;
  notYouUrl: string;
}

export function newDeviceEmail({
  locale,
  brand,
  name,
  email,
  signedInAt,
  userAgent,
  notYouUrl,
}: NewDeviceEmailInput): RenderedEmail {
  const t = translator(locale);
  const described = describeUserAgent(userAgent);
  const device = described ? t('security.device', described) : t('email.newDevice.unknownDevice');
  return renderEmail({
    locale,
    subject: t('email.newDevice.subject', { brand }),
    brand,
    footer: t('email.footer', { brand, email }),
    blocks: [
      { kind: 'paragraph', text: t('email.greeting', { name }) },
      {
        kind: 'paragraph',
        text: t('email.newDevice.intro', { brand, date: formatMoment(locale, signedInAt), device }),
      },
      { kind: 'paragraph', text: t('email.newDevice.ok') },
      { kind: 'paragraph', text: t('email.notYou.text') },
      { kind: 'button', label: t('email.notYou.button'), href: notYouUrl },
    ],
  });
}
