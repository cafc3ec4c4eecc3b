// The development mailbox: what the service sent, newest first, each message with its HTML (in a
// sandboxed frame) and its text part. Never served in production.
import type { MailboxMessage, MailboxSummary } from '../../deps.ts';
import type { PageContext } from './context.ts';
import { Document } from './document.tsx';
import { Moment } from './moment.tsx';
import { LanguageSwitch } from './shell.tsx';

function Frame({ ctx, title, children }: { ctx: PageContext; title: string; children: preact.ComponentChildren }) {
  return (
    <Document ctx={ctx} title={title}>
      <div class="mailbox">
        <header class="mailbox-header">
          <a href="/dev/mailbox" class="brand-link">
            <strong>{ctx.brand}</strong> · {ctx.t('mailbox.title')}
          </a>
          <LanguageSwitch ctx={ctx} />
        </header>
        <main id="main" tabIndex={-1} class="mailbox-main">
          {children}
        </main>
      </div>
    </Document>
  );
}

export function MailboxListView({ ctx, messages }: { ctx: PageContext; messages: MailboxSummary[] }) {
  return (
    <Frame ctx={ctx} title={ctx.t('mailbox.title')}>
      <h1>{ctx.t('mailbox.title')}</h1>
      <p class="muted">{ctx.t('mailbox.intro')}</p>
      {messages.length === 0 ? (
        <p class="card mailbox-empty">{ctx.t('mailbox.empty')}</p>
      ) : (
        <ul class="card mailbox-list">
          {messages.map((message) => (
            <li>
              <a href={`/dev/mailbox/${message.id}`}>
                <span class="mailbox-subject">{message.subject}</span>
                <span class="muted">{ctx.t('mailbox.to', { to: message.envelopeTo.join(', ') })}</span>
                <Moment ctx={ctx} at={message.receivedAt} />
              </a>
            </li>
          ))}
        </ul>
      )}
    </Frame>
  );
}

export function MailboxMessageView({ ctx, message }: { ctx: PageContext; message: MailboxMessage }) {
  return (
    <Frame ctx={ctx} title={message.subject}>
      <p>
        <a href="/dev/mailbox">← {ctx.t('mailbox.all')}</a>
      </p>
      <article class="card mailbox-message">
        <header class="card-header">
          <h1>{message.subject}</h1>
          <dl class="mailbox-envelope">
            <dt>{ctx.t('mailbox.from')}</dt>
            <dd>{message.envelopeFrom}</dd>
            <dt>{ctx.t('mailbox.recipient')}</dt>
            <dd>{message.envelopeTo.join(', ')}</dd>
            <dt>{ctx.t('mailbox.received')}</dt>
            <dd>
              <Moment ctx={ctx} at={message.receivedAt} />
            </dd>
          </dl>
        </header>
        {message.html !== undefined && (
          <section class="card-body" aria-labelledby="html-part">
            <h2 id="html-part">{ctx.t('mailbox.html')}</h2>
            {/* A dash, not a colon: French wants a non-breaking space before « : » and the catalogue has no key for this title. */}
            <iframe
              class="mailbox-frame"
              title={`${ctx.t('mailbox.html')} — ${message.subject}`}
              src={`/dev/mailbox/${message.id}/html`}
              sandbox="allow-top-navigation-by-user-activation allow-popups"
            />
          </section>
        )}
        <section class="card-body" aria-labelledby="text-part">
          <h2 id="text-part">{ctx.t('mailbox.text')}</h2>
          <pre class="mailbox-text">{message.text}</pre>
        </section>
      </article>
    </Frame>
  );
}
