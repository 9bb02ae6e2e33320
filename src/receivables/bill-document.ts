import { formatDanishDate, isLocalDate, type LocalDate } from '../shared/time.ts'
import { isValidPaymentId, paymentLine } from './fik.ts'

export { formatDanishDate }

/** Everything a bill, dunning letter or transfer notice shows; the caller fills it from the database. */
export interface BillDocument {
  kind: 'bill' | 'dunning-letter' | 'transfer-notice'
  channel: 'digital-post' | 'letter'
  /** e.g. "Københavns Kommune" */
  municipalityName: string
  /** Who issued the claim, e.g. Københavns Biblioteker / Biblioteket Online, 33 66 30 00. */
  issuer: { name: string; phone: string }
  /** Whom to contact about paying, about why the claim was made, and to complain. */
  contacts: { payment: ContactLine; reason: ContactLine; complaint: ContactLine }
  /** A letter needs the postal address lines. */
  debtor: { name: string; address?: string[] }
  /** The letter's date. */
  date: LocalDate
  deadline: LocalDate
  /** The claim's shown id. */
  claimNumber: string
  /** Amounts in øre. They add up to `total`: a dunning fee or a part payment is a line of its own. */
  lines: { text: string; amount: number }[]
  /** Required for dunning letters. */
  dunning?: { letterNumber: number; fee: number }
  /** Øre, what is to be paid now. */
  total: number
  /** FIK 71 payment id, 15 digits. */
  paymentId: string
  /** The FIK code line, "+71<" payment id "+" creditor number "<". */
  paymentLine: string
  /** FIK creditor number, 8 digits. */
  creditorNumber: string
  /** e.g. "Offentligretligt krav (gebyr)" / "Civilretligt krav (erstatning)" */
  legalKindText: string
}

export interface ContactLine {
  who: string
  phone?: string
  web?: string
}

/** A BillDocument that cannot be rendered as it stands: a bug in the caller or its data. */
export class BillDocumentError extends Error {
  override name = 'BillDocumentError'
}

/** "1.234,50 kr.", "-0,50 kr." */
export function formatKroner(ore: number): string {
  if (!Number.isSafeInteger(ore)) throw new BillDocumentError(`an amount in øre must be an integer: ${ore}`)
  const abs = Math.abs(ore)
  const fraction = abs % 100
  const whole = (abs - fraction) / 100
  const grouped = String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, '.')
  return `${ore < 0 ? '-' : ''}${grouped},${String(fraction).padStart(2, '0')} kr.`
}

/** Throws a BillDocumentError naming the first inconsistency. */
export function assertValidBillDocument(doc: BillDocument): void {
  const fail = (message: string): never => {
    throw new BillDocumentError(`claim ${doc.claimNumber}: ${message}`)
  }
  for (const [field, value] of [
    ['date', doc.date],
    ['deadline', doc.deadline],
  ] as const) {
    if (!isLocalDate(value)) fail(`${field} is not a date (YYYY-MM-DD): ${value}`)
  }
  if (doc.deadline < doc.date) fail(`deadline ${doc.deadline} is before the letter's date ${doc.date}`)
  if (doc.lines.length === 0) fail('a bill needs at least one line')
  let sum = 0
  for (const line of doc.lines) {
    if (!Number.isSafeInteger(line.amount)) fail(`line "${line.text}" has an amount that is not whole øre`)
    sum += line.amount
  }
  if (!Number.isSafeInteger(doc.total) || doc.total <= 0) {
    fail(`total must be a positive whole number of øre: ${doc.total}`)
  }
  if (sum !== doc.total) fail(`the lines add up to ${sum} øre but the total is ${doc.total}`)
  if (!isValidPaymentId(doc.paymentId)) {
    fail(`paymentId must be 15 digits ending in a valid check digit: ${doc.paymentId}`)
  }
  if (!/^\d{8}$/.test(doc.creditorNumber)) fail(`creditorNumber must be 8 digits: ${doc.creditorNumber}`)
  if (doc.paymentLine !== paymentLine(doc.paymentId, doc.creditorNumber)) {
    fail(`paymentLine ${doc.paymentLine} does not match the payment id and creditor number`)
  }
  if (doc.kind === 'dunning-letter') {
    if (!doc.dunning) fail('a dunning letter needs its letter number and fee')
    else if (!Number.isSafeInteger(doc.dunning.letterNumber) || doc.dunning.letterNumber < 1) {
      fail(`dunning letter number must be 1 or more: ${doc.dunning.letterNumber}`)
    } else if (!Number.isSafeInteger(doc.dunning.fee) || doc.dunning.fee < 0) {
      fail(`dunning fee must be a non-negative integer: ${doc.dunning.fee}`)
    }
  }
  if (doc.channel === 'letter' && (doc.debtor.address ?? []).every((line) => line.trim() === '')) {
    fail('a paper letter needs the debtor\u2019s address')
  }
}

