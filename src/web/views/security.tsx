// Settings → Security: active sessions (each can be signed out, or all but this one), the apps that sign
// the user in (each can be revoked), and recent activity.

import { describeUserAgent } from '../../core/user-agent.ts';
import type { ConnectedApp } from '../../flows/app-access.ts';
import type { ActiveSession, Activity } from '../../flows/security.ts';
import type { TwoStepStatus } from '../../flows/two-step.ts';
import { formatList, formatMoment } from '../../i18n/index.ts';
import type { PageContext } from './context.ts';
import { Notice } from './form.tsx';
import { Moment, momentMark, WithMoment } from './moment.tsx';
import { SettingsLayout } from './settings-layout.tsx';
import { CsrfField } from './shell.tsx';
import { TwoStepCard } from './two-step.tsx';

function device(ctx: PageContext, userAgent: string): string {
  const described = describeUserAgent(userAgent);
  return described ? ctx.t('security.device', described) : ctx.t('security.unknownDevice');
}

export function SecurityView({
  ctx,
  sessions,
  apps,
  events,
  twoStep,
  notice,
}: {
  ctx: PageContext;
  sessions: ActiveSession[];
  apps: ConnectedApp[];
  events: Activity[];
  twoStep: { status: TwoStepStatus; since: number | null };
  notice?: string;
}) {
  const { t } = ctx;
  const others = sessions.filter((session) => !session.current);
  return (
    <SettingsLayout ctx={ctx} section="security" intro={t('security.intro')}>
      {notice && <Notice message={notice} />}
      <TwoStepCard ctx={ctx} status={twoStep.status} since={twoStep.since} />
      <section class="card" aria-labelledby="active-sessions">
        <div class="card-header">
          <h3 id="active-sessions">{t('security.sessions')}</h3>
          <p class="muted card-intro">{t('security.sessionsIntro')}</p>
        </div>
        <ul class="session-list">
          {sessions.map((session) => {
            const name = device(ctx, session.userAgent);
            const lastActive = formatMoment(ctx.locale, session.lastSeenAt);
            return (
              <li class="session">
                <div class="session-details">
                  <p class="session-device">
                    <strong>{name}</strong>
                    {session.current && <span class="badge">{t('security.thisDevice')}</span>}
                  </p>
                  <p class="muted session-facts">
                    <span>{t('security.address', { address: session.clientAddress })}</span>
                    <span>
                      <WithMoment
                        ctx={ctx}
                        text={t('security.signedInAt', { date: momentMark })}
                        at={session.createdAt}
                      />
                    </span>
                    <span>
                      <WithMoment
                        ctx={ctx}
                        text={t('security.lastActive', { date: momentMark })}
                        at={session.lastSeenAt}
                      />
                    </span>
                  </p>
                </div>
                {!session.current && (
                  <form method="post" action="/settings/security/sessions/revoke">
                    <CsrfField ctx={ctx} />
                    <input type="hidden" name="session" value={session.id} />
                    <button
                      type="submit"
                      class="button button-secondary button-small"
                      aria-label={t('security.revokeLabel', { device: name, date: lastActive })}
                    >
                      {t('security.revoke')}
                    </button>
                  </form>
                )}
              </li>
            );
          })}
        </ul>
        <div class="card-footer card-footer-split">
          {others.length === 0 ? (
            <p class="muted">{t('security.noOtherSessions')}</p>
          ) : (
            <form method="post" action="/settings/security/sign-out-others">
              <CsrfField ctx={ctx} />
              <button type="submit" class="button button-danger">
                {t('security.signOutOthers')}
              </button>
            </form>
          )}
        </div>
      </section>

      <ConnectedApps ctx={ctx} apps={apps} />

      <section class="card" aria-labelledby="recent-activity">
        <div class="card-header">
          <h3 id="recent-activity">{t('security.activity')}</h3>
        </div>
        {events.length === 0 ? (
          <p class="card-body muted">{t('security.noActivity')}</p>
        ) : (
          <div class="table-scroll">
            <table class="activity">
              <thead>
                <tr>
                  <th scope="col">{t('security.event')}</th>
                  <th scope="col">{t('security.when')}</th>
                  <th scope="col">{t('security.from')}</th>
                </tr>
              </thead>
              <tbody>
                {events.map((event) => (
                  <tr class={warnings.has(event.kind) ? 'activity-warning' : undefined}>
                    <td>{t(`event.${event.kind}`)}</td>
                    <td>
                      <Moment ctx={ctx} at={event.at} />
                    </td>
                    <td>
                      {device(ctx, event.userAgent)}
                      <span class="muted"> · {event.clientAddress}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </SettingsLayout>
  );
}

/** Events the owner should look at twice. */
const warnings = new Set<Activity['kind']>([
  'sign-in-failed',
  'second-step-failed',
  'two-step-disabled',
  'two-step-reset',
]);

const scopeWords = ['profile', 'email', 'offline_access'] as const;

function ConnectedApps({ ctx, apps }: { ctx: PageContext; apps: ConnectedApp[] }) {
  const { t } = ctx;
  return (
    <section class="card" aria-labelledby="connected-apps">
      <div class="card-header">
        <h3 id="connected-apps">{t('security.apps')}</h3>
        <p class="muted card-intro">{t('security.appsIntro')}</p>
      </div>
      {apps.length === 0 ? (
        <p class="card-body muted">{t('security.noApps')}</p>
      ) : (
        <ul class="session-list">
          {apps.map((app) => {
            const granted = scopeWords.filter((scope) => app.scopes.includes(scope));
            const sees = (granted.length > 0 ? granted : (['openid'] as const)).map((scope) =>
              t(`security.scope.${scope}`),
            );
            return (
              <li class="session" key={app.clientId}>
                <div class="session-details">
                  <p class="session-device">
                    <strong>{app.name}</strong>
                  </p>
                  <p class="muted session-facts">
                    <span>
                      <WithMoment ctx={ctx} text={t('security.appAllowed', { date: momentMark })} at={app.since} />
                    </span>
                    <span>{t('security.appSees', { what: formatList(ctx.locale, sees) })}</span>
                  </p>
                </div>
                <form method="post" action="/settings/security/apps/revoke">
                  <CsrfField ctx={ctx} />
                  <input type="hidden" name="client" value={app.clientId} />
                  <button
                    type="submit"
                    class="button button-secondary button-small"
                    aria-label={t('security.revokeAppLabel', { app: app.name })}
                  >
                    {t('security.revokeApp')}
                  </button>
                </form>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
