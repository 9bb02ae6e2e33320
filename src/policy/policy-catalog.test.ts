import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { PolicyCatalog, UnknownMunicipalityError } from './policy-catalog.ts'
import { readPolicyFiles } from './policy-files.ts'

describe('policy versions', () => {
  const [kk] = readPolicyFiles().filter((p) => p.municipality === 'kobenhavn')
  assert.ok(kk)
  const v2 = {
    ...kk,
    version: 2,
    effectiveFrom: '2027-01-01',
    loans: { ...kk.loans, defaultDays: { value: 21, source: { assumed: 'a test version' } } },
  }
  const catalog = new PolicyCatalog([v2, kk])

  it('answers with the version in force on a date', () => {
    assert.equal(catalog.inForce('kobenhavn', '2026-12-31').version, 1)
    assert.equal(catalog.inForce('kobenhavn', '2027-01-01').version, 2)
    assert.equal(catalog.inForce('kobenhavn', '2027-01-01').loans.defaultDays.value, 21)
    assert.equal(catalog.inForce('kobenhavn', '1999-01-01').version, 1)
    assert.equal(catalog.version('kobenhavn', 2).effectiveFrom, '2027-01-01')
  })

  it('refuses an unknown municipality', () => {
    assert.throws(() => catalog.inForce('aarhus', '2026-01-01'), UnknownMunicipalityError)
    assert.equal(catalog.has('aarhus'), false)
  })
})
