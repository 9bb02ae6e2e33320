import { type Kysely, sql } from 'kysely'
import type { Db } from '../db/database.ts'
import type { ChargeRow, ClaimRow, Database } from '../db/schema.ts'
import { finishJobRun, startJobRun } from '../jobs/job-runs.ts'
import type { Clock } from '../shared/clock.ts'
import { formatKroner } from '../shared/money.ts'
import { addDays, formatDanishDate, type LocalDate } from '../shared/time.ts'
import { breakMissedPlans } from './claim-actions.ts'
import { ACCOUNTS, type Posting, post, recordEvents } from './claim-repository.ts'
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

/** A fee to add to a claim: a dunning fee or a month's interest. */
interface FeeLine {
  claim: Pick<ClaimRow, 'id' | 'debtorId' | 'paymentId'>
  kind: 'dunning-fee' | 'interest'
  amount: number
  text: string
}

type DunningCandidate = Pick<
  ClaimRow,
  'legalKind' | 'deadline' | 'dunningLetters' | 'lastLetterOn' | 'lastLetterDeadline' | 'transferNoticeOn'
> & { ladder: string | null }

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
  const runKey = { municipality, job: JOB, businessDate: date }
  if ((await startJobRun(db, runKey, clock.now())).alreadyCompleted)
    return { ...result, alreadyCompleted: true }

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

  /** Runs `step` over `ids` in batches, each in its own transaction; `body` answers how many it handled. */
  async function overBatches(
    step: BillingProgress['step'],
    ids: readonly number[],
    body: (trx: Trx, ids: number[], at: Date) => Promise<number>,
  ): Promise<void> {
    let processed = 0
    for (let start = 0, batch = 1; start < ids.length; start += batchSize, batch++) {
      const slice = ids.slice(start, start + batchSize)
      processed += await db.transaction().execute((trx) => body(trx, slice, clock.now()))
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
        .where('claims.billedOn', 'is', null)
        .where('claims.claimDate', '<', date)
        .where('claims.id', '>', lastId)
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
      await trx
        .updateTable('claims')
        .set({ billedOn: date })
        .where(
          'id',
          'in',
          toBill.map((c) => c.id),
        )
        .execute()
      result.bills += toBill.length
      return claims.length
    })
  }

  // Betalingsservice: a claim with a mandate is collected on its deadline.
  {
    const due = await db
      .selectFrom('claims')
      .select('id')
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
      .execute()
    await overBatches(
      'collection',
      due.map((c) => c.id).sort((a, b) => a - b),
      async (trx, ids, at) => {
        const claims = await trx
          .selectFrom('claims')
          .select(['id', 'paymentId', 'amount', 'paid'])
          .where('id', 'in', ids)
          .where('status', '=', 'open')
          .orderBy('id')
          .execute()
        await receivables.applyBankPayments(
          trx,
          municipality,
          claims.map((claim) => ({
            paymentReference: claim.paymentId,
            amount: claim.amount - claim.paid,
            externalRef: `betalingsservice-${claim.id}-${date}`,
            payerName: null,
          })),
          at,
          'betalingsservice',
        )
        result.collections += claims.length
        return claims.length
      },
    )
  }

  // Instalment plans with a missed instalment end; the claim is dunned from that instalment's deadline.
  result.brokenPlans = await db
    .transaction()
    .execute((trx) => breakMissedPlans(trx, municipality, date, clock.now()))

  // Interest, where the municipality sets it: a percentage of the unpaid principal per started month. Only
  // claims with a month begun since their last interest line are read and locked.
  const percent = policy.dunning.interestPercentPerStartedMonth.value
  if (percent > 0) {
    const candidates = await sql<{ id: number; deadline: LocalDate; charged: number }>`
      select c.id, c.deadline, coalesce(i.charged, 0)::int as charged
      from claims c
      left join (
        select claim_id, count(*) as charged from claim_lines where kind = 'interest' group by claim_id
      ) i on i.claim_id = c.id
      where c.municipality = ${municipality} and c.status = 'open' and c.legal_kind = 'public'
        and not c.on_plan and c.deadline < ${date}
      order by c.id
    `.execute(db)
    const due = candidates.rows
      .filter((c) => monthsStartedAfter(c.deadline, date) > c.charged)
      .map((c) => c.id)
    await overBatches('interest', due, async (trx, ids, at) => {
      const claims = await trx
        .selectFrom('claims')
        .selectAll()
        .where('id', 'in', ids)
        .where('status', '=', 'open')
        .where('legalKind', '=', 'public')
        .where('onPlan', '=', false)
        .where('deadline', '<', date)
        .orderBy('id')
        .forUpdate()
        .execute()
      if (claims.length === 0) return 0
      const lines = await trx
        .selectFrom('claimLines')
        .select(['claimId', 'kind', 'amount', 'paid', 'status'])
        .where(
          'claimId',
          'in',
          claims.map((c) => c.id),
        )
        .execute()
      const linesOf = new Map<number, typeof lines>()
      for (const line of lines) linesOf.set(line.claimId, [...(linesOf.get(line.claimId) ?? []), line])
      const added: FeeLine[] = []
      for (const claim of claims) {
        const own = linesOf.get(claim.id) ?? []
        const charged = own.filter((l) => l.kind === 'interest').length
        const months = monthsStartedAfter(claim.deadline as string, date)
        const principal = own
          .filter((l) => l.kind !== 'interest' && l.kind !== 'dunning-fee' && l.status === 'open')
          .reduce((sum, l) => sum + l.amount - l.paid, 0)
        const amount = interestFor(principal, percent)
        // One line per started month, also for months begun on nights without a run.
        if (amount > 0) {
          for (let month = charged + 1; month <= months; month++) {
            added.push({
              claim,
              kind: 'interest',
              amount,
              text: `Rente for ${month}. påbegyndte måned efter fristen`,
            })
          }
        }
      }
      await addFeeLines(trx, added, date, at)
      const raised = new Map<number, number>()
      for (const fee of added) raised.set(fee.claim.id, (raised.get(fee.claim.id) ?? 0) + fee.amount)
      if (raised.size > 0) {
        await sql`
          update claims set amount = claims.amount + v.amount
          from unnest(${[...raised.keys()]}::int[], ${[...raised.values()]}::int[]) as v(id, amount)
          where claims.id = v.id
        `.execute(trx)
      }
      result.interestLines += added.length
      return claims.length
    })
  }

  // Dunning: letters, the written notice and the transfer to Gældsstyrelsen. A first read without locks
  // skips the claims that cannot be due (waiting for a letter's or the notice's deadline); the rules then
  // decide on the rest, again under lock.
  {
    const transferAfter = policy.transfer.afterLastDeadlineDays.value
    const ladders = Object.values(policy.dunning.ladders.value)
    const firstLetterFrom = addDays(date, -Math.min(...ladders.map((l) => l.firstAfterDays)))
    const fewestLetters = Math.min(...ladders.map((l) => l.fees.length))
    const stepOf = (claim: DunningCandidate) =>
      claim.deadline === null
        ? null
        : nextDunningStep(
            {
              deadline: claim.deadline,
              dunningLetters: claim.dunningLetters,
              lastLetterOn: claim.lastLetterOn,
              lastLetterDeadline: claim.lastLetterDeadline,
              transferNoticeOn: claim.transferNoticeOn,
            },
            ladderFor(policy, claim.legalKind, claim.ladder),
            transferAfter,
            date,
          )
    const candidates = await db
      .selectFrom('claims')
      .innerJoin('issuers', 'issuers.id', 'claims.issuerId')
      .select([
        'claims.id',
        'claims.legalKind',
        'claims.deadline',
        'claims.dunningLetters',
        'claims.lastLetterOn',
        'claims.lastLetterDeadline',
        'claims.transferNoticeOn',
        'issuers.ladder',
      ])
      .where('claims.municipality', '=', municipality)
      .where('claims.status', '=', 'open')
      .where('claims.onPlan', '=', false)
      .where('claims.deadline', '<', date)
      .where(({ eb, and, or }) =>
        or([
          and([
            eb('claims.transferNoticeOn', 'is', null),
            or([eb('claims.lastLetterDeadline', 'is', null), eb('claims.lastLetterDeadline', '<', date)]),
            or([eb('claims.dunningLetters', '>', 0), eb('claims.deadline', '<=', firstLetterFrom)]),
          ]),
          and([
            eb('claims.transferNoticeOn', 'is not', null),
            or([
              eb('claims.transferNoticeOn', '<=', addDays(date, -transferAfter)),
              eb('claims.dunningLetters', '<', fewestLetters),
            ]),
          ]),
        ]),
      )
      .orderBy('claims.id')
      .execute()
    const due = candidates.filter((c) => stepOf(c) !== null).map((c) => c.id)
    await overBatches('dunning', due, async (trx, ids, at) => {
      const claims = await trx
        .selectFrom('claims')
        .innerJoin('issuers', 'issuers.id', 'claims.issuerId')
        .innerJoin('debtors', 'debtors.id', 'claims.debtorId')
        .selectAll('claims')
        .select(['issuers.ladder', 'debtors.digitalPost'])
        .where('claims.id', 'in', ids)
        .where('claims.status', '=', 'open')
        .where('claims.onPlan', '=', false)
        .where('claims.deadline', '<', date)
        .orderBy('claims.id')
        .forUpdate(['claims'])
        .execute()
      const letters: { claim: (typeof claims)[number]; number: number; fee: number; deadline: LocalDate }[] =
        []
      const notices: { claim: (typeof claims)[number]; deadline: LocalDate }[] = []
      const transfers: (typeof claims)[number][] = []
      for (const claim of claims) {
        const step = stepOf(claim)
        if (step?.kind === 'letter') letters.push({ claim, ...step })
        else if (step?.kind === 'transfer-notice') notices.push({ claim, deadline: step.deadline })
        else if (step?.kind === 'transfer') transfers.push(claim)
      }
      const channelOf = (claim: { digitalPost: boolean }) =>
        claim.digitalPost ? ('digital-post' as const) : ('letter' as const)
      const events: Parameters<typeof recordEvents>[1][number][] = []

      await addFeeLines(
        trx,
        letters.map(({ claim, number, fee }) => ({
          claim,
          kind: 'dunning-fee' as const,
          amount: fee,
          text: `Rykkergebyr, rykker nr. ${number} af ${formatDanishDate(date)}`,
        })),
        date,
        at,
      )
      if (letters.length > 0) {
        await sql`
          update claims set
            amount = claims.amount + v.fee,
            dunning_letters = v.number,
            last_letter_on = ${date},
            last_letter_deadline = v.deadline
          from unnest(
            ${letters.map((l) => l.claim.id)}::int[],
            ${letters.map((l) => l.fee)}::int[],
            ${letters.map((l) => l.number)}::int[],
            ${letters.map((l) => l.deadline)}::date[]
          ) as v(id, fee, number, deadline)
          where claims.id = v.id
        `.execute(trx)
      }
      if (notices.length > 0) {
        await trx
          .updateTable('claims')
          .set({ transferNoticeOn: date })
          .where(
            'id',
            'in',
            notices.map((n) => n.claim.id),
          )
          .execute()
      }
      const bills = [
        ...letters.map(({ claim, number, fee, deadline }) => ({
          municipality,
          claimId: claim.id,
          debtorId: claim.debtorId,
          kind: 'dunning-letter' as const,
          letterNumber: number,
          sentOn: date,
          sentAt: at,
          channel: channelOf(claim),
          amount: claim.amount - claim.paid + fee,
          fee,
          deadline,
        })),
        ...notices.map(({ claim, deadline }) => ({
          municipality,
          claimId: claim.id,
          debtorId: claim.debtorId,
          kind: 'transfer-notice' as const,
          sentOn: date,
          sentAt: at,
          channel: channelOf(claim),
          amount: claim.amount - claim.paid,
          deadline,
        })),
      ]
      for (let i = 0; i < bills.length; i += 1000) {
        await trx
          .insertInto('bills')
          .values(bills.slice(i, i + 1000))
          .execute()
      }
      for (const { claim, number, fee, deadline } of letters) {
        events.push({ claimId: claim.id, at, kind: 'dunning-letter', detail: { number, fee, deadline } })
      }
      for (const { claim, deadline } of notices) {
        events.push({ claimId: claim.id, at, kind: 'transfer-notice', detail: { deadline } })
      }
      if (transfers.length > 0) {
        await trx
          .updateTable('claims')
          .set({ status: 'transferred', transferredOn: date })
          .where(
            'id',
            'in',
            transfers.map((c) => c.id),
          )
          .execute()
        await trx
          .insertInto('transfers')
          .values(
            transfers.map((claim) => ({
              municipality,
              claimId: claim.id,
              debtorId: claim.debtorId,
              amount: claim.amount - claim.paid,
              transferredOn: date,
            })),
          )
          .execute()
        for (const claim of transfers) {
          events.push({
            claimId: claim.id,
            at,
            kind: 'transferred',
            detail: { amount: claim.amount - claim.paid },
          })
        }
      }
      await recordEvents(trx, events)
      result.dunningLetters += letters.length
      result.transferNotices += notices.length
      result.transfers += transfers.length
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

  /**
   * Fees added to claims (dunning fees, interest); on a library claim the library records each as a charge
   * of the patron the claim's first library charge belongs to. The caller raises the claims' amounts (the
   * claims are open and locked, so each only grows by its new lines).
   */
  async function addFeeLines(trx: Trx, fees: readonly FeeLine[], day: LocalDate, at: Date): Promise<void> {
    if (fees.length === 0) return
    const claimIds = [...new Set(fees.map((f) => f.claim.id))]
    // The patron of each claim's first library charge: one index look-up per claim.
    const sources = await sql<{ claimId: number; patronId: number | null }>`
      select c.id as claim_id, (
        select ch.patron_id from claim_lines l join charges ch on ch.id = l.charge_id
        where l.claim_id = c.id order by l.id limit 1
      ) as patron_id
      from unnest(${claimIds}::int[]) as c(id)
    `.execute(trx)
    const patronOf = new Map(
      sources.rows.filter((r) => r.patronId !== null).map((r) => [r.claimId, r.patronId as number]),
    )
    const library_ = fees.filter((f) => patronOf.has(f.claim.id))
    const chargeIds = await library.adjustmentsAdded(
      trx,
      library_.map((f) => ({
        municipality,
        patronId: patronOf.get(f.claim.id) as number,
        kind: f.kind,
        amount: f.amount,
        date: day,
        explanation: `${f.text}: ${formatKroner(f.amount)} på regning ${f.claim.paymentId}.`,
        details: { claim: f.claim.id, paymentId: f.claim.paymentId },
      })),
      at,
    )
    const chargeOf = new Map(library_.map((f, index) => [f, chargeIds[index] as number]))
    for (let i = 0; i < fees.length; i += 1000) {
      await trx
        .insertInto('claimLines')
        .values(
          fees.slice(i, i + 1000).map((f) => ({
            claimId: f.claim.id,
            chargeId: chargeOf.get(f) ?? null,
            kind: f.kind,
            text: f.text,
            amount: f.amount,
          })),
        )
        .execute()
    }
    await post(
      trx,
      fees.map((f) => ({
        municipality,
        businessDate: day,
        at,
        debit: ACCOUNTS.receivable,
        credit: ACCOUNTS.income(f.kind),
        amount: f.amount,
        debtorId: f.claim.debtorId,
        claimId: f.claim.id,
        memo: f.kind,
      })),
    )
  }

  await finishJobRun(db, runKey, clock.now(), result)
  return result
}
