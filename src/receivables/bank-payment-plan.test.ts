import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  type BankPayment,
  type ClaimState,
  openAmount,
  place,
  planOverpayment,
  routePayments,
} from './bank-payment-plan.ts'

const claim = (
  id: number,
  debtorId: number,
  opens: number[],
  more: Partial<ClaimState> = {},
): ClaimState => ({
  id,
  debtorId,
  status: 'open',
  onPlan: false,
  lines: opens.map((open, index) => ({ id: id * 10 + index, claimId: id, chargeId: id * 100 + index, open })),
  ...more,
})
const payment = (ref: string, amount: number, id: string | null): BankPayment => ({
  paymentReference: id,
  amount,
  externalRef: ref,
  payerName: null,
})

describe('placing a batch of bank payments', () => {
  it('places what a claim absorbs at once, line by line, so the next payment sees what is left', () => {
    const c1 = claim(1, 7, [5000, 3000])
    const held = claim(2, 8, [1000], { status: 'held' })
    const planned = claim(3, 9, [1000], { onPlan: true })
    const claims = new Map([
      ['A', c1],
      ['B', held],
      ['C', planned],
    ])
    const routes = routePayments(
      [
        payment('1', 6000, 'A'),
        payment('2', 3000, 'A'), // 2,000 left on the claim: more than it owes now
        payment('3', 2000, 'A'),
        payment('4', 500, 'B'),
        payment('5', 500, 'C'),
        payment('6', 500, 'X'),
        payment('7', 500, null),
      ],
      (p) => p.paymentReference,
      (id) => claims.get(id),
    )
    assert.deepEqual(
      routes.map((r) => r.kind),
      ['placed', 'over', 'placed', 'one-by-one', 'one-by-one', 'unknown-id', 'unmatched'],
    )
    const first = routes[0]
    assert.ok(first?.kind === 'placed')
    assert.deepEqual(
      first.parts.map((p) => [p.line.id, p.amount]),
      [
        [10, 5000],
        [11, 1000],
      ],
    )
    assert.equal(openAmount(c1), 0)
  })

  it('sends an overpayment to its own claim, then the other claims in the order given; the rest is left', () => {
    const own = claim(1, 7, [1000])
    const older = claim(2, 7, [300, 200])
    const newer = claim(3, 7, [5000])
    const plan = planOverpayment(1700, own, [older, own, newer])
    assert.deepEqual(plan.first.claims, [{ claimId: 1, applied: 1000, paid: true }])
    assert.deepEqual(plan.others.claims, [
      { claimId: 2, applied: 500, paid: true },
      { claimId: 3, applied: 200, paid: false },
    ])
    assert.equal(plan.left, 0)
    const again = planOverpayment(5000, own, [older, own, newer])
    assert.deepEqual(again.first.claims, [])
    assert.deepEqual(again.others.claims, [{ claimId: 3, applied: 4800, paid: true }])
    assert.equal(again.left, 200)
    assert.equal(place(100, [own, older, newer]).left, 100)
  })
})
