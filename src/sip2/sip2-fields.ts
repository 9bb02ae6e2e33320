// The generic part of the SIP2 codec: a message is a two-character command, a fixed part of fields at
// fixed positions, then variable fields `XXvalue|` named by a two-letter code, in any order. Each message
// is described by a MessageSpec (sip2-messages.ts); this file reads and writes a message body after such
// a spec. Reading never throws; values that are no value of their kind are dropped (variable fields) or
// read as their neutral value (fixed fields: false, 0, null).

import type { Ore } from '../shared/money.ts'
import { formatSip2Date, parseSip2Date } from './sip2-dates.ts'

/** The 14 patron status flags of 24 and 64, in wire order; each is `Y` or a blank. */
export const PATRON_STATUS_FLAGS = [
  'chargePrivilegesDenied',
  'renewalPrivilegesDenied',
  'recallPrivilegesDenied',
  'holdPrivilegesDenied',
  'cardReportedLost',
  'tooManyItemsCharged',
  'tooManyItemsOverdue',
  'tooManyRenewals',
  'tooManyClaimsOfItemsReturned',
  'tooManyItemsLost',
  'excessiveOutstandingFines',
  'excessiveOutstandingFees',
  'recallOverdue',
  'tooManyItemsBilled',
] as const
export type PatronStatusFlag = (typeof PATRON_STATUS_FLAGS)[number]
/** Patron status: a flag left out is not set. A parsed status has all 14. */
export type Sip2PatronStatus = Partial<Record<PatronStatusFlag, boolean>>

/**
 * The summary of 63: ten positions, one `Y` for the item list wanted. Positions 0–5 are SIP2 2.00's;
 * position 6 (fee items) is an extension some clients send; 7–9 are unused.
 */
export const SUMMARY_POSITIONS = [
  'holdItems',
  'overdueItems',
  'chargedItems',
  'fineItems',
  'recallItems',
  'unavailableHolds',
  'feeItems',
] as const
export type SummaryPosition = (typeof SUMMARY_POSITIONS)[number]
export type Sip2Summary = Partial<Record<SummaryPosition, boolean>>

/** The 16 positions of BX (supported messages) in 98, in wire order. */
export const SUPPORTED_MESSAGES = [
  'patronStatusRequest',
  'checkout',
  'checkin',
  'blockPatron',
  'scAcsStatus',
  'requestScAcsResend',
  'login',
  'patronInformation',
  'endPatronSession',
  'feePaid',
  'itemInformation',
  'itemStatusUpdate',
  'patronEnable',
  'hold',
  'renew',
  'renewAll',
] as const
export type SupportedMessage = (typeof SUPPORTED_MESSAGES)[number]
export type Sip2SupportedMessages = Partial<Record<SupportedMessage, boolean>>

/** Y/N/U: yes, no, unknown (magnetic media, desensitize, resensitize). */
export type YesNoUnknown = 'Y' | 'N' | 'U'

export type FixedKind =
  | 'bit' // 0/1 → boolean
  | 'yn' // Y/N → boolean
  | 'ynu' // Y/N/U
  | 'char' // one character, as is
  | 'code' // `length` characters, as is
  | 'date' // 18 → Date | null
  | 'count' // 4 digits → number
  | 'num3' // 3 digits → number
  | 'patron-status' // 14
  | 'summary' // 10

export interface FixedSpec {
  readonly key: string
  readonly kind: FixedKind
  /** For `code` only. */
  readonly length?: number
}

export type FieldKind =
  | 'text' // string
  | 'list' // string[]: every occurrence, in order
  | 'date' // Date (an 18-character SIP2 date)
  | 'int' // number
  | 'amount' // Ore, written as kr with two decimals
  | 'yn' // boolean
  | 'supported' // Sip2SupportedMessages

export interface FieldSpec {
  readonly code: string
  readonly key: string
  readonly kind: FieldKind
  /** Required by SIP2: written (empty) even when the value is missing, read as '' when absent. */
  readonly required?: boolean
}

export interface MessageSpec {
  readonly command: string
  readonly type: string
  readonly fixed: readonly FixedSpec[]
  readonly fields: readonly FieldSpec[]
}

