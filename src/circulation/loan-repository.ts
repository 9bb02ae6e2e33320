import { type Kysely, sql } from 'kysely'
import type { Database, ItemRow, LoanRow } from '../db/schema.ts'
import { asCpr } from '../patrons/patron-repository.ts'

type Trx = Kysely<Database>

// The check-out and check-in paths run thousands of times a second at peak; each query here does in one
// round trip what would otherwise take two or three.

export type ItemForCheckout = ItemRow & {
  patronId: number | null
  patronCardNumber: string | null
  patronCardLostAt: Date | null
  patronBlocked: boolean | null
  reservationId: number | null
  reservationStatus: string | null
  reservationItemId: number | null
}

/**
 * The item (locked, with `lock`), with the borrower (by card or CPR number, with whether a fee block is
 * in force) and the borrower's own open reservation of the item's title. No row: no such item; no patron
 * id: no such patron.
 */
export async function findItemForCheckout(
  trx: Trx,
  municipality: string,
  barcode: string,
  patronIdentifier: string,
  lock: boolean,
): Promise<ItemForCheckout | undefined> {
  const cpr = asCpr(patronIdentifier)
  let query = trx
    .selectFrom('items')
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('patrons')
          .select(['patrons.id', 'patrons.cardNumber', 'patrons.cardLostAt'])
          .select((sub) =>
            sub
              .exists(
                sub
                  .selectFrom('blocks')
                  .select('blocks.id')
                  .whereRef('blocks.patronId', '=', 'patrons.id')
                  .where('blocks.untilAt', 'is', null),
              )
              .$castTo<boolean>()
              .as('blocked'),
          )
          .whereRef('patrons.municipality', '=', 'items.municipality')
          .where((w) => w.or([w('patrons.cardNumber', '=', patronIdentifier), w('patrons.cpr', '=', cpr)]))
          .orderBy(sql`patrons.card_number = ${patronIdentifier}`, 'desc')
          .limit(1)
          .as('borrower'),
      (join) => join.onTrue(),
    )
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('reservations')
          .select(['reservations.id', 'reservations.status', 'reservations.itemId'])
          .whereRef('reservations.municipality', '=', 'items.municipality')
          .whereRef('reservations.title', '=', 'items.title')
          .whereRef('reservations.patronId', '=', 'borrower.id')
          .where('reservations.status', 'in', ['waiting', 'held'])
          .limit(1)
          .as('own'),
      (join) => join.onTrue(),
    )
    .selectAll('items')
    .select([
      'borrower.id as patronId',
      'borrower.cardNumber as patronCardNumber',
      'borrower.cardLostAt as patronCardLostAt',
      'borrower.blocked as patronBlocked',
      'own.id as reservationId',
      'own.status as reservationStatus',
      'own.itemId as reservationItemId',
    ])
    .where('items.municipality', '=', municipality)
    .where('items.barcode', '=', barcode)
  if (lock) query = query.forUpdate('items')
  return (await query.executeTakeFirst()) as ItemForCheckout | undefined
}

/**
 * Marks the item on loan and inserts the loan, in one statement, if the item is still in the status the
 * decision was made on; otherwise nothing happens and the result is undefined.
 */
export async function insertLoanIfItemIs(
  trx: Trx,
  expectedItemStatus: ItemRow['status'],
  loan: { municipality: string; itemId: number; patronId: number; checkedOutAt: Date; dueDate: string },
): Promise<LoanRow | undefined> {
  const result = await sql<LoanRow>`
    with marked as (
      update items set status = 'on-loan'
      where id = ${loan.itemId} and status = ${expectedItemStatus}
      returning id
    )
    insert into loans (municipality, item_id, patron_id, checked_out_at, due_date)
    select ${loan.municipality}, marked.id, ${loan.patronId}, ${loan.checkedOutAt}, ${loan.dueDate}::date from marked
    returning *
  `.execute(trx)
  return result.rows[0]
}

