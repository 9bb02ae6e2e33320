// Small formatting and form helpers shared by the desk's pages (and Min side's dates).

import {
  formatDanishDate,
  formatEnglishDate,
  formatLocalInstant,
  type LocalDate,
  localDateOf,
} from '../shared/time.ts'
import type { Lang } from './web-texts.ts'

/** A business date: "3. marts 2026" in Danish, "3 March 2026" in English. */
export function dateText(lang: Lang, date: LocalDate): string {
  return lang === 'da' ? formatDanishDate(date) : formatEnglishDate(date)
}

/** An instant as its Copenhagen date and time, "3. marts 2026 kl. 10:15". */
export function instantText(lang: Lang, instant: Date): string {
  const time = formatLocalInstant(instant).slice(11, 16)
  return `${dateText(lang, localDateOf(instant))}${lang === 'da' ? ' kl.' : ''} ${time}`
}

/** The time of day of an instant in Copenhagen, "10:15". */
export function timeText(instant: Date): string {
  return formatLocalInstant(instant).slice(11, 16)
}

/** A CPR number as shown at the desk: the birth date only, "010390-****". */
export function maskCpr(cpr: string): string {
  return `${cpr.slice(0, 6)}-****`
}

/** The card number shown: masked when the card is the CPR number. */
export function cardText(patron: { cardNumber: string; cpr: string | null }): string {
  return patron.cpr !== null && patron.cardNumber === patron.cpr ? maskCpr(patron.cpr) : patron.cardNumber
}

/** A form field as a trimmed string ('' when absent), at most `max` characters. */
export function field(body: unknown, name: string, max = 500): string {
  const value = (body as Record<string, unknown> | undefined)?.[name]
  return typeof value === 'string' ? value.trim().slice(0, max) : ''
}

/** A positive integer route parameter, or null. */
export function idParam(value: string | undefined): number | null {
  if (value === undefined || !/^\d{1,9}$/.test(value)) return null
  return Number(value)
}
