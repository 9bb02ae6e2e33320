import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { runCheckin, runCheckout } from '../circulation/circulation-edge.ts'
import { openTestServices, type TestContext } from '../test-support/test-services.ts'
import { importBankFile } from './bank-import.ts'
import { writeCamt054 } from './camt054.ts'
import { paymentIdFromSequence } from './fik.ts'
import { reconcile } from './reconciliation.ts'

const M = 'kobenhavn'
let t: TestContext
let ids: string[] = []

before(async () => {
  t = await openTestServices(M, '2026-03-02T10:00:00+01:00')
  const { db, circulation } = t.services
  for (const card of ['p1', 'p2', 'p3', 'p4']) {
    await t.patron({ cardNumber: card, birthDate: '1970-01-01' })
    await t.item({ barcode: `${card}-b`, materialType: 'book', title: `Bog ${card}` })
    await runCheckout(db, circulation, { municipality: M, patron: card, item: `${card}-b` })
  }
  t.at('2026-04-10T12:00:00+02:00') // 11 days late: 120 kr each
  for (const card of ['p1', 'p2', 'p3', 'p4'])
    await runCheckin(db, circulation, { municipality: M, item: `${card}-b` })
  ids = (await db.selectFrom('claims').select('paymentId').orderBy('id').execute()).map((c) => c.paymentId)
})
after(() => t.close())

const file = (payments: { ref: string; amount: number; id: string }[]) =>
  writeCamt054({
    messageId: 'M',
    createdAt: '2026-04-12T06:00:00+02:00',
    iban: 'DK5000400440116243',
    payments: payments.map((p) => ({
      reference: p.ref,
      amount: p.amount,
      bookingDate: '2026-04-12',
      paymentReference: p.id,
      debtorName: 'Betaler',
    })),
  })

describe('importing a camt.054 bank file', () => {
  it('places payments in bulk, sends the odd ones through one by one, and holds unknown IDs', async () => {
    const [c1, c2, c3, c4] = ids as [string, string, string, string]
    const xml = file([
      { ref: 'A1', amount: 12000, id: c1 }, // pays claim 1 exactly
      { ref: 'A2', amount: 5000, id: c2 }, // part of claim 2
      { ref: 'A3', amount: 5000, id: c2 }, // more of claim 2, still within it
      { ref: 'A4', amount: 5000, id: c2 }, // 3,000 too much: through payClaim, the rest is credit
      { ref: 'A5', amount: 20000, id: c3 }, // overpays claim 3 at once; p3 has nothing else open
      { ref: 'A6', amount: 700, id: `+71<${c4}+85100001<` }, // a whole payment line
      { ref: 'A7', amount: 900, id: paymentIdFromSequence(424242) }, // unknown
    ])
    const at = t.at('2026-04-12T08:00:00+02:00')
    const result = await importBankFile(t.services, M, xml, at, { batchSize: 4 })
    assert.deepEqual([result.payments, result.applied, result.unmatched, result.duplicates], [7, 6, 1, 0])
    const claims = await t.handle.db
      .selectFrom('claims')
      .select(['paymentId', 'paid', 'status'])
      .orderBy('id')
      .execute()
    assert.deepEqual(
      claims.map((c) => [c.paid, c.status]),
      [
        [12000, 'paid'],
        [12000, 'paid'],
        [12000, 'paid'],
        [700, 'open'],
      ],
    )
    const credit = await t.handle.db.selectFrom('debtors').select(['credit']).orderBy('id').execute()
    assert.deepEqual(
      credit.map((d) => d.credit),
      [0, 3000, 8000, 0],
    )
    // The library sees every payment at once.
    const charges = await t.handle.db.selectFrom('charges').select(['paid', 'status']).orderBy('id').execute()
    assert.deepEqual(
      charges.map((c) => c.paid),
      [12000, 12000, 12000, 700],
    )
    assert.ok((await reconcile(t.handle.db, M, '2026-04-12')).ok)

    const again = await importBankFile(t.services, M, xml, at)
    assert.deepEqual([again.applied, again.unmatched, again.duplicates], [0, 0, 7])
    assert.ok((await reconcile(t.handle.db, M, '2026-04-12')).ok)
  })

  it('reads the sample file written by the standard', async () => {
    const xml = readFileSync(new URL('./testdata/camt054-sample.xml', import.meta.url), 'utf8')
    const result = await importBankFile(t.services, M, xml, t.at('2026-04-13T08:00:00+02:00'))
    assert.equal(result.payments, 8)
    assert.equal(result.applied + result.unmatched + result.duplicates, 8)
    assert.ok((await reconcile(t.handle.db, M, '2026-04-13')).ok)
  })

  it('refuses a file that is not camt.054, naming where', async () => {
    await assert.rejects(
      importBankFile(t.services, M, '<Document xmlns="urn:x"><A/></Document>', t.clock.now()),
      /bank file/,
    )
  })
})
