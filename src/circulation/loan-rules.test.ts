import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { policyOf } from '../test-support/policies.ts'
import {
  decideRenewal,
  dueDateFor,
  isLostOn,
  isReferenceOnly,
  type LoanItem,
  loanDays,
  maxRenewals,
} from './loan-rules.ts'

const book: LoanItem = { materialType: 'book', referenceOnly: false, illLoanDays: null, illMaxRenewals: null }
const good = { cardLost: false, blocked: false }

describe('loan periods', () => {
  it('København 28 days, Gentofte 28 (assumed), Næstved by material type', () => {
    assert.equal(loanDays(policyOf('kobenhavn'), { ...book, materialType: 'film' }), 28)
    assert.equal(loanDays(policyOf('gentofte'), book), 28)
    const n = policyOf('naestved')
    assert.equal(loanDays(n, { ...book, materialType: 'film' }), 14)
    assert.equal(loanDays(n, { ...book, materialType: 'quick-loan' }), 14)
    assert.equal(loanDays(n, { ...book, materialType: 'game' }), 14)
    assert.equal(loanDays(n, { ...book, materialType: 'magazine' }), 14)
    assert.equal(loanDays(n, book), 31)
    assert.equal(loanDays(n, { ...book, materialType: 'audiobook' }), 31)
    assert.equal(loanDays(n, { ...book, materialType: 'music' }), 31)
    assert.equal(loanDays(n, { ...book, materialType: 'art-print' }), 60)
    assert.equal(loanDays(n, { ...book, materialType: 'comic' }), 31)
  })
  it('an interlibrary loan follows the lending library', () => {
    assert.equal(loanDays(policyOf('naestved'), { ...book, illLoanDays: 21 }), 21)
  })
  it('due date = local checkout date + period, across the spring change', () => {
    assert.equal(dueDateFor(policyOf('kobenhavn'), book, '2026-03-02'), '2026-03-30')
    assert.equal(dueDateFor(policyOf('kobenhavn'), book, '2026-03-20'), '2026-04-17')
  })
  it('reference-only by type (Næstved newspapers) or by item', () => {
    assert.equal(isReferenceOnly(policyOf('naestved'), { ...book, materialType: 'newspaper' }), true)
    assert.equal(isReferenceOnly(policyOf('kobenhavn'), { ...book, materialType: 'newspaper' }), false)
    assert.equal(isReferenceOnly(policyOf('kobenhavn'), { ...book, referenceOnly: true }), true)
  })
})

describe('renewals', () => {
  const kk = policyOf('kobenhavn')
  const ctx = { today: '2026-03-20', patron: good, reservedByOthers: false }
  it('gives a new due date from the renewal date', () => {
    assert.deepEqual(decideRenewal(kk, { dueDate: '2026-03-30', renewals: 0 }, book, ctx), {
      ok: true,
      newDueDate: '2026-04-17',
      lateByDays: 0,
    })
  })
  it('renewing on the due date is allowed, the day after is overdue (København, Næstved)', () => {
    assert.equal(decideRenewal(kk, { dueDate: '2026-03-20', renewals: 0 }, book, ctx).ok, true)
    assert.deepEqual(decideRenewal(kk, { dueDate: '2026-03-19', renewals: 0 }, book, ctx), {
      ok: false,
      refusal: 'overdue',
    })
    assert.deepEqual(decideRenewal(policyOf('naestved'), { dueDate: '2026-03-19', renewals: 0 }, book, ctx), {
      ok: false,
      refusal: 'overdue',
    })
  })
  it('Gentofte renews late and reports the days overdue for the fee', () => {
    assert.deepEqual(decideRenewal(policyOf('gentofte'), { dueDate: '2026-03-11', renewals: 0 }, book, ctx), {
      ok: true,
      newDueDate: '2026-04-17',
      lateByDays: 9,
    })
  })
  it('limits: København 2, Gentofte 12, Næstved 2; ILL Gentofte 3, København 2', () => {
    assert.equal(maxRenewals(kk, book), 2)
    assert.equal(maxRenewals(policyOf('gentofte'), book), 12)
    assert.equal(maxRenewals(policyOf('naestved'), book), 2)
    assert.equal(maxRenewals(policyOf('gentofte'), { ...book, illMaxRenewals: 5 }), 3)
    assert.equal(maxRenewals(policyOf('gentofte'), { ...book, illMaxRenewals: 1 }), 1)
    assert.equal(maxRenewals(kk, { ...book, illMaxRenewals: 3 }), 2)
    assert.deepEqual(decideRenewal(kk, { dueDate: '2026-03-30', renewals: 2 }, book, ctx), {
      ok: false,
      refusal: 'renewal-limit',
    })
    assert.equal(
      decideRenewal(policyOf('gentofte'), { dueDate: '2026-03-30', renewals: 11 }, book, ctx).ok,
      true,
    )
    assert.deepEqual(
      decideRenewal(policyOf('gentofte'), { dueDate: '2026-03-30', renewals: 12 }, book, ctx),
      {
        ok: false,
        refusal: 'renewal-limit',
      },
    )
  })
  it('refuses when another patron reserved the title, or the patron is blocked or lost the card', () => {
    assert.deepEqual(
      decideRenewal(kk, { dueDate: '2026-03-30', renewals: 0 }, book, { ...ctx, reservedByOthers: true }),
      {
        ok: false,
        refusal: 'reserved',
      },
    )
    assert.deepEqual(
      decideRenewal(kk, { dueDate: '2026-03-30', renewals: 0 }, book, {
        ...ctx,
        patron: { cardLost: false, blocked: true },
      }),
      { ok: false, refusal: 'blocked' },
    )
    assert.deepEqual(
      decideRenewal(kk, { dueDate: '2026-03-30', renewals: 0 }, book, {
        ...ctx,
        patron: { cardLost: true, blocked: false },
      }),
      { ok: false, refusal: 'card-lost' },
    )
  })
})

describe('lost loans', () => {
  it('København and Gentofte 31 days after the due date, Næstved 36', () => {
    assert.equal(isLostOn(policyOf('kobenhavn'), '2026-03-01', '2026-03-31'), false)
    assert.equal(isLostOn(policyOf('kobenhavn'), '2026-03-01', '2026-04-01'), true)
    assert.equal(isLostOn(policyOf('gentofte'), '2026-03-01', '2026-04-01'), true)
    assert.equal(isLostOn(policyOf('naestved'), '2026-03-01', '2026-04-05'), false)
    assert.equal(isLostOn(policyOf('naestved'), '2026-03-01', '2026-04-06'), true)
  })
})
