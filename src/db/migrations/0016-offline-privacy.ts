import type { Kysely } from 'kysely'
import { executeScript } from '../sql-script.ts'

// Offline machine transactions are recorded only so that a replay has no second effect. From now on a
// record holds the patron's identifier as a keyed hash and the answer without it; the records written before
// held card and CPR numbers in clear, so they go (a machine replays its stored transactions within hours,
// long before an upgrade). They are kept 28 days, as a returned loan's link to its patron (002).
export async function up(db: Kysely<unknown>): Promise<void> {
  await executeScript(
    db,
    `
    delete from sip2_offline_transactions;
    create index sip2_offline_transactions_recorded on sip2_offline_transactions (recorded_at);
    `,
  )
}
