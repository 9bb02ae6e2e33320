import { createCirculationService } from './circulation/circulation-service.ts'
import type { Config } from './config.ts'
import type { Db } from './db/database.ts'
import { migrateToLatest } from './db/migrate.ts'
import { createFeeService } from './fees/fee-service.ts'
import { type NightlyOptions, runNightly } from './jobs/nightly-job.ts'
import { PolicyCatalog } from './policy/policy-catalog.ts'
import { readPolicyFiles } from './policy/policy-files.ts'
import { loadPolicies, syncPolicies } from './policy/policy-repository.ts'
import type { Policy } from './policy/policy-schema.ts'
import type { Clock } from './shared/clock.ts'
import type { LocalDate } from './shared/time.ts'

export interface ServiceDeps {
  db: Db
  clock: Clock
  config?: Config | undefined
  /** Policy versions to install; by default the files in policies/. */
  policies?: readonly Policy[] | undefined
}

/**
 * The composition root: brings the schema up to date, installs the policy versions and wires the
 * modules. Transports (HTTP, CLI, scheduler, scenario runner) call what it returns; they open the
 * transactions.
 */
export async function createServices(deps: ServiceDeps) {
  const { db, clock } = deps
  await migrateToLatest(db as never)
  await syncPolicies(db, deps.policies ?? readPolicyFiles())
  const policies = new PolicyCatalog(await loadPolicies(db))
  const circulation = createCirculationService({ policies, clock })
  const fees = createFeeService({ policies, clock })
  return {
    db,
    clock,
    config: deps.config,
    policies,
    circulation,
    fees,
    jobs: {
      nightly: (municipality: string, date: LocalDate, options?: NightlyOptions) =>
        runNightly({ db, policies, clock }, municipality, date, options),
    },
  }
}

export type Services = Awaited<ReturnType<typeof createServices>>
