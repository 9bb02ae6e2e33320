import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { addDays, formatLocalInstant, instantOfLocal } from '../shared/time.ts'
import { openTestServices, type TestContext } from '../test-support/test-services.ts'
import { createDoorService } from './door-service.ts'

const opened: TestContext[] = []
after(async () => {
  for (const t of opened) await t.close()
})

async function scanAt(t: TestContext, municipality: string, local: string) {
  t.at(local)
  const door = createDoorService({
    policies: t.services.policies,
    clock: t.clock,
    cprVault: t.services.cprVault,
  })
  await t.tx((trx) => door.scan(trx, { municipality, card: 'K1', location: 'Valby' }))
}

async function nightly(t: TestContext, municipality: string, date: string) {
  t.clock.set(instantOfLocal(date, '02:00'))
  return t.services.jobs.nightly(municipality, date)
}

async function loggedInstants(t: TestContext, municipality: string): Promise<string[]> {
  const rows = await t.handle.db
    .selectFrom('doorEntries')
    .select('at')
    .where('municipality', '=', municipality)
    .orderBy('at')
    .execute()
  return rows.map((r) => formatLocalInstant(new Date(r.at)))
}

describe("the door's entry log", () => {
  it('is kept 30 days and deleted by the nightly run, once, whatever the reruns', async () => {
    const t = await openTestServices('kobenhavn', '2026-03-01T10:00:00+01:00')
    opened.push(t)
    await t.patron({ cardNumber: 'K1', birthDate: '1980-01-01' })
    await scanAt(t, 'kobenhavn', '2026-03-30T21:00:00+02:00')
    await scanAt(t, 'kobenhavn', '2026-03-31T23:59:00+02:00')
    await scanAt(t, 'kobenhavn', '2026-04-01T00:00:00+02:00')
    await scanAt(t, 'kobenhavn', '2026-04-30T20:00:00+02:00')
    await scanAt(t, 'gentofte', '2026-03-01T20:00:00+01:00')

    const first = await nightly(t, 'kobenhavn', '2026-04-30')
    assert.equal(first.alreadyCompleted, false)
    // On 30 April the log keeps 31 March on: 30 March goes.
    assert.equal((await loggedInstants(t, 'kobenhavn')).length, 3)

    await nightly(t, 'kobenhavn', '2026-05-01')
    const kept = ['2026-04-01T00:00:00+02:00', '2026-04-30T20:00:00+02:00']
    assert.deepEqual(await loggedInstants(t, 'kobenhavn'), kept)
    const run = await t.handle.db
      .selectFrom('jobRuns')
      .select('progress')
      .where('municipality', '=', 'kobenhavn')
      .where('job', '=', 'nightly')
      .where('businessDate', '=', '2026-05-01')
      .executeTakeFirstOrThrow()
    const progress = (typeof run.progress === 'string' ? JSON.parse(run.progress) : run.progress) as {
      doorEntriesDeleted: number
    }
    assert.equal(progress.doorEntriesDeleted, 1)

    // A rerun, a forced rerun past the completion record and a later clock delete nothing more.
    assert.equal((await nightly(t, 'kobenhavn', '2026-05-01')).alreadyCompleted, true)
    await t.handle.db.deleteFrom('jobRuns').execute()
    t.clock.set(new Date('2026-05-01T23:00:00+02:00'))
    await t.services.jobs.nightly('kobenhavn', '2026-05-01')
    assert.deepEqual(await loggedInstants(t, 'kobenhavn'), kept)
    // Another municipality's log waits for its own run.
    assert.equal((await loggedInstants(t, 'gentofte')).length, 1)
    await nightly(t, 'gentofte', '2026-05-01')
    assert.equal((await loggedInstants(t, 'gentofte')).length, 0)
  })

  it('never holds an entry older than the retention after a night, day by day in simulated time', async () => {
    const t = await openTestServices('naestved', '2026-03-20T10:00:00+01:00')
    opened.push(t)
    await t.patron({ cardNumber: 'K1', birthDate: '1980-01-01' })
    let date = '2026-03-20'
    // Across the change to summer time (29 March), scans in the evening and each night's run after.
    for (let day = 0; day < 40; day++) {
      await scanAt(t, 'naestved', formatLocalInstant(instantOfLocal(date, '20:00')))
      date = addDays(date, 1)
      await nightly(t, 'naestved', date)
      const oldest = (await loggedInstants(t, 'naestved'))[0] ?? ''
      assert.ok(oldest.slice(0, 10) >= addDays(date, -30), date)
    }
    const left = await loggedInstants(t, 'naestved')
    // Run on 29 April: the scans of 30 March (the last deleted is 29 March's) through 28 April are kept.
    assert.deepEqual([left.length, left[0]], [30, '2026-03-30T20:00:00+02:00'])
  })
})
