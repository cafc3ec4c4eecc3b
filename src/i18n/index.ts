// Choosing the language and producing text. The user's profile wins, then the language switch (a cookie),
// then the browser's Accept-Language, then DEFAULT_LOCALE.
import { DAY, HOUR, MINUTE } from '../core/duration.ts';
import { isLocale, type Locale, MOMENT_STYLE } from '../core/locale.ts';
import type { PolicyProfile, Rule } from '../core/password-policy.ts';
import type { Catalogue, MessageKey } from './catalogue.ts';
import { en } from './en.ts';
import { fr } from './fr.ts';

export type { MessageKey } from './catalogue.ts';

const catalogues: Record<Locale, Catalogue> = { en, fr };

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

export function translator(locale: Locale): Translate {
  const catalogue = catalogues[locale];
  return (key, params) =>
    params === undefined
      ? catalogue[key]
      : catalogue[key].replace(/\{(\w+)\}/g, (whole, name: string) => String(params[name] ?? whole));
}

export interface LocaleSources {
  profile?: string | null;
  cookie?: string;
  /** What an app asked for (OpenID Connect ui_locales: tags by preference, space-separated). */
  uiLocales?: string;
  acceptLanguage?: string;
  fallback: Locale;
}

/** The user's own choice first, then the app's request for them, then the browser's. */
export function pickLocale({ profile, cookie, uiLocales, acceptLanguage, fallback }: LocaleSources): Locale {
  if (isLocale(profile)) return profile;
  if (isLocale(cookie)) return cookie;
  return fromUiLocales(uiLocales) ?? fromAcceptLanguage(acceptLanguage) ?? fallback;
}

function fromUiLocales(tags: string | undefined): Locale | undefined {
  return tags
    ?.slice(0, 512)
    .split(' ')
    .map((tag) => tag.toLowerCase().split('-')[0])
    .find(isLocale);
}

/** The first supported language in the header, by quality, ignoring regions ("fr-CA" is French). */
export function fromAcceptLanguage(header: string | undefined): Locale | undefined {
  if (!header) return undefined;
  const ranked = header
    .slice(0, 512)
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean);
      return {
        language: tag.trim().toLowerCase().split('-')[0] ?? '',
        quality: q === undefined ? 1 : Number(q),
        index,
      };
    })
    .filter((entry) => entry.quality > 0 && Number.isFinite(entry.quality))
    .sort((a, b) => b.quality - a.quality || a.index - b.index);
  return ranked.map((entry) => entry.language).find(isLocale);
}

/** "in 5 minutes" / « dans 5 minutes »: a wait, rounded up to a unit a person reads at a glance. */
export function formatWait(locale: Locale, ms: number): string {
  const format = formatters[locale].relativeTime;
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 60) return format.format(seconds, 'second');
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return format.format(minutes, 'minute');
  const hours = Math.ceil(minutes / 60);
  if (hours < 48) return format.format(hours, 'hour');
  return format.format(Math.ceil(hours / 24), 'day');
}

/** A list in the language's own style: "a, b and c" / « a, b et c ». */
export function formatList(locale: Locale, items: string[]): string {
  return formatters[locale].list.format(items);
}

/** The sentence naming a password rule; the minimum length depends on the policy profile. */
export function ruleMessageKey(rule: Rule, profile: PolicyProfile): MessageKey {
  return rule === 'min-length' ? `rule.min-length.${profile}` : `rule.${rule}`;
}

/** "1 hour" / « 1 heure »: a length of time, in the largest whole unit. */
export function formatTimeSpan(locale: Locale, ms: number): string {
  const units = [
    ['days', DAY],
    ['hours', HOUR],
    ['minutes', MINUTE],
  ] as const;
  const [unit, size] = units.find(([, size]) => ms >= size && ms % size === 0) ?? ['seconds', 1000];
  return formatters[locale].duration.format({ [unit]: Math.round(ms / size) });
}

/**
 * A moment as a person reads it, the one way pages and emails write one: in UTC, and saying so, since the
 * server cannot know the reader's time zone (the browser script rewrites it into theirs: MOMENT_STYLE).
 */
export function formatMoment(locale: Locale, ms: number): string {
  return `${formatters[locale].moment.format(ms)} UTC`;
}

// Intl.DurationFormat is in Node.js 24 but not yet in TypeScript's standard library.
const DurationFormat = (
  Intl as unknown as { DurationFormat: new (locale: string, options: object) => { format(duration: object): string } }
).DurationFormat;

// Made once per language: building an Intl formatter costs far more than using one (a tenth of a millisecond
// against a microsecond), and pages and emails use them on every answer.
const formatters = Object.fromEntries(
  Object.keys(catalogues).map((locale) => [
    locale,
    {
      relativeTime: new Intl.RelativeTimeFormat(locale, { numeric: 'always' }),
      list: new Intl.ListFormat(locale, { type: 'conjunction' }),
      duration: new DurationFormat(locale, { style: 'long' }),
      moment: new Intl.DateTimeFormat(locale, { ...MOMENT_STYLE, timeZone: 'UTC' }),
    },
  ]),
) as Record<
  Locale,
  {
    relativeTime: Intl.RelativeTimeFormat;
    list: Intl.ListFormat;
    duration: InstanceType<typeof DurationFormat>;
    moment: Intl.DateTimeFormat;
  }
>;
