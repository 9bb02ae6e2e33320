import type { Db } from '../db/database.ts'
import { type CprVault, cprOf } from '../patrons/cpr-vault.ts'
import { paymentLine } from '../receivables/fik.ts'
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
  claims: {
    id: number
    debtor: string
    issuer: string
    legalKind: string
    title: string
    amount: number
    paid: number
    paymentId: string
    paymentLine: string
    date: string
    deadline: string | null
    status: string
    lines: { kind: string; item: string | null; text: string; amount: number; paid: number; status: string }[]
    bills: { date: string; channel: string; amount: number; deadline: string }[]
    dunningLetters: { number: number; date: string; fee: number; deadline: string }[]
    transferNotice: string | null
    transferredOn: string | null
    instalments: {
      number: number
      amount: number
      paid: number
      deadline: string
      paymentId: string
      plan: string
    }[]
    appeals: { filed: string; status: string; decided: string | null; writtenDown: number }[]
  }[]
  offsets: {
    debtor: string
    source: string
    reported: number
    offset: number
    paidToCitizen: number
    date: string
  }[]
  payouts: { debtor: string; amount: number; reason: string; date: string; due: string; status: string }[]
  transfers: { claim: number; debtor: string; amount: number; date: string }[]
  unmatchedPayments: { channel: string; amount: number; reference: string | null; date: string }[]
}

const instantOrNull = (value: Date | null) => (value === null ? null : formatLocalInstant(value))

