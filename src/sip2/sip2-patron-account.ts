// What a machine shows a patron (23, 63): the patron, the blocks in force, the open loans, the open
// charges and the reservations, read in a few queries without locks. The answers are built from it by
// sip2-answers.ts.

import { sql } from 'kysely'
import type { Db } from '../db/database.ts'
import type { BlockReason, PatronRow } from '../db/schema.ts'
import { findPatronByCardOrCpr } from '../patrons/patron-repository.ts'

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

const itemColumns = [
  'items.barcode',
  'items.title',
  'items.author',
  'items.materialType',
  'items.gmb',
  'items.smb',
  'items.dk5',
] as const

export async function loadPatronAccount(
  db: Db,
  municipality: string,
  identifier: string,
): Promise<Sip2PatronAccount | null> {
  const patron = await findPatronByCardOrCpr(db, municipality, identifier)
  if (!patron) return null
  const [blocks, loans, charges, holds] = await Promise.all([
    db
      .selectFrom('blocks')
      .select('reason')
      .where('patronId', '=', patron.id)
      .where('untilAt', 'is', null)
      .execute(),
    db
      .selectFrom('loans')
      .innerJoin('items', 'items.id', 'loans.itemId')
      .select([...itemColumns, 'loans.dueDate', 'loans.renewals', 'loans.status'])
      .where('loans.patronId', '=', patron.id)
      .where('loans.status', 'in', ['active', 'lost'])
      .orderBy('loans.dueDate')
      .orderBy('loans.id')
      .execute(),
    db
      .selectFrom('charges')
      .leftJoin('items', 'items.id', 'charges.itemId')
      .select([
        'charges.id',
        'charges.kind',
        'charges.chargeDate',
        'charges.amount',
        'charges.paid',
        ...itemColumns,
      ])
      .where('charges.patronId', '=', patron.id)
      .where('charges.status', '=', 'open')
      .orderBy('charges.id')
      .execute(),
    db
      .selectFrom('reservations')
      .leftJoinLateral(
        (eb) =>
          eb
            .selectFrom('items')
            .select(itemColumns)
            .whereRef('items.municipality', '=', 'reservations.municipality')
            .whereRef('items.title', '=', 'reservations.title')
            .orderBy(sql`items.id is not distinct from reservations.item_id`, 'desc')
            .orderBy('items.id')
            .limit(1)
            .as('copy'),
        (join) => join.onTrue(),
      )
      .select([
        'reservations.id',
        'reservations.title',
        'reservations.status',
        'reservations.createdAt',
        'reservations.heldAt',
        'reservations.itemId',
        'copy.barcode',
        'copy.author',
        'copy.materialType',
        'copy.gmb',
        'copy.smb',
        'copy.dk5',
      ])
      .where('reservations.patronId', '=', patron.id)
      .where('reservations.status', 'in', ['waiting', 'held'])
      .orderBy('reservations.createdAt')
      .orderBy('reservations.id')
      .execute(),
  ])
  return {
    patron,
    blocks: blocks.map((b) => b.reason),
    loans: loans.map((l) => ({ ...l, status: l.status === 'lost' ? 'lost' : 'active' })),
    charges: charges.map((c) => ({
      id: c.id,
      kind: c.kind,
      chargeDate: c.chargeDate,
      open: c.amount - c.paid,
      item:
        c.barcode === null || c.title === null || c.materialType === null
          ? null
          : { ...c, barcode: c.barcode, title: c.title, materialType: c.materialType },
    })),
    holds: holds.map((h) => ({
      id: h.id,
      title: h.title,
      status: h.status === 'held' ? 'held' : 'waiting',
      createdAt: h.createdAt,
      heldAt: h.heldAt,
      item:
        h.barcode === null || h.materialType === null
          ? null
          : {
              barcode: h.barcode,
              title: h.title,
              author: h.author,
              materialType: h.materialType,
              gmb: h.gmb,
              smb: h.smb,
              dk5: h.dk5,
            },
    })),
  }
}
