import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.ts'
import type { PolicyCatalog } from '../policy/policy-catalog.ts'
import { addDays, instantOfLocal, type LocalDate } from '../shared/time.ts'
import { shelveItem } from './loan-repository.ts'

type Db = Kysely<Database>

/**
 * Ends the holds not collected within the pickup period: an item held on day X waits through X + pickup
 * days and goes to the next patron in the queue (or back on the shelf) at the night's run after that. A
 * second run finds nothing left to expire.
 */
export async function expireHolds(
  db: Db,
  policies: PolicyCatalog,
  municipality: string,
  date: LocalDate,
  at: Date,
): Promise<number> {
  const pickupDays = policies.inForce(municipality, date).reservations.pickupDays.value
  const heldBefore = instantOfLocal(addDays(date, -pickupDays))
  let expired = 0
  for (;;) {
    const done = await db.transaction().execute(async (trx) => {
      const holds = await trx
        .selectFrom('reservations')
        .innerJoin('items', 'items.id', 'reservations.itemId')
        .select(['reservations.id', 'items.id as itemId', 'items.municipality', 'items.title'])
        .where('reservations.municipality', '=', municipality)
        .where('reservations.status', '=', 'held')
        .where('reservations.heldAt', '<', heldBefore)
        .orderBy('items.id')
        .limit(200)
        .forUpdate()
        .execute()
      for (const hold of holds) {
        await trx.updateTable('reservations').set({ status: 'expired' }).where('id', '=', hold.id).execute()
        await shelveItem(trx, { id: hold.itemId, municipality: hold.municipality, title: hold.title }, at)
      }
      return holds.length
    })
    if (done === 0) break
    expired += done
  }
  return expired
}
