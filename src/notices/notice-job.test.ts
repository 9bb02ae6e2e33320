import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { formatLocalInstant, instantOfLocal } from '../shared/time.ts'
import { openTestServices, type TestContext } from '../test-support/test-services.ts'
import { queueLoanNotices } from './notice-job.ts'

const opened: TestContext[] = []
after(async () => {
  for (const t of opened) await t.close()
})

async function open(municipality: string, start: string): Promise<TestContext> {
  const t = await openTestServices(municipality, start)
  opened.push(t)
  return t
}

async function checkout(t: TestContext, municipality: string, patron: string, item: string, at: string) {
  t.at(at)
  await t.tx((trx) => t.services.circulation.checkout(trx, { municipality, patron, item }))
}

async function nightly(t: TestContext, municipality: string, date: string) {
  t.clock.set(instantOfLocal(date, '02:00'))
  return t.services.jobs.nightly(municipality, date)
}

async function notices(t: TestContext) {
  const rows = await t.handle.db
    .selectFrom('notices')
    .innerJoin('patrons', 'patrons.id', 'notices.patronId')
    .select(['patrons.cardNumber', 'notices.kind', 'notices.channel', 'notices.sendAt', 'notices.items'])
    .orderBy('notices.sendAt')
    .orderBy('notices.id')
    .execute()
  return rows.map((r) => ({
    patron: r.cardNumber,
    kind: r.kind,
    channel: r.channel,
    at: formatLocalInstant(new Date(r.sendAt)),
    items: r.items,
  }))
}

