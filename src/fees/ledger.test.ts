import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import { RefusalError } from '../circulation/refusal.ts'
import { reconcile } from '../receivables/reconciliation.ts'
import { addDays, instantOfLocal } from '../shared/time.ts'
import { openTestServices, type TestContext } from '../test-support/test-services.ts'

let t: TestContext
before(async () => {
  t = await openTestServices('gentofte', '2026-01-05T10:00:00+01:00')
})
after(() => t.close())

type Step =
  | { kind: 'checkout'; item: number; day: number }
  | { kind: 'checkin'; item: number; day: number }
  | { kind: 'renew'; item: number; day: number }
  | { kind: 'pay'; amount: number; day: number }
  | { kind: 'nightly'; day: number }

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('checkout' as const),
    item: fc.integer({ min: 0, max: 2 }),
    day: fc.integer({ min: 0, max: 20 }),
  }),
  fc.record({
    kind: fc.constant('checkin' as const),
    item: fc.integer({ min: 0, max: 2 }),
    day: fc.integer({ min: 0, max: 90 }),
  }),
  fc.record({
    kind: fc.constant('renew' as const),
    item: fc.integer({ min: 0, max: 2 }),
    day: fc.integer({ min: 0, max: 40 }),
  }),
  fc.record({
    kind: fc.constant('pay' as const),
    amount: fc.integer({ min: 1, max: 40_000 }),
    day: fc.integer({ min: 0, max: 90 }),
  }),
  fc.record({ kind: fc.constant('nightly' as const), day: fc.integer({ min: 25, max: 90 }) }),
)

async function checkLedger(patronId: number, card: string): Promise<void> {
  const db = t.handle.db
  const account = await t.tx((trx) => t.services.fees.account(trx, 'gentofte', card))
  const charges = await db.selectFrom('charges').selectAll().where('patronId', '=', patronId).execute()
  const openSum = charges.filter((c) => c.status === 'open').reduce((s, c) => s + c.amount - c.paid, 0)
  assert.equal(account.balance, openSum)
  const allocations = await db
    .selectFrom('paymentAllocations')
    .select(['chargeId', 'amount'])
    .where('chargeId', 'in', charges.map((c) => c.id).concat(0))
    .execute()
  for (const charge of charges) {
    const onCharge = allocations.filter((a) => a.chargeId === charge.id).reduce((s, a) => s + a.amount, 0)
    assert.equal(charge.paid, onCharge)
    assert.ok(charge.paid <= charge.amount)
    if (charge.status === 'open') assert.ok(charge.paid < charge.amount)
    if (charge.status === 'paid') assert.equal(charge.paid, charge.amount)
  }
  // Every øre paid in is on a claim, in the debtor's credit, paid out, or held for matching: the receivables'
  // ledger balances and agrees with the claims.
  const reconciliation = await reconcile(db, 'gentofte', '2099-12-31')
  assert.ok(reconciliation.ok, JSON.stringify(reconciliation.checks.filter((c) => !c.ok)))
  const receipts = await db
    .selectFrom('receipts')
    .select(['amount'])
    .where('municipality', '=', 'gentofte')
    .execute()
  const paidIn = receipts.reduce((sum, r) => sum + r.amount, 0)
  const payouts = await db
    .selectFrom('payouts')
    .select(['amount'])
    .where('municipality', '=', 'gentofte')
    .where('status', '=', 'paid-out')
    .execute()
  const paidOut = payouts.reduce((sum, p) => sum + p.amount, 0)
  const onLines = await db
    .selectFrom('receiptAllocations')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount'), eb.lit(0)).as('total'))
    .executeTakeFirstOrThrow()
  const credit = await db
    .selectFrom('debtors')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('credit'), eb.lit(0)).as('total'))
    .executeTakeFirstOrThrow()
  const returned = await db
    .selectFrom('ledgerEntries')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount'), eb.lit(0)).as('total'))
    .where('credit', '=', 'debtor-credit')
    .where('memo', 'like', '%paid amount returned')
    .executeTakeFirstOrThrow()
  assert.equal(
    paidIn + Number(returned.total),
    Number(onLines.total) + Number(credit.total) + paidOut,
    'no payment is lost',
  )
}

describe('the ledger (property)', () => {
  it("a patron's balance always equals their open charges, the receivables reconcile, and no payment is lost", async () => {
    let run = 0
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
        run++
        const card = `ledger-${run}`
        const patronId = await t.patron({
          cardNumber: card,
          birthDate: run % 3 === 0 ? '2014-02-02' : '1970-02-02',
        })
        for (let i = 0; i < 3; i++)
          await t.item({ barcode: `${card}-${i}`, materialType: 'book', title: `${card}-${i}` })
        const start = '2026-01-05'
        const sorted = [...steps].sort((a, b) => a.day - b.day)
        for (const s of sorted) {
          const date = addDays(start, s.day)
          const at = t.at(instantOfLocal(date, '12:00').toISOString())
          try {
            if (s.kind === 'checkout') {
              await t.tx((trx) =>
                t.services.circulation.checkout(trx, {
                  municipality: 'gentofte',
                  patron: card,
                  item: `${card}-${s.item}`,
                  at,
                }),
              )
            } else if (s.kind === 'checkin') {
              await t.tx((trx) =>
                t.services.circulation.checkin(trx, {
                  municipality: 'gentofte',
                  item: `${card}-${s.item}`,
                  at,
                }),
              )
            } else if (s.kind === 'renew') {
              await t.tx((trx) =>
                t.services.circulation.renew(trx, {
                  municipality: 'gentofte',
                  item: `${card}-${s.item}`,
                  at,
                }),
              )
            } else if (s.kind === 'pay') {
              await t.tx((trx) =>
                t.services.fees.pay(trx, { municipality: 'gentofte', patron: card, amount: s.amount, at }),
              )
            } else {
              await t.handle.db.deleteFrom('jobRuns').execute()
              await t.services.jobs.nightly('gentofte', date)
            }
          } catch (error) {
            if (!(error instanceof RefusalError)) throw error
          }
          await checkLedger(patronId, card)
        }
      }),
      { numRuns: 15 },
    )
  })
})
