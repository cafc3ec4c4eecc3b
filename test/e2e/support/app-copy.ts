// What a user reads, word for word, on the way through an app (issue 14): the demo app's own words
// (examples/sales-connect-app/i18n.ts) and the service's pages of an app's sign-in and sign-out (consent,
// end-session confirmation, "You are signed out", Settings → Security → Connected apps). French typography
// as in copy.ts: a non-breaking space (\u00a0) before « ? », « : » and « ! ».
import type { Lang } from './copy.ts';

export interface AppCopy {
  // The demo app (the Sales Connect web app, a relying party).
  /** Its home page's title to a visitor, beside its "Sign in" button. */
  appWelcome: string;
  /** Its home page's title once signed in. */
  appWelcomeBack: (name: string) => string;
  appSignIn: string;
  appSignOut: string;
  // The service, for an app.
  /** The log-in page's line under its title, naming the app the sign-in continues to. */
  logInForApp: (app: string) => string;
  consentTitle: (app: string) => string;
  consentIntro: (app: string, email: string) => string;
  /** What the app will see, one line per scope it asked for (openid profile email), in this order. */
  consentScopes: readonly string[];
  allow: string;
  deny: string;
  endSessionTitle: string;
  endSessionIntro: (app: string) => string;
  endSessionConfirm: string;
  endSessionCancel: string;
  loggedOutTitle: string;
  loggedOutMessage: string;
  signInAgain: string;
  connectedApps: string;
  noApps: string;
  revokeApp: string;
  revokeAppLabel: (app: string) => string;
  appRevoked: string;
}

export const appCopy: Record<Lang, AppCopy> = {
  en: {
    appWelcome: 'Welcome to Sales Connect',
    appWelcomeBack: (name) => `Welcome back, ${name}`,
    appSignIn: 'Sign in',
    appSignOut: 'Sign out',
    logInForApp: (app) => `Sign in to continue to ${app}.`,
    consentTitle: (app) => `Allow ${app} to use your account?`,
    consentIntro: (app, email) =>
      `${app} is asking to sign you in with your Sales Connect account (${email}). It will see:`,
    consentScopes: [
      'That you are signed in, and when',
      'Your name and language',
      'Your email address, and whether it is verified',
    ],
    allow: 'Allow',
    deny: 'Cancel',
    endSessionTitle: 'Sign out of Sales Connect?',
    endSessionIntro: (app) =>
      `${app} asks to sign you out. You will be signed out of Sales Connect and of the apps you signed in to with this account.`,
    endSessionConfirm: 'Sign out',
    endSessionCancel: 'Stay signed in',
    loggedOutTitle: 'You are signed out',
    loggedOutMessage: 'You have been signed out of Sales Connect.',
    signInAgain: 'Sign in again',
    connectedApps: 'Connected apps',
    noApps: 'No app has access to your account.',
    revokeApp: 'Revoke',
    revokeAppLabel: (app) => `Revoke the access of ${app}`,
    appRevoked: 'That app can no longer use your account, and has been signed out.',
  },
  fr: {
    appWelcome: 'Bienvenue sur Sales Connect',
    appWelcomeBack: (name) => `Bon retour, ${name}`,
    appSignIn: 'Se connecter',
    appSignOut: 'Se déconnecter',
    logInForApp: (app) => `Connectez-vous pour continuer vers ${app}.`,
    consentTitle: (app) => `Autoriser ${app} à utiliser votre compte\u00a0?`,
    consentIntro: (app, email) =>
      `${app} demande à vous connecter avec votre compte Sales Connect (${email}). L’application verra\u00a0:`,
    consentScopes: [
      'Que vous êtes connecté, et depuis quand',
      'Votre nom et votre langue',
      'Votre adresse e-mail, et si elle est vérifiée',
    ],
    allow: 'Autoriser',
    deny: 'Annuler',
    endSessionTitle: 'Vous déconnecter de Sales Connect\u00a0?',
    endSessionIntro: (app) =>
      `${app} demande à vous déconnecter. Vous serez déconnecté de Sales Connect et des applications auxquelles vous vous êtes connecté grâce à ce compte.`,
    endSessionConfirm: 'Se déconnecter',
    endSessionCancel: 'Rester connecté',
    loggedOutTitle: 'Vous êtes déconnecté',
    loggedOutMessage: 'Vous avez été déconnecté de Sales Connect.',
    signInAgain: 'Se reconnecter',
    connectedApps: 'Applications connectées',
    noApps: 'Aucune application n’a accès à votre compte.',
    revokeApp: 'Révoquer',
    revokeAppLabel: (app) => `Révoquer l’accès de ${app}`,
    appRevoked: 'Cette application ne peut plus utiliser votre compte, et en a été déconnectée.',
  },
};
