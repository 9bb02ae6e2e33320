import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import pg from 'pg'
import { instantOfLocal } from '../shared/time.ts'
import { openTestServices, type TestContext } from '../test-support/test-services.ts'

// Interleavings that only a server with real concurrent connections can produce (PGlite runs one
// transaction at a time). A third connection holds a lock so that the two operations overlap.

const onServer = process.env.DATABASE_URL !== undefined
const contexts: TestContext[] = []
after(async () => {
  for (const t of contexts) await t.close()
})

async function holding<T>(
  url: string,
  lockSql: string,
  run: () => Promise<T>[],
): Promise<PromiseSettledResult<T>[]> {
  const blocker = new pg.Client({ connectionString: url })
  await blocker.connect()
  await blocker.query('begin')
  await blocker.query(lockSql)
  const pending: Promise<T>[] = []
  for (const start of run()) {
    pending.push(start)
    await new Promise((resolve) => setTimeout(resolve, 300))
  }
  await blocker.query('commit')
  await blocker.end()
  return Promise.allSettled(pending)
}

async function kkLoanDue30January(): Promise<TestContext> {
  const t = await openTestServices('kobenhavn', '2026-01-02T10:00:00+01:00')
  contexts.push(t)
  await t.patron({ cardNumber: 'anna', birthDate: '1990-01-01' })
  await t.item({ barcode: 'b1', materialType: 'book', title: 'Kongens Fald' })
  await t.tx((trx) =>
    t.services.circulation.checkout(trx, { municipality: 'kobenhavn', patron: 'anna', item: 'b1' }),
  )
  t.clock.set(instantOfLocal('2026-03-02', '02:00'))
  return t
}

async function chargesOf(t: TestContext) {
  return t.handle.db.selectFrom('charges').select(['kind', 'amount', 'status']).orderBy('id').execute()
}

describe('concurrent operations on the server', { skip: !onServer && 'needs DATABASE_URL' }, () => {
  it('a return while the nightly run declares the loan lost: one fee, replacement cancelled', async () => {
    const t = await kkLoanDue30January()
    const results = await holding(
      t.handle.url as string,
      "select id from items where barcode = 'b1' for update",
      () => [
        t.services.jobs.nightly('kobenhavn', '2026-03-02').then(() => 'nightly'),
        t
          .tx((trx) => t.services.circulation.checkin(trx, { municipality: 'kobenhavn', item: 'b1' }))
          .then(() => 'checkin'),
      ],
    )
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'fulfilled'],
    )
    // Either order is a correct history: declared lost and then found (replacement cancelled), or returned
    // 31 days late before the run came to it. Never two fees, never a replacement left to pay.
    const charges = await chargesOf(t)
    assert.deepEqual(
      charges.filter((c) => c.status === 'open'),
      [{ kind: 'overdue-fee', amount: 23000, status: 'open' }],
    )
    assert.ok(charges.length === 1 || charges.length === 3, JSON.stringify(charges))
    const loan = await t.handle.db.selectFrom('loans').select('status').executeTakeFirstOrThrow()
    assert.equal(loan.status, 'returned')
  })

  it('a return that started before the nightly run: no deadlock, one fee', async () => {
    const t = await kkLoanDue30January()
    const results = await holding(t.handle.url as string, 'lock table charges in exclusive mode', () => [
      t
        .tx((trx) => t.services.circulation.checkin(trx, { municipality: 'kobenhavn', item: 'b1' }))
        .then(() => 'checkin'),
      t.services.jobs.nightly('kobenhavn', '2026-03-02').then(() => 'nightly'),
    ])
    assert.deepEqual(
      results.map((r) => (r.status === 'rejected' ? String(r.reason) : r.status)),
      ['fulfilled', 'fulfilled'],
    )
    // Returned 31 days late before the run reached it; under load the run may get there first, and then
    // the return finds a lost item. Either way: one fee, no replacement to pay.
    const charges = await chargesOf(t)
    assert.deepEqual(
      charges.filter((c) => c.status === 'open'),
      [{ kind: 'overdue-fee', amount: 23000, status: 'open' }],
    )
  })

  it('two late returns at once that together cross Gentofte’s 200 kr: both accepted, one block', async () => {
    const t = await openTestServices('gentofte', '2026-01-02T10:00:00+01:00')
    contexts.push(t)
    const m = 'gentofte'
    await t.patron({ cardNumber: 'bo', birthDate: '1980-01-01' })
    for (const b of ['a', 'b', 'c', 'd', 'e']) {
      await t.item({ barcode: b, materialType: 'book', title: `T${b}` })
      await t.tx((trx) => t.services.circulation.checkout(trx, { municipality: m, patron: 'bo', item: b }))
    }
    t.at('2026-02-10T10:00:00+01:00') // 11 days late: 60 kr each
    for (const b of ['a', 'b', 'c'])
      await t.tx((trx) => t.services.circulation.checkin(trx, { municipality: m, item: b }))
    // Both returns insert their charge (a key-share lock on the patron) before either evaluates the block.
    const patronLock = "select id from patrons where card_number = 'bo' for no key update"
    const results = await holding(t.handle.url as string, patronLock, () =>
      ['d', 'e'].map((b) => t.tx((trx) => t.services.circulation.checkin(trx, { municipality: m, item: b }))),
    )
    assert.deepEqual(
      results.map((r) => (r.status === 'rejected' ? String(r.reason) : r.status)),
      ['fulfilled', 'fulfilled'],
    )
    const blocks = await t.handle.db.selectFrom('blocks').selectAll().execute()
    assert.equal(blocks.length, 1)
  })
})
