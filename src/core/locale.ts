// The languages the product speaks. Adding one means adding its catalogue in i18n/.
export const locales = ['en', 'fr'] as const;
export type Locale = (typeof locales)[number];

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (locales as readonly string[]).includes(value);
}

/** How a moment is written, by the server (in UTC, labelled) and by the browser script (in the viewer's zone). */
export const MOMENT_STYLE = { dateStyle: 'medium', timeStyle: 'short' } as const;
