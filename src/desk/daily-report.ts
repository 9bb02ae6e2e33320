// A day at the library in numbers: the fees and replacements charged, the items declared lost, the patrons
// blocked, the payments received (through the municipality's receivables, shown on the library side) and
// the cash box's sales. Business dates are Copenhagen dates.

import { sql } from 'kysely'
import type { Db } from '../db/database.ts'
import type { ChargeKind } from '../db/schema.ts'
import type { Ore } from '../shared/money.ts'
import { addDays, instantOfLocal, type LocalDate } from '../shared/time.ts'

export interface DailyReport {
  date: LocalDate
  charges: { kind: ChargeKind; count: number; amount: Ore }[]
  chargesTotal: { count: number; amount: Ore }
  lost: { count: number }
  blocks: { newByReason: { reason: string; count: number }[]; newPatrons: number; inForceAtClose: number }
  payments: { count: number; amount: Ore }
  cashSales: { count: number; amount: Ore }
}

export async function dailyReport(db: Db, municipality: string, date: LocalDate): Promise<DailyReport> {
  const start = instantOfLocal(date)
  const end = instantOfLocal(addDays(date, 1))
  const [charges, lost, newBlocks, newPatrons, inForce, payments, cash] = await Promise.all([
    db
      .selectFrom('charges')
      .select([
        'kind',
        (eb) => eb.fn.countAll<string>().as('count'),
        (eb) => eb.fn.sum<string>('amount').as('amount'),
      ])
      .where('municipality', '=', municipality)
      .where('chargeDate', '=', date)
      .groupBy('kind')
      .orderBy('kind')
      .execute(),
    db
      .selectFrom('loans')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where('municipality', '=', municipality)
      .where('lostOn', '=', date)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('blocks')
      .select(['reason', (eb) => eb.fn.countAll<string>().as('count')])
      .where('municipality', '=', municipality)
      .where('fromAt', '>=', start)
      .where('fromAt', '<', end)
      .groupBy('reason')
      .orderBy('reason')
      .execute(),
    db
      .selectFrom('blocks')
      .select(sql<string>`count(distinct patron_id)`.as('count'))
      .where('municipality', '=', municipality)
      .where('fromAt', '>=', start)
      .where('fromAt', '<', end)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('blocks')
      .select(sql<string>`count(distinct patron_id)`.as('count'))
      .where('municipality', '=', municipality)
      .where('fromAt', '<', end)
      .where((eb) => eb.or([eb('untilAt', 'is', null), eb('untilAt', '>=', end)]))
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('payments')
      .select([
        (eb) => eb.fn.countAll<string>().as('count'),
        (eb) => eb.fn.coalesce(eb.fn.sum<string>('amount'), sql<string>`0`).as('amount'),
      ])
      .where('municipality', '=', municipality)
      .where('receivedAt', '>=', start)
      .where('receivedAt', '<', end)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('cashSales')
      .select([
        (eb) => eb.fn.countAll<string>().as('count'),
        (eb) => eb.fn.coalesce(eb.fn.sum<string>('amount'), sql<string>`0`).as('amount'),
      ])
      .where('municipality', '=', municipality)
      .where('businessDate', '=', date)
      .executeTakeFirstOrThrow(),
  ])
  const byKind = charges.map((c) => ({ kind: c.kind, count: Number(c.count), amount: Number(c.amount) }))
  return {
    date,
    charges: byKind,
    chargesTotal: {
      count: byKind.reduce((sum, c) => sum + c.count, 0),
      amount: byKind.reduce((sum, c) => sum + c.amount, 0),
    },
    lost: { count: Number(lost.count) },
    blocks: {
      newByReason: newBlocks.map((b) => ({ reason: b.reason, count: Number(b.count) })),
      newPatrons: Number(newPatrons.count),
      inForceAtClose: Number(inForce.count),
    },
    payments: { count: Number(payments.count), amount: Number(payments.amount) },
    cashSales: { count: Number(cash.count), amount: Number(cash.amount) },
  }
}
