import type { Static } from '@sinclair/typebox'
import type { Kysely } from 'kysely'
import type { ChargeRow, Database } from '../db/schema.ts'
import type { ChargeView } from '../http/schemas.ts'

type Trx = Kysely<Database>
export type ChargeViewData = Static<typeof ChargeView>

export function chargeView(charge: ChargeRow, barcode: string | null): ChargeViewData {
  return {
    id: charge.id,
    kind: charge.kind,
    amount: charge.amount,
    paid: charge.paid,
    open: charge.status === 'open' ? charge.amount - charge.paid : 0,
    status: charge.status,
    date: charge.chargeDate,
    item: barcode,
    dueDate: charge.dueDate,
    daysOverdue: charge.daysOverdue,
    rule: charge.rule,
    policyVersion: charge.policyVersion,
    explanation: charge.explanation,
  }
}

/** Charges with the barcodes of their items, oldest first. */
export async function chargeViews(trx: Trx, charges: readonly ChargeRow[]): Promise<ChargeViewData[]> {
  const itemIds = [...new Set(charges.flatMap((c) => (c.itemId === null ? [] : [c.itemId])))]
  const items =
    itemIds.length === 0
      ? []
      : await trx.selectFrom('items').select(['id', 'barcode']).where('id', 'in', itemIds).execute()
  const barcodes = new Map(items.map((i) => [i.id, i.barcode]))
  return [...charges]
    .sort((a, b) => a.id - b.id)
    .map((c) => chargeView(c, c.itemId === null ? null : (barcodes.get(c.itemId) ?? null)))
}

/** A patron's open charges with the titles of their items, by charge date (the pages' fee lists). */
export async function openChargesWithTitles(trx: Trx, patronId: number) {
  return trx
    .selectFrom('charges')
    .leftJoin('items', 'items.id', 'charges.itemId')
    .select([
      'charges.id',
      'charges.kind',
      'charges.amount',
      'charges.paid',
      'charges.chargeDate',
      'charges.explanation',
      'items.title',
    ])
    .where('charges.patronId', '=', patronId)
    .where('charges.status', '=', 'open')
    .orderBy('charges.chargeDate')
    .orderBy('charges.id')
    .execute()
}
