import { type Kysely, sql } from 'kysely'
import type { ClaimRow, Database, DebtorRow, LegalKind } from '../db/schema.ts'
import type { Ore } from '../shared/money.ts'
import type { LocalDate } from '../shared/time.ts'
import { paymentIdFromSequence } from './fik.ts'

type Trx = Kysely<Database>

/** A double-entry posting: `amount` øre from the credit account to the debit account. */
export interface Posting {
  municipality: string
  businessDate: LocalDate
  at: Date
  debit: string
  credit: string
  amount: Ore
  debtorId?: number | null
  claimId?: number | null
  receiptId?: number | null
  memo: string
}

// The accounts of the receivables ledger.
export const ACCOUNTS = {
  receivable: 'receivable',
  credit: 'debtor-credit',
  suspense: 'suspense',
  payouts: 'bank:nemkonto-payouts',
  writeDown: 'write-down',
  income: (lineKind: string) => `income:${lineKind}`,
  bank: (channel: string) => `bank:${channel}`,
} as const

export async function post(trx: Trx, postings: readonly Posting[]): Promise<void> {
  const rows = postings
    .filter((p) => p.amount !== 0)
    .map((p) => ({
      municipality: p.municipality,
      businessDate: p.businessDate,
      at: p.at,
      // A negative amount reverses the direction.
      debit: p.amount > 0 ? p.debit : p.credit,
      credit: p.amount > 0 ? p.credit : p.debit,
      amount: Math.abs(p.amount),
      debtorId: p.debtorId ?? null,
      claimId: p.claimId ?? null,
      receiptId: p.receiptId ?? null,
      memo: p.memo,
    }))
  for (let i = 0; i < rows.length; i += 1000) {
    await trx
      .insertInto('ledgerEntries')
      .values(rows.slice(i, i + 1000))
      .execute()
  }
}

export async function recordEvents(
  trx: Trx,
  events: readonly { claimId: number; at: Date; kind: string; detail?: Record<string, unknown> }[],
): Promise<void> {
  if (events.length === 0) return
  for (let i = 0; i < events.length; i += 1000) {
    await trx
      .insertInto('claimEvents')
      .values(
        events.slice(i, i + 1000).map((e) => ({
          claimId: e.claimId,
          at: e.at,
          kind: e.kind,
          detail: JSON.stringify(e.detail ?? {}),
        })),
      )
      .execute()
  }
}

/** The debtor of a library patron, created on first use. */
export async function debtorOfPatron(
  trx: Trx,
  patron: {
    id: number
    municipality: string
    name: string
    cprHash: string | null
    cprEncrypted: string | null
    digitalPost: boolean
  },
): Promise<DebtorRow> {
  const existing = await trx
    .selectFrom('debtors')
    .selectAll()
    .where('patronId', '=', patron.id)
    .executeTakeFirst()
  if (existing) return existing
  // A citizen already known from another issuer's claims (by CPR) becomes this patron's debtor.
  if (patron.cprHash) {
    const byCpr = await trx
      .updateTable('debtors')
      .set({ patronId: patron.id })
      .where('municipality', '=', patron.municipality)
      .where('cprHash', '=', patron.cprHash)
      .where('patronId', 'is', null)
      .returningAll()
      .executeTakeFirst()
    if (byCpr) return byCpr
  }
  return trx
    .insertInto('debtors')
    .values({
      municipality: patron.municipality,
      patronId: patron.id,
      cprHash: patron.cprHash,
      cprEncrypted: patron.cprEncrypted,
      name: patron.name,
      digitalPost: patron.digitalPost,
    })
    .onConflict((oc) => oc.column('patronId').doUpdateSet({ name: patron.name }))
    .returningAll()
    .executeTakeFirstOrThrow()
}

