import { lostDueDateCutoff } from '../circulation/loan-rules.ts'
import type { Db } from '../db/database.ts'
import type { ChargeRow } from '../db/schema.ts'
import { activateDueExclusions } from '../desk/staff-exclusions.ts'
import { deleteExpiredDoorEntries } from '../door/door-service.ts'
import { lostChargesFor } from '../fees/charge-builders.ts'
import { evaluateFeeBlocks } from '../fees/fee-block-service.ts'
import type { PolicyCatalog } from '../policy/policy-catalog.ts'
import type { ChargeHandOver } from '../receivables/receivables-port.ts'
import type { Clock } from '../shared/clock.ts'
import type { LocalDate } from '../shared/time.ts'
import { instantOfLocal } from '../shared/time.ts'
import { deleteExpiredSessions } from '../web/web-sessions.ts'
import { finishJobRun, startJobRun } from './job-runs.ts'
import { type RetentionResult, type RetentionStep, runRetention } from './retention-job.ts'

export interface NightlyDeps {
  db: Db
  policies: PolicyCatalog
  clock: Clock
  handOver: ChargeHandOver
}

export interface NightlyProgress {
  step: 'declare-lost' | 'fee-blocks' | 'staff-exclusions' | 'door-log' | 'web-sessions' | RetentionStep
  batch: number
  processed: number
}

export interface NightlyOptions {
  batchSize?: number
  onProgress?: (progress: NightlyProgress) => void
  /** Called after each committed batch; tests throw here to simulate a crash between batches. */
  afterBatch?: (progress: NightlyProgress) => void | Promise<void>
}

export interface NightlyResult {
  municipality: string
  date: LocalDate
  alreadyCompleted: boolean
  declaredLost: number
  chargesCreated: number
  feeBlockActions: number
  /** Door entries older than the policy's retention, deleted. */
  doorEntriesDeleted: number
  /** Returned loans unlinked from their patrons, patrons deleted, staff look-ups past their period. */
  retention: RetentionResult
}

const JOB = 'nightly'

/**
 * The nightly run of one municipality and business date: declare lost loans (with their charges), apply
 * the fee block rule, delete the door entries past their retention and apply the privacy retention rules. Each batch commits on its own;
 * every step selects only what is still to do, so a second run changes nothing and a run killed between
 * batches ends, when run again, where a clean run ends.
 */
