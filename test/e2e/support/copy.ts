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
  security: string;
  activeSessions: string;
  thisDevice: string;
  recentActivity: string;
  revoked: string;
  revoke: string;
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
  // Signed out: Forgot password? → Send Reset Email → the email's Reset Password → Set Password.
  /** The link on the log-in page, and the title of the page it opens. */
  forgotPassword: string;
  sendResetEmail: string;
  backToLogIn: string;
  emailInvalid: string;
  checkEmailTitle: string;
  /** The answer to Send Reset Email, the same whether or not the address has an account (links last 1 hour). */
  resetEmailSent: (email: string) => string;
  checkSpam: string;
  sendAnother: string;
  resetEmailSubject: string;
  /** The button in the reset email. */
  resetPassword: string;
  setPasswordTitle: string;
  setPasswordIntro: (email: string) => string;
  setPassword: string;
  sameAsCurrent: string;
  passwordSet: string;
  deadLinkTitle: string;
  linkUsed: string;
  sendNewResetEmail: string;
  passwordChangedSubject: string;
  // The development mailbox (/dev/mailbox), in the language of the page.
  mailboxTitle: string;
  /** How the list names a message's recipient. */
  mailboxTo: (address: string) => string;
  /** The heading of the message's HTML part; its frame is named after it and the subject. */
  mailboxHtmlPart: string;
  mailboxTextPart: string;
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
    security: 'Security',
    activeSessions: 'Active sessions',
    thisDevice: 'This device',
    recentActivity: 'Recent activity',
    revoked: 'That session has been signed out.',
    revoke: 'Sign out',
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
    forgotPassword: 'Forgot password?',
    sendResetEmail: 'Send Reset Email',
    backToLogIn: 'Back to log-in',
    emailInvalid: 'Enter a valid email address, like name@example.com.',
    checkEmailTitle: 'Check your email',
    resetEmailSent: (email) =>
      `If an account exists for ${email}, we have sent it an email with a link to reset the password. The link expires in 1 hour.`,
    checkSpam: 'Be sure to check your Spam folder too, as this email can sometimes end up there.',
    sendAnother: 'Didn’t get it? Send another email',
    resetEmailSubject: 'Reset your Sales Connect password',
    resetPassword: 'Reset Password',
    setPasswordTitle: 'Set a new password',
    setPasswordIntro: (email) => `Choose a new password for ${email}.`,
    setPassword: 'Set Password',
    sameAsCurrent: 'The new password must be different from your current password.',
    passwordSet: 'Your password has been set. Sign in with your new password.',
    deadLinkTitle: 'This link cannot be used',
    linkUsed:
      'This password reset link has already been used. If you still need to change your password, ask for a new email.',
    sendNewResetEmail: 'Send a new reset email',
    passwordChangedSubject: 'Your Sales Connect password was changed',
    mailboxTitle: 'Development mailbox',
    mailboxTo: (address) => `To ${address}`,
    mailboxHtmlPart: 'HTML part',
    mailboxTextPart: 'Text part',
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
    security: 'Sécurité',
    activeSessions: 'Sessions actives',
    thisDevice: 'Cet appareil',
    recentActivity: 'Activité récente',
    revoked: 'Cette session a été déconnectée.',
    revoke: 'Déconnecter',
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
    forgotPassword: 'Mot de passe oublié\u00a0?',
    sendResetEmail: 'Envoyer un e-mail de réinitialisation',
    backToLogIn: 'Retour à la connexion',
    emailInvalid: 'Saisissez une adresse e-mail valide, comme nom@exemple.fr.',
    checkEmailTitle: 'Consultez votre messagerie',
    resetEmailSent: (email) =>
      `Si un compte existe pour ${email}, nous lui avons envoyé un e-mail contenant un lien pour réinitialiser le mot de passe. Le lien expire dans 1 heure.`,
    checkSpam: 'Veillez également à vérifier votre dossier Spam, car cet e-mail peut parfois y aboutir.',
    sendAnother: 'Rien reçu\u00a0? Envoyer un autre e-mail',
    resetEmailSubject: 'Réinitialisez votre mot de passe Sales Connect',
    resetPassword: 'Réinitialiser le mot de passe',
    setPasswordTitle: 'Définir un nouveau mot de passe',
    setPasswordIntro: (email) => `Choisissez un nouveau mot de passe pour ${email}.`,
    setPassword: 'Définir le mot de passe',
    sameAsCurrent: 'Le nouveau mot de passe doit être différent du mot de passe actuel.',
    passwordSet: 'Votre mot de passe a été défini. Connectez-vous avec votre nouveau mot de passe.',
    deadLinkTitle: 'Ce lien ne peut pas être utilisé',
    linkUsed:
      'Ce lien de réinitialisation a déjà été utilisé. Si vous devez encore changer votre mot de passe, demandez un nouvel e-mail.',
    sendNewResetEmail: 'Envoyer un nouvel e-mail de réinitialisation',
    passwordChangedSubject: 'Le mot de passe de votre compte Sales Connect a été modifié',
    mailboxTitle: 'Boîte aux lettres de développement',
    mailboxTo: (address) => `À ${address}`,
    mailboxHtmlPart: 'Partie HTML',
    mailboxTextPart: 'Partie texte',
  },
};
