// The reset email: "Reset Password" / « Réinitialiser le mot de passe », the link written out too, its
// expiry, and what to do if it was not you (SECURITY 33). The link comes from PUBLIC_URL (SECURITY 31).
// The invitation of an account added by an administrator is the same email with other words.
import type { Locale } from '../core/locale.ts';
import { formatWait, type MessageKey, translator } from '../i18n/index.ts';
import { type RenderedEmail, renderEmail } from './layout.tsx';

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
  return renderEmail({
    locale,
    subject: t(keys.subject, { brand }),
    brand,
    footer: t('email.footer', { brand, email }),
    blocks: [
      { kind: 'paragraph', text: t('email.greeting', { name }) },
      { kind: 'paragraph', text: t(keys.intro, { brand }) },
      { kind: 'button', label: t(keys.button), href: link },
      { kind: 'paragraph', text: t(keys.expiry, { expiry: formatWait(locale, ttlMs) }) },
      { kind: 'paragraph', text: t(keys.ignore), muted: true },
    ],
  });
}
