import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { policyOf } from '../test-support/policies.ts'
import { feeBlockActions } from './block-rules.ts'
import { refundsPaidReplacement } from './refund-rules.ts'

const none = { balance: 0, countedBalance: 0, feeBlockInForce: false, pendingWarningOn: null }

describe('Gentofte: automatic block at 200 kr', () => {
  const rule = policyOf('gentofte').blocks.fees.value
  it('blocks at 200 kr, not at 199,99 kr', () => {
    assert.deepEqual(feeBlockActions(rule, { ...none, balance: 20000 }, '2026-05-01', false), ['block'])
    assert.deepEqual(feeBlockActions(rule, { ...none, balance: 19999 }, '2026-05-01', false), [])
  })
  it('lifts as soon as the balance is below 200 kr', () => {
    assert.deepEqual(
      feeBlockActions(rule, { ...none, balance: 19999, feeBlockInForce: true }, '2026-05-01', false),
      ['lift'],
    )
    assert.deepEqual(
      feeBlockActions(rule, { ...none, balance: 20000, feeBlockInForce: true }, '2026-05-01', false),
      [],
    )
  })
})

describe('København: exclusion with 7 days written notice', () => {
  const rule = policyOf('kobenhavn').blocks.fees.value
  it('warns when the counted fees reach 200 kr', () => {
    assert.deepEqual(
      feeBlockActions(rule, { ...none, balance: 50000, countedBalance: 19999 }, '2026-05-01', false),
      [],
    )
    assert.deepEqual(
      feeBlockActions(rule, { ...none, balance: 20000, countedBalance: 20000 }, '2026-05-01', false),
      ['warn'],
    )
  })
  it('blocks on the nightly run 7 days after the warning, not before and not outside the nightly run', () => {
    const warned = { ...none, balance: 23000, countedBalance: 23000, pendingWarningOn: '2026-05-01' }
    assert.deepEqual(feeBlockActions(rule, warned, '2026-05-07', true), [])
    assert.deepEqual(feeBlockActions(rule, warned, '2026-05-08', false), [])
    assert.deepEqual(feeBlockActions(rule, warned, '2026-05-08', true), ['block-after-warning'])
  })
  it('withdraws the warning when the fees fall below 200 kr before the block', () => {
    const warned = { ...none, balance: 10000, countedBalance: 10000, pendingWarningOn: '2026-05-01' }
    assert.deepEqual(feeBlockActions(rule, warned, '2026-05-03', false), ['withdraw-warning'])
  })
  it('lifts only when the whole balance is paid', () => {
    assert.deepEqual(
      feeBlockActions(rule, { ...none, balance: 100, feeBlockInForce: true }, '2026-06-01', false),
      [],
    )
    assert.deepEqual(
      feeBlockActions(rule, { ...none, balance: 0, feeBlockInForce: true }, '2026-06-01', false),
      ['lift'],
    )
  })
})

describe('Næstved: no fee block', () => {
  it('never blocks', () => {
    assert.deepEqual(
      feeBlockActions(
        policyOf('naestved').blocks.fees.value,
        { ...none, balance: 900000 },
        '2026-05-01',
        true,
      ),
      [],
    )
  })
})

describe('refund of a paid replacement when the item is found', () => {
  it('København: never', () => {
    assert.equal(
      refundsPaidReplacement(
        policyOf('kobenhavn').foundItem.paidReplacementRefund.value,
        '2026-05-01',
        '2026-05-02',
        true,
      ),
      false,
    )
  })
  it('Gentofte: within 3 months of payment', () => {
    const rule = policyOf('gentofte').foundItem.paidReplacementRefund.value
    assert.equal(refundsPaidReplacement(rule, '2026-05-15', '2026-08-15', false), true)
    assert.equal(refundsPaidReplacement(rule, '2026-05-15', '2026-08-16', false), false)
  })
  it('Næstved: within 3 months and only with the receipt', () => {
    const rule = policyOf('naestved').foundItem.paidReplacementRefund.value
    assert.equal(refundsPaidReplacement(rule, '2026-05-15', '2026-06-01', true), true)
    assert.equal(refundsPaidReplacement(rule, '2026-05-15', '2026-06-01', false), false)
  })
})
