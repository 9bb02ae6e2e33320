import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { runCheckin, runCheckout } from '../circulation/circulation-edge.ts'
import { openTestServices, type TestContext } from '../test-support/test-services.ts'
import { importBankFile, placingOrder } from './bank-import.ts'
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

const file = (payments: { ref: string; amount: number; id: string; name?: string }[]) =>
  writeCamt054({
    messageId: 'M',
    createdAt: '2026-04-12T06:00:00+02:00',
    iban: 'DK5000400440116243',
    payments: payments.map((p) => ({
      reference: p.ref,
      amount: p.amount,
      bookingDate: '2026-04-12',
      paymentReference: p.id,
      debtorName: p.name ?? 'Betaler',
    })),
  })

/**
 * Debtors with several claims each (120 kr per late return): a1 three, a2 two, a guardian with two of a
 * child's and one of her own, and b1 one open claim and one held while billing is paused.
 */
async function paymentWorld(): Promise<{ t: TestContext; ids: Map<string, string> }> {
  const w = await openTestServices(M, '2026-03-02T10:00:00+01:00')
  const { db, circulation } = w.services
  const loans: [string, string][] = []
  const lend = async (card: string, n: number) => {
    for (let i = 0; i < n; i++) {
      const barcode = `${card}-${i}`
      await w.item({ barcode, materialType: 'book', title: `Bog ${barcode}` })
      await runCheckout(db, circulation, { municipality: M, patron: card, item: barcode })
      loans.push([card, barcode])
    }
  }
  await w.patron({ cardNumber: 'a1', birthDate: '1970-01-01' })
  await w.patron({ cardNumber: 'a2', birthDate: '1971-01-01' })
  await w.patron({ cardNumber: 'g1', birthDate: '1980-01-01', cpr: '0101801234' })
  await w.patron({ cardNumber: 'c1', birthDate: '2016-05-05', guardian: 'g1' })
  await w.patron({ cardNumber: 'b1', birthDate: '1975-01-01' })
  await lend('a1', 3)
  await lend('a2', 2)
  await lend('c1', 2)
  await lend('g1', 1)
  await lend('b1', 2)
  const ids = new Map<string, string>()
  const returnOn = async (instant: string, barcodes: string[]) => {
    w.at(instant)
    for (const barcode of barcodes) {
      await runCheckin(db, circulation, { municipality: M, item: barcode })
      const claim = await db
        .selectFrom('claims')
        .select('paymentId')
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow()
      ids.set(barcode, claim.paymentId)
    }
  }
  // Returned on different days, so each debtor's claims have an order (oldest first).
  await returnOn('2026-04-10T12:00:00+02:00', ['a1-2', 'a2-1', 'c1-0', 'b1-0'])
  await returnOn('2026-04-11T12:00:00+02:00', ['a1-0', 'a1-1', 'a2-0', 'g1-0', 'c1-1'])
  await w.tx((trx) =>
    w.services.receivables.pauseBilling(trx, { municipality: M, reason: 'test', at: w.clock.now() }),
  )
  await returnOn('2026-04-11T13:00:00+02:00', ['b1-1'])
  assert.equal(ids.size, loans.length)
  return { t: w, ids }
}

function worldPayments(
  ids: Map<string, string>,
): { ref: string; amount: number; id: string; name?: string }[] {
  const id = (barcode: string) => ids.get(barcode) as string
  return [
    { ref: 'W01', amount: 5000, id: id('a1-0') }, // part of a claim
    { ref: 'W02', amount: 30000, id: id('a1-0') }, // the rest of it, then a1's other claims oldest first
    { ref: 'W03', amount: 12000, id: id('a1-1') }, // a claim W02 has paid: all of it surplus
    { ref: 'W04', amount: 500, id: id('a1-2') }, // nothing left to pay: paid out
    { ref: 'W05', amount: 12000, id: id('a2-0') }, // exact
    { ref: 'W06', amount: 20000, id: id('a2-1') }, // a2-0's claim is paid by W05: the rest is paid out
    { ref: 'W07', amount: 40000, id: id('c1-1'), name: 'Værge, "G" \\\\ {1}' }, // the guardian pays
    { ref: 'W08', amount: 15000, id: id('b1-0') }, // the surplus to the held claim
    { ref: 'W09', amount: 900, id: paymentIdFromSequence(424243) }, // unknown payment ID
    { ref: 'W10', amount: 700, id: 'faktura 12' }, // no payment ID at all
    { ref: 'W11', amount: 2000, id: id('b1-1') }, // the held claim itself: one by one
    { ref: 'W12', amount: 12000, id: id('g1-0') }, // paid already by W07's surplus
  ]
}

