// Business dates are Europe/Copenhagen local dates written YYYY-MM-DD; instants are Date (UTC).
// Day arithmetic works on the date strings alone, so it is immune to daylight-saving changes.

export const TIME_ZONE = 'Europe/Copenhagen'

export type LocalDate = string

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/

const partsFormatter = new Intl.DateTimeFormat('en-GB', {
  timeZone: TIME_ZONE,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
})

interface LocalParts {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
}

function intlParts(instant: Date): LocalParts {
  const parts: Record<string, number> = {}
  for (const part of partsFormatter.formatToParts(instant)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value)
  }
  return {
    year: parts.year ?? 0,
    month: parts.month ?? 0,
    day: parts.day ?? 0,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  }
}

// Copenhagen's offset changes only on whole UTC hours, so it is looked up (slowly, through Intl) once per
// hour and kept: the check-out path asks for local dates thousands of times a second.
const HOUR_MS = 3_600_000
const offsetByHour = new Map<number, number>()

function offsetOfHour(hour: number): number {
  let offset = offsetByHour.get(hour)
  if (offset === undefined) {
    const instant = new Date(hour * HOUR_MS)
    const p = intlParts(instant)
    offset = Math.round(
      (Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - instant.getTime()) / 60_000,
    )
    if (offsetByHour.size > 100_000) offsetByHour.clear()
    offsetByHour.set(hour, offset)
  }
  return offset
}

function localParts(instant: Date): LocalParts {
  const ms = instant.getTime()
  const local = new Date(ms + offsetOfHour(Math.floor(ms / HOUR_MS)) * 60_000)
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
  }
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0')

export function isLocalDate(value: string): boolean {
  const match = DATE_PATTERN.exec(value)
  if (!match) return false
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const probe = new Date(Date.UTC(y, m - 1, d))
  return probe.getUTCFullYear() === y && probe.getUTCMonth() === m - 1 && probe.getUTCDate() === d
}

function dateToUtcMidnight(date: LocalDate): number {
  const match = DATE_PATTERN.exec(date)
  if (!match) throw new Error(`not a date (YYYY-MM-DD): ${date}`)
  return Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))
}

function utcMidnightToDate(ms: number): LocalDate {
  const d = new Date(ms)
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`
}

/** The Copenhagen calendar date of an instant. */
export function localDateOf(instant: Date): LocalDate {
  const p = localParts(instant)
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`
}

export function addDays(date: LocalDate, days: number): LocalDate {
  return utcMidnightToDate(dateToUtcMidnight(date) + days * 86_400_000)
}

/** Calendar days from `from` to `to` (positive when `to` is later). */
export function daysBetween(from: LocalDate, to: LocalDate): number {
  return Math.round((dateToUtcMidnight(to) - dateToUtcMidnight(from)) / 86_400_000)
}

/** The same day of the month `months` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb). */
export function addMonths(date: LocalDate, months: number): LocalDate {
  const match = DATE_PATTERN.exec(date)
  if (!match) throw new Error(`not a date (YYYY-MM-DD): ${date}`)
  const year = Number(match[1])
  const month = Number(match[2]) - 1 + months
  const day = Number(match[3])
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate()
  return utcMidnightToDate(Date.UTC(year, month, Math.min(day, lastDay)))
}

/** ISO weekday of a date: 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: LocalDate): number {
  const day = new Date(dateToUtcMidnight(date)).getUTCDay()
  return day === 0 ? 7 : day
}

/** Offset of Copenhagen local time from UTC at an instant, in minutes (60 or 120). */
export function offsetMinutesAt(instant: Date): number {
  return offsetOfHour(Math.floor(instant.getTime() / HOUR_MS))
}

/**
 * The instant of a Copenhagen wall-clock time. A time skipped by the spring change is moved forward
 * by the gap; an ambiguous autumn time takes its first (summer-time) occurrence.
 */
export function instantOfLocal(date: LocalDate, time = '00:00'): Date {
  const [hour, minute] = time.split(':').map(Number)
  const wallAsUtc = dateToUtcMidnight(date) + ((hour ?? 0) * 60 + (minute ?? 0)) * 60_000
  for (const offset of [120, 60]) {
    const candidate = new Date(wallAsUtc - offset * 60_000)
    if (offsetMinutesAt(candidate) === offset) return candidate
  }
  return new Date(wallAsUtc - 60 * 60_000)
}

/** ISO 8601 with the Copenhagen offset, e.g. 2026-03-02T10:00:00+01:00. */
export function formatLocalInstant(instant: Date): string {
  const p = localParts(instant)
  const offset = offsetMinutesAt(instant)
  const sign = offset >= 0 ? '+' : '-'
  const abs = Math.abs(offset)
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
}

/** Completed years of age on a date (born 29 Feb: a year is completed on 1 Mar in common years). */
export function ageOn(birthDate: LocalDate, date: LocalDate): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number]
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  let age = y - by
  if (m < bm || (m === bm && d < bd)) age -= 1
  return age
}

const DANISH_MONTHS = [
  'januar',
  'februar',
  'marts',
  'april',
  'maj',
  'juni',
  'juli',
  'august',
  'september',
  'oktober',
  'november',
  'december',
]

/** "3. marts 2026" */
export function formatDanishDate(date: LocalDate): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  return `${d}. ${DANISH_MONTHS[m - 1]} ${y}`
}

const ENGLISH_MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
]

/** "3 December 2026" */
export function formatEnglishDate(date: LocalDate): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  return `${d} ${ENGLISH_MONTHS[m - 1]} ${y}`
}
