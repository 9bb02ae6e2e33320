// What a machine shows a patron (23, 63): the patron, the blocks in force, the open loans, the open
// charges and the reservations, read in a few queries without locks. The answers are built from it by
// sip2-answers.ts.

import { sql } from 'kysely'
import type { Db } from '../db/database.ts'
import type { BlockReason, PatronRow } from '../db/schema.ts'

/** An item's description as the FBS fields carry it. */
export interface Sip2ItemInfo {
  barcode: string
  title: string
  author: string | null
  materialType: string
  gmb: string | null
  smb: string | null
  dk5: string | null
}

export interface Sip2Loan extends Sip2ItemInfo {
  dueDate: string
  renewals: number
  status: 'active' | 'lost'
}

export interface Sip2Charge {
  id: number
  kind: string
  chargeDate: string
  /** What is still to pay, øre. */
  open: number
  item: Sip2ItemInfo | null
}

export interface Sip2Hold {
  id: number
  title: string
  status: 'waiting' | 'held'
  createdAt: Date
  heldAt: Date | null
  /** The copy on the hold shelf (held), or a copy of the title (waiting) for its description. */
  item: Sip2ItemInfo | null
}

export interface Sip2PatronAccount {
  patron: PatronRow
  blocks: BlockReason[]
  loans: Sip2Loan[]
  charges: Sip2Charge[]
  holds: Sip2Hold[]
}

/** One row: the patron, and the blocks, loans, charges and holds as JSON arrays. */
interface AccountRow extends PatronRow {
  accountBlocks: BlockReason[]
  accountLoans: Sip2Loan[]
  accountCharges: (Omit<Sip2Charge, 'item'> & { item: Sip2ItemInfo | null })[]
  accountHolds: (Omit<Sip2Hold, 'createdAt' | 'heldAt'> & { createdAt: string; heldAt: string | null })[]
}

const itemJson = (alias: string) =>
  sql.raw(`json_build_object('barcode', ${alias}.barcode, 'title', ${alias}.title,
  'author', ${alias}.author, 'materialType', ${alias}.material_type, 'gmb', ${alias}.gmb, 'smb', ${alias}.smb,
  'dk5', ${alias}.dk5)`)

/**
 * The account in one statement (a machine asks for it at every patron's first touch): the patron by card
 * or CPR number, a card number winning, with its lists aggregated alongside.
 */
export async function loadPatronAccount(
  db: Db,
  municipality: string,
  identifier: string,
  /** cprLookup of the identifier (src/patrons/patron-repository.ts). */
  cprHash: string,
): Promise<Sip2PatronAccount | null> {
  const result = await sql<AccountRow>`
    select patrons.*,
      (select coalesce(json_agg(blocks.reason), '[]') from blocks
        where blocks.patron_id = patrons.id and blocks.until_at is null) as account_blocks,
      (select coalesce(json_agg(${itemJson('items')}::jsonb || jsonb_build_object(
          'dueDate', loans.due_date, 'renewals', loans.renewals, 'status', loans.status)
          order by loans.due_date, loans.id), '[]')
        from loans join items on items.id = loans.item_id
        where loans.patron_id = patrons.id and loans.status in ('active', 'lost')) as account_loans,
      (select coalesce(json_agg(json_build_object('id', charges.id, 'kind', charges.kind,
          'chargeDate', charges.charge_date, 'open', charges.amount - charges.paid,
          'item', case when items.id is null then null else ${itemJson('items')} end) order by charges.id), '[]')
        from charges left join items on items.id = charges.item_id
        where charges.patron_id = patrons.id and charges.status = 'open') as account_charges,
      (select coalesce(json_agg(json_build_object('id', r.id, 'title', r.title, 'status', r.status,
          'createdAt', r.created_at, 'heldAt', r.held_at,
          'item', (select ${itemJson('copy')} from items copy
            where copy.municipality = r.municipality and copy.title = r.title
            order by copy.id is not distinct from r.item_id desc, copy.id limit 1))
          order by r.created_at, r.id), '[]')
        from reservations r
        where r.patron_id = patrons.id and r.status in ('waiting', 'held')) as account_holds
    from patrons
    where patrons.municipality = ${municipality}
      and (patrons.card_number = ${identifier} or patrons.cpr_hash = ${cprHash})
    order by patrons.card_number = ${identifier} desc
    limit 1
  `.execute(db)
  const row = result.rows[0]
  if (!row) return null
  const { accountBlocks, accountLoans, accountCharges, accountHolds, ...patron } = row
  return {
    patron,
    blocks: accountBlocks,
    loans: accountLoans,
    charges: accountCharges,
    holds: accountHolds.map((h) => ({
      ...h,
      createdAt: new Date(h.createdAt),
      heldAt: h.heldAt === null ? null : new Date(h.heldAt),
    })),
  }
}
