// Danish bank days: weekdays on which the banks (and so NemKonto payments) are open.

import { ValidationError } from '../shared/errors.ts'
import { addDays, isLocalDate, isoWeekday, type LocalDate } from '../shared/time.ts'

// The Gregorian computus holds from 1583; four digits keep the dates in YYYY-MM-DD form.
const FIRST_YEAR = 1583
const LAST_YEAR = 9999
const LAST_YEAR_WITH_GREAT_PRAYER_DAY = 2023

const pad = (n: number): string => String(n).padStart(2, '0')

/** Easter Sunday by the anonymous Gregorian algorithm (Meeus/Jones/Butcher). */
export function easterSunday(year: number): LocalDate {
  if (!Number.isInteger(year) || year < FIRST_YEAR || year > LAST_YEAR) {
    throw new ValidationError('year', `a whole year from ${FIRST_YEAR} to ${LAST_YEAR}, got ${year}`)
  }
  const golden = year % 19
  const century = Math.floor(year / 100)
  const yearOfCentury = year % 100
  const leapCenturies = Math.floor(century / 4)
  const centuryRemainder = century % 4
  const lunarCorrection = Math.floor((century - Math.floor((century + 8) / 25) + 1) / 3)
  const epact = (19 * golden + century - leapCenturies - lunarCorrection + 15) % 30
  const weekdayOffset =
    (32 + 2 * centuryRemainder + 2 * Math.floor(yearOfCentury / 4) - epact - (yearOfCentury % 4)) % 7
  const lateCorrection = Math.floor((golden + 11 * epact + 22 * weekdayOffset) / 451)
  const daysFromMarch = epact + weekdayOffset - 7 * lateCorrection + 114
  const month = Math.floor(daysFromMarch / 31)
  const day = (daysFromMarch % 31) + 1
  return `${year}-${pad(month)}-${pad(day)}`
}

/**
 * The days besides Saturdays and Sundays on which Danish banks are closed, in date order. Some fall on
 * weekends in a given year; they are listed all the same. The rules are today's (Great Prayer Day until
 * 2023, the Friday after Ascension, 5 June, 24 and 31 December) and are not meant for historic years.
 */
export function danishBankHolidays(year: number): LocalDate[] {
  const easter = easterSunday(year)
  const fromEaster = (days: number): LocalDate => addDays(easter, days)
  const holidays = [
    `${year}-01-01`,
    fromEaster(-3), // Maundy Thursday
    fromEaster(-2), // Good Friday
    easter,
    fromEaster(1), // Easter Monday
    ...(year <= LAST_YEAR_WITH_GREAT_PRAYER_DAY ? [fromEaster(26)] : []), // Store Bededag
    fromEaster(39), // Ascension Day
    fromEaster(40), // the Friday after Ascension
    fromEaster(49), // Whit Sunday
    fromEaster(50), // Whit Monday
    `${year}-06-05`, // Constitution Day
    `${year}-12-24`,
    `${year}-12-25`,
    `${year}-12-26`,
    `${year}-12-31`,
  ]
  // Whit Monday can fall on 5 June (as in 2006).
  return [...new Set(holidays)].sort()
}

const holidaysByYear = new Map<number, ReadonlySet<LocalDate>>()

function holidaySet(year: number): ReadonlySet<LocalDate> {
  let holidays = holidaysByYear.get(year)
  if (holidays === undefined) {
    holidays = new Set(danishBankHolidays(year))
    holidaysByYear.set(year, holidays)
  }
  return holidays
}

function assertDate(date: LocalDate): void {
  if (!isLocalDate(date)) throw new ValidationError('date', `a date (YYYY-MM-DD), got "${date}"`)
}

export function isBankDay(date: LocalDate): boolean {
  assertDate(date)
  return isoWeekday(date) <= 5 && !holidaySet(Number(date.slice(0, 4))).has(date)
}

/**
 * The `days`-th bank day after `date`, counting only days after it: from a Friday, 1 bank day is the
 * Monday; from a Saturday it is the Monday too. With 0 days, `date` itself if it is a bank day, else the
 * next bank day — so for a date that is not a bank day, 0 and 1 give the same day.
 */
export function addBankDays(date: LocalDate, days: number): LocalDate {
  assertDate(date)
  if (!Number.isInteger(days) || days < 0) {
    throw new ValidationError('days', `a whole number of at least 0, got ${days}`)
  }
  let current = date
  if (days === 0) {
    while (!isBankDay(current)) current = addDays(current, 1)
    return current
  }
  for (let counted = 0; counted < days; ) {
    current = addDays(current, 1)
    if (isBankDay(current)) counted += 1
  }
  return current
}
