// What a user reads, word for word, of two-step verification: the second step of a sign-in, Settings →
// Security's card, the authenticator app's setup, the recovery codes, "confirm it's you" and turning it off.
// French typography as in copy.ts: a non-breaking space (\u00a0) before « ? », « : » and « ! ».
import type { Lang } from './copy.ts';

export interface TwoStepCopy {
  /** The card's heading on Settings → Security, and the title of the second step's page. */
  title: string;
  on: string;
  off: string;
  app: string;
  codesLeft: (count: number) => string;
  setUp: string;
  turnOff: string;
  renewCodes: string;
  turnedOff: string;
  // The setup.
  setupTitle: string;
  qrLabel: string;
  setupCode: string;
  turnOn: string;
  cancel: string;
  setupWrongCode: string;
  // The recovery codes, shown once.
  codesTitle: string;
  codesEnabled: string;
  codesListLabel: string;
  copy: string;
  copied: string;
  download: string;
  print: string;
  savedCodes: string;
  codesFileTitle: (email: string) => string;
  codesFileHint: string;
  // The second step of a sign-in.
  intro: string;
  code: string;
  verify: string;
  useRecovery: string;
  recoveryIntro: string;
  recoveryCode: string;
  useApp: string;
  wrongCode: string;
  signingInAs: (email: string) => string;
  cancelSignIn: string;
  // Turning it off.
  offTitle: string;
  offIntro: string;
  offSubmit: string;
}

export const twoStepCopy: Record<Lang, TwoStepCopy> = {
  en: {
    title: 'Two-step verification',
    on: 'On',
    off: 'Off',
    app: 'Authenticator app',
    codesLeft: (count) => `Recovery codes: ${count} of 10 left`,
    setUp: 'Set up authenticator app',
    turnOff: 'Turn off',
    renewCodes: 'Get new recovery codes',
    turnedOff: 'Two-step verification is off. Your account is protected by your password only.',
    setupTitle: 'Set up your authenticator app',
    qrLabel: 'QR code to scan with your authenticator app',
    setupCode: 'Code from the app',
    turnOn: 'Turn on',
    cancel: 'Cancel',
    setupWrongCode: 'That code is not right. Enter the code the app shows now.',
    codesTitle: 'Save your recovery codes',
    codesEnabled: 'Two-step verification is on. From now on, signing in asks for a code from your app.',
    codesListLabel: 'Your recovery codes',
    copy: 'Copy',
    copied: 'Copied',
    download: 'Download',
    print: 'Print',
    savedCodes: 'I have saved my codes',
    codesFileTitle: (email) => `Sales Connect recovery codes for ${email}`,
    codesFileHint: 'Each code works once. Keep this file somewhere safe.',
    intro: 'Enter the 6-digit code from your authenticator app.',
    code: 'Authentication code',
    verify: 'Verify',
    useRecovery: 'Use a recovery code instead',
    recoveryIntro:
      'Enter one of the recovery codes you saved when you turned on two-step verification. Each code works once.',
    recoveryCode: 'Recovery code',
    useApp: 'Use your authenticator app instead',
    wrongCode: 'That code is not right. Check that your phone’s clock is correct, and try the code it shows now.',
    signingInAs: (email) => `Signing in as ${email}`,
    cancelSignIn: 'Cancel and sign in again',
    offTitle: 'Turn off two-step verification?',
    offIntro:
      'Your account will be protected by your password only. Your authenticator app, your passkeys and your recovery codes will stop working.',
    offSubmit: 'Turn off two-step verification',
  },
  fr: {
    title: 'Vérification en deux étapes',
    on: 'Activée',
    off: 'Désactivée',
    app: 'Application d’authentification',
    codesLeft: (count) => `Codes de secours\u00a0: ${count} sur 10 restants`,
    setUp: 'Configurer une application d’authentification',
    turnOff: 'Désactiver',
    renewCodes: 'Générer de nouveaux codes de secours',
    turnedOff:
      'La vérification en deux étapes est désactivée. Votre compte n’est plus protégé que par votre mot de passe.',
    setupTitle: 'Configurer votre application d’authentification',
    qrLabel: 'Code QR à scanner avec votre application d’authentification',
    setupCode: 'Code de l’application',
    turnOn: 'Activer',
    cancel: 'Annuler',
    setupWrongCode: 'Ce code est incorrect. Saisissez le code affiché maintenant par l’application.',
    codesTitle: 'Enregistrez vos codes de secours',
    codesEnabled:
      'La vérification en deux étapes est activée. Désormais, la connexion demande un code de votre application.',
    codesListLabel: 'Vos codes de secours',
    copy: 'Copier',
    copied: 'Copié',
    download: 'Télécharger',
    print: 'Imprimer',
    savedCodes: 'J’ai enregistré mes codes',
    codesFileTitle: (email) => `Codes de secours Sales Connect de ${email}`,
    codesFileHint: 'Chaque code ne sert qu’une fois. Conservez ce fichier en lieu sûr.',
    intro: 'Saisissez le code à 6 chiffres de votre application d’authentification.',
    code: 'Code d’authentification',
    verify: 'Vérifier',
    useRecovery: 'Utiliser plutôt un code de secours',
    recoveryIntro:
      'Saisissez l’un des codes de secours enregistrés lors de l’activation de la vérification en deux étapes. Chaque code ne sert qu’une fois.',
    recoveryCode: 'Code de secours',
    useApp: 'Utiliser plutôt votre application d’authentification',
    wrongCode:
      'Ce code est incorrect. Vérifiez que l’horloge de votre téléphone est à l’heure, puis saisissez le code affiché maintenant.',
    signingInAs: (email) => `Connexion en tant que ${email}`,
    cancelSignIn: 'Annuler et se reconnecter',
    offTitle: 'Désactiver la vérification en deux étapes\u00a0?',
    offIntro:
      'Votre compte ne sera plus protégé que par votre mot de passe. Votre application d’authentification, vos clés d’accès et vos codes de secours ne fonctionneront plus.',
    offSubmit: 'Désactiver la vérification en deux étapes',
  },
};