describe('reminders and recalls', () => {
  it('København: one reminder per patron 3 days before the due date listing every item, a recall 10 days after', async () => {
    const m = 'kobenhavn'
    const t = await open(m, '2026-03-02T10:00:00+01:00')
    await t.patron({ cardNumber: 'anna', birthDate: '1990-03-01', email: 'anna@example.dk' })
    await t.patron({
      cardNumber: 'bo',
      birthDate: '1990-03-01',
      phone: '20000001',
      noticeChannels: ['email', 'sms'],
      email: 'bo@example.dk',
    })
    await t.patron({ cardNumber: 'carl', birthDate: '1990-03-01' })
    for (const barcode of ['1', '2', '3', '4'])
      await t.item({ barcode, materialType: 'book', title: `Bog ${barcode}` })
    await checkout(t, m, 'anna', '1', '2026-03-04T10:00:00+01:00')
    await checkout(t, m, 'anna', '2', '2026-03-04T11:00:00+01:00')
    await checkout(t, m, 'bo', '3', '2026-03-04T12:00:00+01:00')
    await checkout(t, m, 'carl', '4', '2026-03-04T13:00:00+01:00')
    // 28 days in København (002): out 4 March, due Wednesday 1 April 2026.
    const result = await nightly(t, m, '2026-03-29')
    assert.deepEqual(
      result.notices && { reminders: result.notices.reminders, recalls: result.notices.recalls },
      {
        reminders: 3,
        recalls: 0,
      },
    )
    await nightly(t, m, '2026-03-29')
    await nightly(t, m, '2026-04-11')
    assert.deepEqual(await notices(t), [
      // Sunday 29 March: the first day of summer time, 08:00 local is 06:00 UTC.
      {
        patron: 'anna',
        kind: 'reminder',
        channel: 'email',
        at: '2026-03-29T08:00:00+02:00',
        items: ['1', '2'],
      },
      { patron: 'bo', kind: 'reminder', channel: 'email', at: '2026-03-29T08:00:00+02:00', items: ['3'] },
      { patron: 'bo', kind: 'reminder', channel: 'sms', at: '2026-03-29T08:00:00+02:00', items: ['3'] },
      {
        patron: 'anna',
        kind: 'recall',
        channel: 'email',
        at: '2026-04-11T08:00:00+02:00',
        items: ['1', '2'],
      },
      { patron: 'bo', kind: 'recall', channel: 'email', at: '2026-04-11T08:00:00+02:00', items: ['3'] },
      { patron: 'bo', kind: 'recall', channel: 'sms', at: '2026-04-11T08:00:00+02:00', items: ['3'] },
    ])
  })

  it('a run stopped halfway and run again queues what a clean run queues, nothing twice', async () => {
    const m = 'kobenhavn'
    const t = await open(m, '2026-03-04T10:00:00+01:00')
    for (let p = 0; p < 12; p++) {
      await t.patron({ cardNumber: `p${p}`, birthDate: '1990-03-01', email: `p${p}@example.dk` })
      await t.item({ barcode: `b${p}`, materialType: 'book', title: `Bog ${p}` })
      await checkout(t, m, `p${p}`, `b${p}`, '2026-03-04T10:00:00+01:00')
    }
    let chunks = 0
    await assert.rejects(
      queueLoanNotices(t.handle.db, t.services.policies, m, '2026-03-29', {
        chunkSize: 5,
        afterChunk: () => {
          chunks++
          if (chunks === 1) throw new Error('killed')
        },
      }),
      /killed/,
    )
    assert.equal((await notices(t)).length, 5)
    const again = await queueLoanNotices(t.handle.db, t.services.policies, m, '2026-03-29', { chunkSize: 5 })
    assert.equal(again.reminders, 12)
    const queued = await notices(t)
    assert.equal(queued.length, 12)
    assert.deepEqual(queued.map((n) => n.patron).sort(), Array.from({ length: 12 }, (_, p) => `p${p}`).sort())
    await queueLoanNotices(t.handle.db, t.services.policies, m, '2026-03-29')
    assert.equal((await notices(t)).length, 12)
  })

  it('Næstved: reminders only to those who opted in, at 09:00 on Saturdays and 10:00 on Sundays', async () => {
    const m = 'naestved'
    const t = await open(m, '2026-10-01T10:00:00+02:00')
    await t.patron({
      cardNumber: 'ida',
      birthDate: '1990-03-01',
      email: 'ida@example.dk',
      remindersOptIn: true,
    })
    await t.patron({ cardNumber: 'jens', birthDate: '1990-03-01', email: 'jens@example.dk' })
    await t.item({ barcode: 'f1', materialType: 'film', title: 'Film 1' })
    await t.item({ barcode: 'f2', materialType: 'film', title: 'Film 2' })
    // Films: 14 days; out Thursday 1 October, due Thursday 15 October.
    await checkout(t, m, 'ida', 'f1', '2026-10-01T10:00:00+02:00')
    await checkout(t, m, 'jens', 'f2', '2026-10-01T10:00:00+02:00')
    await nightly(t, m, '2026-10-13') // Tuesday: the reminder, 2 days before
    await nightly(t, m, '2026-10-22') // Thursday: a week overdue
    assert.deepEqual(await notices(t), [
      { patron: 'ida', kind: 'reminder', channel: 'email', at: '2026-10-13T08:00:00+02:00', items: ['f1'] },
      { patron: 'ida', kind: 'recall', channel: 'email', at: '2026-10-22T08:00:00+02:00', items: ['f1'] },
      { patron: 'jens', kind: 'recall', channel: 'email', at: '2026-10-22T08:00:00+02:00', items: ['f2'] },
    ])
  })

  it('Næstved: a reminder on a Sunday across the autumn clock change goes at 10:00 winter time', async () => {
    const m = 'naestved'
    const t = await open(m, '2026-10-13T10:00:00+02:00')
    await t.patron({ cardNumber: 'ida', birthDate: '1990-03-01', phone: '20000002', remindersOptIn: true })
    await t.item({ barcode: 'f1', materialType: 'film', title: 'Film 1' })
    // Out Tuesday 13 October, due Tuesday 27 October; the reminder on Sunday 25 October, the day the clocks go back.
    await checkout(t, m, 'ida', 'f1', '2026-10-13T10:00:00+02:00')
    await nightly(t, m, '2026-10-25')
    assert.deepEqual(await notices(t), [
      { patron: 'ida', kind: 'reminder', channel: 'sms', at: '2026-10-25T10:00:00+01:00', items: ['f1'] },
    ])
  })

  it('Gentofte sends none', async () => {
    const m = 'gentofte'
    const t = await open(m, '2026-03-02T10:00:00+01:00')
    await t.patron({
      cardNumber: 'ea',
      birthDate: '1990-03-01',
      email: 'ea@example.dk',
      remindersOptIn: true,
    })
    await t.item({ barcode: 'g1', materialType: 'book', title: 'Bog' })
    await checkout(t, m, 'ea', 'g1', '2026-03-02T10:00:00+01:00')
    for (const date of ['2026-03-28', '2026-03-29', '2026-03-30', '2026-04-08', '2026-04-12'])
      await nightly(t, m, date)
    assert.deepEqual(await notices(t), [])
  })

  it("a child without e-mail or phone: the guardian's e-mail", async () => {
    const m = 'kobenhavn'
    const t = await open(m, '2026-03-02T10:00:00+01:00')
    await t.patron({ cardNumber: 'mor', birthDate: '1980-03-01', email: 'mor@example.dk' })
    await t.patron({ cardNumber: 'lille', birthDate: '2018-03-01', guardian: 'mor' })
    await t.item({ barcode: 'b1', materialType: 'book', title: 'Bog' })
    await checkout(t, m, 'lille', 'b1', '2026-03-02T10:00:00+01:00')
    await nightly(t, m, '2026-03-27')
    const rows = await t.handle.db.selectFrom('notices').select(['kind', 'channel', 'payload']).execute()
    assert.deepEqual(
      rows.map((r) => [r.kind, r.channel, (r.payload as { recipient?: string }).recipient]),
      [['reminder', 'email', 'guardian']],
    )
  })
})

