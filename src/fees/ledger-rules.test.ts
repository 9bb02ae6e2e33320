import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { allocatePayment } from './ledger-rules.ts'

describe('allocating a payment', () => {
  it('pays the oldest charges first and keeps the rest as credit', () => {
    const result = allocatePayment(15000, [
      { id: 1, open: 12000 },
      { id: 2, open: 2000 },
      { id: 3, open: 23000 },
    ])
    assert.deepEqual(result, {
      allocations: [
        { chargeId: 1, amount: 12000 },
        { chargeId: 2, amount: 2000 },
        { chargeId: 3, amount: 1000 },
      ],
      leftover: 0,
    })
    assert.deepEqual(allocatePayment(500, []), { allocations: [], leftover: 500 })
  })

  it('never loses or creates an øre, never overpays a charge, and fills charges in order (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.array(fc.integer({ min: 0, max: 300_000 }), { maxLength: 20 }),
        (amount, opens) => {
          const charges = opens.map((open, i) => ({ id: i + 1, open }))
          const { allocations, leftover } = allocatePayment(amount, charges)
          const applied = allocations.reduce((s, a) => s + a.amount, 0)
          assert.equal(applied + leftover, amount)
          assert.ok(leftover >= 0)
          const total = opens.reduce((s, o) => s + o, 0)
          assert.equal(applied, Math.min(amount, total))
          for (const a of allocations) {
            const charge = charges.find((c) => c.id === a.chargeId)
            assert.ok(charge && a.amount > 0 && a.amount <= charge.open)
          }
          // Only the last allocated charge may be partly paid.
          for (const a of allocations.slice(0, -1)) assert.equal(a.amount, charges[a.chargeId - 1]?.open)
        },
      ),
    )
  })
})
