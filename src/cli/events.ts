// npm run cli -- events export [--since DATE] [--user EMAIL]: the security events as JSON lines, oldest
// first, for an audit or a SIEM. Read page by page, so a long history is never held in memory at once.
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { normaliseEmail } from '../core/email-address.ts';
import { eventsForExport } from '../store/events.ts';
import { findUserByEmail } from '../store/users.ts';
import { type Command, UsageError, withDeps } from './run.ts';

const PAGE = 1000;

export const exportEventsCommand: Command = async (cli, args) => {
  const { values } = parseArgs({
    args,
    options: { since: { type: 'string' }, user: { type: 'string' } },
    strict: true,
  });
  const since = values.since === undefined ? undefined : parseSince(values.since);
  if (values.user === '') throw new UsageError('--user needs an email address');
  const email = values.user;
  return withDeps(cli, async (deps) => {
    let userId: string | undefined;
    if (email !== undefined) {
      const user = await findUserByEmail(deps.db, normaliseEmail(email));
      if (!user) {
        process.stderr.write(`No user has the address ${email}.\n`);
        return 1;
      }
      userId = user.id;
    }
    let after: { at: number; id: string } | undefined;
    for (;;) {
      const page = await eventsForExport(deps.db, { since, userId, after }, PAGE);
      for (const event of page) {
        const line = {
          at: new Date(Number(event.at)).toISOString(),
          kind: event.kind,
          user: event.email,
          client_address: event.client_address,
          user_agent: event.user_agent,
        };
        if (!process.stdout.write(`${JSON.stringify(line)}\n`)) await once(process.stdout, 'drain');
      }
      const last = page.at(-1);
      if (page.length < PAGE || last === undefined) return 0;
      after = { at: Number(last.at), id: last.id };
    }
  });
};

// 2024-05-01, 2024-05-01T09:30, 2024-05-01T09:30:00.000+02:00 …; a date or time without an offset is UTC.
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/** --since, as milliseconds; a date that does not exist (2024-02-30, 25:00) is a usage mistake, not a guess. */
export function parseSince(text: string): number {
  const match = ISO_DATE.exec(text);
  const bad = () =>
    new UsageError(`--since must be an ISO date or date-time, e.g. 2024-05-01 or 2024-05-01T09:30Z (got "${text}")`);
  if (!match) throw bad();
  const [, year, month, day, hour = '0', minute = '0', second = '0', offset] = match;
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  const real =
    date.getUTCFullYear() === Number(year) &&
    date.getUTCMonth() === Number(month) - 1 &&
    date.getUTCDate() === Number(day) &&
    Number(hour) < 24 &&
    Number(minute) < 60 &&
    Number(second) < 60 &&
    (offset === undefined || offset === 'Z' || (Number(offset.slice(1, 3)) < 24 && Number(offset.slice(4)) < 60));
  if (!real) throw bad();
  const at = Date.parse(match[4] === undefined ? `${text}T00:00Z` : offset === undefined ? `${text}Z` : text);
  if (Number.isNaN(at)) throw bad();
  return at;
}
