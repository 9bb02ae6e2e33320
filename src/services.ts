import { type AuditActor, SYSTEM_ACTOR } from './audit/audit-log.ts'
import { createCirculationService } from './circulation/circulation-service.ts'
import { expireHolds } from './circulation/hold-expiry.ts'
import type { Config } from './config.ts'
import type { Db } from './db/database.ts'
import { migrateToLatest } from './db/migrate.ts'
import { postageChargeFor } from './fees/charge-builders.ts'
import { insertCharges } from './fees/charge-repository.ts'
import { createFeeService } from './fees/fee-service.ts'
import { createLibraryLedger } from './fees/library-ledger.ts'
import { type NightlyOptions, runNightly } from './jobs/nightly-job.ts'
import { createNoticeAdapters } from './notices/notice-channels.ts'
import { deliverDueNotices } from './notices/notice-delivery.ts'
import { queueHoldNotices, queueLoanNotices } from './notices/notice-job.ts'
import { sealPlaintextCpr } from './patrons/cpr-at-rest.ts'
import { type CprVault, createCprVault } from './patrons/cpr-vault.ts'
import { PolicyCatalog } from './policy/policy-catalog.ts'
import { readPolicyFiles } from './policy/policy-files.ts'
import { loadPolicies, syncPolicies } from './policy/policy-repository.ts'
import type { Policy } from './policy/policy-schema.ts'
import { deliverPendingBills } from './receivables/bill-delivery.ts'
import { type BillingResult, runBilling } from './receivables/billing-job.ts'
import { createClaimActions } from './receivables/claim-actions.ts'
import {
  ReceivablesCatalog,
  type ReceivablesPolicy,
  readReceivablesPolicyFiles,
} from './receivables/receivables-policy.ts'
import { createReceivablesService } from './receivables/receivables-service.ts'
import type { Clock } from './shared/clock.ts'
import { LoginThrottle } from './shared/login-throttle.ts'
import { type LocalDate, localDateOf } from './shared/time.ts'
import { Sip2Monitor } from './sip2/sip2-monitor.ts'

export interface ServiceDeps {
  db: Db
  clock: Clock
  config?: Config | undefined
  /** Policy versions to install; by default the files in policies/. */
  policies?: readonly Policy[] | undefined
  /** Receivables policy versions; by default the files in policies/receivables/. */
  receivablesPolicies?: readonly ReceivablesPolicy[] | undefined
  /** Encrypts and hashes CPR numbers; by default from the configuration's key, else the development key. */
  cprVault?: CprVault | undefined
  /** Who installs new policy versions, for the audit log: the operator at the CLI, else the system. */
  actor?: AuditActor | undefined
}

/**
 * The composition root: brings the schema up to date, installs the policy versions and wires the
 * modules. Transports (HTTP, CLI, scheduler, scenario runner) call what it returns; they open the
 * transactions.
 */
