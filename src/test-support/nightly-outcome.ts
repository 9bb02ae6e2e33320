import type { Db } from '../db/database.ts'

/** What a nightly run leaves behind, without the instants it ran at: two runs that agree give equal values. */
export async function nightlyOutcome(db: Db) {
  return {
    loans: await db.selectFrom('loans').select(['id', 'status', 'lostOn', 'dueDate']).orderBy('id').execute(),
    charges: await db
      .selectFrom('charges')
      .select(['patronId', 'loanId', 'kind', 'amount', 'paid', 'status', 'chargeDate', 'explanation'])
      .orderBy('loanId')
      .orderBy('kind')
      .execute(),
    items: await db.selectFrom('items').select(['id', 'status']).orderBy('id').execute(),
    blocks: (
      await db.selectFrom('blocks').select(['patronId', 'reason', 'untilAt']).orderBy('patronId').execute()
    ).map((b) => ({ patronId: b.patronId, reason: b.reason, open: b.untilAt === null })),
    warnings: await db
      .selectFrom('exclusionWarnings')
      .select(['patronId', 'warnedOn', 'status'])
      .orderBy('patronId')
      .execute(),
    notices: await db
      .selectFrom('notices')
      .select(['patronId', 'kind', 'channel', 'items'])
      .orderBy('patronId')
      .execute(),
  }
}
