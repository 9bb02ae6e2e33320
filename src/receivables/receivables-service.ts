import { type Kysely, sql } from 'kysely'
import type { ChargeRow, ClaimRow, Database, DebtorRow, LegalKind } from '../db/schema.ts'
import { allocatePayment } from '../fees/ledger-rules.ts'
import type { Clock } from '../shared/clock.ts'
import { ValidationError } from '../shared/errors.ts'
import type { Ore } from '../shared/money.ts'
import { ageOn, type LocalDate, localDateOf } from '../shared/time.ts'
import { addBankDays } from './bank-days.ts'
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
    const known = await trx.selectFrom('debtors').selectAll().where('patronId', 'in', payerIds).execute()
    const byPatron = new Map(known.map((d) => [d.patronId as number, d]))
    const missing = payerIds.filter((id) => !byPatron.has(id))
    if (missing.length > 0) {
      const rows = await trx
        .selectFrom('patrons')
        .select(['id', 'municipality', 'name', 'cpr', 'digitalPost'])
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
   * A batch of payments the bank has received (a camt.054 file), in few statements: each payment is looked
   * up by its payment ID; one its claim absorbs whole is placed in bulk; one that is more than the claim
   * owes, or on a claim with a plan or a legacy balance, goes through `payClaim`; an unknown payment ID is
   * held for staff. A payment seen before (its bank reference) is skipped.
   */
  async function applyBankPayments(
    trx: Trx,
    municipality: string,
    payments: readonly {
      paymentReference: string | null
      amount: Ore
      externalRef: string
      payerName: string | null
    }[],
    at: Date,
  ): Promise<{ applied: number; unmatched: number; duplicates: number }> {
    const outcome = { applied: 0, unmatched: 0, duplicates: 0 }
    const today = localDateOf(at)
    const seen = new Set(
      (
        await trx
          .selectFrom('receipts')
          .select('externalRef')
          .where('municipality', '=', municipality)
          .where('channel', '=', 'bank')
          .where(
            'externalRef',
            'in',
            payments.map((p) => p.externalRef),
          )
          .execute()
      ).map((r) => r.externalRef),
    )
    const fresh = payments.filter((p) => p.amount > 0 && !seen.has(p.externalRef))
    outcome.duplicates = payments.length - fresh.length
    if (fresh.length === 0) return outcome
    const idOf = new Map(
      fresh.map((p) => [p, p.paymentReference ? parsePaymentReference(p.paymentReference) : null]),
    )
    const ids = [...new Set([...idOf.values()].filter((id): id is string => id !== null))]
    const claims =
      ids.length === 0
        ? []
        : await trx
            .selectFrom('claims')
            .select(['id', 'debtorId', 'paymentId', 'status', 'holdReason', 'onPlan'])
            .where('municipality', '=', municipality)
            .where('paymentId', 'in', ids)
            .forUpdate()
            .execute()
    const claimOf = new Map(claims.map((c) => [c.paymentId, c]))
    const lines =
      claims.length === 0
        ? []
        : await trx
            .selectFrom('claimLines')
            .select(['id', 'claimId', 'chargeId', 'amount', 'paid'])
            .where(
              'claimId',
              'in',
              claims.map((c) => c.id),
            )
            .where('status', '=', 'open')
            .orderBy('claimId')
            .orderBy('id')
            .forUpdate()
            .execute()
    const openLines = new Map<number, { id: number; chargeId: number | null; open: Ore }[]>()
    for (const line of lines) {
      const list = openLines.get(line.claimId) ?? []
      list.push({ id: line.id, chargeId: line.chargeId, open: line.amount - line.paid })
      openLines.set(line.claimId, list)
    }
    const unmatched: typeof fresh = []
    const oneByOne: typeof fresh = []
    const placed: {
      payment: (typeof fresh)[number]
      claim: (typeof claims)[number]
      parts: { lineId: number; chargeId: number | null; amount: Ore }[]
    }[] = []
    for (const payment of fresh) {
      const paymentId = idOf.get(payment) ?? null
      const claim = paymentId === null ? undefined : claimOf.get(paymentId)
      if (!claim) {
        // Perhaps an instalment's payment ID: the slow path knows those.
        if (paymentId !== null) oneByOne.push(payment)
        else unmatched.push(payment)
        continue
      }
      const list = openLines.get(claim.id) ?? []
      const open = list.reduce((sum, l) => sum + l.open, 0)
      if (claim.onPlan || claim.status === 'held' || claim.status === 'cancelled' || payment.amount > open) {
        oneByOne.push(payment)
        continue
      }
      let left = payment.amount
      const parts: { lineId: number; chargeId: number | null; amount: Ore }[] = []
      for (const line of list) {
        if (left === 0) break
        const part = Math.min(left, line.open)
        if (part <= 0) continue
        parts.push({ lineId: line.id, chargeId: line.chargeId, amount: part })
        line.open -= part
        left -= part
      }
      placed.push({ payment, claim, parts })
    }

    if (unmatched.length > 0) {
      const rows = await trx
        .insertInto('receipts')
        .values(
          unmatched.map((p) => ({
            municipality,
            channel: 'bank',
            amount: p.amount,
            receivedAt: at,
            businessDate: today,
            debtorId: null,
            claimId: null,
            paymentReference: p.paymentReference,
            externalRef: p.externalRef,
            payerName: p.payerName,
            status: 'unmatched' as const,
          })),
        )
        .returning(['id', 'amount'])
        .execute()
      await post(
        trx,
        rows.map((r) => ({
          municipality,
          businessDate: today,
          at,
          debit: ACCOUNTS.bank('bank'),
          credit: ACCOUNTS.suspense,
          amount: r.amount,
          receiptId: r.id,
          memo: 'payment held for manual matching',
        })),
      )
      outcome.unmatched += rows.length
    }

    if (placed.length > 0) {
      const receipts = await trx
        .insertInto('receipts')
        .values(
          placed.map(({ payment, claim }) => ({
            municipality,
            channel: 'bank',
            amount: payment.amount,
            receivedAt: at,
            businessDate: today,
            debtorId: claim.debtorId,
            claimId: claim.id,
            paymentReference: payment.paymentReference,
            externalRef: payment.externalRef,
            payerName: payment.payerName,
            status: 'applied' as const,
          })),
        )
        .returning('id')
        .execute()
      const byLine = new Map<number, Ore>()
      const allocations: {
        receiptId: number
        debtorId: number
        claimLineId: number
        amount: Ore
        at: Date
      }[] = []
      const postings: Posting[] = []
      placed.forEach(({ payment, claim, parts }, index) => {
        const receiptId = (receipts[index] as { id: number }).id
        const common = {
          municipality,
          businessDate: today,
          at,
          debtorId: claim.debtorId,
          claimId: claim.id,
          receiptId,
        }
        postings.push({
          ...common,
          debit: ACCOUNTS.bank('bank'),
          credit: ACCOUNTS.credit,
          amount: payment.amount,
          memo: 'payment received',
        })
        postings.push({
          ...common,
          debit: ACCOUNTS.credit,
          credit: ACCOUNTS.receivable,
          amount: payment.amount,
          memo: 'payment applied',
        })
        for (const part of parts) {
          byLine.set(part.lineId, (byLine.get(part.lineId) ?? 0) + part.amount)
          allocations.push({
            receiptId,
            debtorId: claim.debtorId,
            claimLineId: part.lineId,
            amount: part.amount,
            at,
          })
        }
      })
      await sql`
        update claim_lines l set
          paid = l.paid + v.amount,
          status = case when l.paid + v.amount >= l.amount then 'paid' else 'open' end
        from unnest(${[...byLine.keys()]}::int[], ${[...byLine.values()]}::int[]) as v(id, amount)
        where l.id = v.id
      `.execute(trx)
      for (let i = 0; i < allocations.length; i += 1000) {
        await trx
          .insertInto('receiptAllocations')
          .values(allocations.slice(i, i + 1000))
          .execute()
      }
      await post(trx, postings)
      const claimIds = [...new Set(placed.map((p) => p.claim.id))]
      const refreshed = await refreshClaims(trx, claimIds)
      await recordEvents(
        trx,
        refreshed.map((c) => ({
          claimId: c.id,
          at,
          kind: c.status === 'paid' ? 'paid' : 'part-paid',
          detail: { channel: 'bank' },
        })),
      )
      const libraryPayments = placed.flatMap(({ parts }) =>
        parts.flatMap((p) => (p.chargeId === null ? [] : [{ chargeId: p.chargeId, amount: p.amount }])),
      )
      await library.paymentsApplied(trx, municipality, libraryPayments, at)
      outcome.applied += placed.length
    }

    for (const payment of oneByOne) {
      const result = await payClaim(trx, {
        municipality,
        reference: payment.paymentReference ?? '',
        amount: payment.amount,
        channel: 'bank',
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
    const debtor = await debtorOfCpr(trx, input.municipality, {
      cpr: input.debtor.cpr,
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