export type ItemWithOpenLoan = ItemRow & {
  loanId: number | null
  loanStatus: 'active' | 'lost' | null
  loanPatronId: number | null
  loanDueDate: string | null
  loanCheckedOutAt: Date | null
  loanRenewals: number | null
  patronBirthDate: string | null
  patronCardNumber: string | null
}

/**
 * The item and its open (active or lost) loan, with the borrower's birth date and card. With `lock` both
 * rows are locked, the loan before the item, the order the nightly run takes them in, so the two never
 * deadlock; a loan the nightly run has just declared lost is seen as lost.
 */
export async function findItemWithOpenLoan(
  trx: Trx,
  municipality: string,
  barcode: string,
  lock: boolean,
): Promise<ItemWithOpenLoan | undefined> {
  let query = trx
    .selectFrom('items')
    .leftJoinLateral(
      (eb) => {
        const open = eb
          .selectFrom('loans')
          .select([
            'loans.id',
            'loans.status',
            'loans.patronId',
            'loans.dueDate',
            'loans.checkedOutAt',
            'loans.renewals',
          ])
          .whereRef('loans.itemId', '=', 'items.id')
          .where('loans.status', 'in', ['active', 'lost'])
          .orderBy('loans.id', 'desc')
          .limit(1)
        return (lock ? open.forUpdate() : open).as('open')
      },
      (join) => join.onTrue(),
    )
    .leftJoin('patrons', 'patrons.id', 'open.patronId')
    .selectAll('items')
    .select([
      'open.id as loanId',
      'open.status as loanStatus',
      'open.patronId as loanPatronId',
      'open.dueDate as loanDueDate',
      'open.checkedOutAt as loanCheckedOutAt',
      'open.renewals as loanRenewals',
      'patrons.birthDate as patronBirthDate',
      'patrons.cardNumber as patronCardNumber',
    ])
    .where('items.municipality', '=', municipality)
    .where('items.barcode', '=', barcode)
  if (lock) query = query.forUpdate('items')
  return (await query.executeTakeFirst()) as ItemWithOpenLoan | undefined
}

/**
 * Closes a loan and puts the item on the hold shelf for the first patron waiting for its title, or back
 * on the shelf: one statement, and only if the loan is still as the decision saw it (status and due
 * date); otherwise nothing happens and the result is undefined. Returns the closed loan and the card
 * number of the patron the item is now held for.
 */
export async function returnLoanAndShelveItem(
  trx: Trx,
  loan: {
    id: number
    itemId: number
    municipality: string
    title: string
    status: 'active' | 'lost'
    dueDate: string
  },
  at: Date,
): Promise<{ loan: LoanRow; heldForPatronId: number | null; heldForCard: string | null } | undefined> {
  const result = await sql<LoanRow & { heldForPatronId: number | null; heldForCard: string | null }>`
    with next as (
      select id, patron_id from reservations
      where municipality = ${loan.municipality} and title = ${loan.title} and status = 'waiting'
      order by created_at, id
      limit 1
      for update
    ),
    returned as (
      update loans set status = 'returned', returned_at = ${at}
      where id = ${loan.id} and status = ${loan.status} and due_date = ${loan.dueDate}::date
      returning *
    ),
    held as (
      update reservations r set status = 'held', item_id = ${loan.itemId}, held_at = ${at}
      from next where r.id = next.id and exists (select 1 from returned)
      returning r.patron_id
    ),
    shelved as (
      update items set status = case when exists (select 1 from next) then 'held' else 'available' end
      where id = ${loan.itemId} and exists (select 1 from returned)
      returning id
    )
    select returned.*, held.patron_id as held_for_patron_id, p.card_number as held_for_card
    from returned
    left join held on true
    left join patrons p on p.id = held.patron_id
    left join shelved on true
  `.execute(trx)
  const row = result.rows[0]
  if (!row) return undefined
  const { heldForPatronId, heldForCard, ...returned } = row
  return { loan: returned as LoanRow, heldForPatronId, heldForCard }
}