/** Everything a payment changes, with receipts named by their bank reference instead of their id. */
async function stateOf(w: TestContext) {
  const db = w.handle.db
  const ref = new Map(
    (await db.selectFrom('receipts').select(['id', 'externalRef']).execute()).map((r) => [
      r.id,
      r.externalRef,
    ]),
  )
  const sorted = <T>(rows: T[]) => rows.map((r) => JSON.stringify(r)).sort()
  return {
    claims: await db.selectFrom('claims').select(['id', 'amount', 'paid', 'status']).orderBy('id').execute(),
    lines: await db.selectFrom('claimLines').select(['id', 'paid', 'status']).orderBy('id').execute(),
    debtors: await db.selectFrom('debtors').select(['id', 'credit']).orderBy('id').execute(),
    charges: await db.selectFrom('charges').select(['id', 'paid', 'status']).orderBy('id').execute(),
    payouts: sorted(
      await db.selectFrom('payouts').select(['debtorId', 'amount', 'reason', 'createdOn', 'dueOn']).execute(),
    ),
    receipts: sorted(
      await db
        .selectFrom('receipts')
        .select(['externalRef', 'status', 'amount', 'debtorId', 'claimId', 'paymentReference', 'payerName'])
        .execute(),
    ),
    allocations: sorted(
      (
        await db
          .selectFrom('receiptAllocations')
          .select(['receiptId', 'debtorId', 'claimLineId', 'amount'])
          .execute()
      ).map((a) => ({ ...a, receiptId: ref.get(a.receiptId as number) })),
    ),
    ledger: sorted(
      (
        await db
          .selectFrom('ledgerEntries')
          .select(['debit', 'credit', 'amount', 'debtorId', 'claimId', 'receiptId', 'memo', 'businessDate'])
          .execute()
      ).map((e) => ({ ...e, receiptId: e.receiptId === null ? null : ref.get(e.receiptId) })),
    ),
    // The bulk path's events say less about the payment (the channel, not the receipt): kinds only.
    events: sorted(await db.selectFrom('claimEvents').select(['claimId', 'kind']).execute()),
    libraryPaid: sorted(
      await db
        .selectFrom('paymentAllocations')
        .select(['chargeId', (eb) => eb.fn.sum<number>('amount').as('amount')])
        .groupBy('chargeId')
        .execute(),
    ),
  }
}

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

  it('places overpayments, their surplus and unknown IDs in bulk exactly as payClaim does one by one', async () => {
    // Two databases with the same claims: one imports the file (one payment per batch, so each payment sees
    // the one before), the other takes each payment through payClaim, in the same order (by payment ID).
    const bulk = await paymentWorld()
    const single = await paymentWorld()
    try {
      const payments = worldPayments(bulk.ids)
      const at = bulk.t.at('2026-04-12T08:00:00+02:00')
      single.t.at('2026-04-12T08:00:00+02:00')
      const result = await importBankFile(bulk.t.services, M, file(payments), at, { batchSize: 1 })
      let applied = 0
      for (const p of placingOrder(payments.map((p) => ({ ...p, paymentReference: p.id })))) {
        const outcome = await single.t.tx((trx) =>
          single.t.services.receivables.payClaim(trx, {
            municipality: M,
            reference: p.id,
            amount: p.amount,
            channel: 'bank',
            at,
            externalRef: p.ref,
            payerName: p.name ?? 'Betaler',
          }),
        )
        if (outcome.status === 'applied') applied++
      }
      assert.deepEqual(
        [result.applied, result.unmatched, result.duplicates],
        [applied, payments.length - applied, 0],
      )
      const state = await stateOf(bulk.t)
      assert.deepEqual(state, await stateOf(single.t))
      // The surplus reached other claims (the held one too) and the rest was paid out.
      assert.equal(state.claims.filter((c) => c.status === 'paid').length, 9)
      assert.deepEqual(state.claims.at(-1), { id: 10, amount: 12000, paid: 5000, status: 'held' })
      assert.ok(state.payouts.length >= 3)
      assert.ok((await reconcile(bulk.t.handle.db, M, '2026-04-12')).ok)
      // Imported again: nothing changes.
      const again = await importBankFile(bulk.t.services, M, file(payments), at)
      assert.equal(again.duplicates, payments.length)
    } finally {
      await bulk.t.close()
      await single.t.close()
    }
  })

  it('places payments in the order of their payment IDs, those for one claim in file order', () => {
    const order = placingOrder([
      { ref: 'a', paymentReference: paymentIdFromSequence(20) },
      { ref: 'b', paymentReference: null },
      { ref: 'c', paymentReference: `+71<${paymentIdFromSequence(10)}+85100001<` },
      { ref: 'd', paymentReference: paymentIdFromSequence(20) },
      { ref: 'e', paymentReference: 'faktura 7' },
      { ref: 'f', paymentReference: paymentIdFromSequence(10) },
    ])
    assert.deepEqual(
      order.map((p) => p.ref),
      ['c', 'f', 'a', 'd', 'b', 'e'],
    )
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