export interface DocumentTexts {
  /** The letter's heading, e.g. "Rykker nr. 2". */
  heading: string
  /** A short title for the Digital Post inbox and the PDF's metadata. */
  title: string
  /** The body's sentences, one paragraph each. */
  body: string[]
}

/** The Danish heading and body per kind of letter. */
export function documentTexts(doc: BillDocument): DocumentTexts {
  const total = formatKroner(doc.total)
  const deadline = formatDanishDate(doc.deadline)
  switch (doc.kind) {
    case 'bill':
      return {
        heading: 'Regning',
        title: `Regning fra ${doc.issuer.name}`,
        body: [
          `Du har fået en regning fra ${doc.issuer.name}. Du kan se, hvad regningen dækker, nedenfor.`,
          `Betal ${total} senest ${deadline}.`,
        ],
      }
    case 'dunning-letter': {
      const dunning = doc.dunning
      if (!dunning) throw new BillDocumentError(`claim ${doc.claimNumber}: a dunning letter needs its number`)
      return {
        heading: `Rykker nr. ${dunning.letterNumber}`,
        title: `Rykker nr. ${dunning.letterNumber} fra ${doc.issuer.name}`,
        body: [
          `Vi har ikke modtaget din betaling for kravet nedenfor fra ${doc.issuer.name}.`,
          `Derfor er der lagt et rykkergebyr på ${formatKroner(dunning.fee)} til beløbet.`,
          `Betal ${total} senest ${deadline}.`,
        ],
      }
    }
    case 'transfer-notice':
      return {
        heading: 'Varsel om oversendelse til Gældsstyrelsen',
        title: `Varsel om oversendelse til Gældsstyrelsen fra ${doc.municipalityName}`,
        body: [
          `Vi har ikke modtaget din betaling for kravet nedenfor fra ${doc.issuer.name}.`,
          `Hvis du ikke betaler ${total} senest ${deadline}, sender vi kravet til inddrivelse hos Gældsstyrelsen.`,
          'Gældsstyrelsen lægger sine egne gebyrer og renter til kravet, så det bliver dyrere for dig.',
          'Kontakt os før fristen, hvis du mener, at kravet er forkert.',
        ],
      }
  }
}

/** Fixed Danish labels of the letter. */
export const LABELS = {
  date: 'Dato',
  claimNumber: 'Kravnummer',
  legalKind: 'Kravets art',
  amountHeader: 'Beløb',
  textHeader: 'Specifikation',
  total: 'I alt at betale',
  deadline: 'Betales senest',
  phone: 'Tlf.',
  howToPay: 'Sådan betaler du',
  contactHeading: 'Har du spørgsmål?',
  contactPayment: 'Om betalingen',
  contactReason: 'Om hvorfor du har fået kravet',
  contactComplaint: 'Hvis du vil klage',
} as const

/** The ways to pay, one paragraph each. */
export function paymentInstructions(doc: BillDocument): string[] {
  return [
    'Mit Betalingsoverblik: Log ind med MitID, og betal med betalingskort eller MobilePay.',
    `Netbank: Vælg indbetalingskort +71, og indtast betalings-id ${doc.paymentId} og kreditornummer ${doc.creditorNumber}.`,
    `Betalingsservice: Du kan tilmelde betalinger til ${doc.municipalityName} til Betalingsservice i din netbank.`,
  ]
}

/** "Økonomiforvaltningen, tlf. 33 66 33 66, kk.dk/betaling" */
export function contactText(contact: ContactLine): string {
  return [
    contact.who,
    contact.phone ? `${LABELS.phone.toLowerCase()} ${contact.phone}` : null,
    contact.web ?? null,
  ]
    .filter((part): part is string => part !== null && part !== '')
    .join(', ')
}

/** The three contact lines, labelled. */
export function contactLines(doc: BillDocument): { label: string; text: string }[] {
  return [
    { label: LABELS.contactPayment, text: contactText(doc.contacts.payment) },
    { label: LABELS.contactReason, text: contactText(doc.contacts.reason) },
    { label: LABELS.contactComplaint, text: contactText(doc.contacts.complaint) },
  ]
}

/** The PDF's file name in Digital Post: ASCII, no spaces, e.g. "rykker-2-K-2026-000123.pdf". */
export function documentFilename(doc: BillDocument): string {
  const claim = doc.claimNumber.replace(/[^A-Za-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'krav'
  switch (doc.kind) {
    case 'bill':
      return `regning-${claim}.pdf`
    case 'dunning-letter':
      return `rykker-${doc.dunning?.letterNumber ?? 0}-${claim}.pdf`
    case 'transfer-notice':
      return `varsel-${claim}.pdf`
  }
}
