// Every time staff look a patron up at the desk, the look-up is kept with its reason (002: no one may be
// told which loans, fees or reservations another patron has; staff see them for a reason, on record). The
// patron's page opens only after a look-up of one's own within LOOKUP_VALID_MINUTES.

import { recordAudit } from '../audit/audit-log.ts'
import type { Db } from '../db/database.ts'
import { type CprVault, withCpr } from '../patrons/cpr-vault.ts'
import { maskCprNumbers } from '../shared/log-redaction.ts'

/** How long a look-up opens the patron's page to the staff member who made it (assumed). */
export const LOOKUP_VALID_MINUTES = 60

/** Records a look-up and its audit entry: call it in a transaction, so that both or neither are kept. */
export async function recordLookup(
  db: Db,
  lookup: { municipality: string; staffId: number; patronId: number; reason: string; at: Date },
): Promise<void> {
  // A CPR number typed into the reason is masked: CPR numbers are never kept in clear (issue 7.4).
  const reason = maskCprNumbers(lookup.reason.trim())
  if (reason === '') throw new Error('a look-up needs a reason')
  const row = await db
    .insertInto('staffLookups')
    .values({ ...lookup, reason })
    .returning('id')
    .executeTakeFirstOrThrow()
  await recordAudit(db, {
    municipality: lookup.municipality,
    at: lookup.at,
    actor: { kind: 'staff', staffId: lookup.staffId },
    action: 'patron-looked-up',
    patronId: lookup.patronId,
    reason,
    details: { lookup: row.id },
  })
}

/** Whether this staff member looked this patron up recently (and so may see and act on the patron). */
export async function hasRecentLookup(
  db: Db,
  staffId: number,
  patronId: number,
  now: Date,
): Promise<boolean> {
  const since = new Date(now.getTime() - LOOKUP_VALID_MINUTES * 60_000)
  const row = await db
    .selectFrom('staffLookups')
    .select('id')
    .where('staffId', '=', staffId)
    .where('patronId', '=', patronId)
    .where('at', '>', since)
    .limit(1)
    .executeTakeFirst()
  return row !== undefined
}

/** The newest look-ups of a municipality, with who and whom (for administrators). */
export async function recentLookups(db: Db, vault: CprVault, municipality: string, limit = 100) {
  const rows = await db
    .selectFrom('staffLookups')
    .innerJoin('staffAccounts', 'staffAccounts.id', 'staffLookups.staffId')
    .innerJoin('patrons', 'patrons.id', 'staffLookups.patronId')
    .select([
      'staffLookups.id',
      'staffLookups.at',
      'staffLookups.reason',
      'staffAccounts.name as staffName',
      'staffAccounts.login as staffLogin',
      'patrons.cardNumber',
      'patrons.cprEncrypted',
      'patrons.name as patronName',
    ])
    .where('staffLookups.municipality', '=', municipality)
    .orderBy('staffLookups.at', 'desc')
    .orderBy('staffLookups.id', 'desc')
    .limit(limit)
    .execute()
  return rows.map((row) => withCpr(vault, row))
}
