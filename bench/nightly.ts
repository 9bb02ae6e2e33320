import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { systemClock } from '../src/shared/clock.ts'
import { localDateOf } from '../src/shared/time.ts'
import { checkReceivables } from './check-receivables.ts'
import { parseJson, runCli } from './child.ts'
import { type CpuShare, waitForQuiet } from './cpu.ts'
import { MUNICIPALITY } from './generate.ts'
import type { DueTonight } from './receivables-data.ts'

export interface NightlyFigures {
  command: string
  businessDate: string
  /** From spawning `laan run nightly` to its exit, including start-up. */
  wallSeconds: number
  /** The job alone, as the CLI reports it ("finished in … s"). */
  jobSeconds: number | null
  /**
   * The three parts of the run, from the jobs' own rows in job_runs (started, finished): the library's
   * steps (lost loans, fee blocks), the receivables' billing and dunning, and the delivery of the new bills
   * and letters to the outbox (from the end of billing to the CLI's "finished").
   */
  phases: {
    librarySeconds: number
    /** The day's reminders, recalls and hold notices queued: from the library's steps to billing. */
    noticesSeconds: number
    billingSeconds: number
  } | null
  /** `laan run deliver` after the night's run: the bills and letters written to the outbox. */
  delivery: {
    wallSeconds: number
    jobSeconds: number | null
    peakRssMb: number
    exitCode: number
    cpu: CpuShare | null
    result: Record<string, unknown> | null
  }
  /** Where the bills were written: a temporary folder, removed afterwards. */
  outbox: string
  /** What the generated data has due tonight; billing should do exactly this. */
  expected: DueTonight | null
  billingAsExpected: boolean | null
  /** Peak resident set size of the process. */
  peakRssMb: number
  rssSource: string
  exitCode: number
  /** CPU used by other work on the machine just before the run (percent of one core). */
  busyBeforePercent: number
  /** CPU during the run, of 200 %: laan itself, PostgreSQL, and other work on the machine. */
  cpu: CpuShare | null
  /** The receivables reconciliation after the run (only at scales up to 0.1). */
  reconciled: boolean | null
  result: Record<string, unknown> | null
}

/**
 * Runs the real nightly job (`node bin/laan.js run nightly …`, which runs the library's steps, then billing
 * and dunning, then renders the new bills to the outbox) as a child process against `url`, and splits its
 * time into those three parts.
 */
export async function runNightlyBench(
  url: string,
  businessDate: string,
  expected: DueTonight | null,
  quietWaitSeconds: number,
  reconcileAfter: boolean,
): Promise<NightlyFigures> {
  const args = ['run', 'nightly', '--municipality', MUNICIPALITY, '--date', businessDate]
  const outbox = mkdtempSync(join(tmpdir(), 'laan-bench-outbox-'))
  const busyBeforePercent = await waitForQuiet('nightly', quietWaitSeconds)
  const run = await runCli(
    'nightly',
    args,
    { DATABASE_URL: url, LAAN_OUTBOX_DIR: outbox },
    { showLine: (line) => !/: batch \d+/.test(line) },
  )
  const result = parseJson(run.stdout)
  // Then what the scheduler does in the morning, apart from the night's run: the night's bills, letters and
  // notices before transfer rendered (PDF, and MeMo for Digital Post) into the outbox.
  const deliverRun = await runCli(
    'deliver',
    ['run', 'deliver', '--municipality', MUNICIPALITY],
    { DATABASE_URL: url, LAAN_OUTBOX_DIR: outbox },
    { showLine: (line) => !/^bills: \d+ handled/.test(line) },
  )
  rmSync(outbox, { recursive: true, force: true })
  const delivery = {
    wallSeconds: deliverRun.wallSeconds,
    jobSeconds: deliverRun.jobSeconds,
    peakRssMb: deliverRun.peakRssMb,
    exitCode: deliverRun.exitCode,
    cpu: deliverRun.cpu,
    result: parseJson(deliverRun.stdout),
  }

  let phases: NightlyFigures['phases'] = null
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const { rows } = await client.query<{ job: string; started: string; finished: string | null }>(
      `select job, (extract(epoch from started_at) * 1000)::bigint as started,
              (extract(epoch from finished_at) * 1000)::bigint as finished
         from job_runs where municipality = $1 and business_date = $2`,
      [MUNICIPALITY, businessDate],
    )
    const job = (name: string) => rows.find((r) => r.job === name)
    const library = job('nightly')
    const billing = job('receivables')
    if (library?.finished && billing?.finished) {
      const seconds = (from: number, to: number) => Math.round((to - from) / 10) / 100
      phases = {
        librarySeconds: seconds(Number(library.started), Number(library.finished)),
        noticesSeconds: seconds(Number(library.finished), Number(billing.started)),
        billingSeconds: seconds(Number(billing.started), Number(billing.finished)),
      }
    }
  } finally {
    await client.end()
  }

  const billing = result?.billing as Record<string, number> | null | undefined
  const billingAsExpected =
    expected && billing
      ? billing.bills === expected.bills &&
        billing.collections === expected.collections &&
        billing.interestLines === expected.interest &&
        billing.dunningLetters === expected.dunningLetters &&
        billing.transferNotices === expected.transferNotices &&
        billing.transfers === expected.transfers &&
        billing.payouts === expected.payouts
      : null
  if (billingAsExpected === false) {
    console.log(
      `[nightly] billing did other work than the generated data has due (${JSON.stringify(expected)}): ` +
        'the generator is out of step with the billing rules',
    )
  }
  let reconciled: boolean | null = null
  if (reconcileAfter && run.exitCode === 0) {
    const check = await checkReceivables(url, localDateOf(systemClock.now()))
    for (const line of check.lines) console.log(`[nightly] reconciliation after the run: ${line}`)
    reconciled = check.ok
  }
  return {
    command: run.command,
    businessDate,
    wallSeconds: run.wallSeconds,
    jobSeconds: run.jobSeconds,
    phases,
    delivery,
    outbox: `${outbox} (removed)`,
    expected,
    billingAsExpected,
    peakRssMb: run.peakRssMb,
    rssSource: run.rssSource,
    exitCode: run.exitCode,
    busyBeforePercent,
    cpu: run.cpu,
    reconciled,
    result,
  }
}
