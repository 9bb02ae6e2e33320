import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.ts'
import { ValidationError } from '../shared/errors.ts'
import type { Ore } from '../shared/money.ts'
import { addPayment, openChargesOldestFirst } from './charge-repository.ts'
import { allocatePayment } from './ledger-rules.ts'

type Trx = Kysely<Database>

export interface PaymentResult {
  paymentId: number
  applied: Ore
  credit: Ore
}

/** Records a payment from a patron and applies it to the oldest open charges first; the rest is credit. */
export async function recordPayment(
  trx: Trx,
  municipality: string,
  patronId: number,
  amount: Ore,
  at: Date,
): Promise<PaymentResult> {
  if (!Number.isInteger(amount) || amount <= 0)
    throw new ValidationError('amount', 'a positive whole number of øre')
  const open = await openChargesOldestFirst(trx, patronId, true)
  const { allocations, leftover } = allocatePayment(
    amount,
    open.map((c) => ({ id: c.id, open: c.amount - c.paid })),
  )
  const payment = await trx
    .insertInto('payments')
    .values({ municipality, patronId, amount, receivedAt: at, unapplied: leftover })
    .returning('id')
    .executeTakeFirstOrThrow()
  for (const allocation of allocations) {
    await trx
      .insertInto('paymentAllocations')
      .values({ paymentId: payment.id, ...allocation })
      .execute()
    await addPayment(trx, allocation.chargeId, allocation.amount, at)
  }
  return { paymentId: payment.id, applied: amount - leftover, credit: leftover }
}

/** Spends a patron's credit (unapplied payments, oldest first) on their open charges. */
export async function applyCredit(trx: Trx, patronId: number, at: Date): Promise<void> {
  const credits = await trx
    .selectFrom('payments')
    .select(['id', 'unapplied'])
    .where('patronId', '=', patronId)
    .where('unapplied', '>', 0)
    .orderBy('id')
    .forUpdate()
    .execute()
  if (credits.length === 0) return
  let open = (await openChargesOldestFirst(trx, patronId, true)).map((c) => ({
    id: c.id,
    open: c.amount - c.paid,
  }))
  for (const credit of credits) {
    const { allocations, leftover } = allocatePayment(credit.unapplied, open)
    if (allocations.length === 0) break
    for (const allocation of allocations) {
      await trx
        .insertInto('paymentAllocations')
        .values({ paymentId: credit.id, ...allocation })
        .execute()
      await addPayment(trx, allocation.chargeId, allocation.amount, at)
    }
    await trx.updateTable('payments').set({ unapplied: leftover }).where('id', '=', credit.id).execute()
    const applied = new Map(allocations.map((a) => [a.chargeId, a.amount]))
    open = open.map((c) => ({ id: c.id, open: c.open - (applied.get(c.id) ?? 0) }))
  }
}

export async function creditOf(trx: Trx, patronId: number): Promise<Ore> {
  const row = await trx
    .selectFrom('payments')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('unapplied'), eb.lit(0)).as('credit'))
    .where('patronId', '=', patronId)
    .executeTakeFirst()
  return Number(row?.credit ?? 0)
}
