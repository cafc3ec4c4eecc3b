// The frame of every email: brand, content, footer. An email is written once, as blocks, and rendered
// twice: HTML built for mail clients (tables and inline styles, since they ignore stylesheets) and a
// plain-text part that says the same, where a button becomes its label and its link.
import type { ComponentChildren } from 'preact';
import { renderToString } from 'preact-render-to-string';
import type { Locale } from '../core/locale.ts';
import { translator } from '../i18n/index.ts';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export type EmailBlock =
  | { kind: 'paragraph'; text: string; muted?: boolean }
  /** A button in HTML, with its link written out below for clients that show none; in text, label: link. */
  | { kind: 'button'; label: string; href: string };

export interface EmailContent {
  locale: Locale;
  subject: string;
  brand: string;
  footer: string;
  blocks: EmailBlock[];
}

export function renderEmail(content: EmailContent): RenderedEmail {
  const t = translator(content.locale);
  const lines = content.blocks.map((block) =>
    block.kind === 'paragraph' ? block.text : t('email.linkLine', { button: block.label, link: block.href }),
  );
  const text = `${[...lines, '--', content.footer].join('\n\n')}\n`;
  const children = content.blocks.map((block) =>
    block.kind === 'paragraph' ? (
      <Paragraph muted={block.muted}>{block.text}</Paragraph>
    ) : (
      <>
        <EmailButton href={block.href}>{block.label}</EmailButton>
        <Paragraph muted>{t('email.copyLink')}</Paragraph>
        <Paragraph muted>
          <a href={block.href} style={`color: ${colors.link}; word-break: break-all;`}>
            {block.href}
          </a>
        </Paragraph>
      </>
    ),
  );
  const html = renderEmailHtml({
    lang: content.locale,
    title: content.subject,
    brand: content.brand,
    footer: content.footer,
    children,
  });
  return { subject: content.subject, text, html };
}

const colors = {
  link: '#4338ca',
  brand: '#4f46e5',
  text: '#0f172a',
  muted: '#475569',
  border: '#e2e8f0',
  background: '#f8fafc',
};
const font = "font-family: -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif;";

function EmailButton({ href, children }: { href: string; children: ComponentChildren }) {
  return (
    <table role="presentation" cellPadding="0" cellSpacing="0" style="margin: 24px 0;">
      <tr>
        <td style={`border-radius: 8px; background: ${colors.brand};`}>
          <a
            href={href}
            style={`display: inline-block; padding: 12px 24px; ${font} font-size: 16px; font-weight: 600; color: #ffffff; text-decoration: none; border-radius: 8px;`}
          >
            {children}
          </a>
        </td>
      </tr>
    </table>
  );
}

function Paragraph({ children, muted }: { children: ComponentChildren; muted?: boolean }) {
  return (
    <p
      style={`margin: 0 0 16px; ${font} font-size: ${muted ? 14 : 16}px; line-height: 1.5; color: ${muted ? colors.muted : colors.text};`}
    >
      {children}
    </p>
  );
}

function renderEmailHtml({
  lang,
  title,
  brand,
  footer,
  children,
}: {
  lang: string;
  title: string;
  brand: string;
  footer: string;
  children: ComponentChildren;
}): string {
  const body = (
    <html lang={lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light" />
        <title>{title}</title>
      </head>
      <body style={`margin: 0; padding: 0; background: ${colors.background};`}>
        <table
          role="presentation"
          width="100%"
          cellPadding="0"
          cellSpacing="0"
          style={`background: ${colors.background}; padding: 32px 16px;`}
        >
          <tr>
            <td align="center">
              <table role="presentation" width="100%" cellPadding="0" cellSpacing="0" style="max-width: 560px;">
                <tr>
                  <td style={`padding: 0 0 16px; ${font} font-size: 18px; font-weight: 700; color: ${colors.text};`}>
                    <span
                      style={`display: inline-block; width: 28px; height: 28px; line-height: 28px; margin-right: 8px; border-radius: 8px; background: ${colors.brand}; color: #ffffff; text-align: center; font-size: 16px;`}
                    >
                      {brand.charAt(0)}
                    </span>
                    {brand}
                  </td>
                </tr>
                <tr>
                  <td
                    style={`padding: 32px; background: #ffffff; border: 1px solid ${colors.border}; border-radius: 14px;`}
                  >
                    {children}
                  </td>
                </tr>
                <tr>
                  <td style={`padding: 16px 8px; ${font} font-size: 12px; line-height: 1.5; color: ${colors.muted};`}>
                    {footer}
                  </td>
                </tr>
              </table>
            </td>
          </tr>
        </table>
      </body>
    </html>
  );
  return `<!doctype html>${renderToString(body)}`;
}
