// The FBS dialect's item fields: sub-fields separated by `%`, text HTML-entity encoded (encodeFbsText),
// dates in the form `YYYYMMDD    HHMMSS` (local time), amounts in kr with two decimals. A missing value is
// an empty sub-field. The format… functions build the value of one field occurrence (e.g. one AU); the
// parse… functions read one back (for test clients) and never throw: missing sub-fields read as empty.
//
//   AU charged          barcode%dueDate%title%author%GMB%SMB
//   AT/BM/BU            barcode%date%title%author%GMB%SMB%DK5      (overdue, renewed, recalled)
//   BN unrenewed        barcode%reason%dueDate%title%author%GMB%SMB%DK5
//   AV fine             barcode%feeId%feeDate%amount%title%author%GMB%SMB%DK5
//   AS hold ready       bibliographicId%barcode%pickupId%pickupDate%pickupLocation%title%author%GMB%SMB%DK5
//                       with pickupLocation `DK-761500 - Name`
//   CD hold not ready   bibliographicId%barcode%interestDate%title%author%GMB%SMB%DK5
//   CH item properties  title%author%GMB%SMB%DK5
//   BD home address     street%postalCode%city%country
//
// GMB and SMB are the Danish general and specific material designations (`bog` / `Bog`, `film` / `dvd`),
// DK5 the Danish classification (`sk` for fiction, `99.4` …).

import type { Ore } from '../shared/money.ts'
import { decodeFbsText, encodeFbsText } from './fbs-envelope.ts'
import { formatSip2Date, parseSip2Date } from './sip2-dates.ts'
import { formatSip2Amount, parseSip2Amount } from './sip2-fields.ts'

/** The bibliographic description every item sub-field list ends with. */
export interface FbsItemDescription {
  title?: string
  author?: string
  /** General material designation, e.g. `bog`. */
  gmb?: string
  /** Specific material designation, e.g. `Bog`. */
  smb?: string
  /** DK5 classification, e.g. `sk`, `99.4`. */
  dk5?: string
}

export interface FbsChargedItem extends FbsItemDescription {
  barcode: string
  dueDate: Date | null
}

/** Overdue (AT), renewed (BM) and recalled (BU) items: the date is the due date (new due date for BM). */
export interface FbsDatedItem extends FbsItemDescription {
  barcode: string
  date: Date | null
}

export interface FbsUnrenewedItem extends FbsItemDescription {
  barcode: string
  /** Why it could not be renewed (a Danish text). */
  reason: string
  dueDate: Date | null
}

export interface FbsFineItem extends FbsItemDescription {
  barcode: string
  feeId: string
  feeDate: Date | null
  amount: Ore
}

export interface FbsHoldReadyItem extends FbsItemDescription {
  bibliographicId: string
  barcode: string
  pickupId: string
  /** Last day to pick it up. */
  pickupDate: Date | null
  /** Agency, e.g. `DK-761500`. */
  pickupAgency: string
  /** The branch's name, e.g. `Hovedbiblioteket`. */
  pickupName: string
}

export interface FbsHoldPendingItem extends FbsItemDescription {
  bibliographicId: string
  barcode: string
  /** The end of the patron's period of interest. */
  interestDate: Date | null
}

export interface FbsHomeAddress {
  street: string
  postalCode: string
  city: string
  country: string
}

const text = (value: string | undefined): string => encodeFbsText(value ?? '')
const date = (value: Date | null): string => (value === null ? '' : formatSip2Date(value))
const join = (parts: string[]): string => parts.join('%')
const describe = (item: FbsItemDescription, withDk5: boolean): string[] => {
  const parts = [text(item.title), text(item.author), text(item.gmb), text(item.smb)]
  return withDk5 ? [...parts, text(item.dk5)] : parts
}

/** AU */
export function formatFbsChargedItem(item: FbsChargedItem): string {
  return join([text(item.barcode), date(item.dueDate), ...describe(item, false)])
}

/** AT (overdue), BM (renewed), BU (recalled) */
export function formatFbsDatedItem(item: FbsDatedItem): string {
  return join([text(item.barcode), date(item.date), ...describe(item, true)])
}

/** BN */
export function formatFbsUnrenewedItem(item: FbsUnrenewedItem): string {
  return join([text(item.barcode), text(item.reason), date(item.dueDate), ...describe(item, true)])
}

