import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import {
  appendChecksumOnly,
  appendErrorDetection,
  decodeSip2Bytes,
  encodeSip2,
  sip2Checksum,
  sip2ChecksumOfBytes,
  verifySip2Checksum,
} from './sip2-checksum.ts'

describe('SIP2 checksum', () => {
  it('computes the example of the issue: 941AY0AZ → FDFD', () => {
    // 57 + 52 + 49 + 65 + 89 + 48 + 65 + 90 = 515 = 0x0203; -0x0203 & 0xFFFF = 0xFDFD
    assert.equal(sip2Checksum('941AY0AZ'), 'FDFD')
  })

  it('computes other sums worked out by hand', () => {
    // 9 9 0 0 3 0 2 . 0 0 = 501, A Y 1 A Z = 358; 859 = 0x035B → 0xFCA5
    assert.equal(sip2Checksum('9900302.00AY1AZ'), 'FCA5')
    // 57 + 54 + 65 + 90 = 266 = 0x010A → 0xFEF6
    assert.equal(sip2Checksum('96AZ'), 'FEF6')
    assert.equal(
      sip2Checksum('11YN20260302    10000020260302    100000AOkobenhavn|AA12345678|AB5000001|AC|AY1AZ'),
      'EC72',
    )
    assert.equal(sip2ChecksumOfBytes(new Uint8Array([])), '0000')
  })

  it('sums bytes, so æøå count as UTF-8 or Latin-1 bytes as sent', () => {
    assert.equal(sip2Checksum('64AOæøå|AY2AZ', 'utf8'), 'F8D7')
    assert.equal(sip2Checksum('64AOæøå|AY2AZ', 'latin1'), 'FA60')
    assert.equal(verifySip2Checksum(encodeSip2('64AOæøå|AY2AZF8D7', 'utf8')), true)
    assert.equal(verifySip2Checksum(encodeSip2('64AOæøå|AY2AZFA60', 'latin1')), true)
    assert.equal(verifySip2Checksum(encodeSip2('64AOæøå|AY2AZFA60', 'utf8')), false)
    // A decoded string is accepted when either reading of it matches.
    assert.equal(verifySip2Checksum('64AOæøå|AY2AZF8D7'), true)
    assert.equal(verifySip2Checksum('64AOæøå|AY2AZFA60'), true)
  })

  it('verifies, accepts lowercase hex, and accepts a message without a checksum unchecked', () => {
    assert.equal(verifySip2Checksum('941AY0AZFDFD'), true)
    assert.equal(verifySip2Checksum('941AY0AZfdfd'), true)
    assert.equal(verifySip2Checksum('941AY0AZFDFE'), false)
    assert.equal(verifySip2Checksum('941'), true)
    assert.equal(verifySip2Checksum('941AY0'), true)
    assert.equal(verifySip2Checksum(new TextEncoder().encode('941')), true)
    assert.equal(verifySip2Checksum(new TextEncoder().encode('941AY0AZFDFE')), false)
  })

  it('appends sequence and checksum to a response', () => {
    assert.equal(appendErrorDetection('941', 0), '941AY0AZFDFD')
    assert.equal(appendErrorDetection('941', 3, false), '941AY3')
    assert.equal(appendChecksumOnly('96'), '96AZFEF6')
  })

  it('always verifies what it appended, in either encoding', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 60 }),
        fc.integer({ min: 0, max: 9 }),
        fc.constantFrom('utf8' as const, 'latin1' as const),
        (text, sequence, encoding) => {
          const message = appendErrorDetection(`98${text}`, sequence, true, encoding)
          assert.equal(verifySip2Checksum(encodeSip2(message, encoding)), true)
        },
      ),
    )
  })

  it('decodes UTF-8 as UTF-8 and anything else as Latin-1', () => {
    assert.deepEqual(decodeSip2Bytes(Buffer.from('AEJørgen', 'utf8')), { text: 'AEJørgen', encoding: 'utf8' })
    assert.deepEqual(decodeSip2Bytes(Buffer.from('AEJørgen', 'latin1')), {
      text: 'AEJørgen',
      encoding: 'latin1',
    })
    assert.deepEqual(decodeSip2Bytes(Buffer.from('941')), { text: '941', encoding: 'utf8' })
  })
})
