import { type Kysely, sql } from 'kysely'
import type { Db } from '../db/database.ts'
import type { ChargeRow, ClaimRow, Database } from '../db/schema.ts'
import type { Clock } from '../shared/clock.ts'
import { formatKroner } from '../shared/money.ts'
import { addDays, formatDanishDate, type LocalDate } from '../shared/time.ts'
import { breakMissedPlans } from './claim-actions.ts'
import { ACCOUNTS, type Posting, post, recordEvents, refreshClaims } from './claim-repository.ts'
import { interestFor, ladderFor, monthsStartedAfter, nextDunningStep } from './claim-rules.ts'
import type { LibraryLedger } from './receivables-port.ts'
import type { ReceivablesService } from './receivables-service.ts'

type Trx = Kysely<Database>

export interface BillingDeps {
  db: Db
  clock: Clock
  receivables: ReceivablesService
  library: LibraryLedger
}

export interface BillingProgress {
  step: 'hand-over' | 'bills' | 'collection' | 'interest' | 'dunning' | 'payouts'
  batch: number
  processed: number
}

export interface BillingOptions {
  batchSize?: number
  onProgress?: (progress: BillingProgress) => void
  afterBatch?: (progress: BillingProgress) => void | Promise<void>
}

export interface BillingResult {
  municipality: string
  date: LocalDate
  alreadyCompleted: boolean
  claimsCreated: number
  bills: number
  collections: number
  interestLines: number
  dunningLetters: number
  transferNotices: number
  transfers: number
  payouts: number
  brokenPlans: number
}

const JOB = 'receivables'

/**
 * The receivables' nightly run for one municipality and business date: hands over charges whose delay has
 * passed, sends the bills for yesterday's claims, collects Betalingsservice payments due, adds interest,
 * sends dunning letters, written notices and transfers to Gældsstyrelsen, and pays out credit to NemKonto.
 * Each batch commits on its own and selects only what is still to do, so a second run changes nothing.
 */
