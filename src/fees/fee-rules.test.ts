import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { addDays } from '../shared/time.ts'
import { policyOf } from '../test-support/policies.ts'
import { explainOverdueFee, lostOverdueFee, overdueFee, patronCategory, replacementFor } from './fee-rules.ts'

const ADULT = '1980-01-01'
const CHILD = '2015-01-01'
const DUE = '2026-03-03'

function feeAfter(
  municipality: 'kobenhavn' | 'gentofte' | 'naestved',
  birthDate: string,
  days: number,
): number {
  return overdueFee(policyOf(municipality), { dueDate: DUE, birthDate }, addDays(DUE, days))?.amount ?? 0
}

describe('overdue fee tiers at their boundaries', () => {
  const table: [string, 'kobenhavn' | 'gentofte' | 'naestved', string, [number, number][]][] = [
    [
      'København adult',
      'kobenhavn',
      ADULT,
      [
        [0, 0],
        [1, 2000],
        [7, 2000],
        [8, 12000],
        [30, 12000],
        [31, 23000],
        [400, 23000],
      ],
    ],
    [
      'København child',
      'kobenhavn',
      CHILD,
      [
        [0, 0],
        [1, 1000],
        [7, 1000],
        [8, 5500],
        [30, 5500],
        [31, 12000],
      ],
    ],
    [
      'Gentofte adult',
      'gentofte',
      ADULT,
      [
        [0, 0],
        [1, 2000],
        [7, 2000],
        [8, 6000],
        [30, 6000],
        [31, 23000],
      ],
    ],
    [
      'Gentofte child',
      'gentofte',
      CHILD,
      [
        [0, 0],
        [1, 500],
        [7, 500],
        [8, 3000],
        [30, 3000],
        [31, 11500],
      ],
    ],
    [
      'Næstved adult',
      'naestved',
      ADULT,
      [
        [0, 0],
        [1, 2000],
        [10, 2000],
        [11, 10000],
        [30, 10000],
        [31, 23000],
      ],
    ],
    [
      'Næstved child',
      'naestved',
      CHILD,
      [
        [0, 0],
        [1, 0],
        [10, 0],
        [11, 5000],
        [30, 5000],
        [31, 12000],
      ],
    ],
  ]
  for (const [name, municipality, birthDate, cases] of table) {
    it(name, () => {
      for (const [days, expected] of cases) {
        assert.equal(feeAfter(municipality, birthDate, days), expected, `${days} days overdue`)
      }
    })
  }

  it('returned on the due date is on time; a day before is too', () => {
    assert.equal(overdueFee(policyOf('kobenhavn'), { dueDate: DUE, birthDate: ADULT }, DUE), null)
    assert.equal(
      overdueFee(policyOf('kobenhavn'), { dueDate: DUE, birthDate: ADULT }, addDays(DUE, -1)),
      null,
    )
  })
})

describe('child or adult by age on the due date', () => {
  const policy = policyOf('kobenhavn')
  it('turning 18 on the due date is adult; the day after is child', () => {
    assert.equal(patronCategory(policy, '2008-03-03', DUE), 'adult')
    assert.equal(patronCategory(policy, '2008-03-04', DUE), 'child')
  })
  it('a birthday between due date and return does not change the tariff', () => {
    const fee = overdueFee(policy, { dueDate: DUE, birthDate: '2008-03-10' }, addDays(DUE, 10))
    assert.equal(fee?.category, 'child')
    assert.equal(fee?.amount, 5500)
  })
})

describe('a due date around the daylight-saving changes', () => {
  it('counts calendar days across the spring and autumn changes', () => {
    const policy = policyOf('kobenhavn')
    assert.equal(
      overdueFee(policy, { dueDate: '2026-03-28', birthDate: ADULT }, '2026-04-04')?.daysOverdue,
      7,
    )
    assert.equal(overdueFee(policy, { dueDate: '2026-03-28', birthDate: ADULT }, '2026-04-05')?.amount, 12000)
    assert.equal(overdueFee(policy, { dueDate: '2026-10-24', birthDate: ADULT }, '2026-10-31')?.amount, 2000)
    assert.equal(overdueFee(policy, { dueDate: '2026-10-24', birthDate: ADULT }, '2026-11-01')?.amount, 12000)
  })
})

