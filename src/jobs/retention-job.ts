import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import type { Db } from '../db/database.ts'
import type { Policy } from '../policy/policy-schema.ts'
import type { LocalDate } from '../shared/time.ts'
import { retentionCutoffs, tombstone } from './retention-rules.ts'

export interface RetentionResult {
  /** Returned loans whose link to the patron was removed (the loans stay for the statistics). */
  loansUnlinked: number
  /** Patrons deleted (made tombstones without personal data). */
  patronsDeleted: number
  /** The receivables' debtors of deleted patrons whose name and CPR number were removed. */
  debtorsAnonymised: number
  /** Staff look-ups past their retention period, deleted. */
  lookupsDeleted: number
  /** Offline machine transactions past the loan link period, deleted. */
  offlineTransactionsDeleted: number
}

export type RetentionStep = 'loan-links' | 'patrons' | 'staff-lookups'

export interface RetentionOptions {
  batchSize: number
  /** Called after each committed batch. */
  report: (step: RetentionStep, batch: number, processed: number) => Promise<void>
}

/**
 * The privacy half of the night for one municipality and business date. Every step selects only what is
 * still to do from the date alone, so a second run of the same night finds nothing; each batch commits on
 * its own.
 */
export async function runRetention(
  db: Db,
  municipality: string,
  policy: Pick<Policy, 'privacy'>,
  date: LocalDate,
  at: Date,
  options: RetentionOptions,
): Promise<RetentionResult> {
  const cutoffs = retentionCutoffs(policy, date)
  const result: RetentionResult = {
    loansUnlinked: 0,
    patronsDeleted: 0,
    debtorsAnonymised: 0,
    lookupsDeleted: 0,
    offlineTransactionsDeleted: 0,
  }
  const { batchSize, report } = options

  // Returned loans lose their patron after the link period. A lost loan is not closed, even with its
  // replacement paid: the item may still come back, and the check-in then settles the replacement with the
  // loan's patron. So it keeps its link, also to the patron's tombstone once the patron is deleted (the
  // tombstone names no one).
  for (let batch = 1; ; batch++) {
    // One statement per batch: the patron keeps the batch's latest return (the 2-year rule counts from it
    // once the loans no longer tell), and the loans lose their patron.
    const { rows } = await sql<{ unlinked: number }>`
      with batch as (
        select id, patron_id, returned_at from loans
        where municipality = ${municipality} and status = 'returned' and patron_id is not null
          and returned_at < ${cutoffs.loanLinkBefore}
        order by id limit ${batchSize} for update
      ), latest as (
        update patrons p set last_loan_at = greatest(p.last_loan_at, b.returned)
        from (select patron_id, max(returned_at) as returned from batch group by patron_id) b
        where p.id = b.patron_id
      ), unlinked as (
        update loans l set patron_id = null from batch where l.id = batch.id returning l.id
      )
      select count(*)::int as unlinked from unlinked
    `.execute(db)
    const unlinked = rows[0]?.unlinked ?? 0
    if (unlinked === 0) break
    result.loansUnlinked += unlinked
    await report('loan-links', batch, result.loansUnlinked)
  }

  // Patrons without a physical loan for 2 years and with nothing open. A pass goes up the ids; a guardian
  // whose last child was deleted in it becomes deletable only then, so passes repeat until one deletes none.
  let batch = 0
  for (;;) {
    let deletedInPass = 0
    let lastId = 0
    for (;;) {
      const deleted = await db.transaction().execute(async (trx) => {
        const ids = await deletablePatrons(trx, municipality, cutoffs, lastId, batchSize)
        if (ids.length === 0) return undefined
        lastId = ids[ids.length - 1] ?? lastId
        const debtors = await deletePatrons(trx, ids, at)
        result.debtorsAnonymised += debtors
        return ids.length
      })
      if (deleted === undefined) break
      deletedInPass += deleted
      result.patronsDeleted += deleted
      await report('patrons', ++batch, result.patronsDeleted)
    }
    if (deletedInPass === 0) break
  }

  // The desk's look-up log is kept for its own period (assumed: 1 year), whatever becomes of the patron.
  for (let lookupBatch = 1; ; lookupBatch++) {
    const deleted = await db
      .deleteFrom('staffLookups')
      .where(
        'id',
        'in',
        db
          .selectFrom('staffLookups')
          .select('id')
          .where('municipality', '=', municipality)
          .where('at', '<', cutoffs.lookupsBefore)
          .limit(batchSize),
      )
      .executeTakeFirst()
    const count = Number(deleted.numDeletedRows)
    if (count === 0) break
    result.lookupsDeleted += count
    await report('staff-lookups', lookupBatch, result.lookupsDeleted)
  }

  // A recorded offline transaction ties an item to a (hashed) patron: gone with the loan's link (002).
  const offline = await db
    .deleteFrom('sip2OfflineTransactions')
    .where('recordedAt', '<', cutoffs.loanLinkBefore)
    .where(
      'login',
      'in',
      db.selectFrom('sip2Accounts').select('login').where('municipality', '=', municipality),
    )
    .executeTakeFirst()
  result.offlineTransactionsDeleted = Number(offline.numDeletedRows)
  return result
}

