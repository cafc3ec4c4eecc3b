// A moment on a page: written by the server in UTC, and saying so; the browser script rewrites it in the
// viewer's own time zone (client/app.ts), in the page's language.
import { formatMoment } from '../../i18n/index.ts';
import type { PageContext } from './context.ts';

export function Moment({ ctx, at }: { ctx: PageContext; at: number }) {
  return (
    <time dateTime={new Date(at).toISOString()} data-moment>
      {formatMoment(ctx.locale, at)}
    </time>
  );
}

// A character no translation holds: where the moment goes in a sentence translated whole.
const MARK = '\u0000';

/** A translated sentence with the moment in place of its {date}: `text` is t(key, { date: momentMark }). */
export function WithMoment({ ctx, text, at }: { ctx: PageContext; text: string; at: number }) {
  const [before = '', after = ''] = text.split(MARK);
  return (
    <>
      {before}
      <Moment ctx={ctx} at={at} />
      {after}
    </>
  );
}

export const momentMark = MARK;
