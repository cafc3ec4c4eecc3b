import { describe, expect, it } from 'vitest';
import { en } from './en.ts';
import { fr } from './fr.ts';
import { formatList, formatWait, fromAcceptLanguage, pickLocale, translator } from './index.ts';

describe('the catalogues', () => {
  it('have the same keys and no empty text', () => {
    expect(Object.keys(fr).sort()).toEqual(Object.keys(en).sort());
    for (const text of [...Object.values(en), ...Object.values(fr)]) expect(text.trim()).not.toBe('');
  });

  it('use the same placeholders in both languages', () => {
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
    for (const key of Object.keys(en) as Array<keyof typeof en>)
      expect(placeholders(fr[key])).toEqual(placeholders(en[key]));
  });

  it('follow French typography: a non-breaking space before ? : ! and never a plain one', () => {
    for (const [key, text] of Object.entries(fr)) {
      expect(text, key).not.toMatch(/ [?:!;]/);
      expect(text, key).not.toMatch(/[^\u00a0\u202f][?!](?!\w)/u);
    }
    expect(fr['login.forgot']).toBe('Mot de passe oublié\u00a0?');
  });

  it('quote the documentation labels verbatim', () => {
    expect([
      en['menu.settings'],
      en['settings.myProfile'],
      en['settings.accountDetails'],
      en['settings.changePassword'],
      en['settings.save'],
    ]).toEqual(['Settings', 'My Profile', 'Account Details', 'Change password', 'Save']);
    expect([
      fr['menu.settings'],
      fr['settings.myProfile'],
      fr['settings.accountDetails'],
      fr['settings.changePassword'],
      fr['settings.save'],
    ]).toEqual(['Paramètres', 'Mon profil', 'Détails du compte', 'Modifier le mot de passe', 'Enregistrer']);
    expect(translator('fr')('login.title', { brand: 'Sales Connect' })).toBe('Connexion à Sales Connect');
  });
});

describe('choosing the language', () => {
  it('prefers the profile, then the switch, then the browser, then the default', () => {
    expect(pickLocale({ profile: 'fr', cookie: 'en', acceptLanguage: 'en', fallback: 'en' })).toBe('fr');
    expect(pickLocale({ profile: null, cookie: 'fr', acceptLanguage: 'en', fallback: 'en' })).toBe('fr');
    expect(pickLocale({ acceptLanguage: 'fr-CA,fr;q=0.9', fallback: 'en' })).toBe('fr');
    expect(pickLocale({ acceptLanguage: 'de-DE,de;q=0.9', fallback: 'fr' })).toBe('fr');
    expect(pickLocale({ cookie: 'xx', fallback: 'en' })).toBe('en');
  });

  it('reads Accept-Language by quality, not by order', () => {
    expect(fromAcceptLanguage('en;q=0.4, fr;q=0.8')).toBe('fr');
    expect(fromAcceptLanguage('de, fr;q=0.5, en;q=0.9')).toBe('en');
    expect(fromAcceptLanguage('fr;q=0, en')).toBe('en');
    expect(fromAcceptLanguage('*')).toBeUndefined();
    expect(fromAcceptLanguage('garbage;;;q=abc,')).toBeUndefined();
  });
});

describe('formatting', () => {
  it('says how long to wait in words', () => {
    expect(formatWait('en', 1)).toBe('in 1 second');
    expect(formatWait('en', 61_000)).toBe('in 2 minutes');
    expect(formatWait('fr', 15 * 60_000)).toBe('dans 15 minutes');
  });

  it('joins lists the way each language does', () => {
    expect(formatList('en', ['a', 'b', 'c'])).toBe('a, b, and c');
    expect(formatList('fr', ['a', 'b', 'c'])).toBe('a, b et c');
  });
});
