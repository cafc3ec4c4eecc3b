// What a user reads, word for word, in each language: the documentation's labels (PRODUCT.md, "Labels") and
// our own sentences. French typography: a non-breaking space (\u00a0) before « ? », « : » and « ! ».
export type Lang = 'en' | 'fr';

export const langs: readonly Lang[] = ['en', 'fr'];

/** The four rules of the documentation's note, in the order the note lists them. */
export type NoteRule = 'min-length' | 'mixed-case' | 'number' | 'special';

export const noteRules: readonly NoteRule[] = ['min-length', 'mixed-case', 'number', 'special'];

export interface Copy {
  /** The accessible name of the language's button in the EN | FR switch: its visible text, then the language. */
  languageButton: string;
  languageSwitch: string;
  logInTitle: string;
  email: string;
  password: string;
  signIn: string;
  invalidCredentials: string;
  emailRequired: string;
  passwordRequired: string;
  signedOut: string;
  accountMenu: string;
  settings: string;
  signOut: string;
  signedInAs: string;
  myProfile: string;
  accountDetails: string;
  name: string;
  changePassword: string;
  currentPassword: string;
  newPassword: string;
  confirmPassword: string;
  showPassword: string;
  save: string;
  rulesTitle: string;
  rules: Record<NoteRule, string>;
  ruleMet: string;
  ruleUnmet: string;
  errorSummary: string;
  mismatch: string;
  missingSpecial: string;
  currentRequired: string;
  wrongCurrent: string;
  nameRequired: string;
  passwordChanged: string;
  notFoundTitle: string;
  notFound: string;
}

export const copy: Record<Lang, Copy> = {
  en: {
    languageButton: 'EN English',
    languageSwitch: 'Change language',
    logInTitle: 'Sales Connect log-in',
    email: 'Email address',
    password: 'Password',
    signIn: 'Sign in',
    invalidCredentials: 'The email address or password is incorrect.',
    emailRequired: 'Enter your email address.',
    passwordRequired: 'Enter your password.',
    signedOut: 'You have been signed out.',
    accountMenu: 'Account menu',
    settings: 'Settings',
    signOut: 'Sign out',
    signedInAs: 'Signed in as',
    myProfile: 'My Profile',
    accountDetails: 'Account Details',
    name: 'Name',
    changePassword: 'Change password',
    currentPassword: 'Current password',
    newPassword: 'New password',
    confirmPassword: 'Confirm new password',
    showPassword: 'Show password',
    save: 'Save',
    rulesTitle: 'Passwords must:',
    rules: {
      'min-length': 'Contain at least nine characters',
      'mixed-case': 'Use both upper and lower case letters',
      number: 'Include a number',
      special: 'Use a special character',
    },
    ruleMet: '(met)',
    ruleUnmet: '(not met yet)',
    errorSummary: 'Please correct the following:',
    mismatch: 'The passwords do not match.',
    missingSpecial: 'The new password does not meet these rules: use a special character.',
    currentRequired: 'Enter your current password.',
    wrongCurrent: 'Your current password is incorrect.',
    nameRequired: 'Enter your name.',
    passwordChanged: 'Your password has been changed. Any other sessions have been signed out.',
    notFoundTitle: 'Page not found',
    notFound: 'This page does not exist.',
  },
  fr: {
    languageButton: 'FR Français',
    languageSwitch: 'Changer de langue',
    logInTitle: 'Connexion à Sales Connect',
    email: 'Adresse e-mail',
    password: 'Mot de passe',
    signIn: 'Se connecter',
    invalidCredentials: 'L’adresse e-mail ou le mot de passe est incorrect.',
    emailRequired: 'Saisissez votre adresse e-mail.',
    passwordRequired: 'Saisissez votre mot de passe.',
    signedOut: 'Vous êtes déconnecté.',
    accountMenu: 'Menu du compte',
    settings: 'Paramètres',
    signOut: 'Se déconnecter',
    signedInAs: 'Connecté en tant que',
    myProfile: 'Mon profil',
    accountDetails: 'Détails du compte',
    name: 'Nom',
    changePassword: 'Modifier le mot de passe',
    currentPassword: 'Mot de passe actuel',
    newPassword: 'Nouveau mot de passe',
    confirmPassword: 'Confirmer le nouveau mot de passe',
    showPassword: 'Afficher le mot de passe',
    save: 'Enregistrer',
    rulesTitle: 'Les mots de passe doivent\u00a0:',
    rules: {
      'min-length': 'Contenir au moins neuf caractères',
      'mixed-case': 'Utiliser des majuscules et des minuscules',
      number: 'Inclure un chiffre',
      special: 'Utiliser un caractère spécial',
    },
    ruleMet: '(respectée)',
    ruleUnmet: '(pas encore respectée)',
    errorSummary: 'Veuillez corriger les points suivants\u00a0:',
    mismatch: 'Les mots de passe ne correspondent pas.',
    missingSpecial: 'Le nouveau mot de passe ne respecte pas ces règles\u00a0: utiliser un caractère spécial.',
    currentRequired: 'Saisissez votre mot de passe actuel.',
    wrongCurrent: 'Votre mot de passe actuel est incorrect.',
    nameRequired: 'Saisissez votre nom.',
    passwordChanged: 'Votre mot de passe a été modifié. Vos autres sessions ont été déconnectées.',
    notFoundTitle: 'Page introuvable',
    notFound: 'Cette page n’existe pas.',
  },
};
