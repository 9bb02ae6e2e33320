import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { ValidationError } from '../shared/errors.ts'
import {
  fikCheckDigit,
  isValidPaymentId,
  parsePaymentReference,
  paymentIdFromSequence,
  paymentLine,
} from './fik.ts'

const LARGEST_SEQUENCE = 99_999_999_999_999
const sequences = fc.integer({ min: 0, max: LARGEST_SEQUENCE })

function replaceDigit(id: string, position: number, digit: number): string {
  return `${id.slice(0, position)}${digit}${id.slice(position + 1)}`
}

// A swap changes the weighted sum by an amount that depends on the two digits alone, so one ID per pair
// and position measures every case. The filler digit steers the check digit when the pair includes it.
function validIdWithPair(position: number, left: number, right: number): string {
  const fillerPosition = position === 0 ? 2 : 0
  for (let filler = 0; filler <= 9; filler++) {
    const digits = Array.from({ length: 14 }, () => 0)
    digits[fillerPosition] = filler
    digits[position] = left
    if (position + 1 < 14) digits[position + 1] = right
    const payload = digits.join('')
    const id = `${payload}${fikCheckDigit(payload)}`
    if (id[position] === String(left) && id[position + 1] === String(right)) return id
  }
  throw new Error(`no valid ID with ${left}${right} at ${position}`)
}

function swapAdjacent(id: string, position: number): string {
  return `${id.slice(0, position)}${id[position + 1]}${id[position]}${id.slice(position + 2)}`
}

describe('FIK check digit against published examples', () => {
  it('gives 8 for the payload in the issue', () => {
    assert.equal(fikCheckDigit('02684014996532'), 8)
    assert.equal(isValidPaymentId('026840149965328'), true)
  })

  it('gives 18 for number 1 and 26 for number 2, as a slip printer documents', () => {
    // giro-kort.dk (Bording), "Kontrolciffer": "Nummer 1 vil i kodelinien fremgå som 18 … Nummer 2 … som 26".
    assert.equal(fikCheckDigit('1'), 8)
    assert.equal(fikCheckDigit('2'), 6)
    assert.equal(paymentIdFromSequence(1), '000000000000018')
    assert.equal(paymentIdFromSequence(2), '000000000000026')
  })

  it('reproduces the payment line printed on a real Danish supplier invoice', () => {
    // Invoice no. 6709753 from a Danish wholesaler: "+71< 000000067097535+85799665<".
    assert.equal(paymentIdFromSequence(6_709_753), '000000067097535')
    assert.equal(paymentLine('000000067097535', '85799665'), '+71<000000067097535+85799665<')
    assert.equal(parsePaymentReference('+71< 000000067097535+85799665<'), '000000067097535')
  })

  it('is unaffected by leading zeros, so short and padded payloads agree', () => {
    fc.assert(
      fc.property(sequences, (sequence) => {
        const bare = String(sequence)
        assert.equal(fikCheckDigit(bare), fikCheckDigit(bare.padStart(14, '0')))
      }),
    )
  })
})

describe('payment IDs from sequence numbers', () => {
  it('pads to 14 digits and appends the check digit', () => {
    assert.equal(paymentIdFromSequence(0), '000000000000000')
    assert.equal(paymentIdFromSequence(2_684_014_996_532), '026840149965328')
    assert.equal(paymentIdFromSequence(LARGEST_SEQUENCE).slice(0, 14), '99999999999999')
  })

  it('refuses non-integers, negatives and numbers over 14 digits', () => {
    for (const sequence of [
      1.5,
      -1,
      LARGEST_SEQUENCE + 1,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.MAX_SAFE_INTEGER,
    ]) {
      assert.throws(() => paymentIdFromSequence(sequence), ValidationError, String(sequence))
    }
  })

  it('always yields 15 digits that validate', () => {
    fc.assert(
      fc.property(sequences, (sequence) => {
        const id = paymentIdFromSequence(sequence)
        assert.match(id, /^[0-9]{15}$/)
        assert.equal(Number(id.slice(0, 14)), sequence)
        assert.equal(isValidPaymentId(id), true)
      }),
    )
  })

  it('is invalidated by changing any single digit', () => {
    fc.assert(
      fc.property(
        sequences,
        fc.integer({ min: 0, max: 14 }),
        fc.integer({ min: 1, max: 9 }),
        (sequence, position, shift) => {
          const id = paymentIdFromSequence(sequence)
          const wrongDigit = (Number(id[position]) + shift) % 10
          assert.equal(isValidPaymentId(replaceDigit(id, position, wrongDigit)), false)
        },
      ),
    )
  })

  it('detects a swap of two adjacent different digits unless the two are 0 and 9', () => {
    fc.assert(
      fc.property(sequences, fc.integer({ min: 0, max: 13 }), (sequence, position) => {
        const id = paymentIdFromSequence(sequence)
        const pair = `${id[position]}${id[position + 1]}`
        fc.pre(pair[0] !== pair[1])
        const detected = !isValidPaymentId(swapAdjacent(id, position))
        assert.equal(detected, pair !== '09' && pair !== '90', `${id} swapped at ${position}`)
      }),
    )
  })

  it('detects 1232 of the 1260 adjacent swaps (97.8 %): all but 0↔9, at every position', () => {
    let swaps = 0
    const undetected: string[] = []
    for (let position = 0; position < 14; position++) {
      for (let left = 0; left <= 9; left++) {
        for (let right = 0; right <= 9; right++) {
          if (left === right) continue
          swaps += 1
          const id = validIdWithPair(position, left, right)
          if (isValidPaymentId(swapAdjacent(id, position))) undetected.push(`${left}${right}`)
        }
      }
    }
    assert.equal(swaps, 1260)
    assert.equal(undetected.length, 28)
    assert.deepEqual(new Set(undetected), new Set(['09', '90']))
  })
})

