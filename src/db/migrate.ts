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
import * as auditLog from './migrations/0015-audit-log.ts'

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
  '0015-audit-log': auditLog,
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