describe('reservations ready', () => {
  it('a hold is notified when the item reaches the shelf, expires after the pickup period and goes to the next', async () => {
    const m = 'kobenhavn'
    const t = await open(m, '2026-03-02T10:00:00+01:00')
    await t.patron({ cardNumber: 'lender', birthDate: '1980-03-01' })
    await t.patron({ cardNumber: 'first', birthDate: '1980-03-01', phone: '20000003' })
    await t.patron({ cardNumber: 'second', birthDate: '1980-03-01', digitalPost: false })
    await t.item({ barcode: 'k1', materialType: 'book', title: 'Kongens Fald' })
    await checkout(t, m, 'lender', 'k1', '2026-03-02T10:00:00+01:00')
    t.at('2026-03-03T10:00:00+01:00')
    await t.tx((trx) => t.services.circulation.reserve(trx, { municipality: m, patron: 'first', item: 'k1' }))
    await t.tx((trx) =>
      t.services.circulation.reserve(trx, { municipality: m, patron: 'second', item: 'k1' }),
    )
    // Returned late in the evening: the SMS waits for the morning.
    t.at('2026-03-05T22:00:00+01:00')
    await t.tx((trx) => t.services.circulation.checkin(trx, { municipality: m, item: 'k1' }))
    await t.services.jobs.notices(m)
    await t.services.jobs.notices(m)
    // Held 5 March: waits through 12 March, released at the run of 13 March.
    await nightly(t, m, '2026-03-12')
    const held = await t.handle.db.selectFrom('reservations').select(['status']).orderBy('id').execute()
    assert.deepEqual(
      held.map((r) => r.status),
      ['held', 'waiting'],
    )
    t.clock.set(instantOfLocal('2026-03-13', '02:00'))
    const result = await nightly(t, m, '2026-03-13')
    assert.equal(result.notices?.expiredHolds, 1)
    const after = await t.handle.db.selectFrom('reservations').select(['status']).orderBy('id').execute()
    assert.deepEqual(
      after.map((r) => r.status),
      ['expired', 'held'],
    )
    const sent = (await notices(t)).filter((n) => n.kind === 'reservation-ready')
    assert.deepEqual(sent, [
      {
        patron: 'first',
        kind: 'reservation-ready',
        channel: 'sms',
        at: '2026-03-06T08:00:00+01:00',
        items: ['k1'],
      },
      // Exempt from Digital Post and neither e-mail nor phone: a letter, and the postage is charged (002).
      {
        patron: 'second',
        kind: 'reservation-ready',
        channel: 'letter',
        at: '2026-03-13T02:00:00+01:00',
        items: ['k1'],
      },
    ])
    const postage = await t.handle.db
      .selectFrom('charges')
      .select(['kind', 'amount'])
      .where('kind', '=', 'postage')
      .execute()
    assert.deepEqual(postage, [{ kind: 'postage', amount: 1500 }])
  })
})