/**
 * Patrons of the municipality, above `afterId`, that may be deleted tonight. Kept: anyone with an active
 * loan, a loan (returned or lost) since the cutoff, an open reservation, an open charge or unspent credit
 * with the library, a guardian of a patron not deleted or of a registration waiting for consent, and
 * anyone whose debtor in the receivables has a claim not settled (held, open or transferred), an active
 * instalment plan, credit or a pending payout.
 */
async function deletablePatrons(
  trx: Db,
  municipality: string,
  cutoffs: ReturnType<typeof retentionCutoffs>,
  afterId: number,
  limit: number,
): Promise<number[]> {
  const since = cutoffs.patronActiveSince
  const rows = await sql<{ id: number }>`
    select p.id from patrons p
    where p.municipality = ${municipality} and p.deleted_at is null and p.id > ${afterId}
      and greatest(p.created_at, p.last_loan_at) < ${since}
      and not exists (select 1 from loans l where l.patron_id = p.id
        and (l.status = 'active' or l.checked_out_at >= ${since} or l.returned_at >= ${since}
          or l.lost_on >= ${cutoffs.patronActiveSinceDate}::date))
      and not exists (select 1 from reservations r where r.patron_id = p.id and r.status in ('waiting', 'held'))
      and not exists (select 1 from charges c where c.patron_id = p.id and c.status = 'open')
      and not exists (select 1 from payments pay where pay.patron_id = p.id and pay.unapplied > 0)
      and not exists (select 1 from patrons child where child.guardian_id = p.id and child.deleted_at is null)
      and not exists (select 1 from pending_registrations pr where pr.guardian_id = p.id and pr.status = 'pending')
      and not exists (select 1 from debtors d where d.patron_id = p.id and (d.credit <> 0
        or exists (select 1 from claims cl where cl.debtor_id = d.id and cl.status in ('held', 'open', 'transferred'))
        or exists (select 1 from instalment_plans ip join claims cl on cl.id = ip.claim_id
          where cl.debtor_id = d.id and ip.status = 'active')
        or exists (select 1 from payouts po where po.debtor_id = d.id and po.status = 'pending')))
    order by p.id
    limit ${limit}
    for update of p
  `.execute(trx)
  return rows.rows.map((r) => Number(r.id))
}

/**
 * Deletes the patrons' personal data: the row becomes a tombstone (see `tombstone`), and what names or
 * follows the person goes — web sessions, reservations (all closed by now), notices (their text carries
 * the name and address), registrations they consented to or were registered by, returned loans' links —
 * and the receivables' copy (the debtor's name and CPR number). Charges, payments, refunds, claims and the
 * ledger stay for the bookkeeping, by id only. The staff look-up log keeps its own period.
 */
async function deletePatrons(trx: Db, ids: number[], at: Date): Promise<number> {
  for (const id of ids) {
    await trx
      .updateTable('patrons')
      .set(tombstone(randomBytes(16).toString('hex'), at))
      .where('id', '=', id)
      .execute()
  }
  await trx.deleteFrom('webSessions').where('patronId', 'in', ids).execute()
  await trx.deleteFrom('reservations').where('patronId', 'in', ids).execute()
  await trx.deleteFrom('notices').where('patronId', 'in', ids).execute()
  await trx
    .deleteFrom('pendingRegistrations')
    .where((eb) => eb.or([eb('patronId', 'in', ids), eb('guardianId', 'in', ids)]))
    .execute()
  await trx
    .updateTable('loans')
    .set({ patronId: null })
    .where('patronId', 'in', ids)
    .where('status', '=', 'returned')
    .execute()
  const debtors = await trx
    .updateTable('debtors')
    .set({ cprHash: null, cprEncrypted: null, name: '' })
    .where('patronId', 'in', ids)
    .where((eb) => eb.or([eb('cprHash', 'is not', null), eb('name', '<>', '')]))
    .executeTakeFirst()
  return Number(debtors.numUpdatedRows)
}
