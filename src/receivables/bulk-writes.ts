import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/schema.ts'
import type { Ore } from '../shared/money.ts'
import type { LocalDate } from '../shared/time.ts'
import type { Posting } from './claim-repository.ts'

type Trx = Kysely<Database>

// Set-based writes for a batch of thousands of rows: one statement per table with one array parameter per
// column (`insert … select … from unnest(…)`), so a batch is a handful of parameters however many rows it
// has, rather than a multi-row VALUES list of thousands of parameters to build, send and parse.

export interface NewReceipt {
  channel: string
  amount: Ore
  debtorId: number | null
  claimId: number | null
  paymentReference: string | null
  externalRef: string
  payerName: string | null
  status: 'applied' | 'unmatched'
}

/** Inserts receipts (in the order given) that all have an external reference; answers their ids by that reference. */
export async function insertReceipts(
  trx: Trx,
  municipality: string,
  receipts: readonly NewReceipt[],
  at: Date,
  businessDate: LocalDate,
): Promise<Map<string, number>> {
  if (receipts.length === 0) return new Map()
  const result = await sql<{ id: number; externalRef: string }>`
    insert into receipts (municipality, channel, amount, received_at, business_date, debtor_id, claim_id,
      payment_reference, external_ref, payer_name, status)
    select ${municipality}, v.channel, v.amount, ${at}::timestamptz, ${businessDate}::date, v.debtor_id,
      v.claim_id, v.payment_reference, v.external_ref, v.payer_name, v.status
    from unnest(
      ${receipts.map((r) => r.channel)}::text[],
      ${receipts.map((r) => r.amount)}::int[],
      ${receipts.map((r) => r.debtorId)}::int[],
      ${receipts.map((r) => r.claimId)}::int[],
      ${receipts.map((r) => r.paymentReference)}::text[],
      ${receipts.map((r) => r.externalRef)}::text[],
      ${receipts.map((r) => r.payerName)}::text[],
      ${receipts.map((r) => r.status)}::text[]
    ) with ordinality as v(channel, amount, debtor_id, claim_id, payment_reference, external_ref, payer_name,
      status, n)
    order by v.n
    returning id, external_ref
  `.execute(trx)
  return new Map(result.rows.map((r) => [r.externalRef, r.id]))
}

/** The ledger postings of one business day and instant, as `post` writes them (zero amounts left out). */
export async function postAll(
  trx: Trx,
  municipality: string,
  businessDate: LocalDate,
  at: Date,
  postings: readonly Omit<Posting, 'municipality' | 'businessDate' | 'at'>[],
): Promise<void> {
  const rows = postings.filter((p) => p.amount !== 0)
  if (rows.length === 0) return
  await sql`
    insert into ledger_entries (municipality, business_date, at, debit, credit, amount, debtor_id, claim_id,
      receipt_id, memo)
    select ${municipality}, ${businessDate}::date, ${at}::timestamptz, v.debit, v.credit, v.amount,
      v.debtor_id, v.claim_id, v.receipt_id, v.memo
    from unnest(
      ${rows.map((p) => (p.amount > 0 ? p.debit : p.credit))}::text[],
      ${rows.map((p) => (p.amount > 0 ? p.credit : p.debit))}::text[],
      ${rows.map((p) => Math.abs(p.amount))}::int[],
      ${rows.map((p) => p.debtorId ?? null)}::int[],
      ${rows.map((p) => p.claimId ?? null)}::int[],
      ${rows.map((p) => p.receiptId ?? null)}::int[],
      ${rows.map((p) => p.memo)}::text[]
    ) with ordinality as v(debit, credit, amount, debtor_id, claim_id, receipt_id, memo, n)
    order by v.n
  `.execute(trx)
}

/** Money placed on claim lines: each line's paid goes up, and a line paid in full is marked paid. */
export async function payLines(trx: Trx, amounts: ReadonlyMap<number, Ore>): Promise<void> {
  if (amounts.size === 0) return
  await sql`
    update claim_lines l set
      paid = l.paid + v.amount,
      status = case when l.paid + v.amount >= l.amount then 'paid' else 'open' end
    from unnest(${[...amounts.keys()]}::int[], ${[...amounts.values()]}::int[]) as v(id, amount)
    where l.id = v.id
  `.execute(trx)
}

export async function insertReceiptAllocations(
  trx: Trx,
  allocations: readonly { receiptId: number; debtorId: number; claimLineId: number; amount: Ore }[],
  at: Date,
): Promise<void> {
  if (allocations.length === 0) return
  await sql`
    insert into receipt_allocations (receipt_id, debtor_id, claim_line_id, amount, at)
    select v.receipt_id, v.debtor_id, v.claim_line_id, v.amount, ${at}::timestamptz
    from unnest(
      ${allocations.map((a) => a.receiptId)}::int[],
      ${allocations.map((a) => a.debtorId)}::int[],
      ${allocations.map((a) => a.claimLineId)}::int[],
      ${allocations.map((a) => a.amount)}::int[]
    ) with ordinality as v(receipt_id, debtor_id, claim_line_id, amount, n)
    order by v.n
  `.execute(trx)
}

/** Claim events of one instant, in the order given. */
export async function insertClaimEvents(
  trx: Trx,
  events: readonly { claimId: number; kind: string; detail: Record<string, unknown> }[],
  at: Date,
): Promise<void> {
  if (events.length === 0) return
  await sql`
    insert into claim_events (claim_id, at, kind, detail)
    select v.claim_id, ${at}::timestamptz, v.kind, v.detail::jsonb
    from unnest(
      ${events.map((e) => e.claimId)}::int[],
      ${events.map((e) => e.kind)}::text[],
      ${events.map((e) => JSON.stringify(e.detail))}::text[]
    ) with ordinality as v(claim_id, kind, detail, n)
    order by v.n
  `.execute(trx)
}

/** Adds to debtors' credit (the amounts are summed per debtor first). */
export async function addToCredit(trx: Trx, amounts: ReadonlyMap<number, Ore>): Promise<void> {
  if (amounts.size === 0) return
  await sql`
    update debtors d set credit = d.credit + v.amount
    from unnest(${[...amounts.keys()]}::int[], ${[...amounts.values()]}::int[]) as v(id, amount)
    where d.id = v.id
  `.execute(trx)
}

export async function insertPayouts(
  trx: Trx,
  municipality: string,
  payouts: readonly { debtorId: number; amount: Ore }[],
  reason: string,
  at: Date,
  createdOn: LocalDate,
  dueOn: LocalDate,
): Promise<void> {
  if (payouts.length === 0) return
  await sql`
    insert into payouts (municipality, debtor_id, amount, reason, created_at, created_on, due_on)
    select ${municipality}, v.debtor_id, v.amount, ${reason}, ${at}::timestamptz, ${createdOn}::date,
      ${dueOn}::date
    from unnest(
      ${payouts.map((p) => p.debtorId)}::int[],
      ${payouts.map((p) => p.amount)}::int[]
    ) with ordinality as v(debtor_id, amount, n)
    order by v.n
  `.execute(trx)
}
