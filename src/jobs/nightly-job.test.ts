import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { instantOfLocal } from '../shared/time.ts'
import { nightlyOutcome } from '../test-support/nightly-outcome.ts'
import { openTestServices, type TestContext } from '../test-support/test-services.ts'

const m = 'kobenhavn'
const opened: TestContext[] = []
after(async () => {
  for (const t of opened) await t.close()
})

/** 20 patrons, each with two loans; checkout dates spread so that some loans are lost on 2026-05-01. */
async function seeded(): Promise<TestContext> {
  const t = await openTestServices(m, '2026-02-01T10:00:00+01:00')
  opened.push(t)
  for (let p = 0; p < 20; p++) {
    await t.patron({
      cardNumber: `p${p}`,
      birthDate: p % 4 === 0 ? '2012-05-05' : '1980-05-05',
      digitalPost: p % 5 !== 0,
    })
    for (let k = 0; k < 2; k++) {
      const barcode = `i${p}-${k}`
      await t.item({
        barcode,
        materialType: k === 0 ? 'book' : 'audiobook',
        units: 3,
        title: `Titel ${barcode}`,
      })
      t.at(`2026-02-${String(1 + ((p + k) % 20)).padStart(2, '0')}T10:00:00+01:00`)
      await t.tx((trx) =>
        t.services.circulation.checkout(trx, { municipality: m, patron: `p${p}`, item: barcode }),
      )
    }
  }
  return t
}

async function nightly(t: TestContext, date: string, options = {}) {
  t.clock.set(instantOfLocal(date, '02:00'))
  return t.services.jobs.nightly(m, date, options)
}

describe('the nightly run', () => {
  it('declares loans lost 31 days after the due date with fee, replacement and processing fee', async () => {
    const t = await seeded()
    const result = await nightly(t, '2026-04-01')
    // Loans out 1–20 Feb are due 1–20 March; on 1 April those due on or before 1 March are 31 days over.
    assert.equal(result.declaredLost, 2)
    const charges = await t.handle.db.selectFrom('charges').selectAll().orderBy('id').execute()
    assert.deepEqual(
      charges.map((c) => [c.kind, c.amount, c.chargeDate, c.daysOverdue]),
      [
        ['overdue-fee', 12000, '2026-04-01', 31], // p0 is a child
        ['replacement', 25500, '2026-04-01', null],
        ['processing-fee', 9000, '2026-04-01', null],
        ['overdue-fee', 23000, '2026-04-01', 31],
        ['replacement', 3 * 21000, '2026-04-01', null],
        ['processing-fee', 9000, '2026-04-01', null],
      ],
    )
  })

  it('changes nothing when run twice for the same date, even when forced past its completion record', async () => {
    const t = await seeded()
    await nightly(t, '2026-05-01')
    const first = await nightlyOutcome(t.handle.db)
    assert.equal((await nightly(t, '2026-05-01')).alreadyCompleted, true)
    await t.handle.db.deleteFrom('jobRuns').execute()
    const forced = await nightly(t, '2026-05-01')
    assert.equal(forced.declaredLost, 0)
    assert.deepEqual(await nightlyOutcome(t.handle.db), first)
  })

  it('ends, after a crash between batches and a rerun, exactly where one clean run ends', async () => {
    const clean = await seeded()
    await nightly(clean, '2026-05-01', { batchSize: 7 })
    const expected = await nightlyOutcome(clean.handle.db)
    assert.ok(expected.loans.filter((l) => l.status === 'lost').length > 14)

    const crashed = await seeded()
    await assert.rejects(
      nightly(crashed, '2026-05-01', {
        batchSize: 7,
        afterBatch: (p: { batch: number }) => {
          if (p.batch === 2) throw new Error('killed')
        },
      }),
      /killed/,
    )
    const halfway = await nightlyOutcome(crashed.handle.db)
    assert.equal(halfway.loans.filter((l) => l.status === 'lost').length, 14)
    await nightly(crashed, '2026-05-01', { batchSize: 7 })
    assert.deepEqual(await nightlyOutcome(crashed.handle.db), expected)
  })

  it('warns København patrons at 200 kr of fees and blocks them 7 days later', async () => {
    const t = await seeded()
    await nightly(t, '2026-04-01')
    // p19 owes 230 kr in fees; p0, a child, 120 kr (replacements do not count toward the 200 kr).
    const warned = await t.handle.db.selectFrom('exclusionWarnings').selectAll().execute()
    assert.equal(warned.length, 1)
    assert.equal((await t.handle.db.selectFrom('blocks').selectAll().execute()).length, 0)
    await nightly(t, '2026-04-07')
    assert.equal((await t.handle.db.selectFrom('blocks').selectAll().execute()).length, 0)
    await nightly(t, '2026-04-08')
    const blocks = await t.handle.db
      .selectFrom('blocks')
      .selectAll()
      .where('reason', '=', 'exclusion')
      .execute()
    assert.equal(blocks.length, 1)
    const notices = await t.handle.db.selectFrom('notices').selectAll().execute()
    assert.deepEqual(
      [notices[0]?.kind, notices[0]?.channel, notices[0]?.items],
      ['exclusion-warning', 'digital-post', ['i19-1']],
    )
    // One warning per patron, however many nightly runs pass.
    assert.equal(new Set(notices.map((n) => n.patronId)).size, notices.length)
  })
})