export async function runBilling(
  deps: BillingDeps,
  municipality: string,
  date: LocalDate,
  options: BillingOptions = {},
): Promise<BillingResult> {
  const { db, clock, receivables, library } = deps
  const batchSize = options.batchSize ?? 2000
  const policy = receivables.policyOf(municipality, date)
  const result: BillingResult = {
    municipality,
    date,
    alreadyCompleted: false,
    claimsCreated: 0,
    bills: 0,
    collections: 0,
    interestLines: 0,
    dunningLetters: 0,
    transferNotices: 0,
    transfers: 0,
    payouts: 0,
    brokenPlans: 0,
  }
  await db
    .insertInto('jobRuns')
    .values({
      municipality,
      job: JOB,
      businessDate: date,
      status: 'running',
      startedAt: clock.now(),
      progress: '{}',
    })
    .onConflict((oc) => oc.columns(['municipality', 'job', 'businessDate']).doNothing())
    .execute()
  const run = await db
    .selectFrom('jobRuns')
    .select('status')
    .where('municipality', '=', municipality)
    .where('job', '=', JOB)
    .where('businessDate', '=', date)
    .executeTakeFirstOrThrow()
  if (run.status === 'completed') return { ...result, alreadyCompleted: true }

  const report = async (progress: BillingProgress) => {
    options.onProgress?.(progress)
    await options.afterBatch?.(progress)
  }

  /** Runs `step` in batches, each in its own transaction, until a batch finds nothing left to do. */
  async function inBatches(
    step: BillingProgress['step'],
    body: (trx: Trx, at: Date) => Promise<number>,
  ): Promise<void> {
    let processed = 0
    for (let batch = 1; ; batch++) {
      const done = await db.transaction().execute((trx) => body(trx, clock.now()))
      if (done === 0) break
      processed += done
      await report({ step, batch, processed })
    }
  }

  // Charges whose hand-over waits (a delay, a minimum): they become claims once due.
  const delay = policy.handOver.delayDays.value
  const minimum = policy.handOver.minimumAmount.value
  if (delay > 0 || minimum > 0) {
    const cutoff = addDays(date, -delay)
    let lastId = 0
    await inBatches('hand-over', async (trx, at) => {
      const charges = await trx
        .selectFrom('charges')
        .selectAll()
        .where('municipality', '=', municipality)
        .where('status', '=', 'open')
        .where('chargeDate', '<=', cutoff)
        .where('chargeDate', '>=', policy.handOver.from.value)
        .where('id', '>', lastId)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(selectFrom('claimLines').select('id').whereRef('claimLines.chargeId', '=', 'charges.id')),
          ),
        )
        .orderBy('id')
        .limit(batchSize)
        .forUpdate()
        .execute()
      if (charges.length === 0) return 0
      lastId = (charges[charges.length - 1] as ChargeRow).id
      const totals = new Map<number, number>()
      for (const c of charges) totals.set(c.patronId, (totals.get(c.patronId) ?? 0) + c.amount - c.paid)
      const due = charges.filter((c) => (totals.get(c.patronId) ?? 0) >= minimum)
      const ids = await receivables.claimCharges(trx, municipality, due, at, false)
      result.claimsCreated += ids.length
      return charges.length
    })
  }

  // Bills: the morning after a claim appears, unless it is already paid (KK sends one anyway; laan does not).
  {
    let lastId = 0
    await inBatches('bills', async (trx, at) => {
      const claims = await trx
        .selectFrom('claims')
        .innerJoin('debtors', 'debtors.id', 'claims.debtorId')
        .select([
          'claims.id',
          'claims.debtorId',
          'claims.issuerId',
          'claims.legalKind',
          'claims.amount',
          'claims.paid',
          'claims.deadline',
          'debtors.digitalPost',
        ])
        .where('claims.municipality', '=', municipality)
        .where('claims.status', '=', 'open')
        .where('claims.claimDate', '<', date)
        .where('claims.id', '>', lastId)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('bills')
                .select('bills.id')
                .whereRef('bills.claimId', '=', 'claims.id')
                .where('bills.kind', '=', 'bill'),
            ),
          ),
        )
        .orderBy('claims.id')
        .limit(batchSize)
        .execute()
      if (claims.length === 0) return 0
      lastId = (claims[claims.length - 1] as { id: number }).id
      // A pause that began after a claim was made still holds its bill: the claim waits with the others.
      const paused = new Set(await receivables.pausedAmong(trx, municipality, claims, at))
      if (paused.size > 0) {
        await trx
          .updateTable('claims')
          .set({ status: 'held', holdReason: 'paused', deadline: null })
          .where('id', 'in', [...paused])
          .execute()
        await recordEvents(
          trx,
          [...paused].map((id) => ({ claimId: id, at, kind: 'held', detail: { reason: 'billing paused' } })),
        )
      }
      const toBill = claims.filter((c) => !paused.has(c.id))
      if (toBill.length === 0) return claims.length
      await trx
        .insertInto('bills')
        .values(
          toBill.map((c) => ({
            municipality,
            claimId: c.id,
            debtorId: c.debtorId,
            kind: 'bill' as const,
            sentOn: date,
            sentAt: at,
            channel: c.digitalPost ? ('digital-post' as const) : ('letter' as const),
            amount: c.amount - c.paid,
            deadline: c.deadline as string,
          })),
        )
        .onConflict((oc) => oc.columns(['claimId', 'kind', 'letterNumber']).doNothing())
        .execute()
      await recordEvents(
        trx,
        toBill.map((c) => ({
          claimId: c.id,
          at,
          kind: 'billed',
          detail: { channel: c.digitalPost ? 'digital-post' : 'letter' },
        })),
      )
      result.bills += toBill.length
      return claims.length
    })
  }

  // Betalingsservice: a claim with a mandate is collected on its deadline.
  await inBatches('collection', async (trx, at) => {
    const due = await trx
      .selectFrom('claims')
      .select(['id', 'paymentId', 'amount', 'paid', 'deadline'])
      .where('municipality', '=', municipality)
      .where('status', '=', 'open')
      .where('betalingsservice', '=', true)
      .where('deadline', '<=', date)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('receipts')
              .select('receipts.id')
              .where('receipts.channel', '=', 'betalingsservice')
              .where('receipts.municipality', '=', municipality)
              .whereRef('receipts.claimId', '=', 'claims.id')
              .where('receipts.businessDate', '=', date),
          ),
        ),
      )
      .orderBy('id')
      .limit(batchSize)
      .execute()
    for (const claim of due) {
      await receivables.payClaim(trx, {
        municipality,
        reference: claim.paymentId,
        amount: claim.amount - claim.paid,
        channel: 'betalingsservice',
        at,
        externalRef: `betalingsservice-${claim.id}-${date}`,
      })
    }
    result.collections += due.length
    return due.length
  })

  // Instalment plans with a missed instalment end; the claim is dunned from that instalment's deadline.
  result.brokenPlans = await db
    .transaction()
    .execute((trx) => breakMissedPlans(trx, municipality, date, clock.now()))

  // Interest, where the municipality sets it: a percentage of the unpaid principal per started month.
  const percent = policy.dunning.interestPercentPerStartedMonth.value
  if (percent > 0) {
    let lastId = 0
    await inBatches('interest', async (trx, at) => {
      const claims = await trx
        .selectFrom('claims')
        .selectAll()
        .where('municipality', '=', municipality)
        .where('status', '=', 'open')
        .where('legalKind', '=', 'public')
        .where('onPlan', '=', false)
        .where('deadline', '<', date)
        .where('id', '>', lastId)
        .orderBy('id')
        .limit(batchSize)
        .execute()
      if (claims.length === 0) return 0
      lastId = (claims[claims.length - 1] as ClaimRow).id
      const lines = await trx
        .selectFrom('claimLines')
        .select(['claimId', 'kind', 'amount', 'paid', 'status', 'chargeId'])
        .where(
          'claimId',
          'in',
          claims.map((c) => c.id),
        )
        .execute()
      const added: { claim: ClaimRow; amount: number; months: number }[] = []
      for (const claim of claims) {
        const own = lines.filter((l) => l.claimId === claim.id)
        const charged = own.filter((l) => l.kind === 'interest').length
        const months = monthsStartedAfter(claim.deadline as string, date)
        const principal = own
          .filter((l) => l.kind !== 'interest' && l.kind !== 'dunning-fee' && l.status === 'open')
          .reduce((sum, l) => sum + l.amount - l.paid, 0)
        const amount = interestFor(principal, percent)
        // One line per started month, also for months begun on nights without a run.
        if (amount > 0) {
          for (let month = charged + 1; month <= months; month++) added.push({ claim, amount, months: month })
        }
      }
      for (const { claim, amount, months } of added) {
        await addFeeLine(
          trx,
          claim,
          'interest',
          amount,
          `Rente for ${months}. påbegyndte måned efter fristen`,
          date,
          at,
        )
      }
      result.interestLines += added.length
      return claims.length
    })
  }

  // Dunning: letters, the written notice and the transfer to Gældsstyrelsen.
  {
    let lastId = 0
    await inBatches('dunning', async (trx, at) => {
      const claims = await trx
        .selectFrom('claims')
        .innerJoin('issuers', 'issuers.id', 'claims.issuerId')
        .innerJoin('debtors', 'debtors.id', 'claims.debtorId')
        .selectAll('claims')
        .select(['issuers.ladder', 'debtors.digitalPost'])
        .where('claims.municipality', '=', municipality)
        .where('claims.status', '=', 'open')
        .where('claims.onPlan', '=', false)
        .where('claims.deadline', '<', date)
        .where('claims.id', '>', lastId)
        .orderBy('claims.id')
        .limit(batchSize)
        .forUpdate(['claims'])
        .execute()
      if (claims.length === 0) return 0
      lastId = (claims[claims.length - 1] as ClaimRow).id
      const transferAfter = policy.transfer.afterLastDeadlineDays.value
      for (const claim of claims) {
        if (claim.deadline === null) continue
        const ladder = ladderFor(policy, claim.legalKind, claim.ladder)
        const step = nextDunningStep(
          {
            deadline: claim.deadline,
            dunningLetters: claim.dunningLetters,
            lastLetterOn: claim.lastLetterOn,
            lastLetterDeadline: claim.lastLetterDeadline,
            transferNoticeOn: claim.transferNoticeOn,
          },
          ladder,
          transferAfter,
          date,
        )
        if (!step) continue
        const channel = claim.digitalPost ? ('digital-post' as const) : ('letter' as const)
        if (step.kind === 'letter') {
          await addFeeLine(
            trx,
            claim,
            'dunning-fee',
            step.fee,
            `Rykkergebyr, rykker nr. ${step.number} af ${formatDanishDate(date)}`,
            date,
            at,
          )
          await trx
            .updateTable('claims')
            .set({ dunningLetters: step.number, lastLetterOn: date, lastLetterDeadline: step.deadline })
            .where('id', '=', claim.id)
            .execute()
          const open = claim.amount - claim.paid + step.fee
          await trx
            .insertInto('bills')
            .values({
              municipality,
              claimId: claim.id,
              debtorId: claim.debtorId,
              kind: 'dunning-letter',
              letterNumber: step.number,
              sentOn: date,
              sentAt: at,
              channel,
              amount: open,
              fee: step.fee,
              deadline: step.deadline,
            })
            .execute()
          await recordEvents(trx, [
            {
              claimId: claim.id,
              at,
              kind: 'dunning-letter',
              detail: { number: step.number, fee: step.fee, deadline: step.deadline },
            },
          ])
          result.dunningLetters++
        } else if (step.kind === 'transfer-notice') {
          await trx.updateTable('claims').set({ transferNoticeOn: date }).where('id', '=', claim.id).execute()
          await trx
            .insertInto('bills')
            .values({
              municipality,
              claimId: claim.id,
              debtorId: claim.debtorId,
              kind: 'transfer-notice',
              sentOn: date,
              sentAt: at,
              channel,
              amount: claim.amount - claim.paid,
              deadline: step.deadline,
            })
            .execute()
          await recordEvents(trx, [
            { claimId: claim.id, at, kind: 'transfer-notice', detail: { deadline: step.deadline } },
          ])
          result.transferNotices++
        } else {
          await trx
            .updateTable('claims')
            .set({ status: 'transferred', transferredOn: date })
            .where('id', '=', claim.id)
            .execute()
          await trx
            .insertInto('transfers')
            .values({
              municipality,
              claimId: claim.id,
              debtorId: claim.debtorId,
              amount: claim.amount - claim.paid,
              transferredOn: date,
            })
            .execute()
          await recordEvents(trx, [
            { claimId: claim.id, at, kind: 'transferred', detail: { amount: claim.amount - claim.paid } },
          ])
          result.transfers++
        }
      }
      return claims.length
    })
  }

  // Payouts to NemKonto: what is still owed to the citizen when the bank days have passed.
  await inBatches('payouts', async (trx) => {
    const due = await trx
      .selectFrom('payouts')
      .selectAll()
      .where('municipality', '=', municipality)
      .where('status', '=', 'pending')
      .where('dueOn', '<=', date)
      .orderBy('id')
      .limit(batchSize)
      .forUpdate()
      .execute()
    if (due.length === 0) return 0
    const postings: Posting[] = []
    for (const payout of due) {
      const debtor = await trx
        .selectFrom('debtors')
        .select('credit')
        .where('id', '=', payout.debtorId)
        .forUpdate()
        .executeTakeFirstOrThrow()
      const amount = Math.min(payout.amount, debtor.credit)
      if (amount === 0) {
        await trx.updateTable('payouts').set({ status: 'spent' }).where('id', '=', payout.id).execute()
        continue
      }
      await trx
        .updateTable('debtors')
        .set({ credit: sql`credit - ${amount}` })
        .where('id', '=', payout.debtorId)
        .execute()
      await trx
        .updateTable('payouts')
        .set({ status: 'paid-out', amount, paidOutOn: date })
        .where('id', '=', payout.id)
        .execute()
      postings.push({
        municipality,
        businessDate: date,
        at: clock.now(),
        debit: ACCOUNTS.credit,
        credit: ACCOUNTS.payouts,
        amount,
        debtorId: payout.debtorId,
        memo: `payout: ${payout.reason}`,
      })
      result.payouts++
    }
    await post(trx, postings)
    return due.length
  })

  /** A fee added to a claim (dunning fee, interest); on a library claim the library records it as a charge. */
  async function addFeeLine(
    trx: Trx,
    claim: ClaimRow,
    kind: 'dunning-fee' | 'interest',
    amount: number,
    text: string,
    day: LocalDate,
    at: Date,
  ): Promise<void> {
    const source = await trx
      .selectFrom('claimLines')
      .innerJoin('charges', 'charges.id', 'claimLines.chargeId')
      .select('charges.patronId')
      .where('claimLines.claimId', '=', claim.id)
      .orderBy('claimLines.id')
      .executeTakeFirst()
    const chargeId = source
      ? await library.adjustmentAdded(
          trx,
          {
            municipality,
            patronId: source.patronId,
            kind,
            amount,
            date: day,
            explanation: `${text}: ${formatKroner(amount)} på regning ${claim.paymentId}.`,
            details: { claim: claim.id, paymentId: claim.paymentId },
          },
          at,
        )
      : null
    await trx.insertInto('claimLines').values({ claimId: claim.id, chargeId, kind, text, amount }).execute()
    await post(trx, [
      {
        municipality,
        businessDate: day,
        at,
        debit: ACCOUNTS.receivable,
        credit: ACCOUNTS.income(kind),
        amount,
        debtorId: claim.debtorId,
        claimId: claim.id,
        memo: kind,
      },
    ])
    await refreshClaims(trx, [claim.id])
  }

  await db
    .updateTable('jobRuns')
    .set({ status: 'completed', finishedAt: clock.now(), progress: JSON.stringify(result) })
    .where('municipality', '=', municipality)
    .where('job', '=', JOB)
    .where('businessDate', '=', date)
    .execute()
  return result
}
