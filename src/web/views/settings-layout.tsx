// The frame of every Settings page: the title, the section navigation (My Profile, Security) and the
// section's heading. "My Profile opens by default" (PRODUCT.md): /settings redirects to it.
import type { ComponentChildren } from 'preact';
import type { PageContext } from './context.ts';
import { Document } from './document.tsx';
import { ShieldIcon, UserIcon } from './icons.tsx';
import { AppShell } from './shell.tsx';

export type SettingsSection = 'profile' | 'security';

export function SettingsLayout({
  ctx,
  section,
  intro,
  children,
}: {
  ctx: PageContext;
  section: SettingsSection;
  intro: string;
  children: ComponentChildren;
}) {
  const { t } = ctx;
  const sections = [
    { id: 'profile', href: '/settings/profile', label: t('settings.myProfile'), icon: <UserIcon /> },
    { id: 'security', href: '/settings/security', label: t('settings.security'), icon: <ShieldIcon /> },
  ] as const;
  const heading = sections.find((entry) => entry.id === section)!.label;
  return (
    <Document ctx={ctx} title={`${heading} · ${t('settings.title')}`}>
      <AppShell ctx={ctx}>
        <div class="settings">
          <div class="settings-header">
            <h1>{t('settings.title')}</h1>
            {ctx.backToApp && (
              <a class="button button-secondary back-to-app" href={ctx.backToApp}>
                <span aria-hidden="true">←</span> {t('settings.backToApp')}
              </a>
            )}
          </div>
          <nav class="settings-nav" aria-label={t('settings.nav')}>
            <ul>
              {sections.map((entry) => (
                <li>
                  <a href={entry.href} aria-current={entry.id === section ? 'page' : undefined}>
                    {entry.icon}
                    <span>{entry.label}</span>
                  </a>
                </li>
              ))}
            </ul>
          </nav>
          <div class="settings-content">
            <div class="page-heading">
              <h2>{heading}</h2>
              <p class="muted">{intro}</p>
            </div>
            {children}
          </div>
        </div>
      </AppShell>
    </Document>
  );
}