export async function createServices(deps: ServiceDeps) {
  const { db, clock } = deps
  await migrateToLatest(db as never)
  const cprVault = deps.cprVault ?? createCprVault(deps.config?.cprKeys)
  await sealPlaintextCpr(db, cprVault)
  await syncPolicies(db, deps.policies ?? readPolicyFiles(), deps.actor ?? SYSTEM_ACTOR, clock.now())
  const policies = new PolicyCatalog(await loadPolicies(db))
  const receivablesCatalog = new ReceivablesCatalog(deps.receivablesPolicies ?? readReceivablesPolicyFiles())
  const library = createLibraryLedger(policies)
  const receivables = createReceivablesService({ catalog: receivablesCatalog, library, clock, cprVault })
  await receivables.syncIssuers(db)
  const claimActions = createClaimActions({ receivables, library, clock })
  const circulation = createCirculationService({ policies, clock, handOver: receivables.handOver, cprVault })
  const fees = createFeeService({ policies, clock, receivables, cprVault })

  /** The night's run for a municipality: the library's steps, then the receivables'. */
  async function nightly(municipality: string, date: LocalDate, options?: NightlyOptions) {
    const circulationResult = policies.has(municipality)
      ? await runNightly({ db, policies, clock, handOver: receivables.handOver }, municipality, date, options)
      : null
    const noticeResult = policies.has(municipality)
      ? {
          expiredHolds: await expireHolds(db, policies, municipality, date, clock.now()),
          ...(await queueLoanNotices(db, policies, municipality, date)),
          reservationReady: await queueHoldNotices(db, policies, municipality, clock.now(), chargePostage),
        }
      : null
    const billing: BillingResult | null = receivablesCatalog.has(municipality)
      ? await runBilling({ db, clock, receivables, library }, municipality, date, {
          ...(options?.batchSize === undefined ? {} : { batchSize: options.batchSize }),
        })
      : null
    return {
      municipality,
      date,
      alreadyCompleted: (circulationResult?.alreadyCompleted ?? true) && (billing?.alreadyCompleted ?? true),
      declaredLost: circulationResult?.declaredLost ?? 0,
      chargesCreated: circulationResult?.chargesCreated ?? 0,
      feeBlockActions: circulationResult?.feeBlockActions ?? 0,
      doorEntriesDeleted: circulationResult?.doorEntriesDeleted ?? 0,
      retention: circulationResult?.retention ?? null,
      notices: noticeResult,
      billing,
    }
  }

  /** A reservation-ready letter's postage: a library charge, handed over like any other. */
  async function chargePostage(
    trx: Db,
    postage: { municipality: string; patronId: number; reservationId: number; title: string; amount: number },
    at: Date,
  ): Promise<void> {
    const date = localDateOf(at)
    const charges = await insertCharges(trx, [
      postageChargeFor(policies.inForce(postage.municipality, date), postage, date, at),
    ])
    await receivables.handOver.chargesCreated(trx, postage.municipality, charges, at)
  }

  /** Notices due now that are not tied to the night: reservations put on the hold shelf since the last call. */
  async function notices(municipality: string) {
    if (!policies.has(municipality)) return { reservationReady: 0 }
    return {
      reservationReady: await queueHoldNotices(db, policies, municipality, clock.now(), chargePostage),
    }
  }

  // The channels exist when the service runs with a configuration; simulations only queue notices.
  const config = deps.config
  const channels = config
    ? createNoticeAdapters(
        {
          smtpUrl: config.smtpUrl,
          mailFrom: config.mailFrom,
          smsUrl: config.smsUrl,
          smsToken: config.smsToken,
          smsSender: config.smsSender,
          outboxDir: config.outboxDir,
        },
        policies,
        receivablesCatalog,
        clock,
      )
    : null

  /**
   * Delivery, apart from the night's run so that it never holds it up (the scheduler calls it every minute):
   * the pending bills, dunning letters and notices before transfer are rendered (PDF, MeMo) into the outbox,
   * and the queued notices that are due are sent. Without a configuration (simulations) nothing is sent.
   */
  async function deliver(municipality: string, options: { onBills?: (done: number) => void } = {}) {
    const outboxDir = deps.config?.outboxDir
    const bills =
      outboxDir !== undefined && receivablesCatalog.has(municipality)
        ? await deliverPendingBills(db, receivablesCatalog, cprVault, municipality, outboxDir, {
            ...(options.onBills ? { onProgress: options.onBills } : {}),
          })
        : null
    const notices =
      channels && policies.has(municipality)
        ? await deliverDueNotices(
            {
              db,
              policies,
              receivablesCatalog,
              adaptersFor: channels.adaptersFor,
              now: () => clock.now(),
              cprVault,
            },
            municipality,
          )
        : null
    return { municipality, bills, notices }
  }

  return {
    db,
    clock,
    config: deps.config,
    cprVault,
    policies,
    receivablesCatalog,
    circulation,
    fees,
    receivables,
    claimActions,
    jobs: { nightly, notices, deliver },
    machines: new Sip2Monitor(),
    /** Wrong machine passwords (SIP2 93, FBS envelopes) per login, across connections. */
    machineLogins: new LoginThrottle(),
    close: () => channels?.close(),
  }
}

export type Services = Awaited<ReturnType<typeof createServices>>
