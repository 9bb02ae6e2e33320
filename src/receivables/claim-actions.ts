import type { Kysely } from 'kysely'
import { type AuditActor, recordAudit } from '../audit/audit-log.ts'
import type { ClaimRow, Database, DebtorRow } from '../db/schema.ts'
import type { Clock } from '../shared/clock.ts'
import { ValidationError } from '../shared/errors.ts'
import type { Ore } from '../shared/money.ts'
import { addDays, addMonths, type LocalDate, localDateOf } from '../shared/time.ts'
import { ACCOUNTS, type Posting, post, recordEvents, refreshClaims } from './claim-repository.ts'
import { paymentIdFromSequence } from './fik.ts'
import type { LibraryLedger } from './receivables-port.ts'
import { ReceivablesRefusal } from './receivables-refusal.ts'
import type { ReceivablesService } from './receivables-service.ts'

type Trx = Kysely<Database>

// Instalment payment IDs live in their own range, apart from the claims' (whose payload is the claim id).
const INSTALMENT_ID_BASE = 90_000_000_000_000

export interface ClaimActionsDeps {
  receivables: ReceivablesService
  library: LibraryLedger
  clock: Clock
}

/** Splits an amount into `months` whole-øre instalments, the remainder on the first. */
export function instalmentAmounts(amount: Ore, months: number): Ore[] {
  const base = Math.floor(amount / months)
  return Array.from({ length: months }, (_, i) => (i === 0 ? base + (amount - base * months) : base))
}

