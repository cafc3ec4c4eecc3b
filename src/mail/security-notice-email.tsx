// "Two-step verification was turned on" and the other changes to how the account signs in (SECURITY 87,
// 89): what happened and when, and what to do if it was not the owner; no secret, no link that signs in.
import type { Locale } from '../core/locale.ts';
import { formatMoment, translator } from '../i18n/index.ts';
import type { SecurityNotice } from '../store/outbox.ts';
import { type EmailBlock, type RenderedEmail, renderEmail } from './layout.tsx';

export interface SecurityNoticeEmailInput {
  locale: Locale;
  brand: string;
  name: string;
  email: string;
  notice: SecurityNotice;
  /** Settings → Security, where the owner checks the sessions and the factors. */
  securityUrl: string;
}

export function securityNoticeEmail({
  locale,
  brand,
  name,
  email,
  notice,
  securityUrl,
}: SecurityNoticeEmailInput): RenderedEmail {
  const t = translator(locale);
  const date = formatMoment(locale, notice.at);
  const blocks: EmailBlock[] = [
    { kind: 'paragraph', text: t('email.greeting', { name }) },
    {
      kind: 'paragraph',
      text: t(`email.notice.${notice.notice}.intro`, { brand, date, passkey: notice.passkey ?? '' }),
    },
  ];
  if (notice.notice === 'recovery-code-used') {
    const left = notice.left ?? 0;
    const text =
      left === 0
        ? t('email.notice.noCodesLeft')
        : left === 1
          ? t('email.notice.codeLeft')
          : t('email.notice.codesLeft', { count: String(left) });
    blocks.push({ kind: 'paragraph', text });
  }
  blocks.push(
    { kind: 'paragraph', text: t('email.notice.notYou') },
    { kind: 'button', label: t('email.notice.button'), href: securityUrl },
  );
  return renderEmail({
    locale,
    subject: t(`email.notice.${notice.notice}.subject`, { brand }),
    brand,
    footer: t('email.footer', { brand, email }),
    blocks,
  });
}
