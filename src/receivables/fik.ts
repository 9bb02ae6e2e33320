// FIK payment slips of card type 71 ("indbetalingskort 71"). The payment line reads
// +71<ppppppppppppppc+kkkkkkkk< : a 15-digit payment ID (14 digits of payload and a check digit)
// and the creditor's 8-digit FI number.

import { ValidationError } from '../shared/errors.ts'

const PAYLOAD_DIGITS = 14
const PAYMENT_ID_DIGITS = PAYLOAD_DIGITS + 1
const LARGEST_SEQUENCE = 10 ** PAYLOAD_DIGITS - 1

const DIGITS = /^[0-9]+$/
const PAYMENT_ID = /^[0-9]{15}$/
const CREDITOR_NUMBER = /^[0-9]{8}$/
const FULL_PAYMENT_LINE = /^\+71<([0-9]{15})\+[0-9]{8}<$/
const CARD_TYPE_AND_PAYMENT_ID = /^71([0-9]{15})$/
const WHITESPACE = /\s+/g

/**
 * The modulus-10 check digit of a payload: from the right, digits are weighted 2, 1, 2, 1 …, the digits of
 * each product are summed, and the check digit brings the total up to a multiple of 10 (as in Luhn).
 */
export function fikCheckDigit(payload: string): number {
  if (!DIGITS.test(payload)) throw new ValidationError('payload', `digits only, got "${payload}"`)
  let total = 0
  for (let fromRight = 0; fromRight < payload.length; fromRight++) {
    const digit = payload.charCodeAt(payload.length - 1 - fromRight) - 48
    const product = fromRight % 2 === 0 ? digit * 2 : digit
    total += product > 9 ? product - 9 : product
  }
  return (10 - (total % 10)) % 10
}

/** The 15-digit payment ID of a sequence number: zero-padded to 14 digits, then the check digit. */
export function paymentIdFromSequence(sequence: number): string {
  if (!Number.isInteger(sequence) || sequence < 0 || sequence > LARGEST_SEQUENCE) {
    throw new ValidationError('sequence', `a whole number from 0 to ${LARGEST_SEQUENCE}, got ${sequence}`)
  }
  const payload = String(sequence).padStart(PAYLOAD_DIGITS, '0')
  return `${payload}${fikCheckDigit(payload)}`
}

/** Exactly 15 digits whose last is the check digit of the first 14. */
export function isValidPaymentId(id: string): boolean {
  if (!PAYMENT_ID.test(id)) return false
  return fikCheckDigit(id.slice(0, PAYLOAD_DIGITS)) === Number(id.slice(PAYLOAD_DIGITS))
}

export function paymentLine(paymentId: string, creditorNumber: string): string {
  if (!isValidPaymentId(paymentId)) {
    throw new ValidationError(
      'paymentId',
      `${PAYMENT_ID_DIGITS} digits ending in a valid check digit, got "${paymentId}"`,
    )
  }
  if (!CREDITOR_NUMBER.test(creditorNumber)) {
    throw new ValidationError('creditorNumber', `exactly 8 digits, got "${creditorNumber}"`)
  }
  return `+71<${paymentId}+${creditorNumber}<`
}

/**
 * The payment ID in what a citizen or a bank sends: the bare 15 digits, "71" followed by them, or a full
 * payment line; whitespace anywhere is ignored. Null unless the shape fits and the check digit is valid.
 */
export function parsePaymentReference(text: string): string | null {
  const compact = text.replace(WHITESPACE, '')
  const candidate =
    FULL_PAYMENT_LINE.exec(compact)?.[1] ??
    CARD_TYPE_AND_PAYMENT_ID.exec(compact)?.[1] ??
    (PAYMENT_ID.test(compact) ? compact : undefined)
  return candidate !== undefined && isValidPaymentId(candidate) ? candidate : null
}