/** The citizen's own actions on a claim (seed 004) and what staff decide on them. */
export function createClaimActions(deps: ClaimActionsDeps) {
  const { receivables, library, clock } = deps

  async function requireClaim(trx: Trx, municipality: string, reference: string): Promise<ClaimRow> {
    const claim = await receivables.findClaim(trx, municipality, reference)
    if (!claim) throw new ReceivablesRefusal('unknown-claim')
    return claim
  }

  /**
   * An instalment plan on an open claim (004: "ansøge om en afdragsordning på de fleste krav"): monthly
   * instalments, each with its own deadline and payment ID; dunning rests while the plan holds. A missed
   * instalment ends the plan (the nightly run) and dunning resumes.
   */
  async function applyForInstalments(
    trx: Trx,
    input: { municipality: string; claim: string; months: number; at?: Date | undefined },
  ) {
    const at = input.at ?? clock.now()
    const today = localDateOf(at)
    const policy = receivables.policyOf(input.municipality, today)
    const claim = await requireClaim(trx, input.municipality, input.claim)
    if (claim.status !== 'open' || claim.onPlan) {
      throw new ReceivablesRefusal(
        'not-eligible',
        'Only an open claim without a plan can be paid in instalments.',
      )
    }
    const open = claim.amount - claim.paid
    if (open < policy.instalments.minimumAmount.value) {
      throw new ReceivablesRefusal(
        'not-eligible',
        `The open amount must be at least ${policy.instalments.minimumAmount.value} øre.`,
      )
    }
    const maxMonths = policy.instalments.maxMonths.value
    if (!Number.isInteger(input.months) || input.months < 2 || input.months > maxMonths) {
      throw new ValidationError('months', `a whole number of months from 2 to ${maxMonths}`)
    }
    const plan = await trx
      .insertInto('instalmentPlans')
      .values({ municipality: input.municipality, claimId: claim.id, months: input.months, createdAt: at })
      .returning('id')
      .executeTakeFirstOrThrow()
    const firstDeadline = claim.deadline && claim.deadline > today ? claim.deadline : addDays(today, 14)
    const rows = instalmentAmounts(open, input.months).map((amount, index) => ({
      planId: plan.id,
      number: index + 1,
      amount,
      deadline: addMonths(firstDeadline, index),
      paymentId: '',
    }))
    const inserted = await trx
      .insertInto('instalments')
      .values(rows.map((r, i) => ({ ...r, paymentId: `pending-${plan.id}-${i}` })))
      .returning(['id', 'number'])
      .execute()
    for (const row of inserted) {
      await trx
        .updateTable('instalments')
        .set({ paymentId: paymentIdFromSequence(INSTALMENT_ID_BASE + row.id) })
        .where('id', '=', row.id)
        .execute()
    }
    await trx.updateTable('claims').set({ onPlan: true }).where('id', '=', claim.id).execute()
    await recordEvents(trx, [
      { claimId: claim.id, at, kind: 'instalment-plan', detail: { months: input.months, firstDeadline } },
    ])
    return instalmentsOf(trx, claim.id)
  }

  async function instalmentsOf(trx: Trx, claimId: number) {
    return trx
      .selectFrom('instalments')
      .innerJoin('instalmentPlans', 'instalmentPlans.id', 'instalments.planId')
      .select([
        'instalmentPlans.status as plan',
        'instalments.number',
        'instalments.amount',
        'instalments.paid',
        'instalments.deadline',
        'instalments.paymentId',
      ])
      .where('instalmentPlans.claimId', '=', claimId)
      .orderBy('instalmentPlans.id')
      .orderBy('instalments.number')
      .execute()
  }

  /** A later deadline, asked for before the deadline passes (004), once, at most the policy's days later. */
  async function extendDeadline(
    trx: Trx,
    input: { municipality: string; claim: string; days: number; at?: Date | undefined },
  ): Promise<ClaimRow> {
    const at = input.at ?? clock.now()
    const today = localDateOf(at)
    const policy = receivables.policyOf(input.municipality, today)
    const claim = await requireClaim(trx, input.municipality, input.claim)
    if (claim.status !== 'open' || claim.deadline === null || claim.onPlan) {
      throw new ReceivablesRefusal(
        'not-eligible',
        'Only an open, billed claim without a plan can get a later deadline.',
      )
    }
    if (today > claim.deadline) throw new ReceivablesRefusal('deadline-passed')
    if (claim.deadlineExtended) {
      throw new ReceivablesRefusal('not-eligible', 'The deadline has been extended once already.')
    }
    const maxDays = policy.deadlineExtension.maxDays.value
    if (!Number.isInteger(input.days) || input.days < 1 || input.days > maxDays) {
      throw new ValidationError('days', `a whole number of days from 1 to ${maxDays}`)
    }
    const deadline = addDays(claim.deadline, input.days)
    await trx
      .updateTable('claims')
      .set({ deadline, deadlineExtended: true })
      .where('id', '=', claim.id)
      .execute()
    await recordEvents(trx, [
      { claimId: claim.id, at, kind: 'deadline-extended', detail: { from: claim.deadline, to: deadline } },
    ])
    return { ...claim, deadline, deadlineExtended: true }
  }

  /** An appeal goes to the issuer (the library) as a case; it does not suspend the deadline (000). */
  async function fileAppeal(
    trx: Trx,
    input: { municipality: string; claim: string; text: string; at?: Date | undefined },
  ) {
    const at = input.at ?? clock.now()
    const claim = await requireClaim(trx, input.municipality, input.claim)
    if (input.text.trim() === '') throw new ValidationError('text', 'say what the appeal is about')
    const appeal = await trx
      .insertInto('appeals')
      .values({ municipality: input.municipality, claimId: claim.id, filedAt: at, text: input.text.trim() })
      .returningAll()
      .executeTakeFirstOrThrow()
    await recordEvents(trx, [{ claimId: claim.id, at, kind: 'appealed', detail: { appeal: appeal.id } }])
    return appeal
  }

  /**
   * The library's decision on an appeal: upheld cancels what is open on the claim and gives back what was
   * paid; written down takes `amount` off (fees first); rejected changes nothing.
   */
  async function decideAppeal(
    trx: Trx,
    input: {
      municipality: string
      claim: string
      outcome: 'upheld' | 'written-down' | 'rejected'
      amount?: Ore | undefined
      decision?: string | undefined
      at?: Date | undefined
      /** Who decided, for the audit log. */
      actor: AuditActor
    },
  ) {
    const at = input.at ?? clock.now()
    const claim = await requireClaim(trx, input.municipality, input.claim)
    const appeal = await trx
      .selectFrom('appeals')
      .selectAll()
      .where('claimId', '=', claim.id)
      .where('status', '=', 'open')
      .orderBy('id')
      .forUpdate()
      .executeTakeFirst()
    if (!appeal) throw new ReceivablesRefusal('no-open-appeal')
    let writtenDown = 0
    if (input.outcome === 'upheld') {
      writtenDown = await writeDown(trx, claim, Number.POSITIVE_INFINITY, true, at, 'Klage taget til følge')
    } else if (input.outcome === 'written-down') {
      const amount = input.amount ?? 0
      if (!Number.isInteger(amount) || amount <= 0)
        throw new ValidationError('amount', 'a positive whole number of øre')
      writtenDown = await writeDown(trx, claim, amount, false, at, 'Klage delvist taget til følge')
    }
    await trx
      .updateTable('appeals')
      .set({ status: input.outcome, decidedAt: at, decision: input.decision ?? null, writtenDown })
      .where('id', '=', appeal.id)
      .execute()
    await recordEvents(trx, [
      { claimId: claim.id, at, kind: `appeal-${input.outcome}`, detail: { appeal: appeal.id, writtenDown } },
    ])
    const debtor = await trx
      .selectFrom('debtors')
      .select('patronId')
      .where('id', '=', claim.debtorId)
      .executeTakeFirst()
    await recordAudit(trx, {
      municipality: claim.municipality,
      at,
      actor: input.actor,
      action: 'appeal-decided',
      patronId: debtor?.patronId ?? null,
      claimId: claim.id,
      reason: input.decision ?? null,
      details: { appeal: appeal.id, outcome: input.outcome, writtenDown },
    })
    return { appeal: appeal.id, outcome: input.outcome, writtenDown }
  }

  /**
   * Takes up to `limit` øre of open amount off a claim's lines, newest (fees) first; with `cancel`, every line
   * is cancelled and what was paid goes back to the citizen. The library's charges follow.
   */
  async function writeDown(
    trx: Trx,
    claim: ClaimRow,
    limit: number,
    cancel: boolean,
    at: Date,
    reason: string,
  ): Promise<Ore> {
    const today = localDateOf(at)
    const lines = await trx
      .selectFrom('claimLines')
      .selectAll()
      .where('claimId', '=', claim.id)
      .where('status', 'in', cancel ? ['open', 'paid'] : ['open'])
      .orderBy('id', 'desc')
      .forUpdate()
      .execute()
    let left = limit
    let total = 0
    let returned = 0
    const postings: Posting[] = []
    const changes: { chargeId: number; by: Ore; refunded: Ore }[] = []
    const common = {
      municipality: claim.municipality,
      businessDate: today,
      at,
      debtorId: claim.debtorId,
      claimId: claim.id,
    }
    for (const line of lines) {
      const by = Math.min(left, line.amount - line.paid)
      const refunded = cancel ? line.paid : 0
      if (by <= 0 && refunded === 0) continue
      left -= by
      total += by
      returned += refunded
      await trx
        .updateTable('claimLines')
        .set(
          cancel
            ? { status: 'cancelled' }
            : { amount: line.amount - by, status: line.amount - by === line.paid ? 'paid' : 'open' },
        )
        .where('id', '=', line.id)
        .execute()
      postings.push({
        ...common,
        debit: ACCOUNTS.writeDown,
        credit: ACCOUNTS.receivable,
        amount: by,
        memo: reason,
      })
      if (refunded > 0) {
        postings.push({
          ...common,
          debit: ACCOUNTS.writeDown,
          credit: ACCOUNTS.credit,
          amount: refunded,
          memo: `${reason}: paid amount returned`,
        })
      }
      if (line.chargeId !== null) changes.push({ chargeId: line.chargeId, by, refunded })
      if (left === 0 && !cancel) break
    }
    await post(trx, postings)
    await refreshClaims(trx, [claim.id])
    await library.chargesWrittenDown(trx, claim.municipality, changes, at, reason)
    if (returned > 0)
      await receivables.addCredit(trx, claim.municipality, claim.debtorId, returned, at, reason)
    return total
  }

  /**
   * A public payout to the citizen (a tax refund …) reported to the municipality is offset against the
   * citizen's due claims in the policy's order (004: "modregning"); the rest is paid to the citizen. The
   * citizen is told by Digital Post or letter.
   */
  async function offsetPayout(
    trx: Trx,
    input: { municipality: string; debtor: DebtorRow; amount: Ore; source: string; at?: Date | undefined },
  ) {
    const at = input.at ?? clock.now()
    const today = localDateOf(at)
    if (!Number.isInteger(input.amount) || input.amount <= 0) {
      throw new ValidationError('amount', 'a positive whole number of øre')
    }
    const order = receivables.policyOf(input.municipality, today).offsetOrder.value
    const due = await trx
      .selectFrom('claims')
      .select(['id', 'legalKind', 'deadline', 'amount', 'paid'])
      .where('debtorId', '=', input.debtor.id)
      .where('status', 'in', ['open', 'transferred'])
      .where('onPlan', '=', false)
      .where('deadline', '<', today)
      .execute()
    const rank = (kind: string) => (order as readonly string[]).indexOf(kind) + 1 || order.length + 1
    due.sort(
      (a, b) =>
        rank(a.legalKind) - rank(b.legalKind) ||
        (a.deadline ?? '').localeCompare(b.deadline ?? '') ||
        a.id - b.id,
    )
    const dueTotal = due.reduce((sum, c) => sum + c.amount - c.paid, 0)
    const offsetAmount = Math.min(input.amount, dueTotal)
    let receiptId: number | null = null
    if (offsetAmount > 0) {
      const paid = await receivables.payClaimsInOrder(trx, {
        municipality: input.municipality,
        debtorId: input.debtor.id,
        claimIds: due.map((c) => c.id),
        amount: offsetAmount,
        channel: 'offset',
        payerName: input.source,
        at,
      })
      receiptId = paid.receiptId
    }
    const offset = await trx
      .insertInto('offsets')
      .values({
        municipality: input.municipality,
        debtorId: input.debtor.id,
        source: input.source,
        reported: input.amount,
        offsetAmount,
        at,
        businessDate: today,
        channel: input.debtor.digitalPost ? 'digital-post' : 'letter',
        receiptId,
      })
      .returningAll()
      .executeTakeFirstOrThrow()
    return { ...offset, paidToCitizen: input.amount - offsetAmount }
  }

  /** Betalingsservice: the citizen's mandate; the claim is collected on its deadline by the nightly run. */
  async function registerBetalingsservice(
    trx: Trx,
    input: { municipality: string; claim: string; at?: Date | undefined },
  ) {
    const at = input.at ?? clock.now()
    const claim = await requireClaim(trx, input.municipality, input.claim)
    if (claim.status !== 'open')
      throw new ReceivablesRefusal('not-eligible', 'Only an open claim can be collected.')
    await trx.updateTable('claims').set({ betalingsservice: true }).where('id', '=', claim.id).execute()
    await recordEvents(trx, [{ claimId: claim.id, at, kind: 'betalingsservice-mandate' }])
    return { ...claim, betalingsservice: true }
  }

  /** Payments Gældsstyrelsen reports for transferred claims. */
  async function recordDebtCollectionPayments(
    trx: Trx,
    municipality: string,
    payments: readonly { paymentId: string; amount: Ore; reference: string }[],
    at: Date,
  ) {
    let applied = 0
    for (const payment of payments) {
      const outcome = await receivables.payClaim(trx, {
        municipality,
        reference: payment.paymentId,
        amount: payment.amount,
        channel: 'gaeldsstyrelsen',
        externalRef: payment.reference,
        at,
      })
      if (outcome.status === 'applied') applied++
    }
    return { payments: payments.length, applied }
  }

  return {
    applyForInstalments,
    instalmentsOf,
    extendDeadline,
    fileAppeal,
    decideAppeal,
    offsetPayout,
    registerBetalingsservice,
    recordDebtCollectionPayments,
  }
}

