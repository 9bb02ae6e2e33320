import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  type BillDocument,
  BillDocumentError,
  documentFilename,
  documentTexts,
  formatDanishDate,
  formatKroner,
} from './bill-document.ts'
import { renderBillPdf, toWinAnsi } from './bill-pdf.ts'

function sampleBill(overrides: Partial<BillDocument> = {}): BillDocument {
  return {
    kind: 'bill',
    channel: 'digital-post',
    municipalityName: 'Københavns Kommune',
    issuer: { name: 'Københavns Biblioteker / Biblioteket Online', phone: '33 66 30 00' },
    contacts: {
      payment: { who: 'Økonomiforvaltningen, Opkrævning', phone: '33 66 33 66' },
      reason: { who: 'Københavns Biblioteker', phone: '33 66 30 00', web: 'bibliotek.kk.dk' },
      complaint: { who: 'Københavns Biblioteker', web: 'bibliotek.kk.dk/kontakt' },
    },
    debtor: { name: 'Søren Ærø Åberg', address: ['Østerbrogade 12, 3. th.', '2100 København Ø'] },
    date: '2026-11-21',
    deadline: '2026-12-05',
    claimNumber: 'K-2026-000123',
    lines: [
      { text: 'Gebyr: afleveret 13 dage for sent – Kongens Fald', amount: 12000 },
      { text: 'Erstatning: Den afrikanske farm (mistet)', amount: 111450 },
    ],
    total: 123450,
    paymentId: '026840149965328',
    paymentLine: '+71<026840149965328+12345678<',
    creditorNumber: '12345678',
    legalKindText: 'Offentligretligt krav (gebyr)',
    ...overrides,
  }
}

const dunningLetter = (overrides: Partial<BillDocument> = {}): BillDocument =>
  sampleBill({
    kind: 'dunning-letter',
    dunning: { letterNumber: 2, fee: 10000 },
    lines: [...sampleBill().lines, { text: 'Rykkergebyr', amount: 10000 }],
    total: 133450,
    ...overrides,
  })

// Bytes 0x80–0x9F of WinAnsi; the rest is Latin-1. (Node's TextDecoder may lack windows-1252.)
const WIN_ANSI_80_9F = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ'

function decodeWinAnsi(bytes: Buffer): string {
  return Array.from(bytes, (byte) =>
    byte >= 0x80 && byte <= 0x9f ? (WIN_ANSI_80_9F[byte - 0x80] ?? '') : String.fromCharCode(byte),
  ).join('')
}

/** The text runs of an uncompressed pdfkit PDF: every TJ array's hex strings, joined and decoded. */
function pdfTexts(pdf: Buffer): string[] {
  const source = pdf.toString('latin1')
  const runs: string[] = []
  for (const match of source.matchAll(/\[((?:<[0-9a-fA-F]*>|[-\d.\s])*)\]\s*TJ/g)) {
    const hex = [...(match[1] ?? '').matchAll(/<([0-9a-fA-F]*)>/g)].map((part) => part[1] ?? '').join('')
    runs.push(decodeWinAnsi(Buffer.from(hex, 'hex')))
  }
  return runs
}

function hasText(pdf: Buffer, text: string): boolean {
  return pdfTexts(pdf).some((run) => run.includes(text))
}

function pageCount(pdf: Buffer): number {
  return pdf.toString('latin1').match(/\/Type \/Page\n/g)?.length ?? 0
}

const plain = (doc: BillDocument) => renderBillPdf(doc, { compress: false })

describe('formatKroner', () => {
  it('writes Danish kroner with a thousands point, a decimal comma and "kr."', () => {
    assert.equal(formatKroner(123450), '1.234,50 kr.')
    assert.equal(formatKroner(12000), '120,00 kr.')
    assert.equal(formatKroner(0), '0,00 kr.')
    assert.equal(formatKroner(5), '0,05 kr.')
    assert.equal(formatKroner(-50), '-0,50 kr.')
    assert.equal(formatKroner(-123456789), '-1.234.567,89 kr.')
    assert.equal(formatKroner(100000000), '1.000.000,00 kr.')
  })

  it('refuses amounts that are not whole øre', () => {
    assert.throws(() => formatKroner(12.5), BillDocumentError)
    assert.throws(() => formatKroner(Number.NaN), BillDocumentError)
  })
})

