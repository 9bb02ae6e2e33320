import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import {
  type FbsItemDescription,
  formatFbsChargedItem,
  formatFbsDatedItem,
  formatFbsFineItem,
  formatFbsHoldPendingItem,
  formatFbsHoldReadyItem,
  formatFbsHomeAddress,
  formatFbsItemProperties,
  formatFbsUnrenewedItem,
  parseFbsChargedItem,
  parseFbsDatedItem,
  parseFbsFineItem,
  parseFbsHoldPendingItem,
  parseFbsHoldReadyItem,
  parseFbsHomeAddress,
  parseFbsItemProperties,
  parseFbsUnrenewedItem,
} from './fbs-item-fields.ts'

const DUE = new Date('2026-03-30T21:59:59Z') // 30 March 2026 23:59:59 Copenhagen (summer time)
const DUE_TEXT = '20260330    235959'
const book: FbsItemDescription = {
  title: 'Kongens fald',
  author: 'Johannes V. Jensen',
  gmb: 'bog',
  smb: 'Bog',
  dk5: 'sk',
}

describe('FBS item sub-fields', () => {
  it('AU charged: barcode%dueDate%title%author%GMB%SMB (no DK5)', () => {
    const text = formatFbsChargedItem({ barcode: '5000001', dueDate: DUE, ...book })
    assert.equal(text, `5000001%${DUE_TEXT}%Kongens fald%Johannes V. Jensen%bog%Bog`)
    const { dk5: _dk5, ...withoutDk5 } = book
    assert.deepEqual(parseFbsChargedItem(text), { barcode: '5000001', dueDate: DUE, ...withoutDk5 })
  })

  it('AT/BM/BU: barcode%date%title%author%GMB%SMB%DK5, with entities', () => {
    const item = {
      barcode: '5000002',
      date: DUE,
      title: 'Ærø & Møn',
      author: 'Åse',
      gmb: 'film',
      smb: 'dvd',
      dk5: '99.4',
    }
    const text = formatFbsDatedItem(item)
    assert.equal(text, `5000002%${DUE_TEXT}%&#198;r&#248; &amp; M&#248;n%&#197;se%film%dvd%99.4`)
    assert.deepEqual(parseFbsDatedItem(text), item)
  })

  it('BN unrenewed: barcode%reason%dueDate%…', () => {
    const item = { barcode: '1', reason: 'Reserveret af en anden låner', dueDate: DUE, ...book }
    const text = formatFbsUnrenewedItem(item)
    assert.equal(text.split('%').length, 8)
    assert.deepEqual(parseFbsUnrenewedItem(text), item)
  })

  it('AV fine: barcode%feeId%feeDate%amount%…, amount in kr with two decimals', () => {
    const item = { barcode: '1', feeId: 'fee-17', feeDate: DUE, amount: 12345, ...book }
    const text = formatFbsFineItem(item)
    assert.equal(text, `1%fee-17%${DUE_TEXT}%123.45%Kongens fald%Johannes V. Jensen%bog%Bog%sk`)
    assert.deepEqual(parseFbsFineItem(text), item)
  })

  it('AS hold ready: bibliographicId%barcode%pickupId%pickupDate%DK-761500 - Name%…', () => {
    const item = {
      bibliographicId: '870970-basis:12345678',
      barcode: '5000003',
      pickupId: '42',
      pickupDate: DUE,
      pickupAgency: 'DK-761500',
      pickupName: 'Horsens - Hovedbiblioteket',
      ...book,
    }
    const text = formatFbsHoldReadyItem(item)
    assert.equal(
      text,
      `870970-basis:12345678%5000003%42%${DUE_TEXT}%DK-761500 - Horsens - Hovedbiblioteket%Kongens fald%Johannes V. Jensen%bog%Bog%sk`,
    )
    assert.deepEqual(parseFbsHoldReadyItem(text), item)
  })

  it('CD hold not ready: bibliographicId%barcode%interestDate%…', () => {
    const item = { bibliographicId: 'b', barcode: '', interestDate: DUE, ...book }
    const text = formatFbsHoldPendingItem(item)
    assert.equal(text, `b%%${DUE_TEXT}%Kongens fald%Johannes V. Jensen%bog%Bog%sk`)
    assert.deepEqual(parseFbsHoldPendingItem(text), item)
  })

  it('CH item properties and BD home address', () => {
    assert.equal(formatFbsItemProperties(book), 'Kongens fald%Johannes V. Jensen%bog%Bog%sk')
    assert.deepEqual(parseFbsItemProperties(formatFbsItemProperties(book)), book)
    assert.equal(formatFbsItemProperties({ title: 'T' }), 'T%%%%')
    const address = { street: 'Krystalgade 15', postalCode: '1172', city: 'København K', country: 'Danmark' }
    assert.equal(formatFbsHomeAddress(address), 'Krystalgade 15%1172%K&#248;benhavn K%Danmark')
    assert.deepEqual(parseFbsHomeAddress(formatFbsHomeAddress(address)), address)
  })

  it('writes a missing date as an empty sub-field and reads short values without throwing', () => {
    assert.equal(formatFbsChargedItem({ barcode: '1', dueDate: null }), '1%%%%%')
    assert.deepEqual(parseFbsFineItem('1'), { barcode: '1', feeId: '', feeDate: null, amount: 0 })
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (value) => {
        parseFbsChargedItem(value)
        parseFbsDatedItem(value)
        parseFbsUnrenewedItem(value)
        parseFbsFineItem(value)
        parseFbsHoldReadyItem(value)
        parseFbsHoldPendingItem(value)
        parseFbsItemProperties(value)
        parseFbsHomeAddress(value)
      }),
    )
  })

  it('keeps % and | of any title out of the field structure', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (title) => {
        const clean = title
          .split('')
          .filter((c) => c.charCodeAt(0) >= 0x20)
          .join('')
        const text = formatFbsDatedItem({ barcode: 'b', date: DUE, title: clean })
        assert.equal(text.split('%').length, 7)
        assert.ok(!text.includes('|'))
        assert.equal(parseFbsDatedItem(text).title ?? '', clean)
      }),
    )
  })
})
