// The Danish screen messages (AF) a machine shows: the circulation's refusals in the words the desk and
// the API use, with a pointer to the staff where only they can help.

import type { RefusalCode } from '../circulation/loan-rules.ts'
import { REFUSAL_MESSAGES } from '../circulation/refusal.ts'

const ASK_STAFF = new Set<RefusalCode>(['blocked', 'card-lost', 'unknown-patron', 'unknown-item'])

/** The screen message for each refusal code. */
export const SIP2_REFUSAL_MESSAGES = Object.fromEntries(
  Object.entries(REFUSAL_MESSAGES).map(([code, text]) => [
    code,
    ASK_STAFF.has(code as RefusalCode) ? `${text.da} Kontakt personalet.` : text.da,
  ]),
) as Record<RefusalCode, string>

/** Something other than a refusal went wrong. */
export const SIP2_FAILURE_MESSAGE = 'Der opstod en fejl. Prøv igen, eller kontakt personalet.'

/** An item returned to the hold shelf: the message and the sort bin (CL). */
export const SIP2_HOLD_SHELF_MESSAGE = 'Materialet er reserveret. Læg det på reserveringshylden.'
export const SIP2_HOLD_SHELF_SORT_BIN = 'reserveret'

/** An interlibrary loan returned: it goes back to the library that lent it. */
export const SIP2_ILL_SORT_BIN = 'fjernlån'
export const sip2IllReturnMessage = (lendingLibrary: string) =>
  `Fjernlån: materialet sendes tilbage til ${lendingLibrary}. Læg det i kassen til fjernlån.`

/** An item of another municipality's libraries: it must be returned there. */
export const SIP2_ELSEWHERE_SORT_BIN = 'andet bibliotek'
export const sip2ReturnElsewhereMessage = (libraryName: string) =>
  `Materialet tilhører ${libraryName} og skal afleveres der.`

export const SIP2_WRONG_PIN_MESSAGE = 'Forkert pinkode. Prøv igen.'
export const SIP2_FEE_PAID_MESSAGE =
  'Gebyrer kan ikke betales på automaten. De betales i kommunens Mit Betalingsoverblik.'
export const sip2RenewedMessage = (dueDate: string) => `Lånet er fornyet. Afleveres senest ${dueDate}.`
export const sip2HoldPlacedMessage = (position: number) =>
  position <= 0
    ? 'Materialet er reserveret til dig og ligger klar.'
    : `Materialet er reserveret. Du er nummer ${position} i køen.`
export const SIP2_HOLD_CANCELLED_MESSAGE = 'Reserveringen er slettet.'
export const SIP2_NO_HOLD_MESSAGE = 'Du har ingen reservering af materialet.'
