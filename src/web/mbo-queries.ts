// What Mit Betalingsoverblik reads for the logged-in citizen: the debtor behind the patron, the debtor's
// claims from every issuer (as the receivables' own claim views, with what the page needs besides: the
// status, the instalment plan, the appeal, whose library account a claim concerns), and the payouts.
// Reads only: a page view never creates a debtor.

import type { Db } from '../db/database.ts'
import type { ClaimRow, DebtorRow, PatronRow } from '../db/schema.ts'
import { type ClaimView, claimViews } from '../receivables/claim-queries.ts'
import type { ReceivablesPolicy } from '../receivables/receivables-policy.ts'
import type { Ore } from '../shared/money.ts'
import { ageOn, type LocalDate } from '../shared/time.ts'
import type { MboBlocker } from './mbo-texts.ts'

export type MboStatus =
  | { code: 'new' | 'overdue' | 'transferred' | 'instalments' | 'paused' | 'legacy' | 'betalingsservice' }
  | { code: 'appealed' | 'appeal-rejected' | 'appeal-written-down' | 'part-paid' | 'paid' | 'cancelled' }
  | { code: 'billed' | 'transfer-notice'; date: LocalDate }
  | { code: 'dunned'; letter: number }

export interface MboInstalment {
  number: number
  amount: Ore
  paid: Ore
  deadline: LocalDate
  paymentId: string
}

export interface MboClaim {
  view: ClaimView
  row: ClaimRow
  /** The active instalment plan's instalments, if the claim is on one. */
  instalments: MboInstalment[]
  /** The newest appeal's status. */
  appeal: 'open' | 'upheld' | 'written-down' | 'rejected' | null
  /** Patrons other than the debtor whose library charges are on the claim (a child's, for the guardian). */
  concerns: string[]
  /** The title of the item a library line is for, by line id. */
  itemOfLine: Map<number, string>
  statuses: MboStatus[]
}

/** The citizen's debtor in the receivables: the patron's own, or one known by CPR from another issuer. */
export async function debtorOfCitizen(db: Db, patron: PatronRow): Promise<DebtorRow | undefined> {
  const own = await db.selectFrom('debtors').selectAll().where('patronId', '=', patron.id).executeTakeFirst()
  if (own || patron.cprHash === null) return own
  return db
    .selectFrom('debtors')
    .selectAll()
    .where('municipality', '=', patron.municipality)
    .where('cprHash', '=', patron.cprHash)
    .where('patronId', 'is', null)
    .executeTakeFirst()
}

/** A child with a guardian: the library's claims go to the guardian (000). */
export function billedToGuardian(patron: PatronRow, today: LocalDate): boolean {
  return patron.guardianId !== null && ageOn(patron.birthDate, today) < 18
}

/** The debtor's claims that are still to be paid (open, held or transferred), the nearest deadline first. */
export async function openClaimsOf(
  db: Db,
  policy: ReceivablesPolicy,
  debtor: DebtorRow,
  today: LocalDate,
): Promise<MboClaim[]> {
  const rows = await db
    .selectFrom('claims')
    .selectAll()
    .where('debtorId', '=', debtor.id)
    .where('status', 'in', ['open', 'held', 'transferred'])
    .execute()
  rows.sort(
    (a, b) =>
      (a.deadline ?? '9999-12-31').localeCompare(b.deadline ?? '9999-12-31') ||
      a.claimDate.localeCompare(b.claimDate) ||
      a.id - b.id,
  )
  return withDetails(db, policy, debtor, rows, today)
}