export async function runNightly(
  deps: NightlyDeps,
  municipality: string,
  date: LocalDate,
  options: NightlyOptions = {},
): Promise<NightlyResult> {
  const { db, policies, clock } = deps
  const batchSize = options.batchSize ?? 2000
  const policy = policies.inForce(municipality, date)
  const result: NightlyResult = {
    municipality,
    date,
    alreadyCompleted: false,
    declaredLost: 0,
    chargesCreated: 0,
    feeBlockActions: 0,
    doorEntriesDeleted: 0,
    retention: {
      loansUnlinked: 0,
      patronsDeleted: 0,
      debtorsAnonymised: 0,
      lookupsDeleted: 0,
      offlineTransactionsDeleted: 0,
    },
  }

  const runKey = { municipality, job: JOB, businessDate: date }
  if ((await startJobRun(db, runKey, clock.now())).alreadyCompleted)
    return { ...result, alreadyCompleted: true }

  const report = async (progress: NightlyProgress) => {
    options.onProgress?.(progress)
    await options.afterBatch?.(progress)
  }

  // Step 1: declare lost every active loan whose due date lies `afterDaysOverdue` days or more back.
  const cutoff = lostDueDateCutoff(policy, date)
  // Batches go up the loan ids (keyset): every loan below the last batch's highest id has been declared, so
  // each batch reads on from there instead of walking the ids already done.
  let lastLoanId = 0
  for (let batch = 1; ; batch++) {
    const processed = await db.transaction().execute(async (trx) => {
      const at = clock.now()
      const rows = await trx
        .selectFrom('loans')
        .innerJoin('items', 'items.id', 'loans.itemId')
        .innerJoin('patrons', 'patrons.id', 'loans.patronId')
        .select([
          'loans.id as loanId',
          'loans.patronId',
          'loans.itemId',
          'loans.dueDate',
          'patrons.birthDate',
          'items.title',
          'items.materialType',
          'items.units',
          'items.price',
          'items.illPrice',
          'items.illLendingLibrary',
        ])
        .where('loans.municipality', '=', municipality)
        .where('loans.status', '=', 'active')
        .where('loans.dueDate', '<=', cutoff)
        .where('loans.id', '>', lastLoanId)
        .orderBy('loans.id')
        .limit(batchSize)
        // Loans before items, as a check-in takes them; patrons are not locked here.
        .forUpdate(['loans', 'items'])
        // An active loan always has its patron (only returned loans lose the link).
        .$narrowType<{ patronId: number }>()
        .execute()
      if (rows.length === 0) return 0
      const charges = rows.flatMap((row) => lostChargesFor(policy, { ...row, municipality }, row, date, at))
      const inserted: ChargeRow[] = []
      for (let i = 0; i < charges.length; i += 1000) {
        inserted.push(
          ...(await trx
            .insertInto('charges')
            .values(charges.slice(i, i + 1000))
            .returningAll()
            .execute()),
        )
      }
      const loanIds = rows.map((r) => r.loanId)
      await trx
        .updateTable('loans')
        .set({ status: 'lost', lostOn: date })
        .where('id', 'in', loanIds)
        .execute()
      await trx
        .updateTable('items')
        .set({ status: 'lost' })
        .where(
          'id',
          'in',
          rows.map((r) => r.itemId),
        )
        .execute()
      const patronIds = [...new Set(rows.map((r) => r.patronId))]
      await deps.handOver.chargesCreated(trx, municipality, inserted, at)
      const actions = await evaluateFeeBlocks(trx, policies, municipality, patronIds, at, true, date)
      result.declaredLost += rows.length
      result.chargesCreated += charges.length
      result.feeBlockActions += actions.size
      lastLoanId = rows[rows.length - 1]?.loanId ?? lastLoanId
      return rows.length
    })
    if (processed === 0) break
    await report({ step: 'declare-lost', batch, processed: result.declaredLost })
  }

  // Step 2: exclusion warnings whose notice period has run out, and any other pending warning.
  let lastWarningId = 0
  for (let batch = 1; ; batch++) {
    const processed = await db.transaction().execute(async (trx) => {
      const warnings = await trx
        .selectFrom('exclusionWarnings')
        .select(['id', 'patronId'])
        .where('municipality', '=', municipality)
        .where('status', '=', 'pending')
        .where('warnedOn', '<=', date)
        .where('id', '>', lastWarningId)
        .orderBy('id')
        .limit(batchSize)
        .execute()
      if (warnings.length === 0) return 0
      lastWarningId = warnings[warnings.length - 1]?.id ?? lastWarningId
      const actions = await evaluateFeeBlocks(
        trx,
        policies,
        municipality,
        warnings.map((w) => w.patronId),
        clock.now(),
        true,
        date,
      )
      result.feeBlockActions += actions.size
      return warnings.length
    })
    if (processed === 0) break
    await report({ step: 'fee-blocks', batch, processed })
  }

  // Exclusions staff gave with 7 days' notice (002) become blocks on their day, for machines as for the desk.
  const excluded = await activateDueExclusions(db, municipality, date)
  if (excluded > 0) await report({ step: 'staff-exclusions', batch: 1, processed: excluded })

  // Step 3: the door's entry log is kept `door.logRetentionDays`; the cutoff follows from the date alone.
  result.doorEntriesDeleted = await deleteExpiredDoorEntries(db, municipality, policy, date)
  if (result.doorEntriesDeleted > 0) {
    await report({ step: 'door-log', batch: 1, processed: result.doorEntriesDeleted })
  }

  // Step 4: web sessions and MitID identities that ran out before the day began (they are refused anyway).
  const sessionsDeleted = await deleteExpiredSessions(db, municipality, instantOfLocal(date))
  if (sessionsDeleted > 0) await report({ step: 'web-sessions', batch: 1, processed: sessionsDeleted })

  // Step 5: retention — returned loans' patron links after 4 weeks, patrons without a loan for 2 years,
  // the staff look-up log past its period (jobs/retention-job.ts).
  result.retention = await runRetention(db, municipality, policy, date, clock.now(), {
    batchSize,
    report: (step, batch, processed) => report({ step, batch, processed }),
  })

  await finishJobRun(db, runKey, clock.now(), result)
  return result
}
