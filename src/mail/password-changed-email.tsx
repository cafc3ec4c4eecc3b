// "Your password was changed", after a change in Settings or through a reset link (SECURITY 50): when and
// what to do if it was not you; no secret, no link that signs anyone in.
import type { Locale } from '../core/locale.ts';
import { formatMoment, translator } from '../i18n/index.ts';
import { EmailButton, Paragraph, type RenderedEmail, renderEmailHtml } from './layout.tsx';

export interface PasswordChangedEmailInput {
  locale: Locale;
  brand: string;
  name: string;
  email: string;
  changedAt: number;
  /** The Forgot password page, for an owner who did not make the change. */
  forgotUrl: string;
}

export function passwordChangedEmail({
  locale,
  brand,
  name,
  email,
  changedAt,
  forgotUrl,
}: PasswordChangedEmailInput): RenderedEmail {
  const t = translator(locale);
  const subject = t('email.changed.subject', { brand });
  const lines = {
    greeting: t('email.greeting', { name }),
    intro: t('email.changed.intro', { brand, date: formatMoment(locale, changedAt) }),
    ok: t('email.changed.ok'),
    notYou: t('email.changed.notYou'),
    footer: t('email.footer', { brand, email }),
  };
  const text = [
    lines.greeting,
    lines.intro,
    lines.ok,
    lines.notYou,
    t('email.linkLine', { button: t('email.changed.button'), link: forgotUrl }),
    '--',
    lines.footer,
  ].join('\n\n');
  const html = renderEmailHtml({
    lang: locale,
    title: subject,
    brand,
    footer: lines.footer,
    children: (
      <>
        <Paragraph>{lines.greeting}</Paragraph>
        <Paragraph>{lines.intro}</Paragraph>
        <Paragraph>{lines.ok}</Paragraph>
        <Paragraph>{lines.notYou}</Paragraph>
        <EmailButton href={forgotUrl}>{t('email.changed.button')}</EmailButton>
      </>
    ),
  });
  return { subject, text: `${text}\n`, html };
}