export function fixedLength(spec: FixedSpec): number {
  switch (spec.kind) {
    case 'bit':
    case 'yn':
    case 'ynu':
    case 'char':
      return 1
    case 'code':
      return spec.length ?? 1
    case 'date':
      return 18
    case 'count':
      return 4
    case 'num3':
      return 3
    case 'patron-status':
      return 14
    case 'summary':
      return 10
  }
}

export function fixedPartLength(spec: MessageSpec): number {
  return spec.fixed.reduce((sum, field) => sum + fixedLength(field), 0)
}

/** A value made safe for a SIP2 field: no `|`, CR or LF (each becomes a blank). */
export function sanitiseSip2(value: string): string {
  return value.replace(/[|\r\n]/g, ' ')
}

/** Øre as kr with two decimals: 12345 → `123.45`, -50 → `-0.50`. */
export function formatSip2Amount(amount: Ore): string {
  const ore = Math.round(amount)
  const sign = ore < 0 ? '-' : ''
  const abs = Math.abs(ore)
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`
}

/** Kr (`123.45`, `123,45`, `123.4`, `123`) as øre, or undefined when it is no amount. */
export function parseSip2Amount(text: string): Ore | undefined {
  const match = /^\s*(-?)(\d{1,12})(?:[.,](\d{1,2}))?\s*$/.exec(text)
  if (!match) return undefined
  const ore = Number(match[2]) * 100 + Number((match[3] ?? '0').padEnd(2, '0'))
  return match[1] === '-' ? -ore : ore
}

const isYes = (char: string | undefined): boolean => char === 'Y' || char === 'y' || char === '1'

function flagsOf<K extends string>(keys: readonly K[], text: string): Partial<Record<K, boolean>> {
  const flags: Partial<Record<K, boolean>> = {}
  keys.forEach((key, i) => {
    flags[key] = text[i] === 'Y' || text[i] === 'y'
  })
  return flags
}

function formatFlags<K extends string>(
  keys: readonly K[],
  flags: Partial<Record<K, boolean>> | undefined,
  width: number,
  no: string,
): string {
  return keys
    .map((key) => (flags?.[key] ? 'Y' : no))
    .join('')
    .padEnd(width, no)
}

function readFixed(spec: FixedSpec, text: string): unknown {
  switch (spec.kind) {
    case 'bit':
    case 'yn':
      return isYes(text)
    case 'ynu':
      return text === 'Y' || text === 'N' ? text : text === 'y' || text === 'n' ? text.toUpperCase() : 'U'
    case 'char':
    case 'code':
      return text
    case 'date':
      return parseSip2Date(text)
    case 'count':
    case 'num3': {
      const digits = text.trim()
      return /^\d+$/.test(digits) ? Number(digits) : 0
    }
    case 'patron-status':
      return flagsOf(PATRON_STATUS_FLAGS, text)
    case 'summary':
      return flagsOf(SUMMARY_POSITIONS, text)
  }
}

function writeFixed(spec: FixedSpec, value: unknown): string {
  const length = fixedLength(spec)
  switch (spec.kind) {
    case 'bit':
      return value === true ? '1' : '0'
    case 'yn':
      return value === true ? 'Y' : 'N'
    case 'ynu':
      return value === 'Y' || value === 'N' ? value : 'U'
    case 'char':
    case 'code':
      return sanitiseSip2(typeof value === 'string' ? value : '')
        .padEnd(length, ' ')
        .slice(0, length)
    case 'date':
      return formatSip2Date(value instanceof Date ? value : null)
    case 'count':
    case 'num3': {
      const max = spec.kind === 'count' ? 9999 : 999
      const n =
        typeof value === 'number' && Number.isFinite(value)
          ? Math.min(max, Math.max(0, Math.trunc(value)))
          : 0
      return String(n).padStart(length, '0')
    }
    case 'patron-status':
      return formatFlags(PATRON_STATUS_FLAGS, value as Sip2PatronStatus | undefined, 14, ' ')
    case 'summary':
      return formatFlags(SUMMARY_POSITIONS, value as Sip2Summary | undefined, 10, ' ')
  }
}

function readField(kind: FieldKind, text: string): unknown {
  switch (kind) {
    case 'text':
    case 'list':
      return text
    case 'date':
      return parseSip2Date(text) ?? undefined
    case 'int': {
      const digits = text.trim()
      return /^\d{1,9}$/.test(digits) ? Number(digits) : undefined
    }
    case 'amount':
      return parseSip2Amount(text)
    case 'yn':
      return isYes(text.trim()[0])
    case 'supported':
      return flagsOf(SUPPORTED_MESSAGES, text)
  }
}

function writeField(kind: FieldKind, value: unknown): string {
  switch (kind) {
    case 'text':
    case 'list':
      return sanitiseSip2(typeof value === 'string' ? value : '')
    case 'date':
      return value instanceof Date ? formatSip2Date(value) : ''
    case 'int':
      return typeof value === 'number' && Number.isFinite(value) ? String(Math.max(0, Math.trunc(value))) : ''
    case 'amount':
      return typeof value === 'number' && Number.isFinite(value) ? formatSip2Amount(value) : ''
    case 'yn':
      return value === true ? 'Y' : value === false ? 'N' : ''
    case 'supported':
      return formatFlags(SUPPORTED_MESSAGES, value as Sip2SupportedMessages | undefined, 16, 'N')
  }
}

const fieldMaps = new WeakMap<MessageSpec, Map<string, FieldSpec>>()
function fieldsByCode(spec: MessageSpec): Map<string, FieldSpec> {
  let map = fieldMaps.get(spec)
  if (!map) {
    map = new Map(spec.fields.map((field) => [field.code, field]))
    fieldMaps.set(spec, map)
  }
  return map
}

export interface DecodedBody {
  values: Record<string, unknown>
  /** Variable fields the spec does not name, by code, every occurrence. */
  extraFields: Record<string, string[]>
  /** The sequence number of an `AY` field met among the variable fields. */
  sequence: number | null
}

/**
 * Read a message body (the text after the two-character command, without terminator and without a
 * trailing `AY…AZ…`) after its spec; null when the body is shorter than the fixed part.
 */
export function decodeBody(spec: MessageSpec, body: string): DecodedBody | null {
  const length = fixedPartLength(spec)
  if (body.length < length) return null
  const values: Record<string, unknown> = { type: spec.type }
  let at = 0
  for (const fixed of spec.fixed) {
    const width = fixedLength(fixed)
    values[fixed.key] = readFixed(fixed, body.slice(at, at + width))
    at += width
  }
  const byCode = fieldsByCode(spec)
  const extraFields: Record<string, string[]> = {}
  let sequence: number | null = null
  const seenCodes = new Set<string>()
  for (const field of spec.fields) {
    if (field.kind === 'list') values[field.key] = []
    else if (field.required) values[field.key] = field.kind === 'text' ? '' : undefined
  }
  for (const segment of body.slice(length).split('|')) {
    // A stray `|` (after the fixed part, or doubled) leaves an empty segment; one character is no field.
    if (segment.length < 2) continue
    const code = segment.slice(0, 2).toUpperCase()
    const raw = segment.slice(2)
    if (code === 'AY') {
      const digits = /^\d+/.exec(raw)
      // SIP2's sequence number is one digit; a longer one is read by its last digit.
      if (digits && sequence === null) sequence = Number(digits[0].slice(-1))
      continue
    }
    const field = byCode.get(code)
    if (!field) {
      const list = extraFields[code] ?? []
      list.push(raw)
      extraFields[code] = list
      continue
    }
    const value = readField(field.kind, raw)
    if (field.kind === 'list') (values[field.key] as string[]).push(raw)
    else if (!seenCodes.has(code)) {
      // A repeated field keeps its first value; an unreadable value (no date, no number) counts as met.
      seenCodes.add(code)
      if (value !== undefined) values[field.key] = value
    }
  }
  for (const key of Object.keys(values)) if (values[key] === undefined) delete values[key]
  return { values, extraFields, sequence }
}

/** Write a message (command, fixed part, variable fields in the spec's order) from its values. */
export function encodeBody(spec: MessageSpec, values: Readonly<Record<string, unknown>>): string {
  let out = spec.command
  for (const fixed of spec.fixed) out += writeFixed(fixed, values[fixed.key])
  for (const field of spec.fields) {
    const value = values[field.key]
    if (field.kind === 'list') {
      if (Array.isArray(value)) for (const item of value) out += `${field.code}${writeField('list', item)}|`
      continue
    }
    if (value === undefined || value === null) {
      if (field.required) out += `${field.code}|`
      continue
    }
    out += `${field.code}${writeField(field.kind, value)}|`
  }
  return out
}
