// The answers a machine gets about patrons and items, built from what was read (pure: no clock, no
// database). Two dialects: plain SIP2 2.00 over TCP, where item lists carry barcodes, and the FBS dialect
// over HTTPS, where item fields carry `%`-separated sub-fields and text is HTML-entity encoded.

import { isMaterialType, MATERIAL_DESIGNATIONS } from '../catalogue/material-types.ts'
import type { Ore } from '../shared/money.ts'
import { formatKroner } from '../shared/money.ts'
import { addDays, instantOfLocal, type LocalDate, localDateOf } from '../shared/time.ts'
import { encodeFbsText } from './fbs-envelope.ts'
import {
  type FbsItemDescription,
  formatFbsChargedItem,
  formatFbsDatedItem,
  formatFbsFineItem,
  formatFbsHoldPendingItem,
  formatFbsHoldReadyItem,
  formatFbsHomeAddress,
  formatFbsItemProperties,
} from './fbs-item-fields.ts'
import type { Sip2PatronStatus } from './sip2-fields.ts'
import {
  MEDIA_TYPE,
  type PatronInformationRequest,
  type PatronInformationResponse,
  type PatronStatusRequest,
  type PatronStatusResponse,
  SIP2_CURRENCY,
  SIP2_LANGUAGE,
} from './sip2-messages.ts'
import type {
  Sip2Charge,
  Sip2Hold,
  Sip2ItemInfo,
  Sip2Loan,
  Sip2PatronAccount,
} from './sip2-patron-account.ts'
import { SIP2_REFUSAL_MESSAGES } from './sip2-screen-messages.ts'

export type Sip2Dialect = 'sip2' | 'fbs'

/** What the answers need beyond the rows: the dialect, the day, the library. */
export interface Sip2AnswerContext {
  dialect: Sip2Dialect
  now: Date
  /** The agency id (`DK-710100`) and the library's name, for pickup locations. */
  agency: string
  libraryName: string
  /** Days a reserved item waits on the hold shelf (policy). */
  pickupDays: number
}

/** Text as the dialect carries it: HTML-entity encoded in FBS. */
export function sip2Text(context: Pick<Sip2AnswerContext, 'dialect'>, text: string): string {
  return context.dialect === 'fbs' ? encodeFbsText(text) : text
}

/** A loan's due date (a local date) as the instant SIP2 shows: the end of that day in Copenhagen. */
export function dueInstant(dueDate: LocalDate): Date {
  return new Date(instantOfLocal(dueDate, '23:59').getTime() + 59_000)
}

/** Title, author, the material designations (the item's own, else its type's) and DK5. */
export function itemDescription(item: Omit<Sip2ItemInfo, 'barcode'>): FbsItemDescription {
  const designation = isMaterialType(item.materialType) ? MATERIAL_DESIGNATIONS[item.materialType] : undefined
  return {
    title: item.title,
    author: item.author ?? '',
    gmb: item.gmb ?? designation?.gmb ?? '',
    smb: item.smb ?? designation?.smb ?? '',
    dk5: item.dk5 ?? '',
  }
}

/** SIP2's media type (CK) of a material type. */
export function mediaTypeOf(materialType: string): string {
  switch (materialType) {
    case 'book':
    case 'quick-loan':
    case 'comic':
      return MEDIA_TYPE.book
    case 'magazine':
    case 'newspaper':
      return MEDIA_TYPE.magazine
    case 'bound-volume':
      return MEDIA_TYPE.boundJournal
    case 'cd-rom':
      return MEDIA_TYPE.cdRom
    default:
      return MEDIA_TYPE.other
  }
}

/** The FBS item properties (CH); omitted in plain SIP2. */
export function itemPropertiesField(
  context: Pick<Sip2AnswerContext, 'dialect'>,
  item: Omit<Sip2ItemInfo, 'barcode'>,
): { itemProperties?: string } {
  return context.dialect === 'fbs' ? { itemProperties: formatFbsItemProperties(itemDescription(item)) } : {}
}

export function feeTotal(account: Sip2PatronAccount): Ore {
  return account.charges.reduce((sum, charge) => sum + charge.open, 0)
}

