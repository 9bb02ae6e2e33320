import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely'
import * as initial from './migrations/0001-initial.ts'
import * as receivables from './migrations/0002-receivables.ts'
import * as citizenActions from './migrations/0003-citizen-actions.ts'
import * as billingIndexes from './migrations/0004-billing-indexes.ts'
import * as notices from './migrations/0005-notices.ts'
import * as sip2Accounts from './migrations/0006-sip2-accounts.ts'
import * as selfService from './migrations/0007-self-service.ts'
import * as web from './migrations/0008-web.ts'
import * as staffDesk from './migrations/0009-staff-desk.ts'
import * as registration from './migrations/0010-registration.ts'
import * as guardianIndexes from './migrations/0011-guardian-indexes.ts'
import * as retention from './migrations/0012-retention.ts'
import * as cprProtection from './migrations/0013-cpr-protection.ts'
import * as accessControl from './migrations/0014-access-control.ts'
import * as auditLog from './migrations/0015-audit-log.ts'
import * as offlinePrivacy from './migrations/0016-offline-privacy.ts'
import * as claimLineFillfactor from './migrations/0017-claim-line-fillfactor.ts'

const migrations: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-receivables': receivables,
  '0003-citizen-actions': citizenActions,
  '0004-billing-indexes': billingIndexes,
  '0005-notices': notices,
  '0006-sip2-accounts': sip2Accounts,
  '0007-self-service': selfService,
  '0008-web': web,
  '0009-staff-desk': staffDesk,
  '0010-registration': registration,
  '0011-guardian-indexes': guardianIndexes,
  '0012-retention': retention,
  '0013-cpr-protection': cprProtection,
  '0014-access-control': accessControl,
  '0015-audit-log': auditLog,
  '0016-offline-privacy': offlinePrivacy,
  '0017-claim-line-fillfactor': claimLineFillfactor,
}

const provider: MigrationProvider = { getMigrations: async () => migrations }

export class MigrationFailedError extends Error {}

/** Brings the schema up to date; safe to call on every start. */
export async function migrateToLatest(db: Kysely<unknown>): Promise<string[]> {
  // Modules add their migrations side by side; one that lands with a lower number than one already run
  // (each touches only its own tables) is run then rather than refused.
  const migrator = new Migrator({ db, provider, allowUnorderedMigrations: true })
  const { error, results } = await migrator.migrateToLatest()
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown'
    throw new MigrationFailedError(
      `migration ${failed} failed: ${error instanceof Error ? error.message : error}`,
    )
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}

/** Brings the schema up to and including `last` only: an older version's database, for upgrade tests. */
export async function migrateTo(db: Kysely<unknown>, last: string): Promise<void> {
  const migrator = new Migrator({ db, provider, allowUnorderedMigrations: true })
  const { error } = await migrator.migrateTo(last)
  if (error) throw error
}