describe('isValidPaymentId', () => {
  it('accepts only exactly 15 digits with the right check digit', () => {
    assert.equal(isValidPaymentId('026840149965328'), true)
    assert.equal(isValidPaymentId('026840149965327'), false)
    assert.equal(isValidPaymentId('02684014996532'), false)
    assert.equal(isValidPaymentId('0026840149965328'), false)
    assert.equal(isValidPaymentId('02684 014996 5328'), false)
    assert.equal(isValidPaymentId('02684014996532x'), false)
    assert.equal(isValidPaymentId(''), false)
  })
})

describe('fikCheckDigit input', () => {
  it('throws on anything but digits', () => {
    for (const payload of ['', ' 1', '12a', '-1', '1.5', '١٢٣']) {
      assert.throws(() => fikCheckDigit(payload), ValidationError, JSON.stringify(payload))
    }
  })
})

describe('paymentLine', () => {
  it('builds the +71 line', () => {
    assert.equal(paymentLine('026840149965328', '81234567'), '+71<026840149965328+81234567<')
  })

  it('refuses a payment ID of the wrong length or with a wrong check digit', () => {
    assert.throws(() => paymentLine('026840149965327', '81234567'), /paymentId/)
    assert.throws(() => paymentLine('02684014996532', '81234567'), /paymentId/)
    assert.throws(() => paymentLine(' 026840149965328', '81234567'), /paymentId/)
  })

  it('refuses a creditor number that is not exactly 8 digits', () => {
    for (const creditor of ['8123456', '812345678', '8123456a', '', '8123 4567']) {
      assert.throws(() => paymentLine('026840149965328', creditor), /creditorNumber/, creditor)
    }
  })
})

describe('parsePaymentReference', () => {
  it('reads the bare 15 digits, with or without spaces', () => {
    assert.equal(parsePaymentReference('026840149965328'), '026840149965328')
    assert.equal(parsePaymentReference(' 02684 01499 65328 '), '026840149965328')
    assert.equal(parsePaymentReference('026\t840149965328\n'), '026840149965328')
  })

  it('reads a full payment line', () => {
    assert.equal(parsePaymentReference('+71<026840149965328+81234567<'), '026840149965328')
    assert.equal(parsePaymentReference('+71< 026840149965328 +81234567<'), '026840149965328')
  })

  it('reads the card type followed by the 15 digits', () => {
    assert.equal(parsePaymentReference('71026840149965328'), '026840149965328')
    assert.equal(parsePaymentReference('71 026840149965328'), '026840149965328')
  })

  it('returns null when the check digit is wrong', () => {
    assert.equal(parsePaymentReference('026840149965327'), null)
    assert.equal(parsePaymentReference('+71<026840149965327+81234567<'), null)
    assert.equal(parsePaymentReference('71026840149965327'), null)
  })

  it('returns null for other card types, wrong lengths and malformed lines', () => {
    for (const text of [
      '',
      '   ',
      '02684014996532',
      '0026840149965328',
      '+73<026840149965328+81234567<',
      '+75<026840149965328+81234567<',
      '73026840149965328',
      '+71<026840149965328+8123456<',
      '+71<026840149965328<',
      '+71<026840149965328+81234567',
      '71<026840149965328+81234567<',
      'betalings-id 026840149965328',
      '02684-01499-65328',
    ]) {
      assert.equal(parsePaymentReference(text), null, JSON.stringify(text))
    }
  })

  it('finds the ID of any generated payment in all three forms', () => {
    fc.assert(
      fc.property(sequences, (sequence) => {
        const id = paymentIdFromSequence(sequence)
        assert.equal(parsePaymentReference(id), id)
        assert.equal(parsePaymentReference(`71${id}`), id)
        assert.equal(parsePaymentReference(paymentLine(id, '81234567')), id)
        assert.equal(parsePaymentReference(id.replace(/(\d{5})(?=\d)/g, '$1 ')), id)
      }),
    )
  })

  it('never returns an invalid ID, whatever the text', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const parsed = parsePaymentReference(text)
        assert.ok(parsed === null || isValidPaymentId(parsed))
      }),
    )
  })
})