export function patronStatusOf(account: Sip2PatronAccount): Sip2PatronStatus {
  const cardLost = account.patron.cardLostAt !== null
  const denied = cardLost || account.blocks.length > 0
  return {
    chargePrivilegesDenied: denied,
    renewalPrivilegesDenied: denied,
    recallPrivilegesDenied: denied,
    holdPrivilegesDenied: denied,
    cardReportedLost: cardLost,
    excessiveOutstandingFees: account.blocks.includes('fees'),
  }
}

/** The patron's screen: why they cannot borrow, and what they owe and where to pay it. */
export function patronScreenMessages(account: Sip2PatronAccount): string[] {
  const messages: string[] = []
  if (account.patron.cardLostAt !== null) messages.push(SIP2_REFUSAL_MESSAGES['card-lost'])
  else if (account.blocks.length > 0) messages.push(SIP2_REFUSAL_MESSAGES.blocked)
  const fees = feeTotal(account)
  if (fees > 0) {
    messages.push(`Du skylder ${formatKroner(fees)}. Det betales i kommunens Mit Betalingsoverblik.`)
  }
  return messages
}

const overdueOn = (loan: Sip2Loan, today: LocalDate) => loan.status === 'lost' || loan.dueDate < today

/** The items of a list that 63 asks for (BP/BQ, 1-based and inclusive). */
function range<T>(items: readonly T[], request: PatronInformationRequest): T[] {
  const start = Math.max(1, request.startItem ?? 1)
  const end = request.endItem === undefined || request.endItem < start ? items.length : request.endItem
  return items.slice(start - 1, end)
}

function chargedItem(context: Sip2AnswerContext, loan: Sip2Loan): string {
  if (context.dialect === 'sip2') return loan.barcode
  return formatFbsChargedItem({
    barcode: loan.barcode,
    dueDate: dueInstant(loan.dueDate),
    ...itemDescription(loan),
  })
}

function overdueItem(context: Sip2AnswerContext, loan: Sip2Loan): string {
  if (context.dialect === 'sip2') return loan.barcode
  return formatFbsDatedItem({
    barcode: loan.barcode,
    date: dueInstant(loan.dueDate),
    ...itemDescription(loan),
  })
}

function fineItem(context: Sip2AnswerContext, charge: Sip2Charge): string {
  if (context.dialect === 'sip2') {
    return `${charge.item?.barcode ?? charge.kind} ${formatKroner(charge.open)}`
  }
  return formatFbsFineItem({
    barcode: charge.item?.barcode ?? '',
    feeId: String(charge.id),
    feeDate: instantOfLocal(charge.chargeDate, '12:00'),
    amount: charge.open,
    ...(charge.item ? itemDescription(charge.item) : { title: charge.kind }),
  })
}

function holdReadyItem(context: Sip2AnswerContext, hold: Sip2Hold): string {
  if (context.dialect === 'sip2') return hold.item?.barcode ?? hold.title
  const heldOn = hold.heldAt === null ? null : localDateOf(hold.heldAt)
  return formatFbsHoldReadyItem({
    bibliographicId: hold.title,
    barcode: hold.item?.barcode ?? '',
    pickupId: String(hold.id),
    pickupDate: heldOn === null ? null : dueInstant(addDays(heldOn, context.pickupDays)),
    pickupAgency: context.agency,
    pickupName: context.libraryName,
    ...(hold.item ? itemDescription(hold.item) : { title: hold.title }),
  })
}

function holdPendingItem(context: Sip2AnswerContext, hold: Sip2Hold): string {
  if (context.dialect === 'sip2') return hold.title
  return formatFbsHoldPendingItem({
    bibliographicId: hold.title,
    barcode: hold.item?.barcode ?? '',
    // Reservations in laan do not lapse; a year from the reservation is the period of interest shown.
    interestDate: dueInstant(addDays(localDateOf(hold.createdAt), 365)),
    ...(hold.item ? itemDescription(hold.item) : { title: hold.title }),
  })
}

function homeAddress(context: Sip2AnswerContext, account: Sip2PatronAccount): { homeAddress?: string } {
  const { street, postalCode, city, country } = account.patron
  if (street === null || postalCode === null || city === null) return {}
  if (context.dialect === 'fbs') {
    return { homeAddress: formatFbsHomeAddress({ street, postalCode, city, country: country ?? 'Danmark' }) }
  }
  return { homeAddress: `${street}, ${postalCode} ${city}` }
}

const languageOf = (account: Sip2PatronAccount) =>
  account.patron.language === 'en' ? SIP2_LANGUAGE.english : SIP2_LANGUAGE.danish