/** The scenario contract's output; patrons and items are named by their scenario ids (card number, barcode). */
export async function collectScenarioOutput(
  db: Db,
  cprVault: CprVault,
  scenario: Scenario,
  rejections: ScenarioOutput['rejections'],
  creditorNumber: string,
  /** The patron each checkout named, for loans whose link the nightly run has removed. */
  loanPatrons: ReadonlyMap<number, string> = new Map(),
): Promise<ScenarioOutput> {
  const m = scenario.municipality
  const loans = await db
    .selectFrom('loans')
    .leftJoin('patrons', 'patrons.id', 'loans.patronId')
    .innerJoin('items', 'items.id', 'loans.itemId')
    .select([
      'loans.id',
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
  const receivables = await collectReceivables(db, cprVault, m, creditorNumber)

  const balances: Record<string, number> = {}
  const creditByPatron: Record<string, number> = {}
  for (const p of scenario.patrons) {
    balances[p.id] = 0
    creditByPatron[p.id] = 0
  }
  for (const c of charges)
    if (c.status === 'open') balances[c.patron] = (balances[c.patron] ?? 0) + c.amount - c.paid
  for (const d of receivables.debtors) {
    if (d.patron !== null && d.credit > 0)
      creditByPatron[d.patron] = (creditByPatron[d.patron] ?? 0) + d.credit
  }
  const billNotices = [
    ...receivables.bills.map((b) => ({
      patron: b.debtor,
      // The written notice before the transfer to Gældsstyrelsen: "collection-notice" in the notices contract.
      kind: b.kind === 'transfer-notice' ? 'collection-notice' : b.kind,
      channel: b.channel,
      at: formatLocalInstant(b.sentAt),
      items: receivables.itemsOf.get(b.claimId) ?? [],
    })),
    ...receivables.offsets.map((o) => ({
      patron: o.debtor,
      kind: 'offset-notice',
      channel: o.channel,
      at: formatLocalInstant(o.at),
      items: [],
    })),
  ]

  return {
    municipality: m,
    loans: loans.map((l) => ({
      patron: l.patron ?? loanPatrons.get(l.id) ?? '',
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
    notices: [
      ...notices.map((n) => ({
        patron: n.patron,
        kind: n.kind,
        channel: n.channel,
        at: formatLocalInstant(n.sendAt),
        items: n.items as unknown as string[],
      })),
      ...billNotices,
    ].sort((a, b) => Date.parse(a.at) - Date.parse(b.at)),
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
    claims: receivables.claims,
    payouts: receivables.payouts,
    transfers: receivables.transfers,
    unmatchedPayments: receivables.unmatched,
    offsets: receivables.offsets.map(({ at: _at, channel: _channel, ...o }) => o),
  }
}

/** The municipality's receivables in the contract's terms: a debtor is named by its patron's card (or CPR). */
async function collectReceivables(db: Db, cprVault: CprVault, m: string, creditorNumber: string) {
  const debtors = await db
    .selectFrom('debtors')
    .leftJoin('patrons', 'patrons.id', 'debtors.patronId')
    .select(['debtors.id', 'patrons.cardNumber as patron', 'debtors.cprEncrypted', 'debtors.credit'])
    .where('debtors.municipality', '=', m)
    .execute()
  const debtorName = new Map(
    debtors.map((d) => [d.id, d.patron ?? cprOf(cprVault, d.cprEncrypted) ?? `debtor-${d.id}`]),
  )
  const nameOf = (id: number) => debtorName.get(id) ?? `debtor-${id}`
  const claims = await db
    .selectFrom('claims')
    .innerJoin('issuers', 'issuers.id', 'claims.issuerId')
    .selectAll('claims')
    .select('issuers.code as issuer')
    .where('claims.municipality', '=', m)
    .orderBy('claims.id')
    .execute()
  const lines = await db
    .selectFrom('claimLines')
    .innerJoin('claims', 'claims.id', 'claimLines.claimId')
    .leftJoin('charges', 'charges.id', 'claimLines.chargeId')
    .leftJoin('items', 'items.id', 'charges.itemId')
    .select([
      'claimLines.claimId',
      'claimLines.kind',
      'items.barcode as item',
      'claimLines.text',
      'claimLines.amount',
      'claimLines.paid',
      'claimLines.status',
    ])
    .where('claims.municipality', '=', m)
    .orderBy('claimLines.id')
    .execute()
  const bills = await db
    .selectFrom('bills')
    .selectAll()
    .where('municipality', '=', m)
    .orderBy('sentAt')
    .orderBy('id')
    .execute()
  const payouts = await db
    .selectFrom('payouts')
    .selectAll()
    .where('municipality', '=', m)
    .orderBy('id')
    .execute()
  const transfers = await db
    .selectFrom('transfers')
    .selectAll()
    .where('municipality', '=', m)
    .orderBy('id')
    .execute()
  const instalments = await db
    .selectFrom('instalments')
    .innerJoin('instalmentPlans', 'instalmentPlans.id', 'instalments.planId')
    .select([
      'instalmentPlans.claimId',
      'instalmentPlans.status as plan',
      'instalments.number',
      'instalments.amount',
      'instalments.paid',
      'instalments.deadline',
      'instalments.paymentId',
    ])
    .where('instalmentPlans.municipality', '=', m)
    .orderBy('instalmentPlans.id')
    .orderBy('instalments.number')
    .execute()
  const appeals = await db
    .selectFrom('appeals')
    .selectAll()
    .where('municipality', '=', m)
    .orderBy('id')
    .execute()
  const offsets = await db
    .selectFrom('offsets')
    .selectAll()
    .where('municipality', '=', m)
    .orderBy('id')
    .execute()
  const unmatched = await db
    .selectFrom('receipts')
    .selectAll()
    .where('municipality', '=', m)
    .where('status', '=', 'unmatched')
    .orderBy('id')
    .execute()
  const itemsOf = new Map<number, string[]>()
  for (const line of lines) {
    if (line.item === null) continue
    const list = itemsOf.get(line.claimId) ?? []
    if (!list.includes(line.item)) list.push(line.item)
    itemsOf.set(line.claimId, list)
  }
  return {
    debtors: debtors.map((d) => ({ patron: d.patron, credit: d.credit })),
    itemsOf,
    bills: bills.map((b) => ({ ...b, debtor: nameOf(b.debtorId) })),
    claims: claims.map((c) => ({
      id: c.id,
      debtor: nameOf(c.debtorId),
      issuer: c.issuer,
      legalKind: c.legalKind,
      title: c.title,
      amount: c.amount,
      paid: c.paid,
      paymentId: c.paymentId,
      paymentLine: paymentLine(c.paymentId, creditorNumber),
      date: c.claimDate,
      deadline: c.deadline,
      status: c.status,
      lines: lines
        .filter((l) => l.claimId === c.id)
        .map((l) => ({
          kind: l.kind,
          item: l.item,
          text: l.text,
          amount: l.amount,
          paid: l.paid,
          status: l.status,
        })),
      bills: bills
        .filter((b) => b.claimId === c.id && b.kind === 'bill')
        .map((b) => ({ date: b.sentOn, channel: b.channel, amount: b.amount, deadline: b.deadline })),
      dunningLetters: bills
        .filter((b) => b.claimId === c.id && b.kind === 'dunning-letter')
        .map((b) => ({ number: b.letterNumber, date: b.sentOn, fee: b.fee, deadline: b.deadline })),
      transferNotice: c.transferNoticeOn,
      transferredOn: c.transferredOn,
      instalments: instalments.filter((i) => i.claimId === c.id).map(({ claimId: _claim, ...i }) => i),
      appeals: appeals
        .filter((a) => a.claimId === c.id)
        .map((a) => ({
          filed: formatLocalInstant(a.filedAt),
          status: a.status,
          decided: a.decidedAt === null ? null : formatLocalInstant(a.decidedAt),
          writtenDown: a.writtenDown,
        })),
    })),
    offsets: offsets.map((o) => ({
      debtor: nameOf(o.debtorId),
      source: o.source,
      reported: o.reported,
      offset: o.offsetAmount,
      paidToCitizen: o.reported - o.offsetAmount,
      date: o.businessDate,
      at: o.at,
      channel: o.channel,
    })),
    payouts: payouts.map((p) => ({
      debtor: nameOf(p.debtorId),
      amount: p.amount,
      reason: p.reason,
      date: p.createdOn,
      due: p.dueOn,
      status: p.status,
    })),
    transfers: transfers.map((t) => ({
      claim: t.claimId,
      debtor: nameOf(t.debtorId),
      amount: t.amount,
      date: t.transferredOn,
    })),
    unmatched: unmatched.map((r) => ({
      channel: r.channel,
      amount: r.amount,
      reference: r.paymentReference,
      date: r.businessDate,
    })),
  }
}
