import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import { runCheckin, runCheckout } from '../circulation/circulation-edge.ts'
import { RefusalError } from '../circulation/refusal.ts'
import { addDays, instantOfLocal } from '../shared/time.ts'
import { openTestServices, type TestContext } from '../test-support/test-services.ts'
import { paymentIdFromSequence } from './fik.ts'
import { ReceivablesRefusal } from './receivables-refusal.ts'
import { reconcile } from './reconciliation.ts'

// Random histories of charges, payments (partial, over, by unknown payment ID, by debtor), staff matching,
// cancellations (a lost item found), refunds (an upheld appeal after payment), offsetting and the nightly
// dunning run: after every step the ledger balances, agrees with the claims, and every øre paid in is on a
// claim, owed back to the citizen, paid out, or held for matching.

const M = 'gentofte'
let t: TestContext
before(async () => {
  t = await openTestServices(M, '2026-01-05T10:00:00+01:00')
})
after(() => t.close())

type Step =
  | { kind: 'checkout'; item: number; day: number }
  | { kind: 'checkin'; item: number; day: number }
  | { kind: 'pay-debtor'; amount: number; day: number }
  | { kind: 'pay-claim'; claim: number; amount: number; day: number }
  | { kind: 'pay-unknown'; amount: number; day: number }
  | { kind: 'match'; claim: number; day: number }
  | { kind: 'appeal-upheld'; claim: number; day: number }
  | { kind: 'offset'; amount: number; day: number }
  | { kind: 'nightly'; day: number }

const day = (max: number) => fc.integer({ min: 0, max })
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('checkout' as const), item: fc.integer({ min: 0, max: 2 }), day: day(10) }),
  fc.record({ kind: fc.constant('checkin' as const), item: fc.integer({ min: 0, max: 2 }), day: day(120) }),
  fc.record({
    kind: fc.constant('pay-debtor' as const),
    amount: fc.integer({ min: 1, max: 60_000 }),
    day: day(120),
  }),
  fc.record({
    kind: fc.constant('pay-claim' as const),
    claim: fc.integer({ min: 0, max: 5 }),
    amount: fc.integer({ min: 1, max: 60_000 }),
    day: day(120),
  }),
  fc.record({
    kind: fc.constant('pay-unknown' as const),
    amount: fc.integer({ min: 1, max: 20_000 }),
    day: day(120),
  }),
  fc.record({ kind: fc.constant('match' as const), claim: fc.integer({ min: 0, max: 5 }), day: day(120) }),
  fc.record({
    kind: fc.constant('appeal-upheld' as const),
    claim: fc.integer({ min: 0, max: 5 }),
    day: day(120),
  }),
  fc.record({
    kind: fc.constant('offset' as const),
    amount: fc.integer({ min: 1, max: 80_000 }),
    day: day(120),
  }),
  fc.record({ kind: fc.constant('nightly' as const), day: fc.integer({ min: 20, max: 120 }) }),
)

async function checkMoney(): Promise<void> {
  const db = t.handle.db
  const report = await reconcile(db, M, '2099-12-31')
  assert.ok(report.ok, JSON.stringify(report.checks.filter((c) => !c.ok)))
  const sum = async (query: Promise<{ total: string | number | null } | undefined>) =>
    Number((await query)?.total ?? 0)
  const paidIn = await sum(
    db
      .selectFrom('receipts')
      .select((eb) => eb.fn.sum<number>('amount').as('total'))
      .where('municipality', '=', M)
      .executeTakeFirst(),
  )
  const onLines = await sum(
    db
      .selectFrom('receiptAllocations')
      .innerJoin('debtors', 'debtors.id', 'receiptAllocations.debtorId')
      .select((eb) => eb.fn.sum<number>('receiptAllocations.amount').as('total'))
      .where('debtors.municipality', '=', M)
      .executeTakeFirst(),
  )
  const credit = await sum(
    db
      .selectFrom('debtors')
      .select((eb) => eb.fn.sum<number>('credit').as('total'))
      .where('municipality', '=', M)
      .executeTakeFirst(),
  )
  const paidOut = await sum(
    db
      .selectFrom('payouts')
      .select((eb) => eb.fn.sum<number>('amount').as('total'))
      .where('municipality', '=', M)
      .where('status', '=', 'paid-out')
      .executeTakeFirst(),
  )
  const held = await sum(
    db
      .selectFrom('receipts')
      .select((eb) => eb.fn.sum<number>('amount').as('total'))
      .where('municipality', '=', M)
      .where('status', '=', 'unmatched')
      .executeTakeFirst(),
  )
  // Paid amounts given back on cancelled or refunded lines return to the citizen's credit.
  const returned = await sum(
    db
      .selectFrom('ledgerEntries')
      .select((eb) => eb.fn.sum<number>('amount').as('total'))
      .where('municipality', '=', M)
      .where('credit', '=', 'debtor-credit')
      .where('memo', 'like', '%paid amount returned')
      .executeTakeFirst(),
  )
  assert.equal(paidIn + returned, onLines + credit + paidOut + held, 'no payment is lost')
}