export type ClaimActions = ReturnType<typeof createClaimActions>

/** Plans whose instalment deadline passed unpaid end: the claim's deadline becomes that instalment's. */
export async function breakMissedPlans(
  trx: Trx,
  municipality: string,
  date: LocalDate,
  at: Date,
): Promise<number> {
  const missed = await trx
    .selectFrom('instalments')
    .innerJoin('instalmentPlans', 'instalmentPlans.id', 'instalments.planId')
    .select([
      'instalmentPlans.id as planId',
      'instalmentPlans.claimId',
      'instalments.deadline',
      'instalments.number',
    ])
    .where('instalmentPlans.municipality', '=', municipality)
    .where('instalmentPlans.status', '=', 'active')
    .where('instalments.deadline', '<', date)
    .whereRef('instalments.paid', '<', 'instalments.amount')
    .orderBy('instalments.number')
    .execute()
  const seen = new Set<number>()
  for (const row of missed) {
    if (seen.has(row.planId)) continue
    seen.add(row.planId)
    await trx
      .updateTable('instalmentPlans')
      .set({ status: 'broken', endedOn: date })
      .where('id', '=', row.planId)
      .execute()
    await trx
      .updateTable('claims')
      .set({ onPlan: false, deadline: row.deadline })
      .where('id', '=', row.claimId)
      .execute()
    await recordEvents(trx, [
      {
        claimId: row.claimId,
        at,
        kind: 'instalment-plan-broken',
        detail: { missed: row.number, deadline: row.deadline },
      },
    ])
  }
  return seen.size
}
