import type { Kysely } from 'kysely'
import { executeScript } from '../sql-script.ts'

// Retention (issue 7). A returned loan loses its patron after 4 weeks (002) but stays for the statistics, so
// `loans.patron_id` may be null; the patron keeps the latest checkout or return known when a link went
// (`last_loan_at`), for the 2-year rule. A deleted patron stays as a tombstone (`deleted_at`, no personal
// data): charges, payments, refunds and the receivables' debtor keep pointing at its id for the books.
export async function up(db: Kysely<unknown>): Promise<void> {
  await executeScript(
    db,
    `
    alter table loans alter column patron_id drop not null;
    alter table patrons add column last_loan_at timestamptz;
    alter table patrons add column deleted_at timestamptz;
    create index loans_linked_returned on loans (municipality, returned_at)
      where status = 'returned' and patron_id is not null;
    create index staff_lookups_at on staff_lookups (municipality, at);
    `,
  )
}