/** AV */
export function formatFbsFineItem(item: FbsFineItem): string {
  return join([
    text(item.barcode),
    text(item.feeId),
    date(item.feeDate),
    formatSip2Amount(item.amount),
    ...describe(item, true),
  ])
}

/** AS */
export function formatFbsHoldReadyItem(item: FbsHoldReadyItem): string {
  return join([
    text(item.bibliographicId),
    text(item.barcode),
    text(item.pickupId),
    date(item.pickupDate),
    text(`${item.pickupAgency} - ${item.pickupName}`),
    ...describe(item, true),
  ])
}

/** CD */
export function formatFbsHoldPendingItem(item: FbsHoldPendingItem): string {
  return join([
    text(item.bibliographicId),
    text(item.barcode),
    date(item.interestDate),
    ...describe(item, true),
  ])
}

/** CH, in checkout, checkin, renew and item-information answers. */
export function formatFbsItemProperties(item: FbsItemDescription): string {
  return join(describe(item, true))
}

/** BD */
export function formatFbsHomeAddress(address: FbsHomeAddress): string {
  return join([text(address.street), text(address.postalCode), text(address.city), text(address.country)])
}

// --- reading back ---------------------------------------------------------------------------------------

/** The decoded sub-fields of a field value, padded with '' to `count`. */
export function splitFbsSubfields(value: string, count = 0): string[] {
  const parts = value.split('%').map(decodeFbsText)
  while (parts.length < count) parts.push('')
  return parts
}

function description(parts: string[], from: number, withDk5: boolean): FbsItemDescription {
  const out: FbsItemDescription = {}
  const keys = withDk5
    ? (['title', 'author', 'gmb', 'smb', 'dk5'] as const)
    : (['title', 'author', 'gmb', 'smb'] as const)
  keys.forEach((key, i) => {
    const value = parts[from + i] ?? ''
    if (value !== '') out[key] = value
  })
  return out
}

const at = (parts: string[], i: number): string => parts[i] ?? ''

export function parseFbsChargedItem(value: string): FbsChargedItem {
  const p = splitFbsSubfields(value, 6)
  return { barcode: at(p, 0), dueDate: parseSip2Date(at(p, 1)), ...description(p, 2, false) }
}

export function parseFbsDatedItem(value: string): FbsDatedItem {
  const p = splitFbsSubfields(value, 7)
  return { barcode: at(p, 0), date: parseSip2Date(at(p, 1)), ...description(p, 2, true) }
}

export function parseFbsUnrenewedItem(value: string): FbsUnrenewedItem {
  const p = splitFbsSubfields(value, 8)
  return {
    barcode: at(p, 0),
    reason: at(p, 1),
    dueDate: parseSip2Date(at(p, 2)),
    ...description(p, 3, true),
  }
}

export function parseFbsFineItem(value: string): FbsFineItem {
  const p = splitFbsSubfields(value, 9)
  return {
    barcode: at(p, 0),
    feeId: at(p, 1),
    feeDate: parseSip2Date(at(p, 2)),
    amount: parseSip2Amount(at(p, 3)) ?? 0,
    ...description(p, 4, true),
  }
}

export function parseFbsHoldReadyItem(value: string): FbsHoldReadyItem {
  const p = splitFbsSubfields(value, 10)
  const location = at(p, 4)
  const dash = location.indexOf(' - ')
  return {
    bibliographicId: at(p, 0),
    barcode: at(p, 1),
    pickupId: at(p, 2),
    pickupDate: parseSip2Date(at(p, 3)),
    pickupAgency: dash < 0 ? location : location.slice(0, dash),
    pickupName: dash < 0 ? '' : location.slice(dash + 3),
    ...description(p, 5, true),
  }
}

export function parseFbsHoldPendingItem(value: string): FbsHoldPendingItem {
  const p = splitFbsSubfields(value, 8)
  return {
    bibliographicId: at(p, 0),
    barcode: at(p, 1),
    interestDate: parseSip2Date(at(p, 2)),
    ...description(p, 3, true),
  }
}

export function parseFbsItemProperties(value: string): FbsItemDescription {
  return description(splitFbsSubfields(value, 5), 0, true)
}

export function parseFbsHomeAddress(value: string): FbsHomeAddress {
  const p = splitFbsSubfields(value, 4)
  return { street: at(p, 0), postalCode: at(p, 1), city: at(p, 2), country: at(p, 3) }
}
