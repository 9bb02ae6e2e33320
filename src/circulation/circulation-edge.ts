import type { Db } from '../db/database.ts'
import type {
  CheckinInput,
  CheckinResult,
  CheckoutInput,
  CheckoutResult,
  CirculationService,
} from './circulation-service.ts'

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
