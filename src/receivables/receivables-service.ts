import { type Kysely, sql } from 'kysely'
import type { ChargeRow, ClaimRow, ClaimStatus, Database, DebtorRow, LegalKind } from '../db/schema.ts'
import { allocatePayment } from '../fees/ledger-rules.ts'
import { InvalidCprError } from '../patrons/cpr.ts'
import type { CprVault } from '../patrons/cpr-vault.ts'
import type { Clock } from '../shared/clock.ts'
import { ValidationError } from '../shared/errors.ts'
import type { Ore } from '../shared/money.ts'
import { ageOn, type LocalDate, localDateOf } from '../shared/time.ts'
import { addBankDays } from './bank-days.ts'
import {
  type BankPayment,
  type ClaimState,
  type LineState,
  openAmount,
  planOverpayment,
  type Route,
  routePayments,
  type SurplusPlan,
} from './bank-payment-plan.ts'
import {
  addToCredit,
  insertClaimEvents,
  insertPayouts,
  insertReceiptAllocations,
  insertReceipts,
  payLines,
  postAll,
} from './bulk-writes.ts'
import {
  ACCOUNTS,
  debtorOfCpr,
  debtorOfPatron,
  insertClaims,
  type NewClaimInput,
  nextClaimIds,
  type Posting,
  post,
  recordEvents,
  refreshClaims,
} from './claim-repository.ts'
import { deadlineFor, groupIntoClaims, legalKindOf, libraryClaimTitle } from './claim-rules.ts'
import { parsePaymentReference } from './fik.ts'
import type { PaymentChannel, ReceivablesCatalog, ReceivablesPolicy } from './receivables-policy.ts'
import type { ChargeHandOver, ChargePayment, LibraryLedger } from './receivables-port.ts'
import { ReceivablesRefusal } from './receivables-refusal.ts'

type Trx = Kysely<Database>

export interface ReceivablesDeps {
  catalog: ReceivablesCatalog
  library: LibraryLedger
  clock: Clock
  cprVault: CprVault
}

export interface PaymentOutcome {
  receiptId: number
  status: 'applied' | 'unmatched' | 'duplicate'
  applied: Ore
  credit: Ore
}

const ADULT_AGE = 18

