// The reset email: "Reset Password" / « Réinitialiser le mot de passe », the link in plain text too, its
// expiry, and what to do if it was not you (SECURITY 33). The link comes from PUBLIC_URL (SECURITY 31).
import type { Locale } from '../core/locale.ts';
import { formatWait, translator } from '../i18n/index.ts';
import { EmailButton, Paragraph, renderEmailHtml, type RenderedEmail } from './layout.tsx';

export interface ResetEmailInput {
  locale: Locale;
  brand: string;
  name: string;
  email: string;
  link: string;
  ttlMs: number;
}

export function resetEmail({ locale, brand, name, email, link, ttlMs }: ResetEmailInput): RenderedEmail {
  const t = translator(locale);
  const subject = t('email.reset.subject', { brand });
  const lines = {
    greeting: t('email.greeting', { name }),
    intro: t('email.reset.intro', { brand }),
    linkIntro: t('email.reset.link'),
    expiry: t('email.reset.expiry', { expiry: formatWait(locale, ttlMs) }),
    ignore: t('email.reset.ignore'),
    footer: t('email.footer', { brand, email }),
  };
  const text = [lines.greeting, lines.intro, `${t('email.reset.button')}: ${link}`, lines.expiry, lines.ignore, '--', lines.footer].join('\n\n');
  const html = renderEmailHtml({
    lang: locale,
    title: subject,
    brand,
    footer: lines.footer,
    children: (
      <>
        <Paragraph>{lines.greeting}</Paragraph>
        <Paragraph>{lines.intro}</Paragraph>
        <EmailButton href={link}>{t('email.reset.button')}</EmailButton>
        <Paragraph muted>{lines.linkIntro}</Paragraph>
        <Paragraph muted>
          <a href={link} style="color: #4338ca; word-break: break-all;">
            {link}
          </a>
        </Paragraph>
        <Paragraph>{lines.expiry}</Paragraph>
        <Paragraph muted>{lines.ignore}</Paragraph>
      </>
    ),
  });
  return { subject, text: `${text}\n`, html };
}