/** CQ: only when the machine sent a PIN. */
const pinField = (pinOk: boolean | undefined) => (pinOk === undefined ? {} : { validPatronPassword: pinOk })

const unknownPatronScreen = [SIP2_REFUSAL_MESSAGES['unknown-patron']]

export function patronStatusAnswer(
  context: Sip2AnswerContext,
  request: PatronStatusRequest,
  account: Sip2PatronAccount | null,
  pinOk: boolean | undefined,
): PatronStatusResponse {
  const base = {
    type: 'patron-status-response' as const,
    transactionDate: context.now,
    institutionId: request.institutionId,
    patronIdentifier: request.patronIdentifier,
  }
  if (!account) {
    return {
      ...base,
      patronStatus: {},
      language: SIP2_LANGUAGE.unknown,
      personalName: '',
      validPatron: false,
      ...pinField(pinOk === undefined ? undefined : false),
      screenMessage: unknownPatronScreen.map((m) => sip2Text(context, m)),
    }
  }
  return {
    ...base,
    patronStatus: patronStatusOf(account),
    language: languageOf(account),
    personalName: sip2Text(context, account.patron.name),
    validPatron: true,
    ...pinField(pinOk),
    currencyType: SIP2_CURRENCY,
    feeAmount: feeTotal(account),
    screenMessage: patronScreenMessages(account).map((m) => sip2Text(context, m)),
  }
}

export function patronInformationAnswer(
  context: Sip2AnswerContext,
  request: PatronInformationRequest,
  account: Sip2PatronAccount | null,
  pinOk: boolean | undefined,
): PatronInformationResponse {
  const base = {
    type: 'patron-information-response' as const,
    transactionDate: context.now,
    institutionId: request.institutionId,
    patronIdentifier: request.patronIdentifier,
  }
  if (!account) {
    return {
      ...base,
      patronStatus: {},
      language: SIP2_LANGUAGE.unknown,
      holdItemsCount: 0,
      overdueItemsCount: 0,
      chargedItemsCount: 0,
      fineItemsCount: 0,
      recallItemsCount: 0,
      unavailableHoldsCount: 0,
      personalName: '',
      validPatron: false,
      ...pinField(pinOk === undefined ? undefined : false),
      screenMessage: unknownPatronScreen.map((m) => sip2Text(context, m)),
    }
  }
  const today = localDateOf(context.now)
  const ready = account.holds.filter((h) => h.status === 'held')
  const pending = account.holds.filter((h) => h.status === 'waiting')
  const overdue = account.loans.filter((l) => overdueOn(l, today))
  const summary = request.summary
  const { patron } = account
  return {
    ...base,
    patronStatus: patronStatusOf(account),
    language: languageOf(account),
    holdItemsCount: ready.length,
    overdueItemsCount: overdue.length,
    chargedItemsCount: account.loans.length,
    fineItemsCount: account.charges.length,
    recallItemsCount: 0,
    unavailableHoldsCount: pending.length,
    personalName: sip2Text(context, patron.name),
    validPatron: true,
    ...pinField(pinOk),
    currencyType: SIP2_CURRENCY,
    feeAmount: feeTotal(account),
    ...(summary.holdItems ? { holdItems: range(ready, request).map((h) => holdReadyItem(context, h)) } : {}),
    ...(summary.overdueItems
      ? { overdueItems: range(overdue, request).map((l) => overdueItem(context, l)) }
      : {}),
    ...(summary.chargedItems
      ? { chargedItems: range(account.loans, request).map((l) => chargedItem(context, l)) }
      : {}),
    ...(summary.fineItems || summary.feeItems
      ? { fineItems: range(account.charges, request).map((c) => fineItem(context, c)) }
      : {}),
    ...(summary.recallItems ? { recallItems: [] } : {}),
    ...(summary.unavailableHolds
      ? { unavailableHoldItems: range(pending, request).map((h) => holdPendingItem(context, h)) }
      : {}),
    ...homeAddress(context, account),
    ...(patron.email === null ? {} : { emailAddress: sip2Text(context, patron.email) }),
    ...(patron.phone === null ? {} : { homePhoneNumber: sip2Text(context, patron.phone) }),
    screenMessage: patronScreenMessages(account).map((m) => sip2Text(context, m)),
  }
}
