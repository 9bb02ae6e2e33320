import type { Static } from '@sinclair/typebox'
import type { Kysely } from 'kysely'
import type { Database, ItemRow, LoanRow, PatronRow, ReservationRow } from '../db/schema.ts'
import type { LoanView, ReservationView } from '../http/schemas.ts'
import { formatLocalInstant } from '../shared/time.ts'

type Trx = Kysely<Database>
export type LoanViewData = Static<typeof LoanView>
export type ReservationViewData = Static<typeof ReservationView>

const instantOrNull = (value: Date | null) => (value === null ? null : formatLocalInstant(value))

function loanQuery(trx: Trx) {
  return trx
    .selectFrom('loans')
    .innerJoin('items', 'items.id', 'loans.itemId')
    .innerJoin('patrons', 'patrons.id', 'loans.patronId')
    .select([
      'loans.id',
      'items.barcode as item',
      'items.title',
      'items.materialType',
      'patrons.cardNumber as patron',
      'loans.checkedOutAt',
      'loans.dueDate',
      'loans.renewals',
      'loans.returnedAt',
      'loans.lostOn',
      'loans.status',
    ])
}

type LoanQueryRow = Awaited<ReturnType<ReturnType<typeof loanQuery>['executeTakeFirstOrThrow']>>

function toLoanView(row: LoanQueryRow): LoanViewData {
  return {
    ...row,
    checkedOutAt: formatLocalInstant(row.checkedOutAt),
    returnedAt: instantOrNull(row.returnedAt),
  }
}

/** The view from rows already at hand (a checkout returns them): no query. */
export function loanViewOf(
  loan: LoanRow,
  item: Pick<ItemRow, 'barcode' | 'title' | 'materialType'>,
  patron: Pick<PatronRow, 'cardNumber'>,
): LoanViewData {
  return toLoanView({
    id: loan.id,
    item: item.barcode,
    title: item.title,
    materialType: item.materialType,
    patron: patron.cardNumber,
    checkedOutAt: loan.checkedOutAt,
    dueDate: loan.dueDate,
    renewals: loan.renewals,
    returnedAt: loan.returnedAt,
    lostOn: loan.lostOn,
    status: loan.status,
  })
}

export async function loanView(trx: Trx, loanId: number): Promise<LoanViewData> {
  return toLoanView(await loanQuery(trx).where('loans.id', '=', loanId).executeTakeFirstOrThrow())
}

/** A patron's open loans (active and lost), by due date. */
export async function openLoansOf(trx: Trx, patronId: number): Promise<LoanViewData[]> {
  const rows = await loanQuery(trx)
    .where('loans.patronId', '=', patronId)
    .where('loans.status', 'in', ['active', 'lost'])
    .orderBy('loans.dueDate')
    .orderBy('loans.id')
    .execute()
  return rows.map(toLoanView)
}

export async function reservationView(trx: Trx, reservation: ReservationRow): Promise<ReservationViewData> {
  const held =
    reservation.itemId === null
      ? undefined
      : await trx
          .selectFrom('items')
          .select('barcode')
          .where('id', '=', reservation.itemId)
          .executeTakeFirst()
  return {
    id: reservation.id,
    title: reservation.title,
    status: reservation.status,
    createdAt: formatLocalInstant(reservation.createdAt),
    heldItem: reservation.status === 'held' ? (held?.barcode ?? null) : null,
    heldAt: reservation.status === 'held' ? instantOrNull(reservation.heldAt) : null,
  }
}

/** A patron's waiting and held reservations, oldest first. */
export async function openReservationsOf(trx: Trx, patronId: number): Promise<ReservationViewData[]> {
  const rows = await trx
    .selectFrom('reservations')
    .selectAll()
    .where('patronId', '=', patronId)
    .where('status', 'in', ['waiting', 'held'])
    .orderBy('createdAt')
    .orderBy('id')
    .execute()
  return Promise.all(rows.map((r) => reservationView(trx, r)))
}
