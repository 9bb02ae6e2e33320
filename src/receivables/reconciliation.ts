import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/schema.ts'
import type { Ore } from '../shared/money.ts'
import type { LocalDate } from '../shared/time.ts'
import { ACCOUNTS } from './claim-repository.ts'

type Trx = Kysely<Database>

export interface AccountLine {
  account: string
  /** Debit balance before the day (credit balances are negative). */
  opening: Ore
  debits: Ore
  credits: Ore
  closing: Ore
}

export interface ReconciliationCheck {
  name: string
  ledger: Ore
  actual: Ore
  ok: boolean
}

export interface Reconciliation {
  municipality: string
  date: LocalDate
  accounts: AccountLine[]
  totalDebits: Ore
  totalCredits: Ore
  /** Every posting has a debit and a credit side: the day and the ledger as a whole balance. */
  balanced: boolean
  /** The ledger against the claims, credits and held payments as they stand (only for the latest day). */
  checks: ReconciliationCheck[]
  ok: boolean
}

/**
 * The reconciliation of a municipality's receivables for a business date: every account's opening balance,
 * the day's debits and credits, and its closing balance; and, as of now, the ledger checked against what
 * the claims, debtors' credit and unmatched payments say.
 */
export async function reconcile(trx: Trx, municipality: string, date: LocalDate): Promise<Reconciliation> {
  const rows = await sql<{ account: string; opening: number; debits: number; credits: number }>`
    with sides as (
      select debit as account, amount, business_date from ledger_entries where municipality = ${municipality}
      union all
      select credit as account, -amount, business_date from ledger_entries where municipality = ${municipality}
    )
    select account,
      coalesce(sum(amount) filter (where business_date < ${date}::date), 0)::bigint as opening,
      coalesce(sum(amount) filter (where business_date = ${date}::date and amount > 0), 0)::bigint as debits,
      coalesce(-sum(amount) filter (where business_date = ${date}::date and amount < 0), 0)::bigint as credits
    from sides
    where business_date <= ${date}::date
    group by account
    order by account
  `.execute(trx)
  const accounts = rows.rows.map((r) => ({
    account: r.account,
    opening: Number(r.opening),
    debits: Number(r.debits),
    credits: Number(r.credits),
    closing: Number(r.opening) + Number(r.debits) - Number(r.credits),
  }))
  const totalDebits = accounts.reduce((sum, a) => sum + a.debits, 0)
  const totalCredits = accounts.reduce((sum, a) => sum + a.credits, 0)
  const closingSum = accounts.reduce((sum, a) => sum + a.closing, 0)
  const balanced = totalDebits === totalCredits && closingSum === 0

  const latest = await trx
    .selectFrom('ledgerEntries')
    .select((eb) => eb.fn.max('businessDate').as('latest'))
    .where('municipality', '=', municipality)
    .executeTakeFirst()
  const checks: ReconciliationCheck[] = []
  if (!latest?.latest || latest.latest <= date) {
    const closing = (account: string) => accounts.find((a) => a.account === account)?.closing ?? 0
    checks.push(...(await stateChecks(trx, municipality, closing)))
  }
  return {
    municipality,
    date,
    accounts,
    totalDebits,
    totalCredits,
    balanced,
    checks,
    ok: balanced && checks.every((c) => c.ok),
  }
}

async function stateChecks(
  trx: Trx,
  municipality: string,
  closing: (account: string) => Ore,
): Promise<ReconciliationCheck[]> {
  const one = async (query: ReturnType<typeof sql<{ total: number }>>) =>
    Number((await query.execute(trx)).rows[0]?.total ?? 0)
  const openClaims = await one(sql<{ total: number }>`
    select coalesce(sum(amount - paid), 0)::bigint as total from claims
    where municipality = ${municipality} and status in ('held', 'open', 'transferred')
  `)
  const credit = await one(sql<{ total: number }>`
    select coalesce(sum(credit), 0)::bigint as total from debtors where municipality = ${municipality}
  `)
  const unmatched = await one(sql<{ total: number }>`
    select coalesce(sum(amount), 0)::bigint as total from receipts
    where municipality = ${municipality} and status = 'unmatched'
  `)
  const linesVsAllocations = await one(sql<{ total: number }>`
    select count(*)::bigint as total from claim_lines l join claims c on c.id = l.claim_id
    where c.municipality = ${municipality}
      and l.paid <> coalesce((select sum(a.amount) from receipt_allocations a where a.claim_line_id = l.id), 0)
  `)
  const claimsVsLines = await one(sql<{ total: number }>`
    select count(*)::bigint as total from claims c
    cross join lateral (
      select coalesce(sum(amount), 0) as amount, coalesce(sum(paid), 0) as paid from claim_lines l
      where l.claim_id = c.id and l.status in ('open', 'paid')
    ) lines
    where c.municipality = ${municipality} and (c.amount <> lines.amount or c.paid <> lines.paid)
  `)
  const chargesVsLines = await one(sql<{ total: number }>`
    select count(*)::bigint as total from claim_lines l join charges ch on ch.id = l.charge_id
    where ch.municipality = ${municipality} and ch.paid <> l.paid
  `)
  return [
    check('receivable = open claims', closing(ACCOUNTS.receivable), openClaims),
    check("debtors' credit = credit account", -closing(ACCOUNTS.credit), credit),
    check('suspense = unmatched payments', -closing(ACCOUNTS.suspense), unmatched),
    check('claim lines whose paid differs from their allocations', 0, linesVsAllocations),
    check('claims whose totals differ from their lines', 0, claimsVsLines),
    check('library charges whose paid differs from their claim line', 0, chargesVsLines),
  ]
}

function check(name: string, ledger: Ore, actual: Ore): ReconciliationCheck {
  return { name, ledger, actual, ok: ledger === actual }
}
