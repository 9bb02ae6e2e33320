import type { Lang } from './web-texts.ts'

const da = {
  mitidTitle: 'MitID',
  mitidUnavailable: 'Log ind med MitID er ikke sat op her. Brug lånerkort og pinkode.',
  mitidFailed: 'Log ind med MitID lykkedes ikke. Prøv igen.',
  backToLogin: 'Tilbage til log ind',
  loginWithMitId: 'Log ind med MitID',
  orCard: 'Eller log ind med lånerkort og pinkode',
  notPatron: 'Er du ikke låner endnu?',
  registerTitle: 'Bliv låner',
  registerIntro:
    'Du kan blive låner med det samme med MitID. Er du 15–17 år, skal en forælder give samtykke.',
  registerWithMitId: 'Bliv låner med MitID',
  hello: (name: string) => `Hej ${name}. Vælg en pinkode, så er du låner.`,
  consentIntro:
    'Du er under 18 år, så en forælder skal give samtykke. Skriv din forælders lånerkort- eller CPR-nummer; din forælder skal selv være låner og giver samtykke på Min side.',
  tooYoung: 'Er du under 15 år, skal du komme på biblioteket sammen med en forælder for at blive låner.',
  fixErrors: 'Ret venligst:',
  choosePin: 'Vælg pinkode',
  pinHint: '4 til 8 cifre',
  repeatPin: 'Gentag pinkoden',
  email: 'E-mail (til påmindelser)',
  phone: 'Mobilnummer (til påmindelser)',
  guardian: 'Din forælders lånerkort- eller CPR-nummer',
  guardianHint: 'Din forælder skal være låner og over 18 år',
  askConsent: 'Bed om samtykke',
  becomePatron: 'Bliv låner',
  pinInvalid: 'Pinkoden skal være 4 til 8 cifre.',
  pinMismatch: 'De to pinkoder er ikke ens.',
  emailInvalid: 'E-mailadressen ser ikke rigtig ud.',
  guardianMissing: 'Skriv din forælders lånerkort- eller CPR-nummer.',
  guardianUnknown: 'Vi kan ikke finde en voksen låner med det nummer.',
  waitingTitle: 'Vi venter på samtykke',
  waitingForConsent:
    'Din forælder skal give samtykke på Min side. Når det er sket, er du låner og kan logge ind med MitID eller dit CPR-nummer og din pinkode.',
  welcome: 'Velkommen! Du er nu låner. På automaterne bruger du dit sundhedskort og din pinkode.',
  consentGiven: (name: string) => `${name} er nu låner med dig som økonomisk ansvarlig.`,
  consentRefused: (name: string) => `Du har afvist ${name}s tilmelding.`,
}

export type RegistrationTexts = typeof da

const en: RegistrationTexts = {
  mitidTitle: 'MitID',
  mitidUnavailable: 'Logging in with MitID is not set up here. Use your library card and PIN.',
  mitidFailed: 'Logging in with MitID did not succeed. Try again.',
  backToLogin: 'Back to log in',
  loginWithMitId: 'Log in with MitID',
  orCard: 'Or log in with library card and PIN',
  notPatron: 'Not a patron yet?',
  registerTitle: 'Become a patron',
  registerIntro: 'You can become a patron at once with MitID. If you are 15–17, a parent must consent.',
  registerWithMitId: 'Become a patron with MitID',
  hello: (name: string) => `Hello ${name}. Choose a PIN and you are a patron.`,
  consentIntro:
    "You are under 18, so a parent must consent. Enter your parent's library card or CPR number; your parent must be a patron and consents on My page.",
  tooYoung: 'If you are under 15, come to the library with a parent to become a patron.',
  fixErrors: 'Please correct:',
  choosePin: 'Choose a PIN',
  pinHint: '4 to 8 digits',
  repeatPin: 'Repeat the PIN',
  email: 'E-mail (for reminders)',
  phone: 'Mobile number (for reminders)',
  guardian: "Your parent's library card or CPR number",
  guardianHint: 'Your parent must be a patron and over 18',
  askConsent: 'Ask for consent',
  becomePatron: 'Become a patron',
  pinInvalid: 'The PIN must be 4 to 8 digits.',
  pinMismatch: 'The two PINs differ.',
  emailInvalid: 'The e-mail address does not look right.',
  guardianMissing: "Enter your parent's library card or CPR number.",
  guardianUnknown: 'We cannot find an adult patron with that number.',
  waitingTitle: 'Waiting for consent',
  waitingForConsent:
    'Your parent must consent on My page. Then you are a patron and can log in with MitID or your CPR number and PIN.',
  welcome: 'Welcome! You are now a patron. At the machines, use your health card and your PIN.',
  consentGiven: (name: string) => `${name} is now a patron with you as the responsible adult.`,
  consentRefused: (name: string) => `You refused ${name}'s registration.`,
}

export const REGISTRATION_TEXTS: Record<Lang, RegistrationTexts> = { da, en }
