// The floor the import's figure is read against: the rows laan writes for the bench file's payments, written
// by PostgreSQL alone (one procedure, set-based, 2,000 payments per transaction in claim order, as laan
// batches them), with no application in between. What laan takes beyond this is its own cost; what this
// takes is what the data model costs on this machine.
import { BANK_FILE_BATCH_SIZE } from '../src/receivables/bank-import.ts'
import { MUNICIPALITY, withClient } from './generate.ts'
import { chooseClaimsToPay, unknownPaymentsIn } from './import.ts'

const log = (message: string) => console.log(`[floor] ${message}`)

export interface ImportFloorFigures {
  payments: number
  seconds: number
  /** Rows written per payment, by table. */
  rowsPerPayment: Record<string, number>
}

// Each claim is paid its open amount: a receipt, two ledger entries (received, applied), an allocation and a
// paid line per open line, the claim, a claim event; on the library side the charge of each line, one
// payment per patron and an allocation per charge. Locks as laan takes them (claims, then their open lines).
const PROCEDURE = `
create or replace procedure bench_import_floor(batch_size int) language plpgsql as $$
declare
  batch int := 0;
  ids int[];
begin
  loop
    select array_agg(claim_id order by claim_id) into ids
      from bench_floor_claims where n > batch * batch_size and n <= (batch + 1) * batch_size;
    exit when ids is null;
    perform 1 from claims where id = any(ids) order by id for update;
    create temp table floor_lines on commit drop as
      select l.id, l.claim_id, l.charge_id, l.amount - l.paid as open, c.debtor_id
      from claim_lines l join claims c on c.id = l.claim_id
      where l.claim_id = any(ids) and l.status = 'open' order by l.id;
    perform 1 from claim_lines where id in (select id from floor_lines) order by id for update;
    create temp table floor_receipts on commit drop as
      with r as (
        insert into receipts (municipality, channel, amount, received_at, business_date, debtor_id, claim_id,
          payment_reference, external_ref, payer_name, status)
        select c.municipality, 'bank', c.amount - c.paid, now(), current_date, c.debtor_id, c.id, c.payment_id,
          'FLOOR-' || c.id, 'Bench', 'applied'
        from claims c where c.id = any(ids) order by c.id
        returning id, claim_id, debtor_id, amount)
      select * from r;
    insert into ledger_entries (municipality, business_date, at, debit, credit, amount, debtor_id, claim_id,
      receipt_id, memo)
    select '${MUNICIPALITY}', current_date, now(), x.debit, x.credit, r.amount, r.debtor_id, r.claim_id, r.id, x.memo
    from floor_receipts r,
      (values ('bank', 'credit', 'payment received'), ('credit', 'receivable', 'payment applied')) x(debit, credit, memo);
    update claim_lines l set paid = l.amount, status = 'paid' from floor_lines f where l.id = f.id;
    insert into receipt_allocations (receipt_id, debtor_id, claim_line_id, amount, at)
    select r.id, r.debtor_id, f.id, f.open, now() from floor_receipts r join floor_lines f on f.claim_id = r.claim_id;
    update claims c set paid = c.amount, status = 'paid' where c.id = any(ids);
    insert into claim_events (claim_id, at, kind, detail)
    select claim_id, now(), 'paid', '{"channel":"bank"}'::jsonb from floor_receipts;
    update charges c set paid = c.paid + f.open,
      status = case when c.paid + f.open >= c.amount then 'paid' else 'open' end, settled_at = now()
    from floor_lines f where c.id = f.charge_id;
    create temp table floor_payments on commit drop as
      with p as (
        insert into payments (municipality, patron_id, amount, received_at, unapplied)
        select '${MUNICIPALITY}', ch.patron_id, sum(f.open), now(), 0
        from floor_lines f join charges ch on ch.id = f.charge_id group by ch.patron_id
        returning id, patron_id)
      select * from p;
    insert into payment_allocations (payment_id, charge_id, amount)
    select p.id, f.charge_id, f.open
    from floor_lines f join charges ch on ch.id = f.charge_id join floor_payments p on p.patron_id = ch.patron_id;
    commit;
    batch := batch + 1;
  end loop;
end $$`

/**
 * Writes, on the fresh copy at `url`, what the import writes for the claims the bench file pays (the same
 * choice, `chooseClaimsToPay`), each paid in full, and answers how long PostgreSQL took.
 */
export async function runImportFloor(url: string, count: number): Promise<ImportFloorFigures> {
  return withClient(url, async (client) => {
    const claims = await chooseClaimsToPay(client, count - unknownPaymentsIn(count))
    await client.query('create table bench_floor_claims (n int primary key, claim_id int not null)')
    await client.query(
      `insert into bench_floor_claims
       select row_number() over (order by c.id), c.id
       from claims c where c.municipality = $1 and c.payment_id = any($2::text[])`,
      [MUNICIPALITY, claims.map((c) => c.paymentId)],
    )
    await client.query(PROCEDURE)
    const startedAt = (await client.query<{ now: Date }>('select now()')).rows[0]?.now
    await client.query('checkpoint')
    log(`writing what the import writes for ${claims.length.toLocaleString('en')} payments, in raw SQL`)
    const started = performance.now()
    await client.query('call bench_import_floor($1)', [BANK_FILE_BATCH_SIZE])
    const seconds = Math.round((performance.now() - started) / 100) / 10
    const { rows } = await client.query<{ lines: number; charges: number; payments: number }>(
      `select
         (select count(*)::int from receipt_allocations a join receipts r on r.id = a.receipt_id
           where r.external_ref like 'FLOOR-%') as lines,
         (select count(*)::int from payment_allocations a join payments p on p.id = a.payment_id
           where p.received_at >= $1) as charges,
         (select count(*)::int from payments where received_at >= $1) as payments`,
      [startedAt],
    )
    const written = rows[0] ?? { lines: 0, charges: 0, payments: 0 }
    const per = (rowCount: number) => Math.round((rowCount / claims.length) * 10) / 10
    const rowsPerPayment = {
      receipts: 1,
      ledger_entries: 2,
      'claim_lines (updated)': per(written.lines),
      receipt_allocations: per(written.lines),
      'claims (updated)': 1,
      claim_events: 1,
      'charges (updated)': per(written.charges),
      payments: per(written.payments),
      payment_allocations: per(written.charges),
    }
    log(`done in ${seconds} s`)
    return { payments: claims.length, seconds, rowsPerPayment }
  })
}
