import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { openTestServices, type TestContext } from '../test-support/test-services.ts'
import { runCheckin, runCheckout } from './circulation-edge.ts'
import { RefusalError } from './refusal.ts'

let t: TestContext
const m = 'kobenhavn'

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (error) {
    if (error instanceof RefusalError) return error.code
    throw error
  }
  return 'accepted'
}

before(async () => {
  t = await openTestServices(m)
  await t.patron({ cardNumber: 'anna', birthDate: '1990-03-01' })
  await t.patron({ cardNumber: 'bo', birthDate: '1985-06-01' })
  await t.patron({ cardNumber: 'cim', cpr: '0101154321', guardian: 'bo' })
  await t.item({ barcode: 'b1', materialType: 'book', title: 'Kongens Fald' })
  await t.item({ barcode: 'b2', materialType: 'book', title: 'Kongens Fald' })
  await t.item({ barcode: 'n1', materialType: 'book', title: 'Dagbladet', referenceOnly: true })
  for (let i = 0; i < 12; i++) await t.patron({ cardNumber: `racer${i}`, birthDate: '1970-01-01' })
  await t.item({ barcode: 'hot', materialType: 'film', title: 'Festen' })
})
after(() => t.close())

describe('circulation', () => {
  it('checks out with a due date and refuses what the rules refuse', async () => {
    const { loan } = await t.tx((trx) =>
      t.services.circulation.checkout(trx, { municipality: m, patron: 'anna', item: 'b1' }),
    )
    assert.equal(loan.dueDate, '2026-03-30')
    assert.equal(
      await refusal(
        t.tx((trx) => t.services.circulation.checkout(trx, { municipality: m, patron: 'bo', item: 'b1' })),
      ),
      'not-available',
    )
    assert.equal(
      await refusal(
        t.tx((trx) =>
          t.services.circulation.checkout(trx, { municipality: m, patron: 'nobody', item: 'b2' }),
        ),
      ),
      'unknown-patron',
    )
    assert.equal(
      await refusal(
        t.tx((trx) => t.services.circulation.checkout(trx, { municipality: m, patron: 'bo', item: 'zzz' })),
      ),
      'unknown-item',
    )
    assert.equal(
      await refusal(
        t.tx((trx) => t.services.circulation.checkout(trx, { municipality: m, patron: 'bo', item: 'n1' })),
      ),
      'reference-only',
    )
    assert.equal(
      await refusal(t.tx((trx) => t.services.circulation.checkin(trx, { municipality: m, item: 'b2' }))),
      'not-on-loan',
    )
    assert.equal(
      await refusal(t.tx((trx) => t.services.circulation.renew(trx, { municipality: m, item: 'b2' }))),
      'not-on-loan',
    )
  })

  it('finds a patron by CPR number as well as by card', async () => {
    assert.equal(
      await refusal(
        t.tx((trx) =>
          t.services.circulation.reserve(trx, { municipality: m, patron: '010115-4321', item: 'b1' }),
        ),
      ),
      'accepted',
    )
    await t.tx((trx) =>
      t.services.circulation.cancelReservation(trx, { municipality: m, patron: 'cim', item: 'b1' }),
    )
  })

  it('holds a returned copy of a reserved title for the first in the queue', async () => {
    t.at('2026-03-03T10:00:00+01:00')
    await t.tx((trx) => t.services.circulation.checkout(trx, { municipality: m, patron: 'anna', item: 'b2' }))
    await t.tx((trx) => t.services.circulation.reserve(trx, { municipality: m, patron: 'bo', item: 'b1' }))
    assert.equal(
      await refusal(t.tx((trx) => t.services.circulation.renew(trx, { municipality: m, item: 'b1' }))),
      'reserved',
    )
    t.at('2026-03-10T10:00:00+01:00')
    const result = await t.tx((trx) => t.services.circulation.checkin(trx, { municipality: m, item: 'b2' }))
    assert.ok(result.heldForPatronId !== null)
    assert.equal(
      await refusal(
        t.tx((trx) => t.services.circulation.checkout(trx, { municipality: m, patron: 'cim', item: 'b2' })),
      ),
      'not-available',
    )
    assert.equal(
      await refusal(
        t.tx((trx) => t.services.circulation.checkout(trx, { municipality: m, patron: 'bo', item: 'b2' })),
      ),
      'accepted',
    )
    assert.equal(
      await refusal(t.tx((trx) => t.services.circulation.renew(trx, { municipality: m, item: 'b1' }))),
      'accepted',
    )
  })

  it('refuses a patron whose card is reported lost, and accepts their returns', async () => {
    await t.tx((trx) => t.services.circulation.reportCardLost(trx, { municipality: m, patron: 'anna' }))
    assert.equal(
      await refusal(
        t.tx((trx) => t.services.circulation.checkout(trx, { municipality: m, patron: 'anna', item: 'hot' })),
      ),
      'card-lost',
    )
    assert.equal(
      await refusal(t.tx((trx) => t.services.circulation.renew(trx, { municipality: m, item: 'b1' }))),
      'card-lost',
    )
    assert.equal(
      await refusal(t.tx((trx) => t.services.circulation.checkin(trx, { municipality: m, item: 'b1' }))),
      'accepted',
    )
  })

  it('of concurrent checkouts of one item, exactly one wins', async () => {
    const attempts = Array.from({ length: 12 }, (_, i) =>
      refusal(
        t.tx((trx) =>
          t.services.circulation.checkout(trx, { municipality: m, patron: `racer${i}`, item: 'hot' }),
        ),
      ),
    )
    const outcomes = await Promise.all(attempts)
    assert.equal(outcomes.filter((o) => o === 'accepted').length, 1)
    assert.equal(outcomes.filter((o) => o === 'not-available').length, 11)
    const open = await t.handle.db
      .selectFrom('loans')
      .innerJoin('items', 'items.id', 'loans.itemId')
      .select('loans.id')
      .where('items.barcode', '=', 'hot')
      .where('loans.status', '=', 'active')
      .execute()
    assert.equal(open.length, 1)
  })

  it('without locks too: of concurrent check-outs one wins, of concurrent returns one counts', async () => {
    t.at('2026-03-20T10:00:00+01:00')
    await t.item({ barcode: 'hot2', materialType: 'film', title: 'Jagten' })
    const db = t.handle.db
    const { circulation } = t.services
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        refusal(runCheckout(db, circulation, { municipality: m, patron: `racer${i}`, item: 'hot2' })),
      ),
    )
    assert.equal(outcomes.filter((o) => o === 'accepted').length, 1)
    assert.equal(outcomes.filter((o) => o === 'not-available').length, 11)
    const returns = await Promise.all(
      Array.from({ length: 4 }, () =>
        refusal(runCheckin(db, circulation, { municipality: m, item: 'hot2' })),
      ),
    )
    assert.deepEqual(returns.sort(), ['accepted', 'not-on-loan', 'not-on-loan', 'not-on-loan'])
    const item = await db
      .selectFrom('items')
      .select('status')
      .where('barcode', '=', 'hot2')
      .executeTakeFirstOrThrow()
    assert.equal(item.status, 'available')
  })

  it('without locks: an on-time return goes to the hold shelf for the queue, a late one is charged', async () => {
    t.at('2026-04-01T10:00:00+02:00')
    await t.item({ barcode: 'q1', materialType: 'book', title: 'Himmerlandshistorier' })
    await t.item({ barcode: 'q2', materialType: 'book', title: 'Himmerlandshistorier' })
    const db = t.handle.db
    const { circulation } = t.services
    await runCheckout(db, circulation, { municipality: m, patron: 'racer1', item: 'q1' })
    await runCheckout(db, circulation, { municipality: m, patron: 'racer2', item: 'q2' })
    await t.tx((trx) => circulation.reserve(trx, { municipality: m, patron: 'racer3', item: 'q1' }))

    t.at('2026-04-29T18:00:00+02:00') // the due date: on time
    const onTime = await runCheckin(db, circulation, { municipality: m, item: 'q1' })
    assert.equal(onTime.loan.status, 'returned')
    assert.equal(onTime.loan.dueDate, '2026-04-29')
    assert.equal(onTime.patronCardNumber, 'racer1')
    assert.equal(onTime.heldForCard, 'racer3')
    assert.equal(onTime.item.status, 'held')
    assert.deepEqual(onTime.charges, [])

    t.at('2026-04-30T09:00:00+02:00') // a day late
    const late = await runCheckin(db, circulation, { municipality: m, item: 'q2' })
    assert.equal(late.item.status, 'available')
    assert.equal(late.heldForCard, null)
    assert.deepEqual(
      late.charges.map((c) => [c.kind, c.amount]),
      [['overdue-fee', 2000]],
    )
  })
})
