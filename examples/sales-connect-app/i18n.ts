// The app's words, in English and French. A signed-in user reads the language of their account (the
// `locale` claim); anyone else the first of ours their browser asks for (Accept-Language); else English.
export type Locale = 'en' | 'fr';

const en = {
  'brand.tagline': 'Your pipeline, your customers, one place.',
  signIn: 'Sign in',
  signOut: 'Sign out',
  settings: 'Settings',
  'menu.label': 'Account menu',
  'menu.signedInAs': 'Signed in as',
  'home.title': 'Welcome to Sales Connect',
  'home.lead':
    'Sign in with your Sales Connect account to see your dashboard. Your password stays with the account service: this app never sees it.',
  'home.welcome': 'Welcome back, {name}',
  'home.signedIn': 'You are signed in through your Sales Connect account.',
  'home.account': 'Your account',
  'home.name': 'Name',
  'home.email': 'Email',
  'home.signedInAt': 'Signed in',
  'home.manage': 'Your name, language and password are managed in Settings.',
  'home.openSettings': 'Open Settings',
  'home.deals': 'Open deals',
  'home.meetings': 'Meetings this week',
  'home.tasks': 'Tasks due',
  'error.title': 'Sign-in did not complete',
  'error.message': 'The sign-in was cancelled, expired or could not be checked. Please try again.',
  'error.again': 'Try again',
  'notFound.title': 'Page not found',
  'notFound.message': 'There is nothing at this address.',
  'notFound.home': 'Back to the home page',
} as const;

type Key = keyof typeof en;

const fr: Record<Key, string> = {
  'brand.tagline': 'Votre pipeline et vos clients, au même endroit.',
  signIn: 'Se connecter',
  signOut: 'Se déconnecter',
  settings: 'Paramètres',
  'menu.label': 'Menu du compte',
  'menu.signedInAs': 'Connecté en tant que',
  'home.title': 'Bienvenue sur Sales Connect',
  'home.lead':
    'Connectez-vous avec votre compte Sales Connect pour voir votre tableau de bord. Votre mot de passe reste au service des comptes\u00a0: cette application ne le voit jamais.',
  'home.welcome': 'Bon retour, {name}',
  'home.signedIn': 'Vous êtes connecté avec votre compte Sales Connect.',
  'home.account': 'Votre compte',
  'home.name': 'Nom',
  'home.email': 'E-mail',
  'home.signedInAt': 'Connexion',
  'home.manage': 'Votre nom, votre langue et votre mot de passe se gèrent dans les Paramètres.',
  'home.openSettings': 'Ouvrir les Paramètres',
  'home.deals': 'Affaires en cours',
  'home.meetings': 'Rendez-vous cette semaine',
  'home.tasks': 'Tâches à faire',
  'error.title': 'La connexion n’a pas abouti',
  'error.message': 'La connexion a été annulée, a expiré ou n’a pas pu être vérifiée. Veuillez réessayer.',
  'error.again': 'Réessayer',
  'notFound.title': 'Page introuvable',
  'notFound.message': 'Il n’y a rien à cette adresse.',
  'notFound.home': 'Retour à l’accueil',
};

const dictionaries: Record<Locale, Record<Key, string>> = { en, fr };

export type Translate = (key: Key, values?: Record<string, string>) => string;

export function translator(locale: Locale): Translate {
  return (key, values = {}) =>
    dictionaries[locale][key].replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

/** `fr`, `fr-CA` → fr; `en-GB` → en; anything else → undefined. */
function ours(tag: string): Locale | undefined {
  const primary = tag.trim().toLowerCase().split('-')[0];
  return primary === 'fr' || primary === 'en' ? primary : undefined;
}

/** The first of our languages in Accept-Language, by quality (RFC 9110 §12.5.4). */
function fromAcceptLanguage(header: string | undefined): Locale | undefined {
  if (!header) return undefined;
  const ranked = header
    .split(',')
    .slice(0, 20)
    .map((part, index) => {
      const [tag = '', ...parameters] = part.split(';');
      const q = parameters.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((value) => value !== undefined);
      return { tag, q: q === undefined ? 1 : Number(q), index };
    })
    .filter((entry) => entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const entry of ranked) {
    const locale = ours(entry.tag);
    if (locale) return locale;
  }
  return undefined;
}

export function pickLocale(claim: unknown, acceptLanguage: string | undefined): Locale {
  return (typeof claim === 'string' ? ours(claim) : undefined) ?? fromAcceptLanguage(acceptLanguage) ?? 'en';
}

export function formatMoment(locale: Locale, epochSeconds: number): string {
  return new Intl.DateTimeFormat(locale === 'fr' ? 'fr-FR' : 'en-US', {
    dateStyle: 'long',
    timeStyle: 'short',
  }).format(new Date(epochSeconds * 1000));
}
