// Settings → Security: active sessions (each can be signed out, or all but this one) and recent activity.
import type { ActiveSession, Activity } from '../../flows/security.ts';
import { formatMoment } from '../../i18n/index.ts';
import { describeUserAgent } from '../user-agent.ts';
import type { PageContext } from './context.ts';
import { Notice } from './form.tsx';
import { Moment, momentMark, WithMoment } from './moment.tsx';
import { SettingsLayout } from './settings-layout.tsx';
import { CsrfField } from './shell.tsx';

function device(ctx: PageContext, userAgent: string): string {
  const described = describeUserAgent(userAgent);
  return described ? ctx.t('security.device', described) : ctx.t('security.unknownDevice');
}

export function SecurityView({
  ctx,
  sessions,
  events,
  notice,
}: {
  ctx: PageContext;
  sessions: ActiveSession[];
  events: Activity[];
  notice?: string;
}) {
  const { t } = ctx;
  const others = sessions.filter((session) => !session.current);
  return (
    <SettingsLayout ctx={ctx} section="security" intro={t('security.intro')}>
      {notice && <Notice message={notice} />}
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
                  <tr class={event.kind === 'sign-in-failed' ? 'activity-warning' : undefined}>
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