describe('document texts', () => {
  it('has a heading and body per kind', () => {
    const bill = documentTexts(sampleBill())
    assert.equal(bill.heading, 'Regning')
    assert.ok(bill.body.some((s) => s.includes('1.234,50 kr.') && s.includes('5. december 2026')))

    const dunning = documentTexts(dunningLetter())
    assert.equal(dunning.heading, 'Rykker nr. 2')
    assert.ok(dunning.body.includes('Derfor er der lagt et rykkergebyr på 100,00 kr. til beløbet.'))

    const notice = documentTexts(sampleBill({ kind: 'transfer-notice' }))
    assert.equal(notice.heading, 'Varsel om oversendelse til Gældsstyrelsen')
    assert.ok(notice.body.some((s) => s.includes('senest 5. december 2026') && s.includes('Gældsstyrelsen')))
    assert.ok(notice.body.some((s) => s.includes('gebyrer og renter')))
  })

  it('reuses the shared Danish date format', () => {
    assert.equal(formatDanishDate('2026-11-21'), '21. november 2026')
  })

  it('names the file after the kind and claim number', () => {
    assert.equal(documentFilename(sampleBill()), 'regning-K-2026-000123.pdf')
    assert.equal(documentFilename(dunningLetter({ claimNumber: 'K 7/æ' })), 'rykker-2-K-7.pdf')
  })
})