describe('the receivables ledger (property)', () => {
  it('balances after any history, and no payment is lost', async () => {
    let run = 0
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 14 }), async (steps) => {
        run++
        const card = `r${run}`
        await t.patron({
          cardNumber: card,
          birthDate: '1970-02-02',
          cpr: `0202701${String(run).padStart(3, '0')}`,
        })
        for (let i = 0; i < 3; i++) {
          await t.item({
            barcode: `${card}-${i}`,
            materialType: 'book',
            title: `${card}-${i}`,
            price: 15_000,
          })
        }
        const claimsOf = async () =>
          (
            await t.handle.db
              .selectFrom('claims')
              .innerJoin('debtors', 'debtors.id', 'claims.debtorId')
              .innerJoin('patrons', 'patrons.id', 'debtors.patronId')
              .select(['claims.id', 'claims.paymentId'])
              .where('patrons.cardNumber', '=', card)
              .orderBy('claims.id')
              .execute()
          ).map((c) => c.paymentId)
        for (const s of [...steps].sort((a, b) => a.day - b.day)) {
          const date = addDays('2026-01-05', s.day)
          const at = t.at(instantOfLocal(date, '12:00').toISOString())
          const { db, circulation, receivables, claimActions } = t.services
          try {
            switch (s.kind) {
              case 'checkout':
                await runCheckout(db, circulation, {
                  municipality: M,
                  patron: card,
                  item: `${card}-${s.item}`,
                  at,
                })
                break
              case 'checkin':
                await runCheckin(db, circulation, { municipality: M, item: `${card}-${s.item}`, at })
                break
              case 'pay-debtor':
                await t.tx((trx) =>
                  t.services.fees.pay(trx, { municipality: M, patron: card, amount: s.amount, at }),
                )
                break
              case 'pay-claim': {
                const claim = (await claimsOf())[s.claim]
                if (claim) {
                  await t.tx((trx) =>
                    receivables.payClaim(trx, {
                      municipality: M,
                      reference: claim,
                      amount: s.amount,
                      channel: 'bank',
                      at,
                    }),
                  )
                }
                break
              }
              case 'pay-unknown':
                await t.tx((trx) =>
                  receivables.payClaim(trx, {
                    municipality: M,
                    reference: paymentIdFromSequence(80_000_000 + run),
                    amount: s.amount,
                    channel: 'bank',
                    at,
                  }),
                )
                break
              case 'match': {
                const claim = (await claimsOf())[s.claim]
                const receipt = await db
                  .selectFrom('receipts')
                  .select('id')
                  .where('municipality', '=', M)
                  .where('status', '=', 'unmatched')
                  .orderBy('id')
                  .executeTakeFirst()
                if (claim && receipt) {
                  await t.tx((trx) =>
                    receivables.matchReceipt(trx, {
                      municipality: M,
                      receiptId: receipt.id,
                      reference: claim,
                      at,
                    }),
                  )
                }
                break
              }
              case 'appeal-upheld': {
                const claim = (await claimsOf())[s.claim]
                if (claim) {
                  await t.tx(async (trx) => {
                    await claimActions.fileAppeal(trx, { municipality: M, claim, text: 'Klage', at })
                    await claimActions.decideAppeal(trx, {
                      municipality: M,
                      claim,
                      outcome: 'upheld',
                      at,
                      actor: { kind: 'system' },
                    })
                  })
                }
                break
              }
              case 'offset': {
                const patron = await db
                  .selectFrom('patrons')
                  .select('id')
                  .where('cardNumber', '=', card)
                  .executeTakeFirstOrThrow()
                await t.tx(async (trx) => {
                  const debtor = await receivables.debtorForPatron(trx, patron.id, date)
                  await claimActions.offsetPayout(trx, {
                    municipality: M,
                    debtor,
                    amount: s.amount,
                    source: 'Skat',
                    at,
                  })
                })
                break
              }
              case 'nightly':
                await db.deleteFrom('jobRuns').execute()
                await t.services.jobs.nightly(M, date)
                break
            }
          } catch (error) {
            if (!(error instanceof RefusalError || error instanceof ReceivablesRefusal)) throw error
          }
          await checkMoney()
        }
      }),
      { numRuns: 40 },
    )
  })
})