/** The debtor's newest paid and cancelled claims. */
export async function closedClaimsOf(
  db: Db,
  policy: ReceivablesPolicy,
  debtor: DebtorRow,
  today: LocalDate,
  limit = 20,
): Promise<MboClaim[]> {
  const rows = await db
    .selectFrom('claims')
    .selectAll()
    .where('debtorId', '=', debtor.id)
    .where('status', 'in', ['paid', 'cancelled'])
    .orderBy('claimDate', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute()
  return withDetails(db, policy, debtor, rows, today)
}

/** One of the debtor's own claims; another debtor's claim is as unknown as a made-up number. */
export async function ownClaim(
  db: Db,
  policy: ReceivablesPolicy,
  debtor: DebtorRow | null,
  claimParam: string,
  today: LocalDate,
): Promise<MboClaim | undefined> {
  if (debtor === null || !/^\d{1,9}$/.test(claimParam)) return undefined
  const row = await db
    .selectFrom('claims')
    .selectAll()
    .where('id', '=', Number(claimParam))
    .where('debtorId', '=', debtor.id)
    .executeTakeFirst()
  if (!row) return undefined
  return (await withDetails(db, policy, debtor, [row], today))[0]
}

async function withDetails(
  db: Db,
  policy: ReceivablesPolicy,
  debtor: DebtorRow,
  rows: ClaimRow[],
  today: LocalDate,
): Promise<MboClaim[]> {
  if (rows.length === 0) return []
  const ids = rows.map((r) => r.id)
  const [views, instalments, appeals, patrons] = await Promise.all([
    claimViews(db, policy, rows),
    db
      .selectFrom('instalments')
      .innerJoin('instalmentPlans', 'instalmentPlans.id', 'instalments.planId')
      .select([
        'instalmentPlans.claimId',
        'instalments.number',
        'instalments.amount',
        'instalments.paid',
        'instalments.deadline',
        'instalments.paymentId',
      ])
      .where('instalmentPlans.claimId', 'in', ids)
      .where('instalmentPlans.status', '=', 'active')
      .orderBy('instalments.number')
      .execute(),
    db
      .selectFrom('appeals')
      .select(['claimId', 'status'])
      .where('claimId', 'in', ids)
      .orderBy('id')
      .execute(),
    db
      .selectFrom('claimLines')
      .innerJoin('charges', 'charges.id', 'claimLines.chargeId')
      .innerJoin('patrons', 'patrons.id', 'charges.patronId')
      .leftJoin('items', 'items.id', 'charges.itemId')
      .select(['claimLines.id as lineId', 'claimLines.claimId', 'patrons.id', 'patrons.name', 'items.title'])
      .where('claimLines.claimId', 'in', ids)
      .execute(),
  ])
  return rows.map((row, index) => {
    const appeal = appeals.filter((a) => a.claimId === row.id).at(-1)?.status ?? null
    const claim: MboClaim = {
      view: views[index] as ClaimView,
      row,
      instalments: instalments
        .filter((i) => i.claimId === row.id)
        .map(({ claimId: _, ...instalment }) => instalment),
      appeal,
      concerns: [
        ...new Set(
          patrons.filter((p) => p.claimId === row.id && p.id !== debtor.patronId).map((p) => p.name),
        ),
      ],
      itemOfLine: new Map(
        patrons.flatMap((p) => (p.claimId === row.id && p.title !== null ? [[p.lineId, p.title]] : [])),
      ),
      statuses: [],
    }
    claim.statuses = statusesOf(claim, today)
    return claim
  })
}

/** Where a claim stands, for the citizen: the main state first, then what else applies. */
export function statusesOf(claim: Pick<MboClaim, 'row' | 'appeal'>, today: LocalDate): MboStatus[] {
  const { row } = claim
  if (row.status === 'paid') return [{ code: 'paid' }]
  if (row.status === 'cancelled') return [{ code: 'cancelled' }]
  const statuses: MboStatus[] = []
  if (row.status === 'transferred') statuses.push({ code: 'transferred' })
  else if (row.status === 'held') statuses.push({ code: row.holdReason === 'legacy' ? 'legacy' : 'paused' })
  else if (row.onPlan) statuses.push({ code: 'instalments' })
  else if (row.transferNoticeOn !== null)
    statuses.push({ code: 'transfer-notice', date: row.transferNoticeOn })
  else if (row.dunningLetters > 0) statuses.push({ code: 'dunned', letter: row.dunningLetters })
  else if (row.deadline !== null && row.deadline < today) statuses.push({ code: 'overdue' })
  else if (row.billedOn !== null) statuses.push({ code: 'billed', date: row.billedOn })
  else statuses.push({ code: 'new' })
  if (row.betalingsservice && row.status === 'open') statuses.push({ code: 'betalingsservice' })
  if (row.paid > 0) statuses.push({ code: 'part-paid' })
  if (claim.appeal === 'open') statuses.push({ code: 'appealed' })
  if (claim.appeal === 'rejected') statuses.push({ code: 'appeal-rejected' })
  if (claim.appeal === 'written-down') statuses.push({ code: 'appeal-written-down' })
  return statuses
}

/** What is left to pay on a claim. */
export function openOf(claim: MboClaim): Ore {
  return claim.view.open
}

/** The next unpaid instalment of a claim on a plan. */
export function nextInstalment(claim: MboClaim): MboInstalment | undefined {
  return claim.instalments.find((i) => i.paid < i.amount)
}

/**
 * Why the citizen cannot pay a claim here: paid or cancelled; at Gældsstyrelsen; a legacy balance, which
 * Gentofte takes only with MobilePay in the app (001).
 */
export function payBlocker(claim: MboClaim): MboBlocker | null {
  const { row } = claim
  if (row.status === 'transferred') return 'transferred'
  if (row.status === 'held' && row.holdReason === 'legacy') return 'legacy'
  if (!['open', 'held'].includes(row.status) || openOf(claim) <= 0) return 'closed'
  return null
}

/** An instalment plan: an open claim without a plan, with at least the policy's minimum left (004). */
export function instalmentBlocker(claim: MboClaim, policy: ReceivablesPolicy): MboBlocker | null {
  const blocker = payBlocker(claim)
  if (blocker) return blocker
  if (claim.row.status !== 'open') return 'no-deadline'
  if (claim.row.onPlan) return 'on-plan'
  if (openOf(claim) < policy.instalments.minimumAmount.value) return 'below-minimum'
  return null
}

/** A later deadline: once, on an open, billed claim without a plan, before the deadline passes (004). */
export function deadlineBlocker(claim: MboClaim, today: LocalDate): MboBlocker | null {
  const blocker = payBlocker(claim)
  if (blocker) return blocker
  const { row } = claim
  if (row.status !== 'open' || row.deadline === null) return 'no-deadline'
  if (row.onPlan) return 'on-plan'
  if (row.deadlineExtended) return 'already-extended'
  if (today > row.deadline) return 'deadline-passed'
  return null
}

/** An appeal: any claim not cancelled, one open appeal at a time. */
export function appealBlocker(claim: MboClaim): MboBlocker | null {
  if (claim.row.status === 'cancelled') return 'closed'
  if (claim.appeal === 'open') return 'appeal-open'
  return null
}

/** The debtor's payouts to NemKonto, newest first, and offsets against public payouts. */
export async function payoutsOf(db: Db, debtorId: number) {
  const [payouts, offsets] = await Promise.all([
    db
      .selectFrom('payouts')
      .select(['id', 'amount', 'reason', 'createdOn', 'dueOn', 'status', 'paidOutOn'])
      .where('debtorId', '=', debtorId)
      .orderBy('createdAt', 'desc')
      .orderBy('id', 'desc')
      .execute(),
    db
      .selectFrom('offsets')
      .select(['id', 'source', 'reported', 'offsetAmount', 'businessDate'])
      .where('debtorId', '=', debtorId)
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .execute(),
  ])
  return { payouts, offsets }
}
