import { type Kysely, type RawBuilder, sql } from 'kysely'
import type { Database, ItemRow, LoanRow } from '../db/schema.ts'

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
  /** cprLookup of the identifier (src/patrons/patron-repository.ts). */
  patronCprHash: string,
  lock: boolean,
): Promise<ItemForCheckout | undefined> {
  // Written in SQL rather than built: it runs on every check-out, and building costs more than sending.
  const result = await sql<ItemForCheckout>`
    select items.*,
      borrower.id as patron_id, borrower.card_number as patron_card_number,
      borrower.card_lost_at as patron_card_lost_at, borrower.blocked as patron_blocked,
      own.id as reservation_id, own.status as reservation_status, own.item_id as reservation_item_id
    from items
    left join lateral (
      select patrons.id, patrons.card_number, patrons.card_lost_at,
        exists (select 1 from blocks where blocks.patron_id = patrons.id and blocks.until_at is null) as blocked
      from patrons
      where patrons.municipality = items.municipality
        and (patrons.card_number = ${patronIdentifier} or patrons.cpr_hash = ${patronCprHash})
      order by patrons.card_number = ${patronIdentifier} desc
      limit 1
    ) borrower on true
    left join lateral (
      select reservations.id, reservations.status, reservations.item_id
      from reservations
      where reservations.municipality = items.municipality and reservations.title = items.title
        and reservations.patron_id = borrower.id and reservations.status in ('waiting', 'held')
      limit 1
    ) own on true
    where items.municipality = ${municipality} and items.barcode = ${barcode}
    ${lock ? sql`for update of items` : sql``}
  `.execute(trx)
  return result.rows[0]
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
  // Written in SQL rather than built: it runs on every check-in.
  const result = await sql<ItemWithOpenLoan>`
    select items.*,
      open.id as loan_id, open.status as loan_status, open.patron_id as loan_patron_id,
      open.due_date as loan_due_date, open.checked_out_at as loan_checked_out_at, open.renewals as loan_renewals,
      patrons.birth_date as patron_birth_date, patrons.card_number as patron_card_number
    from items
    left join lateral (
      select loans.id, loans.status, loans.patron_id, loans.due_date, loans.checked_out_at, loans.renewals
      from loans
      where loans.item_id = items.id and loans.status in ('active', 'lost')
      order by loans.id desc
      limit 1
      ${lock ? sql`for update` : sql``}
    ) open on true
    left join patrons on patrons.id = open.patron_id
    where items.municipality = ${municipality} and items.barcode = ${barcode}
    ${lock ? sql`for update of items` : sql``}
  `.execute(trx)
  return result.rows[0]
}

/** An item as SQL: parameters when the item is known, expressions over a common table when it is not. */
interface ItemRef {
  id: RawBuilder<unknown>
  municipality: RawBuilder<unknown>
  title: RawBuilder<unknown>
}

function itemRefOf(item: { id: number; municipality: string; title: string }): ItemRef {
  return { id: sql`${item.id}`, municipality: sql`${item.municipality}`, title: sql`${item.title}` }
}

/**
 * The reservation queue's rule, as common table expressions: the first patron waiting for the item's title
 * (`next`) gets it on the hold shelf (`held`); with no one waiting it goes back on the shelf (`shelved`,
 * the updated item row). Nothing changes unless `onlyIf` holds.
 */
function shelving(item: ItemRef, at: Date, onlyIf: RawBuilder<unknown>) {
  return sql`
    next as (
      select id, patron_id from reservations
      where municipality = ${item.municipality} and title = ${item.title} and status = 'waiting'
      order by created_at, id
      limit 1
      for update
    ),
    held as (
      update reservations r set status = 'held', item_id = ${item.id}, held_at = ${at}
      from next where r.id = next.id and ${onlyIf}
      returning r.patron_id
    ),
    shelved as (
      update items set status = case when exists (select 1 from next) then 'held' else 'available' end
      where id = ${item.id} and ${onlyIf}
      returning items.*
    )`
}

