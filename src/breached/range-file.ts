// The downloaded lists `breached import` reads: the public Pwned Passwords format, one breached password's
// SHA-1 per line with how often it was seen. Three spellings are read: `PREFIX:SUFFIX:COUNT` (5 + 35 hex
// characters), `HASH:COUNT` (40), and, in a range file named after its prefix (00A1F.txt), `SUFFIX:COUNT`.
// A count of 0 is padding, not a password.
import { basename } from 'node:path';

export type RangeLine = { sha1: string; count: number } | 'skip' | 'malformed';

/** The prefix a file's name gives its `SUFFIX:COUNT` lines, if it is a range file. */
export function prefixOfFile(path: string): string | undefined {
  const match = /^([0-9A-Fa-f]{5})(?:\.txt)?$/.exec(basename(path));
  return match?.[1]?.toUpperCase();
}

export function parseRangeLine(raw: string, filePrefix: string | undefined): RangeLine {
  const line = raw.trim();
  if (line === '') return 'skip';
  const parts = line.split(':');
  let hash: string | undefined;
  let count: string | undefined;
  if (parts.length === 3 && /^[0-9A-Fa-f]{5}$/.test(parts[0]!) && /^[0-9A-Fa-f]{35}$/.test(parts[1]!)) {
    hash = parts[0]! + parts[1]!;
    count = parts[2];
  } else if (parts.length === 2 && /^[0-9A-Fa-f]{40}$/.test(parts[0]!)) {
    [hash, count] = parts;
  } else if (parts.length === 2 && filePrefix !== undefined && /^[0-9A-Fa-f]{35}$/.test(parts[0]!)) {
    hash = filePrefix + parts[0]!;
    count = parts[1];
  }
  if (hash === undefined || count === undefined || !/^\d{1,15}$/.test(count)) return 'malformed';
  return Number(count) === 0 ? 'skip' : { sha1: hash.toUpperCase(), count: Number(count) };
}