describe('renderBillPdf', () => {
  it('gives an A4 PDF, compressed by default', async () => {
    const pdf = await renderBillPdf(sampleBill())
    assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-')
    const source = pdf.toString('latin1')
    assert.match(source, /\/MediaBox \[0 0 595\.28 841\.89\]/)
    assert.match(source, /\/Filter \/FlateDecode/)
    assert.match(source, /%%EOF\s*$/)
  })

  it('shows the total, the deadline, the lines and how to pay', async () => {
    const doc = sampleBill()
    const pdf = await plain(doc)
    assert.ok(hasText(pdf, formatKroner(doc.total)), 'total')
    assert.ok(hasText(pdf, formatDanishDate(doc.deadline)), 'deadline')
    assert.ok(hasText(pdf, 'Gebyr: afleveret 13 dage for sent – Kongens Fald'), 'line with an en dash')
    assert.ok(hasText(pdf, '1.114,50 kr.'), 'line amount')
    assert.ok(hasText(pdf, 'Regning'), 'heading')
    assert.ok(hasText(pdf, 'Mit Betalingsoverblik'), 'MBO')
    assert.ok(hasText(pdf, 'MobilePay'), 'MobilePay')
    assert.ok(hasText(pdf, doc.paymentId), 'payment id for netbank')
    assert.ok(hasText(pdf, 'Betalingsservice'), 'Betalingsservice')
    assert.ok(hasText(pdf, 'Økonomiforvaltningen, Opkrævning, tlf. 33 66 33 66'), 'payment contact')
    assert.ok(hasText(pdf, 'bibliotek.kk.dk/kontakt'), 'complaint contact')
    assert.ok(hasText(pdf, 'Offentligretligt krav (gebyr)'), 'legal kind')
    assert.ok(hasText(pdf, 'Dato: 21. november 2026'), 'date')
  })

  it('renders Danish letters through the standard fonts in WinAnsi, embedding no font', async () => {
    const pdf = await plain(sampleBill({ kind: 'transfer-notice' }))
    for (const text of [
      'Københavns Kommune',
      'Søren Ærø Åberg',
      'Østerbrogade 12, 3. th.',
      'Gældsstyrelsen',
    ]) {
      assert.ok(hasText(pdf, text), text)
    }
    const source = pdf.toString('latin1')
    assert.match(source, /\/BaseFont \/Helvetica\n/)
    assert.match(source, /\/Encoding \/WinAnsiEncoding/)
    assert.doesNotMatch(source, /\/FontFile/)
    // pdfkit writes a character outside WinAnsi as an odd-length hex code; none may get that far.
    for (const match of source.matchAll(/<([0-9a-fA-F]*)>/g)) {
      assert.equal((match[1] ?? '').length % 2, 0, `hex string ${match[0]}`)
    }
  })

  it('folds characters the standard fonts lack instead of corrupting the text', async () => {
    const doc = sampleBill({
      debtor: { name: 'Łukasz Wiśniewski 東', address: ['Ulica 1', '2200 København N'] },
      channel: 'letter',
    })
    const pdf = await plain(doc)
    assert.ok(hasText(pdf, 'Lukasz Wisniewski ?'))
    for (const match of pdf.toString('latin1').matchAll(/<([0-9a-fA-F]*)>/g)) {
      assert.equal((match[1] ?? '').length % 2, 0, `hex string ${match[0]}`)
    }
  })

  it('puts a FIK 71 payment slip on a letter, with the code line in Courier', async () => {
    const doc = sampleBill({ channel: 'letter' })
    const pdf = await plain(doc)
    assert.ok(hasText(pdf, 'Indbetalingskort'))
    assert.ok(hasText(pdf, doc.paymentLine), 'payment line')
    assert.ok(hasText(pdf, '+71'))
    assert.match(pdf.toString('latin1'), /\/BaseFont \/Courier\n/)
    assert.equal(pageCount(pdf), 1)
  })

  it('leaves the slip off a bill for Digital Post', async () => {
    const doc = sampleBill({ channel: 'digital-post' })
    const pdf = await plain(doc)
    assert.ok(!hasText(pdf, 'Indbetalingskort'))
    assert.ok(!hasText(pdf, doc.paymentLine))
    assert.doesNotMatch(pdf.toString('latin1'), /\/BaseFont \/Courier/)
  })

  it('shows the dunning letter number and its fee', async () => {
    const pdf = await plain(dunningLetter({ channel: 'letter' }))
    assert.ok(hasText(pdf, 'Rykker nr. 2'))
    assert.ok(hasText(pdf, 'rykkergebyr på 100,00 kr.'))
    assert.ok(hasText(pdf, '1.334,50 kr.'))
  })

  it('gives the same bytes for the same document, and dates the PDF by the letter', async () => {
    const doc = sampleBill({ channel: 'letter' })
    const [a, b] = await Promise.all([renderBillPdf(doc), renderBillPdf(structuredClone(doc))])
    assert.ok(a.equals(b))
    const [c, d] = await Promise.all([plain(doc), plain(doc)])
    assert.ok(c.equals(d))
    assert.match(c.toString('latin1'), /\(D:20261120230000Z\)/)
    const later = await plain({ ...doc, date: '2026-11-22' })
    assert.ok(!later.equals(c))
  })

  it('continues on a new page when the lines do not fit, keeping the slip on the first', async () => {
    const lines = Array.from({ length: 40 }, (_, i) => ({
      text: `Gebyr: afleveret for sent – bog ${i + 1}`,
      amount: 2000,
    }))
    const doc = sampleBill({ channel: 'letter', lines, total: 80000 })
    const pdf = await plain(doc)
    assert.ok(pageCount(pdf) >= 2)
    assert.ok(hasText(pdf, 'bog 40'))
    assert.ok(hasText(pdf, '800,00 kr.'))
    assert.ok(hasText(pdf, doc.paymentLine))
    assert.ok(hasText(pdf, 'kravnummer K-2026-000123'), 'continuation header')
  })

  it('refuses an inconsistent document', async () => {
    await assert.rejects(plain(sampleBill({ total: 999 })), /add up to 123450 øre but the total is 999/)
    await assert.rejects(plain(sampleBill({ kind: 'dunning-letter' })), /letter number and fee/)
    await assert.rejects(plain(sampleBill({ channel: 'letter', debtor: { name: 'A' } })), /address/)
    await assert.rejects(plain(sampleBill({ paymentLine: '+71<000000000000000+12345678<' })), /paymentLine/)
    await assert.rejects(
      plain(sampleBill({ paymentId: '026840149965329', paymentLine: '+71<026840149965329+12345678<' })),
      /valid check digit/,
    )
    await assert.rejects(plain(sampleBill({ deadline: '2026-02-30' })), /deadline is not a date/)
    await assert.rejects(
      plain(sampleBill({ lines: [{ text: 'x', amount: 1.5 }], total: 1.5 })),
      BillDocumentError,
    )
  })
})

describe('toWinAnsi', () => {
  it('keeps Danish letters and WinAnsi punctuation, folds or replaces the rest', () => {
    assert.equal(toWinAnsi('Ærø Åbenrå Øster – “x” € …'), 'Ærø Åbenrå Øster – “x” € …')
    assert.equal(toWinAnsi('Łódź Şahin Đorđe'), 'Lódz Sahin Dorde')
    assert.equal(toWinAnsi('a\tb\nc\u0007d\u200b'), 'a b cd')
    assert.equal(toWinAnsi('東京'), '??')
    // A decomposed "å" (a + combining ring) becomes the one WinAnsi letter.
    assert.equal(toWinAnsi('a\u030a'), 'å')
  })
})
