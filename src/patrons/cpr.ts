import { isLocalDate, type LocalDate } from '../shared/time.ts'

export class InvalidCprError extends Error {}

/** Ten digits, optionally written DDMMYY-SSSS. */
export function normaliseCpr(input: string): string {
  const digits = input.replace(/^(\d{6})-(\d{4})$/, '$1$2')
  if (!/^\d{10}$/.test(digits)) throw new InvalidCprError('a CPR number has 10 digits (DDMMYYSSSS)')
  return digits
}

/**
 * The birth date a CPR number encodes. The century follows from the two-digit year and the first digit of
 * the serial number (CPR-kontoret's table). The modulus-11 check is not applied: numbers without a valid
 * check digit have been issued since 2007.
 */
export function birthDateFromCpr(input: string): LocalDate {
  const cpr = normaliseCpr(input)
  const day = cpr.slice(0, 2)
  const month = cpr.slice(2, 4)
  const yy = Number(cpr.slice(4, 6))
  const serialDigit = Number(cpr[6])
  let century: number
  if (serialDigit <= 3) century = 1900
  else if (serialDigit === 4 || serialDigit === 9) century = yy <= 36 ? 2000 : 1900
  else century = yy <= 57 ? 2000 : 1800
  const date = `${century + yy}-${month}-${day}`
  if (!isLocalDate(date))
    throw new InvalidCprError(`a CPR number starts with a valid date (DDMMYY): ${cpr.slice(0, 6)}`)
  return date
}

/** Whether the number passes the old modulus-11 check (informational only). */
export function hasModulus11CheckDigit(input: string): boolean {
  const cpr = normaliseCpr(input)
  const weights = [4, 3, 2, 7, 6, 5, 4, 3, 2, 1]
  const sum = weights.reduce((acc, weight, i) => acc + weight * Number(cpr[i]), 0)
  return sum % 11 === 0
}
