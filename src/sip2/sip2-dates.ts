// SIP2 dates: `YYYYMMDDZZZZHHMMSS`, 18 characters. ZZZZ is the time zone: four blanks for the local time of
// the library (Europe/Copenhagen here), or a zone such as `   Z` (UTC). The FBS dialect writes the same
// form, `YYYYMMDD    HHMMSS`, for every date including the due date (AH).
//
// Parsing is lenient and never throws: 18 blanks, an empty string or text that is no date give null (the
// caller then uses the time of receipt). A zone other than blanks or `Z`/`UTC`/`GMT` is read as local time.
// Short forms seen from real clients are accepted too: `YYYYMMDD` (local midnight) and `YYYYMMDDHHMMSS`.

import { formatLocalInstant, instantOfLocal, isLocalDate } from '../shared/time.ts'

/** The 18 blanks that stand for "no date". */
export const SIP2_BLANK_DATE = ' '.repeat(18)

const FULL = /^(\d{4})(\d{2})(\d{2})(.{4})(\d{2})(\d{2})(\d{2})$/
const COMPACT = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/
const DATE_ONLY = /^(\d{4})(\d{2})(\d{2})$/

function instantOf(
  year: string,
  month: string,
  day: string,
  hour: string,
  minute: string,
  second: string,
  utc: boolean,
): Date | null {
  const date = `${year}-${month}-${day}`
  if (!isLocalDate(date)) return null
  const [h, m, s] = [Number(hour), Number(minute), Number(second)]
  if (h > 23 || m > 59 || s > 59) return null
  if (utc) return new Date(Date.UTC(Number(year), Number(month) - 1, Number(day), h, m, s))
  return new Date(instantOfLocal(date, `${hour}:${minute}`).getTime() + s * 1000)
}

/**
 * The instant of a SIP2 date (`YYYYMMDDZZZZHHMMSS`), or null when blank, empty or not a date.
 * Four blank zone characters mean Copenhagen local time; a zone ending in `Z` (or `UTC`, `GMT`) means UTC.
 */
export function parseSip2Date(text: string | undefined): Date | null {
  if (text === undefined) return null
  const trimmed = text.replace(/^[\r\n]+|[\r\n]+$/g, '')
  if (trimmed.trim() === '') return null
  const full = FULL.exec(trimmed)
  if (full) {
    const zone = (full[4] ?? '').trim().toUpperCase()
    const utc = zone === 'Z' || zone === 'UTC' || zone === 'GMT'
    return instantOf(
      full[1] ?? '',
      full[2] ?? '',
      full[3] ?? '',
      full[5] ?? '',
      full[6] ?? '',
      full[7] ?? '',
      utc,
    )
  }
  const compact = COMPACT.exec(trimmed.trim())
  if (compact) {
    return instantOf(
      compact[1] ?? '',
      compact[2] ?? '',
      compact[3] ?? '',
      compact[4] ?? '',
      compact[5] ?? '',
      compact[6] ?? '',
      false,
    )
  }
  const dateOnly = DATE_ONLY.exec(trimmed.trim())
  if (dateOnly)
    return instantOf(dateOnly[1] ?? '', dateOnly[2] ?? '', dateOnly[3] ?? '', '00', '00', '00', false)
  return null
}

/**
 * An instant as a SIP2 date in Copenhagen local time with four blanks for the zone
 * (`20260302    100000`); null gives 18 blanks. This is also the FBS date form.
 */
export function formatSip2Date(instant: Date | null): string {
  if (instant === null || Number.isNaN(instant.getTime())) return SIP2_BLANK_DATE
  // formatLocalInstant gives 2026-03-02T10:00:00+01:00
  const iso = formatLocalInstant(instant)
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}    ${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`
}

/** An instant as a SIP2 date in UTC (`20260302   Z090000`), for clients configured for UTC. */
export function formatSip2DateUtc(instant: Date | null): string {
  if (instant === null || Number.isNaN(instant.getTime())) return SIP2_BLANK_DATE
  const iso = instant.toISOString()
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}   Z${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`
}

/** The FBS date form is the SIP2 local form: `YYYYMMDD    HHMMSS`. */
export const parseFbsDate = parseSip2Date
export const formatFbsDate = formatSip2Date
