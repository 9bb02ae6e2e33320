import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { readPolicyFiles } from './policy-files.ts'
import { formatPolicy } from './policy-format.ts'
import { InvalidPolicyError, parsePolicy } from './policy-schema.ts'

const [first] = readPolicyFiles()

// biome-ignore lint/suspicious/noExplicitAny: tests poke at arbitrary fields of the document
type Doc = Record<string, any>

function withChange(change: (doc: Doc) => void): unknown {
  const doc = structuredClone(first) as unknown as Doc
  change(doc)
  return doc
}

function issuePaths(input: unknown): string[] {
  try {
    parsePolicy(input, 'test')
  } catch (error) {
    assert.ok(error instanceof InvalidPolicyError)
    return [...new Set(error.issues.map((i) => i.path))]
  }
  assert.fail('expected the policy to be refused')
}

describe('policy files', () => {
  it('the shipped policies are valid and every value names a source', () => {
    const policies = readPolicyFiles()
    assert.deepEqual(policies.map((p) => p.municipality).sort(), ['gentofte', 'kobenhavn', 'naestved'])
    for (const policy of policies) {
      const text = formatPolicy(policy)
      assert.match(text, /kilde/)
      assert.doesNotMatch(text, /undefined/)
    }
  })

  it('refuses invalid data naming the field', () => {
    assert.deepEqual(issuePaths(withChange((d) => (d.loans.defaultDays.value = -3))), [
      'loans.defaultDays.value',
    ])
    assert.deepEqual(issuePaths(withChange((d) => delete d.renewals.max.source)), ['renewals.max.source'])
    assert.deepEqual(issuePaths(withChange((d) => (d.overdueFees.adult.value[1].fromDay = 9))), [
      'overdueFees.adult.value.1.fromDay',
    ])
    assert.deepEqual(issuePaths(withChange((d) => (d.overdueFees.child.value[2].toDay = 90))), [
      'overdueFees.child.value.2.toDay',
    ])
    assert.deepEqual(issuePaths(withChange((d) => (d.loans.daysByType.value = { dvd: 7 }))), [
      'loans.daysByType.value.dvd',
    ])
    assert.deepEqual(issuePaths(withChange((d) => (d.replacement.processingFee.value = 90.5))), [
      'replacement.processingFee.value',
    ])
    assert.deepEqual(issuePaths(withChange((d) => (d.effectiveFrom = '2026-02-30'))), ['effectiveFrom'])
    assert.deepEqual(issuePaths(withChange((d) => (d.extra = 1))), ['extra'])
    assert.deepEqual(issuePaths(withChange((d) => (d.door.logRetentionDays.value = 0))), [
      'door.logRetentionDays.value',
    ])
    assert.deepEqual(issuePaths(withChange((d) => delete d.door)), ['door'])
  })

  it('shows København readably with its sources', () => {
    const kk = readPolicyFiles().find((p) => p.municipality === 'kobenhavn')
    assert.ok(kk)
    const text = formatPolicy(kk)
    assert.match(text, /voksne \(fra 18 år\): 1–7 dage: 20 kr · 8–30 dage: 120 kr · over 30 dage: 230 kr/)
    assert.match(text, /klargøring: 90 kr/)
    assert.match(text, /\[002\] «Lånetiden er normalt 28 dage\.»/)
    assert.match(text, /døren åbner for: gyldigt kort, ikke meldt bortkommet, fra 15 år\n {6}kilde \[002\]/)
    assert.match(text, /adgangsloggen slettes efter: 30 dage\n {6}kilde \[antaget\]/)
  })
})