export function createReceivablesService(deps: ReceivablesDeps) {
  const { catalog, library, clock } = deps

  /** Installs each municipality and its issuers from the receivables policies; safe on every start. */
  async function syncIssuers(db: Kysely<Database>): Promise<void> {
    for (const municipality of catalog.municipalities()) {
      const policy = catalog.inForce(municipality, localDateOf(clock.now()))
      await db
        .insertInto('municipalities')
        .values({ code: municipality, name: policy.authority })
        .onConflict((oc) => oc.column('code').doNothing())
        .execute()
      for (const issuer of policy.issuers.value) {
        const values = {
          name: issuer.name,
          handles: issuer.handles,
          phone: issuer.phone,
          isLibrary: issuer.library,
          ladder: issuer.ladder ?? null,
        }
        await db
          .insertInto('issuers')
          .values({ municipality, code: issuer.code, ...values })
          .onConflict((oc) => oc.columns(['municipality', 'code']).doUpdateSet(values))
          .execute()
      }
    }
  }

  function policyOf(municipality: string, date: LocalDate): ReceivablesPolicy {
    return catalog.inForce(municipality, date)
  }

  async function libraryIssuer(trx: Trx, municipality: string): Promise<{ id: number }> {
    return trx
      .selectFrom('issuers')
      .select('id')
      .where('municipality', '=', municipality)
      .where('isLibrary', '=', true)
      .executeTakeFirstOrThrow()
  }

  async function isPaused(
    trx: Trx,
    municipality: string,
    issuerId: number,
    legalKind: LegalKind,
    at: Date,
  ): Promise<boolean> {
    const pause = await trx
      .selectFrom('billingPauses')
      .select('id')
      .where('municipality', '=', municipality)
      .where((eb) => eb.or([eb('issuerId', 'is', null), eb('issuerId', '=', issuerId)]))
      .where((eb) => eb.or([eb('legalKind', 'is', null), eb('legalKind', '=', legalKind)]))
      .where('fromAt', '<=', at)
      .where('untilAt', 'is', null)
      .executeTakeFirst()
    return pause !== undefined
  }

  /** Of the given claims, those an active billing pause covers (by issuer and legal kind). */
  async function pausedAmong(
    trx: Trx,
    municipality: string,
    claims: readonly { id: number; issuerId: number; legalKind: LegalKind }[],
    at: Date,
  ): Promise<number[]> {
    const pauses = await trx
      .selectFrom('billingPauses')
      .select(['issuerId', 'legalKind'])
      .where('municipality', '=', municipality)
      .where('fromAt', '<=', at)
      .where('untilAt', 'is', null)
      .execute()
    if (pauses.length === 0) return []
    return claims
      .filter((c) =>
        pauses.some(
          (p) =>
            (p.issuerId === null || p.issuerId === c.issuerId) &&
            (p.legalKind === null || p.legalKind === c.legalKind),
        ),
      )
      .map((c) => c.id)
  }

  /** The debtors of the patrons behind charges: a child's claims go to the economically responsible adult. */
  async function debtorsForCharges(
    trx: Trx,
    charges: readonly { patronId: number; chargeDate: LocalDate }[],
  ): Promise<Map<number, DebtorRow>> {
    const patronIds = [...new Set(charges.map((c) => c.patronId))]
    if (patronIds.length === 0) return new Map()
    const patrons = await trx
      .selectFrom('patrons')
      .select(['id', 'birthDate', 'guardianId'])
      .where('id', 'in', patronIds)
      .execute()
    const dateOf = new Map(charges.map((c) => [c.patronId, c.chargeDate]))
    const payerOf = new Map<number, number>()
    for (const patron of patrons) {
      const date = dateOf.get(patron.id) as LocalDate
      const isChild = ageOn(patron.birthDate, date) < ADULT_AGE
      payerOf.set(patron.id, isChild && patron.guardianId !== null ? patron.guardianId : patron.id)
    }
    const payerIds = [...new Set(payerOf.values())]
    if (payerIds.length === 0) return new Map()
    const known = await trx.selectFrom('debtors').selectAll().where('patronId', 'in', payerIds).execute()
    const byPatron = new Map(known.map((d) => [d.patronId as number, d]))
    const missing = payerIds.filter((id) => !byPatron.has(id))
    if (missing.length > 0) {
      const rows = await trx
        .selectFrom('patrons')
        .select(['id', 'municipality', 'name', 'cprHash', 'cprEncrypted', 'digitalPost'])
        .where('id', 'in', missing)
        .execute()
      for (const row of rows) byPatron.set(row.id, await debtorOfPatron(trx, row))
    }
    const result = new Map<number, DebtorRow>()
    for (const [patronId, payerId] of payerOf) result.set(patronId, byPatron.get(payerId) as DebtorRow)
    return result
  }

  /** Library charges become claims now: one per patron, loan and legal kind; held when billing is paused. */
  async function claimCharges(
    trx: Trx,
    municipality: string,
    charges: readonly ChargeRow[],
    at: Date,
    legacy: boolean,
  ): Promise<number[]> {
    if (charges.length === 0) return []
    const today = localDateOf(at)
    const policy = policyOf(municipality, today)
    const issuer = await libraryIssuer(trx, municipality)
    const debtors = await debtorsForCharges(trx, charges)
    const groups = groupIntoClaims(charges)
    const ids = await nextClaimIds(trx, groups.length)
    const paused = new Map<LegalKind, boolean>()
    for (const kind of new Set(groups.map((g) => g.legalKind))) {
      paused.set(kind, await isPaused(trx, municipality, issuer.id, kind, at))
    }
    const claims: NewClaimInput[] = groups.map((group, index) => {
      const first = group.charges[0] as ChargeRow
      const held = legacy || paused.get(group.legalKind) === true
      return {
        id: ids[index] as number,
        municipality,
        issuerId: issuer.id,
        debtorId: (debtors.get(first.patronId) as DebtorRow).id,
        legalKind: group.legalKind,
        title: libraryClaimTitle(group.charges.map((c) => c.kind)),
        claimDate: today,
        createdAt: at,
        deadline: held ? null : deadlineFor(policy, today),
        status: held ? 'held' : 'open',
        holdReason: legacy ? 'legacy' : held ? 'paused' : null,
        lines: group.charges.map((c) => ({
          chargeId: c.id,
          kind: c.kind,
          text: c.explanation,
          amount: c.amount - c.paid,
        })),
      }
    })
    await insertClaims(trx, claims)
    await recordEvents(
      trx,
      claims.map((c) => ({
        claimId: c.id,
        at,
        kind: 'created',
        detail: { status: c.status, holdReason: c.holdReason, deadline: c.deadline },
      })),
    )
    await post(
      trx,
      claims.flatMap((c) =>
        c.lines.map((line) => ({
          municipality,
          businessDate: today,
          at,
          debit: ACCOUNTS.receivable,
          credit: ACCOUNTS.income(line.kind),
          amount: line.amount,
          debtorId: c.debtorId,
          claimId: c.id,
          memo: 'claim',
        })),
      ),
    )
    await spendCredit(
      trx,
      municipality,
      claims.map((c) => c.debtorId),
      at,
    )
    return claims.map((c) => c.id)
  }

  const handOver: ChargeHandOver = {
    async chargesCreated(trx, municipality, charges, at) {
      if (charges.length === 0 || !catalog.has(municipality)) return
      const today = localDateOf(at)
      const policy = policyOf(municipality, today)
      const legacy = charges.filter((c) => c.chargeDate < policy.handOver.from.value)
      const current = charges.filter((c) => c.chargeDate >= policy.handOver.from.value)
      await claimCharges(trx, municipality, legacy, at, true)
      if (policy.handOver.delayDays.value === 0 && policy.handOver.minimumAmount.value === 0) {
        await claimCharges(trx, municipality, current, at, false)
      }
    },
    async chargesCancelled(trx, chargeIds, at, reason) {
      await closeLines(trx, chargeIds, at, reason, 'cancelled')
    },
    async chargesRefunded(trx, chargeIds, at, reason) {
      await closeLines(trx, chargeIds, at, reason, 'refunded')
    },
  }

  /**
   * Cancelled lines take their open amount off the claim; what was paid on a cancelled or refunded line goes
   * back to the citizen (credit, paid out to NemKonto).
   */
  async function closeLines(
    trx: Trx,
    chargeIds: readonly number[],
    at: Date,
    reason: string,
    status: 'cancelled' | 'refunded',
  ): Promise<void> {
    if (chargeIds.length === 0) return
    const lines = await trx
      .selectFrom('claimLines')
      .innerJoin('claims', 'claims.id', 'claimLines.claimId')
      .select([
        'claimLines.id',
        'claimLines.claimId',
        'claimLines.kind',
        'claimLines.amount',
        'claimLines.paid',
        'claimLines.status',
        'claims.debtorId',
        'claims.municipality',
      ])
      .where('claimLines.chargeId', 'in', chargeIds)
      .where('claimLines.status', 'in', status === 'cancelled' ? ['open'] : ['paid', 'open'])
      .forUpdate()
      .execute()
    if (lines.length === 0) return
    const today = localDateOf(at)
    await trx
      .updateTable('claimLines')
      .set({ status })
      .where(
        'id',
        'in',
        lines.map((l) => l.id),
      )
      .execute()
    const postings: Posting[] = []
    const returned = new Map<number, { municipality: string; amount: Ore }>()
    for (const line of lines) {
      const common = { municipality: line.municipality, businessDate: today, at, debtorId: line.debtorId }
      postings.push({
        ...common,
        debit: ACCOUNTS.income(line.kind),
        credit: ACCOUNTS.receivable,
        amount: line.amount - line.paid,
        claimId: line.claimId,
        memo: status,
      })
      if (line.paid > 0) {
        postings.push({
          ...common,
          debit: ACCOUNTS.income(line.kind),
          credit: ACCOUNTS.credit,
          amount: line.paid,
          claimId: line.claimId,
          memo: `${status}: paid amount returned`,
        })
        const entry = returned.get(line.debtorId) ?? { municipality: line.municipality, amount: 0 }
        entry.amount += line.paid
        returned.set(line.debtorId, entry)
      }
    }
    await post(trx, postings)
    await refreshClaims(trx, [...new Set(lines.map((l) => l.claimId))])
    await recordEvents(
      trx,
      lines.map((l) => ({ claimId: l.claimId, at, kind: `line-${status}`, detail: { line: l.id, reason } })),
    )
    for (const [debtorId, { municipality, amount }] of returned) {
      await addCredit(trx, municipality, debtorId, amount, at, reason)
    }
  }

  /** Credit owed to the citizen: kept for new claims, and paid out to NemKonto after the policy's bank days. */
  async function addCredit(
    trx: Trx,
    municipality: string,
    debtorId: number,
    amount: Ore,
    at: Date,
    reason: string,
  ): Promise<void> {
    if (amount <= 0) return
    const today = localDateOf(at)
    await trx
      .updateTable('debtors')
      .set({ credit: sql`credit + ${amount}` })
      .where('id', '=', debtorId)
      .execute()
    await trx
      .insertInto('payouts')
      .values({
        municipality,
        debtorId,
        amount,
        reason,
        createdAt: at,
        createdOn: today,
        dueOn: addBankDays(today, policyOf(municipality, today).payouts.bankDays.value),
      })
      .execute()
  }

  interface OpenLine {
    id: number
    claimId: number
    chargeId: number | null
    open: Ore
  }

  /**
   * Applies money of a debtor to open lines of the given claims, in the order given and by line within a
   * claim; returns what is left. The money must already be in the debtor's credit account.
   */
  async function applyToClaims(
    trx: Trx,
    municipality: string,
    debtorId: number,
    claimIds: readonly number[],
    amount: Ore,
    receiptId: number | null,
    at: Date,
  ): Promise<Ore> {
    if (claimIds.length === 0 || amount <= 0) return amount
    const rows = await trx
      .selectFrom('claimLines')
      .select(['id', 'claimId', 'chargeId', 'amount', 'paid'])
      .where('claimId', 'in', claimIds)
      .where('status', '=', 'open')
      .orderBy('id')
      .forUpdate()
      .execute()
    const order = new Map(claimIds.map((id, index) => [id, index]))
    const lines: OpenLine[] = rows
      .map((r) => ({ id: r.id, claimId: r.claimId, chargeId: r.chargeId, open: r.amount - r.paid }))
      .sort((a, b) => (order.get(a.claimId) ?? 0) - (order.get(b.claimId) ?? 0) || a.id - b.id)
    const { allocations, leftover } = allocatePayment(
      amount,
      lines.map((l) => ({ id: l.id, open: l.open })),
    )
    if (allocations.length === 0) return amount
    const lineById = new Map(lines.map((l) => [l.id, l]))
    for (const allocation of allocations) {
      await trx
        .updateTable('claimLines')
        .set({
          paid: sql`paid + ${allocation.amount}`,
          status: sql`case when paid + ${allocation.amount} >= amount then 'paid' else 'open' end`,
        })
        .where('id', '=', allocation.chargeId)
        .execute()
    }
    await trx
      .insertInto('receiptAllocations')
      .values(
        allocations.map((a) => ({ receiptId, debtorId, claimLineId: a.chargeId, amount: a.amount, at })),
      )
      .execute()
    const today = localDateOf(at)
    const byClaim = new Map<number, Ore>()
    for (const a of allocations) {
      const claimId = (lineById.get(a.chargeId) as OpenLine).claimId
      byClaim.set(claimId, (byClaim.get(claimId) ?? 0) + a.amount)
    }
    await post(
      trx,
      [...byClaim].map(([claimId, applied]) => ({
        municipality,
        businessDate: today,
        at,
        debit: ACCOUNTS.credit,
        credit: ACCOUNTS.receivable,
        amount: applied,
        debtorId,
        claimId,
        receiptId,
        memo: 'payment applied',
      })),
    )
    const applied = amount - leftover
    await trx
      .updateTable('debtors')
      .set({ credit: sql`credit - ${applied}` })
      .where('id', '=', debtorId)
      .execute()
    const refreshed = await refreshClaims(trx, [...byClaim.keys()])
    for (const claim of refreshed) {
      if (claim.onPlan) await payInstalments(trx, claim, byClaim.get(claim.id) ?? 0, at)
    }
    await recordEvents(
      trx,
      refreshed.map((c) => ({
        claimId: c.id,
        at,
        kind: c.status === 'paid' ? 'paid' : 'part-paid',
        detail: { applied: byClaim.get(c.id), receipt: receiptId },
      })),
    )
    const libraryPayments: ChargePayment[] = allocations.flatMap((a) => {
      const chargeId = (lineById.get(a.chargeId) as OpenLine).chargeId
      return chargeId === null ? [] : [{ chargeId, amount: a.amount }]
    })
    if (libraryPayments.length > 0) await library.paymentsApplied(trx, municipality, libraryPayments, at)
    return leftover
  }

  /** The debtor's claims that money can go to now, oldest first (legacy balances only by their own channel). */
  async function payableClaimsOf(
    trx: Trx,
    debtorId: number,
    channel: PaymentChannel | null,
  ): Promise<number[]> {
    const rows = await trx
      .selectFrom('claims')
      .select(['id', 'status', 'holdReason', 'municipality'])
      .where('debtorId', '=', debtorId)
      .where('status', 'in', ['open', 'held', 'transferred'])
      .orderBy('claimDate')
      .orderBy('id')
      .execute()
    return rows
      .filter((c) => c.holdReason !== 'legacy' || (channel !== null && legacyAccepts(c, channel)))
      .map((c) => c.id)
  }

  function legacyAccepts(claim: { municipality: string }, channel: PaymentChannel): boolean {
    const policy = policyOf(claim.municipality, localDateOf(clock.now()))
    return (policy.legacyChannels.value as readonly string[]).includes(channel)
  }

  /** Spends debtors' credit on their open claims, oldest first. */
  async function spendCredit(
    trx: Trx,
    municipality: string,
    debtorIds: readonly number[],
    at: Date,
  ): Promise<void> {
    const unique = [...new Set(debtorIds)]
    if (unique.length === 0) return
    const withCredit = await trx
      .selectFrom('debtors')
      .select(['id', 'credit'])
      .where('id', 'in', unique)
      .where('credit', '>', 0)
      .forUpdate()
      .execute()
    for (const debtor of withCredit) {
      const claims = await payableClaimsOf(trx, debtor.id, null)
      await applyToClaims(trx, municipality, debtor.id, claims, debtor.credit, null, at)
    }
  }

  function checkChannel(policy: ReceivablesPolicy, channel: PaymentChannel): void {
    const internal: PaymentChannel[] = ['gaeldsstyrelsen', 'offset']
    if (internal.includes(channel)) return
    if (!(policy.paymentChannels.value as readonly string[]).includes(channel)) {
      throw new ReceivablesRefusal(
        'channel-not-accepted',
        `${policy.authority} takes ${policy.paymentChannels.value.join(', ')}, not ${channel}.`,
      )
    }
  }

  function checkAmount(amount: number): void {
    if (!Number.isInteger(amount) || amount <= 0) {
      throw new ValidationError('amount', 'a positive whole number of øre')
    }
  }

  async function insertReceipt(
    trx: Trx,
    receipt: {
      municipality: string
      channel: PaymentChannel
      amount: Ore
      at: Date
      debtorId: number | null
      claimId: number | null
      paymentReference: string | null
      externalRef: string | null
      payerName: string | null
      status: 'applied' | 'unmatched'
    },
  ): Promise<number> {
    const row = await trx
      .insertInto('receipts')
      .values({
        municipality: receipt.municipality,
        channel: receipt.channel,
        amount: receipt.amount,
        receivedAt: receipt.at,
        businessDate: localDateOf(receipt.at),
        debtorId: receipt.debtorId,
        claimId: receipt.claimId,
        paymentReference: receipt.paymentReference,
        externalRef: receipt.externalRef,
        payerName: receipt.payerName,
        status: receipt.status,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    await post(trx, [
      {
        municipality: receipt.municipality,
        businessDate: localDateOf(receipt.at),
        at: receipt.at,
        debit: ACCOUNTS.bank(receipt.channel),
        credit: receipt.status === 'applied' ? ACCOUNTS.credit : ACCOUNTS.suspense,
        amount: receipt.amount,
        debtorId: receipt.debtorId,
        claimId: receipt.claimId,
        receiptId: row.id,
        memo: receipt.status === 'applied' ? 'payment received' : 'payment held for manual matching',
      },
    ])
    if (receipt.status === 'applied' && receipt.debtorId !== null) {
      await trx
        .updateTable('debtors')
        .set({ credit: sql`credit + ${receipt.amount}` })
        .where('id', '=', receipt.debtorId)
        .execute()
    }
    return row.id
  }

  /** Money now in the debtor's credit: first to `first` claims, then to the rest oldest first; the rest paid out. */
  async function settle(
    trx: Trx,
    municipality: string,
    debtorId: number,
    amount: Ore,
    first: readonly number[],
    channel: PaymentChannel,
    receiptId: number,
    at: Date,
  ): Promise<Ore> {
    let left = await applyToClaims(trx, municipality, debtorId, first, amount, receiptId, at)
    if (left > 0) {
      const others = (await payableClaimsOf(trx, debtorId, channel)).filter((id) => !first.includes(id))
      left = await applyToClaims(trx, municipality, debtorId, others, left, receiptId, at)
    }
    if (left > 0) {
      await trx
        .insertInto('payouts')
        .values({
          municipality,
          debtorId,
          amount: left,
          reason: 'Overskydende indbetaling',
          createdAt: at,
          createdOn: localDateOf(at),
          dueOn: addBankDays(localDateOf(at), policyOf(municipality, localDateOf(at)).payouts.bankDays.value),
        })
        .execute()
    }
    return left
  }

  /**
   * A batch of payments the bank has received (a camt.054 file), in a fixed number of statements per batch:
   * each payment is looked up by its payment ID and placed as `payClaim` would place it, one after the other
   * (bank-payment-plan.ts), but written per table for the whole batch. A payment its claim absorbs is placed
   * on it; an overpayment pays its claim, then the debtor's other payable claims oldest first, and the rest
   * is the citizen's credit, paid out; a payment without a payment ID, or with one that neither a claim nor
   * an instalment has, is held for staff. What needs more rules goes through `payClaim` one by one: a
   * payment for a claim on an instalment plan (or with an instalment's payment ID), held or cancelled, and
   * the overpayments of a debtor who has such a payment in the batch or a claim on a plan. A payment seen
   * before (its bank reference) is skipped.
   */
  async function applyBankPayments(
    trx: Trx,
    municipality: string,
    payments: readonly BankPayment[],
    at: Date,
    // Betalingsservice collections come in the same way, from the nightly run.
    channel: Extract<PaymentChannel, 'bank' | 'betalingsservice'> = 'bank',
  ): Promise<{ applied: number; unmatched: number; duplicates: number }> {
    const outcome = { applied: 0, unmatched: 0, duplicates: 0 }
    const today = localDateOf(at)
    const seen = new Set(
      (
        await sql<{ externalRef: string }>`
          select external_ref from receipts
          where municipality = ${municipality} and channel = ${channel}
            and external_ref = any(${payments.map((p) => p.externalRef)}::text[])
        `.execute(trx)
      ).rows.map((r) => r.externalRef),
    )
    const fresh: BankPayment[] = []
    for (const payment of payments) {
      if (payment.amount <= 0 || seen.has(payment.externalRef)) continue
      seen.add(payment.externalRef)
      fresh.push(payment)
    }
    outcome.duplicates = payments.length - fresh.length
    if (fresh.length === 0) return outcome

    // The claims paid, locked, with their open lines.
    const idOf = new Map(
      fresh.map((p) => [p, p.paymentReference ? parsePaymentReference(p.paymentReference) : null]),
    )
    const ids = [...new Set([...idOf.values()].filter((id): id is string => id !== null))]
    const claimsById = new Map<number, ClaimState>()
    const claimOf = new Map<string, ClaimState>()
    if (ids.length > 0) {
      const rows = await sql<{
        id: number
        debtorId: number
        paymentId: string
        status: ClaimStatus
        onPlan: boolean
      }>`
        select id, debtor_id, payment_id, status, on_plan from claims
        where municipality = ${municipality} and payment_id = any(${ids}::text[])
        for update
      `.execute(trx)
      for (const row of rows.rows) {
        const claim = {
          id: row.id,
          debtorId: row.debtorId,
          status: row.status,
          onPlan: row.onPlan,
          lines: [],
        }
        claimsById.set(claim.id, claim)
        claimOf.set(row.paymentId, claim)
      }
    }
    if (claimsById.size > 0) {
      const lines = await sql<LineState>`
        select id, claim_id, charge_id, amount - paid as open from claim_lines
        where claim_id = any(${[...claimsById.keys()]}::int[]) and status = 'open'
        order by claim_id, id
        for update
      `.execute(trx)
      for (const line of lines.rows) claimsById.get(line.claimId)?.lines.push(line)
    }
    // Payments their claims absorb are placed here, in file order.
    const routes = routePayments(
      fresh,
      (p) => idOf.get(p) ?? null,
      (id) => claimOf.get(id),
    )
    const placedEvents = new Map<number, { claimId: number; kind: string }>()
    for (const route of routes) {
      if (route.kind !== 'placed') continue
      const kind = openAmount(route.claim) === 0 ? 'paid' : 'part-paid'
      placedEvents.set(route.claim.id, { claimId: route.claim.id, kind })
    }

    // A payment ID no claim has may be an instalment's: payClaim knows those.
    const unknownIds = routes.flatMap((r) => (r.kind === 'unknown-id' ? [r.paymentId] : []))
    const instalmentDebtor = new Map<string, number | null>()
    if (unknownIds.length > 0) {
      const rows = await sql<{ paymentId: string; debtorId: number | null }>`
        select i.payment_id, c.debtor_id
        from instalments i
          join instalment_plans p on p.id = i.plan_id
          left join claims c on c.id = p.claim_id
        where i.payment_id = any(${unknownIds}::text[])
      `.execute(trx)
      for (const row of rows.rows) instalmentDebtor.set(row.paymentId, row.debtorId)
    }
    const isOneByOne = (route: Route) =>
      route.kind === 'one-by-one' || (route.kind === 'unknown-id' && instalmentDebtor.has(route.paymentId))
    // A debtor with a payment for payClaim in the batch has all overpayments placed by it, in file order:
    // their surplus may reach the same claims.
    const oneByOneDebtors = new Set<number>()
    for (const route of routes) {
      if (route.kind === 'one-by-one') oneByOneDebtors.add(route.claim.debtorId)
      if (route.kind === 'unknown-id') {
        const debtorId = instalmentDebtor.get(route.paymentId)
        if (debtorId !== undefined && debtorId !== null) oneByOneDebtors.add(debtorId)
      }
    }

    // The claims an overpaying debtor's surplus can go to (payableClaimsOf), oldest first, with their open
    // lines; a claim on a plan among them sends the debtor's overpayments to payClaim.
    const payableOf = new Map<number, ClaimState[]>()
    const overDebtors = new Set<number>()
    for (const route of routes) {
      if (route.kind === 'over' && !oneByOneDebtors.has(route.claim.debtorId))
        overDebtors.add(route.claim.debtorId)
    }
    if (overDebtors.size > 0) {
      const rows = await sql<{
        claimId: number
        debtorId: number
        status: ClaimStatus
        holdReason: string | null
        municipality: string
        onPlan: boolean
        id: number
        chargeId: number | null
        open: Ore
      }>`
        select c.id as claim_id, c.debtor_id, c.status, c.hold_reason, c.municipality, c.on_plan,
          l.id, l.charge_id, l.amount - l.paid as open
        from claims c join claim_lines l on l.claim_id = c.id
        where c.debtor_id = any(${[...overDebtors]}::int[]) and c.status in ('open', 'held', 'transferred')
          and l.status = 'open'
        order by c.debtor_id, c.claim_date, c.id, l.id
        for update of l
      `.execute(trx)
      const readNow = new Set<number>()
      for (const row of rows.rows) {
        if (row.holdReason === 'legacy' && !legacyAccepts(row, channel)) continue
        if (row.onPlan) oneByOneDebtors.add(row.debtorId)
        let claim = claimsById.get(row.claimId)
        if (!claim) {
          claim = {
            id: row.claimId,
            debtorId: row.debtorId,
            status: row.status,
            onPlan: row.onPlan,
            lines: [],
          }
          claimsById.set(claim.id, claim)
          readNow.add(claim.id)
        }
        // A claim paid in this batch already has its lines, as the payments before left them.
        if (readNow.has(claim.id)) {
          claim.lines.push({ id: row.id, claimId: row.claimId, chargeId: row.chargeId, open: row.open })
        }
        const list = payableOf.get(row.debtorId) ?? []
        if (list[list.length - 1] !== claim) list.push(claim)
        payableOf.set(row.debtorId, list)
      }
    }

    // Then the overpayments, one after the other.
    const written: {
      payment: BankPayment
      claim: ClaimState | null
      route: Route
      plan: SurplusPlan | null
    }[] = []
    const oneByOne: BankPayment[] = []
    routes.forEach((route, index) => {
      const payment = fresh[index] as BankPayment
      if (isOneByOne(route) || (route.kind === 'over' && oneByOneDebtors.has(route.claim.debtorId))) {
        oneByOne.push(payment)
      } else if (route.kind === 'over') {
        const plan = planOverpayment(payment.amount, route.claim, payableOf.get(route.claim.debtorId) ?? [])
        written.push({ payment, claim: route.claim, route, plan })
      } else {
        const claim = route.kind === 'placed' ? route.claim : null
        written.push({ payment, claim, route, plan: null })
      }
    })

    // Written per table, in that order.
    const receiptIds = await insertReceipts(
      trx,
      municipality,
      written.map(({ payment, claim }) => ({
        channel,
        amount: payment.amount,
        debtorId: claim?.debtorId ?? null,
        claimId: claim?.id ?? null,
        paymentReference: payment.paymentReference,
        externalRef: payment.externalRef,
        payerName: payment.payerName,
        status: claim ? 'applied' : 'unmatched',
      })),
      at,
      today,
    )
    const postings: Omit<Posting, 'municipality' | 'businessDate' | 'at'>[] = []
    const allocations: { receiptId: number; debtorId: number; claimLineId: number; amount: Ore }[] = []
    const byLine = new Map<number, Ore>()
    const libraryPayments: ChargePayment[] = []
    const events: { claimId: number; kind: string; detail: Record<string, unknown> }[] = [
      ...[...placedEvents.values()].map((e) => ({ ...e, detail: { channel } })),
    ]
    const credit = new Map<number, Ore>()
    const payouts: { debtorId: number; amount: Ore }[] = []
    const touched = new Set<number>()
    for (const { payment, claim, route, plan } of written) {
      const receiptId = receiptIds.get(payment.externalRef) as number
      if (!claim) {
        postings.push({
          debit: ACCOUNTS.bank(channel),
          credit: ACCOUNTS.suspense,
          amount: payment.amount,
          receiptId,
          memo: 'payment held for manual matching',
        })
        outcome.unmatched++
        continue
      }
      outcome.applied++
      const common = { debtorId: claim.debtorId, receiptId }
      postings.push({
        ...common,
        debit: ACCOUNTS.bank(channel),
        credit: ACCOUNTS.credit,
        amount: payment.amount,
        claimId: claim.id,
        memo: 'payment received',
      })
      const steps = plan ? [plan.first, plan.others] : route.kind === 'placed' ? [{ parts: route.parts }] : []
      for (const step of steps) {
        for (const { line, amount } of step.parts) {
          allocations.push({ ...common, claimLineId: line.id, amount })
          byLine.set(line.id, (byLine.get(line.id) ?? 0) + amount)
          if (line.chargeId !== null) libraryPayments.push({ chargeId: line.chargeId, amount })
          touched.add(line.claimId)
        }
      }
      if (!plan) {
        postings.push({
          ...common,
          debit: ACCOUNTS.credit,
          credit: ACCOUNTS.receivable,
          amount: payment.amount,
          claimId: claim.id,
          memo: 'payment applied',
        })
        continue
      }
      for (const step of [plan.first, plan.others]) {
        for (const { claimId, applied, paid } of step.claims) {
          postings.push({
            ...common,
            debit: ACCOUNTS.credit,
            credit: ACCOUNTS.receivable,
            amount: applied,
            claimId,
            memo: 'payment applied',
          })
          events.push({ claimId, kind: paid ? 'paid' : 'part-paid', detail: { applied, receipt: receiptId } })
        }
      }
      if (plan.left > 0) {
        credit.set(claim.debtorId, (credit.get(claim.debtorId) ?? 0) + plan.left)
        payouts.push({ debtorId: claim.debtorId, amount: plan.left })
      }
    }
    await postAll(trx, municipality, today, at, postings)
    await payLines(trx, byLine)
    await insertReceiptAllocations(trx, allocations, at)
    await addToCredit(trx, credit)
    await refreshClaims(trx, [...touched])
    await insertClaimEvents(trx, events, at)
    await insertPayouts(
      trx,
      municipality,
      payouts,
      'Overskydende indbetaling',
      at,
      today,
      addBankDays(today, policyOf(municipality, today).payouts.bankDays.value),
    )
    if (libraryPayments.length > 0) await library.paymentsApplied(trx, municipality, libraryPayments, at)

    for (const payment of oneByOne) {
      const result = await payClaim(trx, {
        municipality,
        reference: payment.paymentReference ?? '',
        amount: payment.amount,
        channel,
        at,
        externalRef: payment.externalRef,
        payerName: payment.payerName,
      })
      if (result.status === 'applied') outcome.applied++
      else if (result.status === 'unmatched') outcome.unmatched++
      else outcome.duplicates++
    }
    return outcome
  }

  /** Money on a claim with an instalment plan pays its instalments in order; a paid claim completes the plan. */
  async function payInstalments(trx: Trx, claim: ClaimRow, amount: Ore, at: Date): Promise<void> {
    const plan = await trx
      .selectFrom('instalmentPlans')
      .select('id')
      .where('claimId', '=', claim.id)
      .where('status', '=', 'active')
      .executeTakeFirst()
    if (!plan) return
    const instalments = await trx
      .selectFrom('instalments')
      .selectAll()
      .where('planId', '=', plan.id)
      .orderBy('number')
      .execute()
    let left = amount
    for (const instalment of instalments) {
      if (left === 0) break
      const part = Math.min(left, instalment.amount - instalment.paid)
      if (part <= 0) continue
      await trx
        .updateTable('instalments')
        .set({ paid: instalment.paid + part })
        .where('id', '=', instalment.id)
        .execute()
      left -= part
    }
    if (claim.status === 'paid') {
      await trx
        .updateTable('instalmentPlans')
        .set({ status: 'completed', endedOn: localDateOf(at) })
        .where('id', '=', plan.id)
        .execute()
      await trx.updateTable('claims').set({ onPlan: false }).where('id', '=', claim.id).execute()
      await recordEvents(trx, [{ claimId: claim.id, at, kind: 'instalment-plan-completed' }])
    }
  }

  /** Money from a debtor placed on given claims in the given order (offsetting); the rest is the citizen's. */
  async function payClaimsInOrder(
    trx: Trx,
    input: {
      municipality: string
      debtorId: number
      claimIds: readonly number[]
      amount: Ore
      channel: PaymentChannel
      payerName: string | null
      at: Date
    },
  ): Promise<{ receiptId: number; left: Ore }> {
    const receiptId = await insertReceipt(trx, {
      municipality: input.municipality,
      channel: input.channel,
      amount: input.amount,
      at: input.at,
      debtorId: input.debtorId,
      claimId: null,
      paymentReference: null,
      externalRef: null,
      payerName: input.payerName,
      status: 'applied',
    })
    const left = await applyToClaims(
      trx,
      input.municipality,
      input.debtorId,
      input.claimIds,
      input.amount,
      receiptId,
      input.at,
    )
    return { receiptId, left }
  }

  async function findClaimByReference(
    trx: Trx,
    municipality: string,
    reference: string,
  ): Promise<ClaimRow | undefined> {
    const paymentId = parsePaymentReference(reference)
    let query = trx.selectFrom('claims').selectAll().where('municipality', '=', municipality)
    if (paymentId) {
      // An instalment's payment ID pays its plan's claim.
      const instalment = await trx
        .selectFrom('instalments')
        .innerJoin('instalmentPlans', 'instalmentPlans.id', 'instalments.planId')
        .select('instalmentPlans.claimId')
        .where('instalments.paymentId', '=', paymentId)
        .executeTakeFirst()
      query = instalment
        ? query.where('id', '=', instalment.claimId)
        : query.where('paymentId', '=', paymentId)
    } else if (/^\d{1,9}$/.test(reference.trim())) query = query.where('id', '=', Number(reference.trim()))
    else return undefined
    return query.forUpdate().executeTakeFirst()
  }

  /**
   * A payment for one claim, by its payment ID (or claim number), through any channel. An unknown payment ID
   * is kept for manual matching, never lost. The same external reference twice (a bank line imported again)
   * has no second effect.
   */
  async function payClaim(
    trx: Trx,
    input: {
      municipality: string
      reference: string
      amount: Ore
      channel: PaymentChannel
      at?: Date | undefined
      externalRef?: string | null | undefined
      payerName?: string | null | undefined
    },
  ): Promise<PaymentOutcome> {
    checkAmount(input.amount)
    const at = input.at ?? clock.now()
    const externalRef = input.externalRef ?? null
    // Money the bank or a collector has already received is never refused: at worst it waits for matching.
    const received = externalRef !== null
    if (!received) checkChannel(policyOf(input.municipality, localDateOf(at)), input.channel)
    if (externalRef !== null) {
      const seen = await trx
        .selectFrom('receipts')
        .select('id')
        .where('municipality', '=', input.municipality)
        .where('channel', '=', input.channel)
        .where('externalRef', '=', externalRef)
        .executeTakeFirst()
      if (seen) return { receiptId: seen.id, status: 'duplicate', applied: 0, credit: 0 }
    }
    const claim = await findClaimByReference(trx, input.municipality, input.reference)
    const base = {
      municipality: input.municipality,
      channel: input.channel,
      amount: input.amount,
      at,
      paymentReference: input.reference,
      externalRef,
      payerName: input.payerName ?? null,
    }
    if (!claim) {
      const receiptId = await insertReceipt(trx, {
        ...base,
        debtorId: null,
        claimId: null,
        status: 'unmatched',
      })
      return { receiptId, status: 'unmatched', applied: 0, credit: 0 }
    }
    if (
      !received &&
      claim.holdReason === 'legacy' &&
      claim.status === 'held' &&
      !legacyAccepts(claim, input.channel)
    ) {
      throw new ReceivablesRefusal('legacy-mobilepay-only')
    }
    const receiptId = await insertReceipt(trx, {
      ...base,
      debtorId: claim.debtorId,
      claimId: claim.id,
      status: 'applied',
    })
    const left = await settle(
      trx,
      input.municipality,
      claim.debtorId,
      input.amount,
      [claim.id],
      input.channel,
      receiptId,
      at,
    )
    return { receiptId, status: 'applied', applied: input.amount - left, credit: left }
  }

  /** A payment from a debtor (a patron, or the guardian of a child), applied to the oldest open claims first. */
  async function payAsDebtor(
    trx: Trx,
    input: {
      municipality: string
      debtor: DebtorRow
      amount: Ore
      channel: PaymentChannel
      at?: Date | undefined
    },
  ): Promise<PaymentOutcome> {
    checkAmount(input.amount)
    const at = input.at ?? clock.now()
    checkChannel(policyOf(input.municipality, localDateOf(at)), input.channel)
    const receiptId = await insertReceipt(trx, {
      municipality: input.municipality,
      channel: input.channel,
      amount: input.amount,
      at,
      debtorId: input.debtor.id,
      claimId: null,
      paymentReference: null,
      externalRef: null,
      payerName: input.debtor.name,
      status: 'applied',
    })
    const left = await settle(
      trx,
      input.municipality,
      input.debtor.id,
      input.amount,
      [],
      input.channel,
      receiptId,
      at,
    )
    return { receiptId, status: 'applied', applied: input.amount - left, credit: left }
  }

  /** Staff match a payment held for manual matching to a claim. */
  async function matchReceipt(
    trx: Trx,
    input: { municipality: string; receiptId: number; reference: string; at?: Date | undefined },
  ): Promise<PaymentOutcome> {
    const at = input.at ?? clock.now()
    const receipt = await trx
      .selectFrom('receipts')
      .selectAll()
      .where('id', '=', input.receiptId)
      .where('municipality', '=', input.municipality)
      .forUpdate()
      .executeTakeFirst()
    if (!receipt) throw new ValidationError('receipt', `no payment ${input.receiptId}`)
    if (receipt.status !== 'unmatched') throw new ReceivablesRefusal('already-matched')
    const claim = await findClaimByReference(trx, input.municipality, input.reference)
    if (!claim) throw new ReceivablesRefusal('unknown-claim')
    await trx
      .updateTable('receipts')
      .set({
        status: 'applied',
        debtorId: claim.debtorId,
        claimId: claim.id,
        note: `matched to ${claim.paymentId}`,
      })
      .where('id', '=', receipt.id)
      .execute()
    await post(trx, [
      {
        municipality: input.municipality,
        businessDate: localDateOf(at),
        at,
        debit: ACCOUNTS.suspense,
        credit: ACCOUNTS.credit,
        amount: receipt.amount,
        debtorId: claim.debtorId,
        claimId: claim.id,
        receiptId: receipt.id,
        memo: 'matched by staff',
      },
    ])
    await trx
      .updateTable('debtors')
      .set({ credit: sql`credit + ${receipt.amount}` })
      .where('id', '=', claim.debtorId)
      .execute()
    const left = await settle(
      trx,
      input.municipality,
      claim.debtorId,
      receipt.amount,
      [claim.id],
      receipt.channel as PaymentChannel,
      receipt.id,
      at,
    )
    return { receiptId: receipt.id, status: 'applied', applied: receipt.amount - left, credit: left }
  }

  /** A claim from another issuer of the municipality (daycare, parking …), so the citizen's overview is complete. */
  async function postClaim(
    trx: Trx,
    input: {
      municipality: string
      issuer: string
      debtor: { cpr: string; name: string; digitalPost?: boolean | undefined }
      legalKind: LegalKind
      title: string
      lines: { text: string; amount: Ore }[]
      externalRef?: string | undefined
      at?: Date | undefined
    },
  ): Promise<ClaimRow> {
    const at = input.at ?? clock.now()
    const today = localDateOf(at)
    const policy = policyOf(input.municipality, today)
    const issuer = await trx
      .selectFrom('issuers')
      .select(['id', 'isLibrary'])
      .where('municipality', '=', input.municipality)
      .where('code', '=', input.issuer)
      .executeTakeFirst()
    if (!issuer) throw new ValidationError('issuer', `no issuer ${input.issuer} in ${input.municipality}`)
    if (issuer.isLibrary) throw new ValidationError('issuer', 'library claims come from library charges')
    if (input.lines.length === 0) throw new ValidationError('lines', 'at least one line')
    input.lines.forEach((line, index) => {
      if (!Number.isInteger(line.amount) || line.amount <= 0) {
        throw new ValidationError(`lines.${index}.amount`, 'a positive whole number of øre')
      }
    })
    if (input.externalRef) {
      const existing = await trx
        .selectFrom('claims')
        .selectAll()
        .where('issuerId', '=', issuer.id)
        .where('externalRef', '=', input.externalRef)
        .executeTakeFirst()
      if (existing) return existing
    }
    let cprHash: string
    try {
      cprHash = deps.cprVault.hash(input.debtor.cpr)
    } catch (error) {
      if (error instanceof InvalidCprError) throw new ValidationError('debtor.cpr', error.message)
      throw error
    }
    const debtor = await debtorOfCpr(trx, input.municipality, {
      cprHash,
      cprEncrypted: deps.cprVault.encrypt(input.debtor.cpr),
      name: input.debtor.name,
      digitalPost: input.debtor.digitalPost ?? true,
    })
    const [id] = (await nextClaimIds(trx, 1)) as [number]
    const held = await isPaused(trx, input.municipality, issuer.id, input.legalKind, at)
    await insertClaims(trx, [
      {
        id,
        municipality: input.municipality,
        issuerId: issuer.id,
        debtorId: debtor.id,
        legalKind: input.legalKind,
        title: input.title,
        claimDate: today,
        createdAt: at,
        deadline: held ? null : deadlineFor(policy, today),
        status: held ? 'held' : 'open',
        holdReason: held ? 'paused' : null,
        externalRef: input.externalRef ?? null,
        lines: input.lines.map((line) => ({
          chargeId: null,
          kind: 'other',
          text: line.text,
          amount: line.amount,
        })),
      },
    ])
    await recordEvents(trx, [{ claimId: id, at, kind: 'created', detail: { issuer: input.issuer } }])
    await post(
      trx,
      input.lines.map((line) => ({
        municipality: input.municipality,
        businessDate: today,
        at,
        debit: ACCOUNTS.receivable,
        credit: ACCOUNTS.income('other'),
        amount: line.amount,
        debtorId: debtor.id,
        claimId: id,
        memo: 'claim',
      })),
    )
    await spendCredit(trx, input.municipality, [debtor.id], at)
    return trx.selectFrom('claims').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
  }

  /** Pauses billing (for one issuer and legal kind, or all): new claims are held, without bills or dunning. */
  async function pauseBilling(
    trx: Trx,
    input: {
      municipality: string
      issuer?: string | undefined
      legalKind?: LegalKind | undefined
      reason: string
      at?: Date | undefined
    },
  ): Promise<void> {
    const at = input.at ?? clock.now()
    const issuerId = input.issuer ? await requireIssuer(trx, input.municipality, input.issuer) : null
    await trx
      .insertInto('billingPauses')
      .values({
        municipality: input.municipality,
        issuerId,
        legalKind: input.legalKind ?? null,
        fromAt: at,
        reason: input.reason,
      })
      .execute()
  }

  /** Ends a pause: the held claims are released with a fresh deadline and billed the next morning. */
  async function resumeBilling(
    trx: Trx,
    input: {
      municipality: string
      issuer?: string | undefined
      legalKind?: LegalKind | undefined
      at?: Date | undefined
    },
  ): Promise<number> {
    const at = input.at ?? clock.now()
    const today = localDateOf(at)
    const issuerId = input.issuer ? await requireIssuer(trx, input.municipality, input.issuer) : null
    let pauses = trx
      .updateTable('billingPauses')
      .set({ untilAt: at })
      .where('municipality', '=', input.municipality)
      .where('untilAt', 'is', null)
    pauses =
      issuerId === null ? pauses.where('issuerId', 'is', null) : pauses.where('issuerId', '=', issuerId)
    pauses =
      input.legalKind === undefined
        ? pauses.where('legalKind', 'is', null)
        : pauses.where('legalKind', '=', input.legalKind)
    await pauses.execute()
    let held = trx
      .selectFrom('claims')
      .select(['id', 'issuerId', 'legalKind'])
      .where('municipality', '=', input.municipality)
      .where('status', '=', 'held')
      .where('holdReason', '=', 'paused')
    if (issuerId !== null) held = held.where('issuerId', '=', issuerId)
    if (input.legalKind !== undefined) held = held.where('legalKind', '=', input.legalKind)
    const candidates = await held.forUpdate().execute()
    const released: number[] = []
    for (const claim of candidates) {
      if (!(await isPaused(trx, input.municipality, claim.issuerId, claim.legalKind, at)))
        released.push(claim.id)
    }
    if (released.length === 0) return 0
    const deadline = deadlineFor(policyOf(input.municipality, today), today)
    await trx
      .updateTable('claims')
      .set({ status: 'open', holdReason: null, deadline })
      .where('id', 'in', released)
      .execute()
    // A claim paid in full while held stays paid.
    await refreshClaims(trx, released)
    await recordEvents(
      trx,
      released.map((id) => ({ claimId: id, at, kind: 'released', detail: { deadline } })),
    )
    return released.length
  }

  /** Gentofte: a legacy balance moved over to the new system; from now on billed and dunned as any claim. */
  async function moveLegacyClaims(
    trx: Trx,
    input: { municipality: string; claimIds?: number[] | undefined; at?: Date | undefined },
  ) {
    // An empty list names no claim (and `in ()` is not SQL).
    if (input.claimIds?.length === 0) return 0
    const at = input.at ?? clock.now()
    const today = localDateOf(at)
    let query = trx
      .updateTable('claims')
      .set({
        status: 'open',
        holdReason: null,
        deadline: deadlineFor(policyOf(input.municipality, today), today),
      })
      .where('municipality', '=', input.municipality)
      .where('holdReason', '=', 'legacy')
      .where('status', '=', 'held')
    if (input.claimIds) query = query.where('id', 'in', input.claimIds)
    const moved = await query.returning('id').execute()
    await recordEvents(
      trx,
      moved.map((m) => ({ claimId: m.id, at, kind: 'moved-from-legacy' })),
    )
    return moved.length
  }

  async function requireIssuer(trx: Trx, municipality: string, code: string): Promise<number> {
    const row = await trx
      .selectFrom('issuers')
      .select('id')
      .where('municipality', '=', municipality)
      .where('code', '=', code)
      .executeTakeFirst()
    if (!row) throw new ValidationError('issuer', `no issuer ${code} in ${municipality}`)
    return row.id
  }

  /** The debtor for a library patron (a child's guardian pays). */
  async function debtorForPatron(trx: Trx, patronId: number, date: LocalDate): Promise<DebtorRow> {
    const debtors = await debtorsForCharges(trx, [{ patronId, chargeDate: date }])
    return debtors.get(patronId) as DebtorRow
  }

  return {
    findClaim: findClaimByReference,
    applyBankPayments,
    pausedAmong,
    payClaimsInOrder,
    syncIssuers,
    handOver,
    claimCharges,
    payClaim,
    payAsDebtor,
    matchReceipt,
    postClaim,
    pauseBilling,
    resumeBilling,
    moveLegacyClaims,
    debtorForPatron,
    addCredit,
    applyToClaims,
    spendCredit,
    policyOf,
    legalKindOf,
  }
}

export type ReceivablesService = ReturnType<typeof createReceivablesService>
