import { type Kysely, sql } from 'kysely'
import type { ChargeKind, ChargeRow, Database, NewCharge } from '../db/schema.ts'
import { enqueueRefundNotice } from '../notices/notice-repository.ts'
import type { Ore } from '../shared/money.ts'

type Trx = Kysely<Database>

export async function insertCharges(trx: Trx, charges: readonly NewCharge[]): Promise<ChargeRow[]> {
  if (charges.length === 0) return []
  return trx.insertInto('charges').values(charges).returningAll().execute()
}

/** Open charges of a patron, oldest first: the order payments are applied in. */
export async function openChargesOldestFirst(trx: Trx, patronId: number, lock = false): Promise<ChargeRow[]> {
  let query = trx
    .selectFrom('charges')
    .selectAll()
    .where('patronId', '=', patronId)
    .where('status', '=', 'open')
    .orderBy('chargeDate')
    .orderBy('id')
  if (lock) query = query.forUpdate()
  return query.execute()
}

/** A loan's charges, locked: a payment in flight waits, so what is cancelled or refunded is what was paid. */
export async function chargesOfLoan(trx: Trx, loanId: number): Promise<ChargeRow[]> {
  return trx
    .selectFrom('charges')
    .selectAll()
    .where('loanId', '=', loanId)
    .orderBy('id')
    .forUpdate()
    .execute()
}

/** Payments on many charges at once: charge id → øre. */
export async function addPayments(trx: Trx, amounts: ReadonlyMap<number, Ore>, at: Date): Promise<void> {
  if (amounts.size === 0) return
  await sql`
    update charges c set
      paid = c.paid + v.amount,
      status = case when c.paid + v.amount >= c.amount then 'paid' else 'open' end,
      settled_at = case when c.paid + v.amount >= c.amount then ${at}::timestamptz else c.settled_at end
    from unnest(${[...amounts.keys()]}::int[], ${[...amounts.values()]}::int[]) as v(id, amount)
    where c.id = v.id
  `.execute(trx)
}

export interface OpenAmounts {
  balance: Ore
  byKind: Partial<Record<ChargeKind, Ore>>
}

/** What each patron owes now, in all and by charge kind. */
export async function openAmountsOf(
  trx: Trx,
  patronIds: readonly number[],
): Promise<Map<number, OpenAmounts>> {
  const result = new Map<number, OpenAmounts>()
  for (const id of patronIds) result.set(id, { balance: 0, byKind: {} })
  if (patronIds.length === 0) return result
  // Driven by the patrons, one index look-up each: with an IN list of thousands the planner may scan all
  // open charges instead.
  const { rows } = await sql<{ patronId: number; kind: ChargeKind; open: number }>`
    select p.id as patron_id, c.kind, c.open
    from unnest(${[...new Set(patronIds)]}::int[]) as p(id)
    cross join lateral (
      select kind, sum(amount - paid)::int as open from charges
      where patron_id = p.id and status = 'open'
      group by kind
    ) c
  `.execute(trx)
  for (const row of rows) {
    const entry = result.get(row.patronId) as OpenAmounts
    entry.balance += row.open
    entry.byKind[row.kind] = row.open
  }
  return result
}

/** What was paid on a charge goes back to the patron (paid out by the receivables). */
export async function recordRefund(
  trx: Trx,
  loan: { municipality: string; patronId: number },
  charge: { id: number; paid: Ore },
  at: Date,
  reason: string,
): Promise<void> {
  const refund = await trx
    .insertInto('refunds')
    .values({
      municipality: loan.municipality,
      patronId: loan.patronId,
      chargeId: charge.id,
      amount: charge.paid,
      createdAt: at,
      reason,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  const { itemId } = await trx
    .selectFrom('charges')
    .select('itemId')
    .where('id', '=', charge.id)
    .executeTakeFirstOrThrow()
  await enqueueRefundNotice(trx, {
    id: refund.id,
    municipality: loan.municipality,
    patronId: loan.patronId,
    amount: charge.paid,
    at,
    itemId,
  })
}