/** Puts an item on the hold shelf for the first patron waiting for its title, or on the shelf. */
export async function shelveItem(
  trx: Trx,
  item: { id: number; municipality: string; title: string },
  at: Date,
): Promise<number | null> {
  const result = await sql<{ heldForPatronId: number | null }>`
    with ${shelving(itemRefOf(item), at, sql`true`)}
    select held.patron_id as held_for_patron_id from shelved left join held on true
  `.execute(trx)
  return result.rows[0]?.heldForPatronId ?? null
}

/**
 * Closes a loan and shelves its item (`shelveItem`): one statement, and only if the loan is still as the
 * decision saw it (status and due date); otherwise nothing happens and the result is undefined. Returns the
 * closed loan and the card number of the patron the item is now held for.
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
  const item = { id: loan.itemId, municipality: loan.municipality, title: loan.title }
  const result = await sql<LoanRow & { heldForPatronId: number | null; heldForCard: string | null }>`
    with returned as (
      update loans set status = 'returned', returned_at = ${at}
      where id = ${loan.id} and status = ${loan.status} and due_date = ${loan.dueDate}::date
      returning *
    ),
    ${shelving(itemRefOf(item), at, sql`exists (select 1 from returned)`)}
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

export interface ReturnedOnTime {
  loan: LoanRow
  item: ItemRow
  patronCardNumber: string
  heldForPatronId: number | null
  heldForCard: string | null
}

type ReturnedOnTimeRow = ItemRow & {
  loanId: number
  loanPatronId: number
  loanCheckedOutAt: Date
  loanDueDate: string
  loanRenewals: number
  loanReturnedAt: Date
  loanLostOn: string | null
  patronCardNumber: string
  heldForPatronId: number | null
  heldForCard: string | null
}

/**
 * The common check-in in one statement, without a transaction: closes the item's active loan if it is due
 * on or after `today` (a return on or before the due date owes no fee under any policy) and shelves the
 * item. Undefined when there is no such loan (unknown item, not on loan, lost, late, or changed meanwhile):
 * the caller then decides in a locking transaction.
 */
export async function returnLoanIfOnTime(
  db: Trx,
  municipality: string,
  barcode: string,
  today: string,
  at: Date,
): Promise<ReturnedOnTime | undefined> {
  const item: ItemRef = {
    id: sql`(select item_id from returned)`,
    municipality: sql`${municipality}`,
    title: sql`(select title from items where id = (select item_id from returned))`,
  }
  const result = await sql<ReturnedOnTimeRow>`
    with returned as (
      update loans set status = 'returned', returned_at = ${at}
      where id = (
          select loans.id from items join loans on loans.item_id = items.id and loans.status = 'active'
          where items.municipality = ${municipality} and items.barcode = ${barcode}
          order by loans.id desc
          limit 1
        )
        and status = 'active' and due_date >= ${today}::date
      returning *
    ),
    ${shelving(item, at, sql`exists (select 1 from returned)`)}
    select shelved.*,
      returned.id as loan_id, returned.patron_id as loan_patron_id, returned.checked_out_at as loan_checked_out_at,
      returned.due_date as loan_due_date, returned.renewals as loan_renewals,
      returned.returned_at as loan_returned_at, returned.lost_on as loan_lost_on,
      borrower.card_number as patron_card_number,
      held.patron_id as held_for_patron_id, holder.card_number as held_for_card
    from returned
    join shelved on true
    join patrons borrower on borrower.id = returned.patron_id
    left join held on true
    left join patrons holder on holder.id = held.patron_id
  `.execute(db)
  const row = result.rows[0]
  if (!row) return undefined
  const {
    loanId,
    loanPatronId,
    loanCheckedOutAt,
    loanDueDate,
    loanRenewals,
    loanReturnedAt,
    loanLostOn,
    patronCardNumber,
    heldForPatronId,
    heldForCard,
    ...shelvedItem
  } = row
  const loan: LoanRow = {
    id: loanId,
    municipality: shelvedItem.municipality,
    itemId: shelvedItem.id,
    patronId: loanPatronId,
    checkedOutAt: loanCheckedOutAt,
    dueDate: loanDueDate,
    renewals: loanRenewals,
    returnedAt: loanReturnedAt,
    lostOn: loanLostOn,
    status: 'returned',
  }
  return { loan, item: shelvedItem, patronCardNumber, heldForPatronId, heldForCard }
}
