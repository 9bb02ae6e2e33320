import { type Static, Type } from '@sinclair/typebox'
import type { Kysely } from 'kysely'
import type { Database, ItemRow } from '../db/schema.ts'
import { LocalDateString } from '../http/schemas.ts'
import { DANISH_MATERIAL_NAMES, isMaterialType } from './material-types.ts'

type Trx = Kysely<Database>

export const ItemView = Type.Object({
  barcode: Type.String(),
  title: Type.String(),
  author: Type.Union([Type.String(), Type.Null()]),
  materialType: Type.String(),
  materialTypeDa: Type.String({ description: 'the material type in Danish' }),
  units: Type.Integer(),
  price: Type.Union([Type.Integer({ description: 'replacement price, øre' }), Type.Null()]),
  referenceOnly: Type.Boolean(),
  ill: Type.Union([
    Type.Object({
      lendingLibrary: Type.String(),
      loanDays: Type.Union([Type.Integer(), Type.Null()]),
      maxRenewals: Type.Union([Type.Integer(), Type.Null()]),
      price: Type.Union([Type.Integer(), Type.Null()]),
    }),
    Type.Null(),
  ]),
  status: Type.String({ description: 'available, on-loan, held, lost' }),
  dueDate: Type.Union([LocalDateString, Type.Null()], { description: 'while on loan' }),
  waitingReservations: Type.Integer({ description: 'patrons waiting for the title' }),
})
export type ItemViewData = Static<typeof ItemView>

/** An item as staff see it; who has it on loan is not shown here (privacy, 002). */
export async function itemView(trx: Trx, item: ItemRow): Promise<ItemViewData> {
  const loan = await trx
    .selectFrom('loans')
    .select('dueDate')
    .where('itemId', '=', item.id)
    .where('status', '=', 'active')
    .executeTakeFirst()
  const waiting = await trx
    .selectFrom('reservations')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('municipality', '=', item.municipality)
    .where('title', '=', item.title)
    .where('status', '=', 'waiting')
    .executeTakeFirstOrThrow()
  return {
    barcode: item.barcode,
    title: item.title,
    author: item.author,
    materialType: item.materialType,
    materialTypeDa: isMaterialType(item.materialType)
      ? DANISH_MATERIAL_NAMES[item.materialType]
      : item.materialType,
    units: item.units,
    price: item.price,
    referenceOnly: item.referenceOnly,
    ill:
      item.illLendingLibrary === null
        ? null
        : {
            lendingLibrary: item.illLendingLibrary,
            loanDays: item.illLoanDays,
            maxRenewals: item.illMaxRenewals,
            price: item.illPrice,
          },
    status: item.status,
    dueDate: loan?.dueDate ?? null,
    waitingReservations: Number(waiting.count),
  }
}
