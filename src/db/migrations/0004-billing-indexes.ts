import type { Kysely } from 'kysely'
import { executeScript } from '../sql-script.ts'

// The nightly billing reads only what it has to do: the claims still to be billed (a date on each claim
// billed, and an index of the open claims without one), and the interest lines already charged per claim.
export async function up(db: Kysely<unknown>): Promise<void> {
  await executeScript(
    db,
    `
    alter table claims add column billed_on date;
    update claims set billed_on = bills.sent_on
      from bills where bills.claim_id = claims.id and bills.kind = 'bill';
    drop index claims_unbilled;
    create index claims_unbilled on claims (municipality, claim_date) where status = 'open' and billed_on is null;
    create index claim_lines_interest on claim_lines (claim_id) where kind = 'interest';
    `,
  )
}
