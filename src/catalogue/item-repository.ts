import type { Kysely } from 'kysely'
import type { Database, ItemRow, NewItem } from '../db/schema.ts'

type Trx = Kysely<Database>

export async function insertItem(trx: Trx, item: NewItem): Promise<ItemRow> {
  return trx.insertInto('items').values(item).returningAll().executeTakeFirstOrThrow()
}

/** With `lock`, the row stays locked to this transaction: two checkouts of one item queue here. */
export async function findItemByBarcode(
  trx: Trx,
  municipality: string,
  barcode: string,
  lock = false,
): Promise<ItemRow | undefined> {
  let query = trx
    .selectFrom('items')
    .selectAll()
    .where('municipality', '=', municipality)
    .where('barcode', '=', barcode)
  if (lock) query = query.forUpdate()
  return query.executeTakeFirst()
}