describe('explanations', () => {
  it('explains a fee in Danish with dates, tariff and source', () => {
    const policy = policyOf('kobenhavn')
    const fee = overdueFee(policy, { dueDate: DUE, birthDate: ADULT }, addDays(DUE, 9))
    assert.ok(fee)
    assert.equal(
      explainOverdueFee(policy, fee, 'return'),
      'Afleveret 9 dage for sent (frist 3. marts 2026). Takst for voksne, 8–30 dage: 120 kr. Kilde: Københavns Bibliotekers låneregler.',
    )
  })
  it('uses the singular for one day and names the top tier on lost loans', () => {
    const policy = policyOf('gentofte')
    const fee = overdueFee(policy, { dueDate: DUE, birthDate: CHILD }, addDays(DUE, 1))
    assert.ok(fee)
    assert.match(
      explainOverdueFee(policy, fee, 'renewal'),
      /^Fornyet 1 dag for sent .* Takst for børn, 1–7 dage: 5 kr\./,
    )
    const lost = lostOverdueFee(policy, { dueDate: DUE, birthDate: ADULT }, addDays(DUE, 31))
    assert.equal(lost.amount, 23000)
    assert.match(explainOverdueFee(policy, lost, 'lost'), /bortkommet.*over 30 dage: 230 kr/)
  })
})

describe('replacement prices', () => {
  const item = { title: 'X', units: 1, price: null, illPrice: null, illLendingLibrary: null }
  it('København: standard prices by type, audiobooks per unit, the item price first, 90 kr processing', () => {
    const kk = policyOf('kobenhavn')
    assert.deepEqual(replacementFor(kk, { ...item, materialType: 'book' }), {
      amount: 25500,
      basis: 'standard-price',
      processingFee: 9000,
    })
    assert.equal(replacementFor(kk, { ...item, materialType: 'film' }).amount, 46000)
    assert.equal(replacementFor(kk, { ...item, materialType: 'language-course-av' }).amount, 205000)
    assert.equal(replacementFor(kk, { ...item, materialType: 'audiobook', units: 8 }).amount, 8 * 21000)
    assert.equal(replacementFor(kk, { ...item, materialType: 'art-print' }).amount, 25500)
    assert.deepEqual(replacementFor(kk, { ...item, materialType: 'book', price: 39900 }), {
      amount: 39900,
      basis: 'item-price',
      processingFee: 9000,
    })
  })
  it('Gentofte: 240 kr standard + 30 kr, the lending library price for ILL', () => {
    const g = policyOf('gentofte')
    assert.deepEqual(replacementFor(g, { ...item, materialType: 'film' }), {
      amount: 24000,
      basis: 'standard-price',
      processingFee: 3000,
    })
    assert.deepEqual(
      replacementFor(g, {
        ...item,
        materialType: 'book',
        price: 19900,
        illPrice: 45000,
        illLendingLibrary: 'Aarhus',
      }),
      {
        amount: 45000,
        basis: 'ill-price',
        processingFee: 3000,
      },
    )
  })
  it('Næstved: the item price, no processing fee (amount not in the sources)', () => {
    const n = policyOf('naestved')
    assert.equal(replacementFor(n, { ...item, materialType: 'book', price: 29900 }).amount, 29900)
    assert.equal(replacementFor(n, { ...item, materialType: 'book' }).processingFee, 0)
  })
})

describe('fee properties', () => {
  it('the fee never decreases with more days overdue and is always one tier amount', () => {
    for (const m of ['kobenhavn', 'gentofte', 'naestved'] as const) {
      const policy = policyOf(m)
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 500 }),
          fc.integer({ min: 0, max: 500 }),
          fc.boolean(),
          (a, b, child) => {
            const birthDate = child ? CHILD : ADULT
            const [lo, hi] = a <= b ? [a, b] : [b, a]
            assert.ok(feeAfter(m, birthDate, lo) <= feeAfter(m, birthDate, hi))
            const amounts = policy.overdueFees[child ? 'child' : 'adult'].value.map((t) => t.amount)
            const fee = feeAfter(m, birthDate, hi)
            assert.ok(hi === 0 ? fee === 0 : amounts.includes(fee))
          },
        ),
      )
    }
  })
})
