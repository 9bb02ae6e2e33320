import type { Db } from '../db/database.ts'
import type { ChargeRow, LoanRow } from '../db/schema.ts'
import type {
  CheckinInput,
  CheckinResult,
  CheckoutInput,
  CheckoutResult,
  CirculationService,
} from './circulation-service.ts'
import { RefusalError } from './refusal.ts'

// How a transport (HTTP route, scenario event) runs a check-out or check-in: first without locks, one read
// and one guarded write; when that cannot decide, in a transaction with the rows locked.

export async function runCheckout(
  db: Db,
  circulation: CirculationService,
  input: CheckoutInput,
): Promise<CheckoutResult> {
  return (
    (await circulation.checkoutWithoutLocks(db, input)) ??
    db.transaction().execute((trx) => circulation.checkout(trx, input))
  )
}

export async function runCheckin(
  db: Db,
  circulation: CirculationService,
  input: CheckinInput,
): Promise<CheckinResult> {
  return (
    (await circulation.checkinWithoutLocks(db, input)) ??
    db.transaction().execute((trx) => circulation.checkin(trx, input))
  )
}

export type RenewalOutcome =
  | { item: string; ok: true; loan: LoanRow; charges: ChargeRow[] }
  | { item: string; ok: false; refusal: RefusalError }

/** Renews each of the patron's active loans in its own transaction (a machine's 65, Min side's "renew all"). */
export async function runRenewAll(
  db: Db,
  circulation: CirculationService,
  input: { municipality: string; patron: string; items: readonly string[]; at: Date },
): Promise<RenewalOutcome[]> {
  const outcomes: RenewalOutcome[] = []
  for (const item of input.items) {
    try {
      const { loan, charges } = await db.transaction().execute((trx) =>
        circulation.renew(trx, {
          municipality: input.municipality,
          item,
          patron: input.patron,
          at: input.at,
        }),
      )
      outcomes.push({ item, ok: true, loan, charges })
    } catch (error) {
      if (!(error instanceof RefusalError)) throw error
      outcomes.push({ item, ok: false, refusal: error })
    }
  }
  return outcomes
}
