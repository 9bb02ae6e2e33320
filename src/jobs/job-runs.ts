import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.ts'
import type { LocalDate } from '../shared/time.ts'

type Db = Kysely<Database>

export interface JobRunKey {
  municipality: string
  job: string
  businessDate: LocalDate
}

/**
 * Records that a job starts for a municipality and business date (once: a rerun keeps the first start) and
 * answers whether that run had already completed, in which case the job does nothing.
 */
export async function startJobRun(db: Db, key: JobRunKey, at: Date): Promise<{ alreadyCompleted: boolean }> {
  await db
    .insertInto('jobRuns')
    .values({ ...key, status: 'running', startedAt: at, progress: '{}' })
    .onConflict((oc) => oc.columns(['municipality', 'job', 'businessDate']).doNothing())
    .execute()
  const run = await db
    .selectFrom('jobRuns')
    .select('status')
    .where('municipality', '=', key.municipality)
    .where('job', '=', key.job)
    .where('businessDate', '=', key.businessDate)
    .executeTakeFirstOrThrow()
  return { alreadyCompleted: run.status === 'completed' }
}

/** Marks the run completed with what it did. */
export async function finishJobRun(db: Db, key: JobRunKey, at: Date, result: unknown): Promise<void> {
  await db
    .updateTable('jobRuns')
    .set({ status: 'completed', finishedAt: at, progress: JSON.stringify(result) })
    .where('municipality', '=', key.municipality)
    .where('job', '=', key.job)
    .where('businessDate', '=', key.businessDate)
    .execute()
}
