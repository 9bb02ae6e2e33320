// Finance staff correct a library charge: annul it (the charge should not have been made) or write part of it
// down. Both sides move in the one transaction, as the receivables interface does for a lost item that comes
// back (annul) and for an appeal partly upheld (write-down): the library's charge, the claim line in the
// municipality's receivables with its ledger postings, and the patron's blocks.

import type { Kysely } from 'kysely'
import { recordAudit } from '../audit/audit-log.ts'
import type { ChargeRow, Database } from '../db/schema.ts'
import { recordRefund } from '../fees/charge-repository.ts'
import { evaluateFeeBlocks } from '../fees/fee-block-service.ts'
import { createLibraryLedger } from '../fees/library-ledger.ts'
import type { PolicyCatalog } from '../policy/policy-catalog.ts'
import { ACCOUNTS, post, recordEvents, refreshClaims } from '../receivables/claim-repository.ts'
import type { ChargeHandOver } from '../receivables/receivables-port.ts'
import { ValidationError } from '../shared/errors.ts'
import type { Ore } from '../shared/money.ts'
import { localDateOf } from '../shared/time.ts'

type Trx = Kysely<Database>

export interface CorrectionDeps {
  policies: PolicyCatalog
  handOver: ChargeHandOver
}

export type CorrectionRefusal = 'unknown-charge' | 'not-open' | 'bad-amount'

export class CorrectionError extends Error {
  constructor(
    readonly code: CorrectionRefusal,
    readonly maxAmount?: Ore,
  ) {
    super(code)
  }
}

interface CorrectionInput {
  municipality: string
  patronId: number
  chargeId: number
  staffId: number
  reason: string
  at: Date
}

async function lockOpenCharge(trx: Trx, input: CorrectionInput): Promise<ChargeRow> {
  const charge = await trx
    .selectFrom('charges')
    .selectAll()
    .where('id', '=', input.chargeId)
    .where('municipality', '=', input.municipality)
    .where('patronId', '=', input.patronId)
    .forUpdate()
    .executeTakeFirst()
  if (!charge) throw new CorrectionError('unknown-charge')
  if (charge.status !== 'open') throw new CorrectionError('not-open')
  return charge
}

function requireReason(reason: string): string {
  const text = reason.trim()
  if (text === '') throw new ValidationError('reason', 'a reason is required')
  return text
}

/**
 * Annuls an open charge: the charge is cancelled, its claim line cancelled in the receivables (the income
 * reversed), and what was paid on it goes back to the citizen (a refund, and credit paid out to NemKonto).
 */
export async function annulCharge(
  deps: CorrectionDeps,
  trx: Trx,
  input: CorrectionInput,
): Promise<ChargeRow> {
  const reason = requireReason(input.reason)
  const charge = await lockOpenCharge(trx, input)
  await trx
    .updateTable('charges')
    .set({ status: 'cancelled', settledAt: input.at })
    .where('id', '=', charge.id)
    .execute()
  if (charge.paid > 0) {
    await recordRefund(
      trx,
      { municipality: input.municipality, patronId: charge.patronId },
      charge,
      input.at,
      reason,
    )
  }
  await deps.handOver.chargesCancelled(trx, [charge.id], input.at, reason)
  await evaluateFeeBlocks(trx, deps.policies, input.municipality, [charge.patronId], input.at, false)
  await trx
    .insertInto('chargeCorrections')
    .values({
      municipality: input.municipality,
      chargeId: charge.id,
      staffId: input.staffId,
      kind: 'annulled',
      amount: charge.amount,
      reason,
      at: input.at,
    })
    .execute()
  await recordAudit(trx, {
    municipality: input.municipality,
    at: input.at,
    actor: { kind: 'staff', staffId: input.staffId },
    action: 'charge-annulled',
    patronId: charge.patronId,
    chargeId: charge.id,
    reason,
    details: { amount: charge.amount, paid: charge.paid, kind: charge.kind },
  })
  return { ...charge, status: 'cancelled', settledAt: input.at }
}

/**
 * Writes `amount` øre off an open charge's unpaid part: its claim line is reduced and the amount posted to
 * write-down in the receivables' ledger, and the library's charge follows (the receivables' own callback).
 * A charge not yet handed over is only reduced; it is handed over as it then stands.
 */
export async function writeDownCharge(
  deps: CorrectionDeps,
  trx: Trx,
  input: CorrectionInput & { amount: Ore },
): Promise<void> {
  const reason = requireReason(input.reason)
  const charge = await lockOpenCharge(trx, input)
  const open = charge.amount - charge.paid
  if (!Number.isInteger(input.amount) || input.amount <= 0 || input.amount > open) {
    throw new CorrectionError('bad-amount', open)
  }
  const line = await trx
    .selectFrom('claimLines')
    .innerJoin('claims', 'claims.id', 'claimLines.claimId')
    .select([
      'claimLines.id',
      'claimLines.claimId',
      'claimLines.amount',
      'claimLines.paid',
      'claims.debtorId',
      'claims.municipality',
    ])
    .where('claimLines.chargeId', '=', charge.id)
    .where('claimLines.status', '=', 'open')
    .forUpdate()
    .executeTakeFirst()
  if (line) {
    const by = Math.min(input.amount, line.amount - line.paid)
    await trx
      .updateTable('claimLines')
      .set({ amount: line.amount - by, status: line.amount - by === line.paid ? 'paid' : 'open' })
      .where('id', '=', line.id)
      .execute()
    await post(trx, [
      {
        municipality: line.municipality,
        businessDate: localDateOf(input.at),
        at: input.at,
        debit: ACCOUNTS.writeDown,
        credit: ACCOUNTS.receivable,
        amount: by,
        debtorId: line.debtorId,
        claimId: line.claimId,
        memo: reason,
      },
    ])
    await refreshClaims(trx, [line.claimId])
    await recordEvents(trx, [
      {
        claimId: line.claimId,
        at: input.at,
        kind: 'line-written-down',
        detail: { line: line.id, by, reason },
      },
    ])
  }
  await createLibraryLedger(deps.policies).chargesWrittenDown(
    trx,
    input.municipality,
    [{ chargeId: charge.id, by: input.amount, refunded: 0 }],
    input.at,
    reason,
  )
  await trx
    .insertInto('chargeCorrections')
    .values({
      municipality: input.municipality,
      chargeId: charge.id,
      staffId: input.staffId,
      kind: 'written-down',
      amount: input.amount,
      reason,
      at: input.at,
    })
    .execute()
  await recordAudit(trx, {
    municipality: input.municipality,
    at: input.at,
    actor: { kind: 'staff', staffId: input.staffId },
    action: 'charge-written-down',
    patronId: charge.patronId,
    chargeId: charge.id,
    claimId: line?.claimId ?? null,
    reason,
    details: { amount: input.amount, before: charge.amount, kind: charge.kind },
  })
}
