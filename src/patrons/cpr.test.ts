import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { birthDateFromCpr, hasModulus11CheckDigit, InvalidCprError } from './cpr.ts'

describe('CPR numbers', () => {
  it('derives the birth date and century from the 7th digit', () => {
    assert.equal(birthDateFromCpr('0103901234'), '1990-03-01')
    assert.equal(birthDateFromCpr('010390-1234'), '1990-03-01')
    assert.equal(birthDateFromCpr('0101364000'), '2036-01-01')
    assert.equal(birthDateFromCpr('0101374000'), '1937-01-01')
    assert.equal(birthDateFromCpr('0101575000'), '2057-01-01')
    assert.equal(birthDateFromCpr('0101585000'), '1858-01-01')
    assert.equal(birthDateFromCpr('0101159000'), '2015-01-01')
    assert.equal(birthDateFromCpr('0101509000'), '1950-01-01')
  })

  it('accepts numbers without a valid modulus-11 check digit (issued since 2007)', () => {
    assert.equal(hasModulus11CheckDigit('0103901234'), false)
    assert.equal(birthDateFromCpr('0103901234'), '1990-03-01')
    assert.equal(hasModulus11CheckDigit('0707614285'), true)
  })

  it('refuses malformed numbers and impossible dates', () => {
    assert.throws(() => birthDateFromCpr('12345'), InvalidCprError)
    assert.throws(() => birthDateFromCpr('3102901234'), InvalidCprError)
    assert.throws(() => birthDateFromCpr('290201-1234'), InvalidCprError) // 1901 was no leap year
    assert.equal(birthDateFromCpr('290200-4234'), '2000-02-29')
  })
})
