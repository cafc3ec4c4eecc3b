// The reset email: "Reset Password" / « Réinitialiser le mot de passe », the link in plain text too, its
// expiry, and what to do if it was not you (SECURITY 33). The link comes from PUBLIC_URL (SECURITY 31).
// The invitation of an account added by an administrator is the same email with other words.
import type { Locale } from '../core/locale.ts';
import { formatWait, type MessageKey, translator } from '../i18n/index.ts';
import { EmailButton, Paragraph, type RenderedEmail, renderEmailHtml } from './layout.tsx';

export interface ResetEmailInput {
  locale: Locale;
  brand: string;
  name: string;
  email: string;
  link: string;
  ttlMs: number;
}

type Wording = Record<'subject' | 'intro' | 'button' | 'expiry' | 'ignore', MessageKey>;

const wording: Record<'reset' | 'invite', Wording> = {
  reset: {
    subject: 'email.reset.subject',
    intro: 'email.reset.intro',
    button: 'email.reset.button',
    expiry: 'email.reset.expiry',
    ignore: 'email.reset.ignore',
  },
  invite: {
    subject: 'email.invite.subject',
    intro: 'email.invite.intro',
    button: 'email.invite.button',
    expiry: 'email.invite.expiry',
    ignore: 'email.invite.ignore',
  },
};

export function resetEmail(input: ResetEmailInput): RenderedEmail {
  return linkEmail(wording.reset, input);
}

export function inviteEmail(input: ResetEmailInput): RenderedEmail {
  return linkEmail(wording.invite, input);
}

function linkEmail(keys: Wording, { locale, brand, name, email, link, ttlMs }: ResetEmailInput): RenderedEmail {
  const t = translator(locale);
  const subject = t(keys.subject, { brand });
  const lines = {
    greeting: t('email.greeting', { name }),
    intro: t(keys.intro, { brand }),
    linkIntro: t('email.reset.link'),
    expiry: t(keys.expiry, { expiry: formatWait(locale, ttlMs) }),
    ignore: t(keys.ignore),
    footer: t('email.footer', { brand, email }),
  };
  const button = t(keys.button);
  const text = [
    lines.greeting,
    lines.intro,
    t('email.linkLine', { button, link }),
    lines.expiry,
    lines.ignore,
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
        <EmailButton href={link}>{button}</EmailButton>
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
