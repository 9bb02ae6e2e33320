import type { Db } from '../db/database.ts'
import { formatLocalInstant } from '../shared/time.ts'
import type { Scenario } from './scenario-schema.ts'

export interface ScenarioOutput {
  municipality: string
  loans: {
    patron: string
    item: string
    checkedOutAt: string
    dueDate: string
    renewals: number
    returnedAt: string | null
    lostOn: string | null
    status: string
  }[]
  charges: {
    patron: string
    item: string | null
    kind: string
    amount: number
    paid: number
    date: string
    status: string
    dueDate: string | null
    daysOverdue: number | null
    rule: string
    explanation: string
  }[]
  blocks: { patron: string; from: string; until: string | null; reason: string }[]
  notices: { patron: string; kind: string; channel: string; at: string; items: string[] }[]
  refunds: { patron: string; item: string | null; amount: number; at: string; reason: string }[]
  rejections: { event: number; reason: string }[]
  balances: Record<string, number>
  credits: Record<string, number>
}

const instantOrNull = (value: Date | null) => (value === null ? null : formatLocalInstant(value))

/** The scenario contract's output; patrons and items are named by their scenario ids (card number, barcode). */
export async function collectScenarioOutput(
  db: Db,
  scenario: Scenario,
  rejections: ScenarioOutput['rejections'],
): Promise<ScenarioOutput> {
  const m = scenario.municipality
  const loans = await db
    .selectFrom('loans')
    .innerJoin('patrons', 'patrons.id', 'loans.patronId')
    .innerJoin('items', 'items.id', 'loans.itemId')
    .select([
      'patrons.cardNumber as patron',
      'items.barcode as item',
      'loans.checkedOutAt',
      'loans.dueDate',
      'loans.renewals',
      'loans.returnedAt',
      'loans.lostOn',
      'loans.status',
    ])
    .where('loans.municipality', '=', m)
    .orderBy('loans.id')
    .execute()
  const charges = await db
    .selectFrom('charges')
    .innerJoin('patrons', 'patrons.id', 'charges.patronId')
    .leftJoin('items', 'items.id', 'charges.itemId')
    .select([
      'patrons.cardNumber as patron',
      'items.barcode as item',
      'charges.kind',
      'charges.amount',
      'charges.paid',
      'charges.chargeDate',
      'charges.status',
      'charges.dueDate',
      'charges.daysOverdue',
      'charges.rule',
      'charges.explanation',
    ])
    .where('charges.municipality', '=', m)
    .orderBy('charges.id')
    .execute()
  const blocks = await db
    .selectFrom('blocks')
    .innerJoin('patrons', 'patrons.id', 'blocks.patronId')
    .select(['patrons.cardNumber as patron', 'blocks.fromAt', 'blocks.untilAt', 'blocks.reason'])
    .where('blocks.municipality', '=', m)
    .orderBy('blocks.id')
    .execute()
  const notices = await db
    .selectFrom('notices')
    .innerJoin('patrons', 'patrons.id', 'notices.patronId')
    .select([
      'patrons.cardNumber as patron',
      'notices.kind',
      'notices.channel',
      'notices.sendAt',
      'notices.items',
    ])
    .where('notices.municipality', '=', m)
    .orderBy('notices.sendAt')
    .orderBy('notices.id')
    .execute()
  const refunds = await db
    .selectFrom('refunds')
    .innerJoin('patrons', 'patrons.id', 'refunds.patronId')
    .innerJoin('charges', 'charges.id', 'refunds.chargeId')
    .leftJoin('items', 'items.id', 'charges.itemId')
    .select([
      'patrons.cardNumber as patron',
      'items.barcode as item',
      'refunds.amount',
      'refunds.createdAt',
      'refunds.reason',
    ])
    .where('refunds.municipality', '=', m)
    .orderBy('refunds.id')
    .execute()
  const credits = await db
    .selectFrom('payments')
    .innerJoin('patrons', 'patrons.id', 'payments.patronId')
    .select(['patrons.cardNumber as patron', 'payments.unapplied'])
    .where('payments.municipality', '=', m)
    .where('payments.unapplied', '>', 0)
    .execute()

  const balances: Record<string, number> = {}
  const creditByPatron: Record<string, number> = {}
  for (const p of scenario.patrons) {
    balances[p.id] = 0
    creditByPatron[p.id] = 0
  }
  for (const c of charges)
    if (c.status === 'open') balances[c.patron] = (balances[c.patron] ?? 0) + c.amount - c.paid
  for (const c of credits) creditByPatron[c.patron] = (creditByPatron[c.patron] ?? 0) + c.unapplied

  return {
    municipality: m,
    loans: loans.map((l) => ({
      patron: l.patron,
      item: l.item,
      checkedOutAt: formatLocalInstant(l.checkedOutAt),
      dueDate: l.dueDate,
      renewals: l.renewals,
      returnedAt: instantOrNull(l.returnedAt),
      lostOn: l.lostOn,
      status: l.status,
    })),
    charges: charges.map((c) => ({
      patron: c.patron,
      item: c.item,
      kind: c.kind,
      amount: c.amount,
      paid: c.paid,
      date: c.chargeDate,
      status: c.status,
      dueDate: c.dueDate,
      daysOverdue: c.daysOverdue,
      rule: c.rule,
      explanation: c.explanation,
    })),
    blocks: blocks.map((b) => ({
      patron: b.patron,
      from: formatLocalInstant(b.fromAt),
      until: instantOrNull(b.untilAt),
      reason: b.reason,
    })),
    notices: notices.map((n) => ({
      patron: n.patron,
      kind: n.kind,
      channel: n.channel,
      at: formatLocalInstant(n.sendAt),
      items: n.items as unknown as string[],
    })),
    refunds: refunds.map((r) => ({
      patron: r.patron,
      item: r.item,
      amount: r.amount,
      at: formatLocalInstant(r.createdAt),
      reason: r.reason,
    })),
    rejections,
    balances,
    credits: creditByPatron,
  }
}