/** The debtor for a CPR number (a claim from another issuer), linked to the patron with that CPR if any. */
export async function debtorOfCpr(
  trx: Trx,
  municipality: string,
  citizen: { cprHash: string; cprEncrypted: string; name: string; digitalPost: boolean },
): Promise<DebtorRow> {
  const existing = await trx
    .selectFrom('debtors')
    .selectAll()
    .where('municipality', '=', municipality)
    .where('cprHash', '=', citizen.cprHash)
    .executeTakeFirst()
  if (existing) return existing
  const patron = await trx
    .selectFrom('patrons')
    .select(['id', 'municipality', 'name', 'cprHash', 'cprEncrypted', 'digitalPost'])
    .where('municipality', '=', municipality)
    .where('cprHash', '=', citizen.cprHash)
    .executeTakeFirst()
  if (patron) return debtorOfPatron(trx, patron)
  return trx
    .insertInto('debtors')
    .values({
      municipality,
      cprHash: citizen.cprHash,
      cprEncrypted: citizen.cprEncrypted,
      name: citizen.name,
      digitalPost: citizen.digitalPost,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
}

/** Claim ids taken in advance, so that each claim's payment ID can be written with it. */
export async function nextClaimIds(trx: Trx, count: number): Promise<number[]> {
  if (count === 0) return []
  const result = await sql<{ id: number }>`
    select nextval(pg_get_serial_sequence('claims', 'id'))::int as id from generate_series(1, ${count})
  `.execute(trx)
  return result.rows.map((r) => r.id)
}

export function paymentIdOfClaim(claimId: number): string {
  return paymentIdFromSequence(claimId)
}

export interface NewClaimLine {
  chargeId: number | null
  kind: string
  text: string
  amount: Ore
}

export interface NewClaimInput {
  id: number
  municipality: string
  issuerId: number
  debtorId: number
  legalKind: LegalKind
  title: string
  claimDate: LocalDate
  createdAt: Date
  deadline: LocalDate | null
  status: 'open' | 'held'
  holdReason: 'paused' | 'legacy' | null
  externalRef?: string | null
  lines: NewClaimLine[]
}

export async function insertClaims(trx: Trx, claims: readonly NewClaimInput[]): Promise<void> {
  if (claims.length === 0) return
  for (let i = 0; i < claims.length; i += 1000) {
    const chunk = claims.slice(i, i + 1000)
    await trx
      .insertInto('claims')
      .values(
        chunk.map((c) => ({
          id: c.id,
          municipality: c.municipality,
          issuerId: c.issuerId,
          debtorId: c.debtorId,
          legalKind: c.legalKind,
          title: c.title,
          amount: c.lines.reduce((sum, line) => sum + line.amount, 0),
          status: c.status,
          holdReason: c.holdReason,
          claimDate: c.claimDate,
          createdAt: c.createdAt,
          deadline: c.deadline,
          paymentId: paymentIdOfClaim(c.id),
          externalRef: c.externalRef ?? null,
        })),
      )
      .execute()
    await trx
      .insertInto('claimLines')
      .values(chunk.flatMap((c) => c.lines.map((line) => ({ claimId: c.id, ...line }))))
      .execute()
  }
}

/**
 * Brings claims' totals and status in line with their lines: the amount and paid of the lines still in
 * force; paid when nothing is left, cancelled when no line is in force.
 */
export async function refreshClaims(trx: Trx, claimIds: readonly number[]): Promise<ClaimRow[]> {
  if (claimIds.length === 0) return []
  // Driven by the claim ids, one index look-up each: as a `group by` over an IN list the planner may
  // misjudge a few thousand claims and read the whole table.
  const ids = [...new Set(claimIds)].sort((x, y) => x - y)
  const result = await sql<ClaimRow>`
    update claims set
      amount = totals.amount,
      paid = totals.paid,
      status = case
        when claims.status = 'transferred' and totals.paid < totals.amount then 'transferred'
        when totals.in_force = 0 then 'cancelled'
        when totals.paid >= totals.amount then 'paid'
        when claims.status in ('paid', 'cancelled') then 'open'
        else claims.status
      end
    from unnest(${ids}::int[]) as v(id)
      cross join lateral (
        select
          coalesce(sum(l.amount) filter (where l.status in ('open', 'paid')), 0)::int as amount,
          coalesce(sum(l.paid) filter (where l.status in ('open', 'paid')), 0)::int as paid,
          count(*) filter (where l.status in ('open', 'paid')) as in_force
        from claim_lines l where l.claim_id = v.id
        group by l.claim_id
      ) as totals
    where claims.id = v.id
    returning claims.*
  `.execute(trx)
  return result.rows
}

export async function issuerIdOf(trx: Trx, municipality: string, code: string): Promise<number | undefined> {
  const row = await trx
    .selectFrom('issuers')
    .select('id')
    .where('municipality', '=', municipality)
    .where('code', '=', code)
    .executeTakeFirst()
  return row?.id
}
