/** Why the receivables refuse a request from a citizen or staff: an answer with a code, not a failure. */
export type ReceivablesRefusalCode =
  | 'unknown-claim'
  | 'channel-not-accepted'
  | 'legacy-mobilepay-only'
  | 'claim-closed'
  | 'already-matched'
  | 'not-eligible'
  | 'deadline-passed'
  | 'no-open-appeal'

const MESSAGES: Record<ReceivablesRefusalCode, { da: string; en: string }> = {
  'unknown-claim': {
    da: 'Der findes ingen regning med det betalings-ID eller nummer.',
    en: 'No claim has that payment ID or number.',
  },
  'channel-not-accepted': {
    da: 'Kommunen modtager ikke betaling på den måde.',
    en: 'The municipality does not take payments through that channel.',
  },
  'legacy-mobilepay-only': {
    da: 'Beløbet er fra før overgangen til det nye betalingssystem og kan indtil videre kun betales med MobilePay i appen Biblioteket.',
    en: 'A balance from before the switch to the new system can only be paid with MobilePay in the app for now.',
  },
  'claim-closed': {
    da: 'Regningen er allerede betalt eller annulleret.',
    en: 'The claim is already paid or cancelled.',
  },
  'already-matched': { da: 'Indbetalingen er allerede placeret.', en: 'The payment is already matched.' },
  'not-eligible': {
    da: 'Det kan ikke lade sig gøre for denne regning. Kontakt opkrævningen.',
    en: 'Not possible for this claim.',
  },
  'deadline-passed': {
    da: 'Betalingsfristen er overskredet; en senere frist skal søges, før fristen udløber.',
    en: 'The deadline has passed; a later deadline must be asked for before it.',
  },
  'no-open-appeal': {
    da: 'Der er ingen verserende klage over regningen.',
    en: 'The claim has no open appeal.',
  },
}

export const RECEIVABLES_NOT_FOUND = new Set<ReceivablesRefusalCode>(['unknown-claim'])

export class ReceivablesRefusal extends Error {
  readonly messageDa: string
  readonly messageEn: string
  constructor(
    readonly code: ReceivablesRefusalCode,
    detail?: string,
  ) {
    const text = MESSAGES[code]
    super(detail ? `${text.en} ${detail}` : text.en)
    this.messageDa = text.da
    this.messageEn = detail ? `${text.en} ${detail}` : text.en
  }
}
