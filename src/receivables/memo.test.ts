import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { type BillDocument, BillDocumentError } from './bill-document.ts'
import { renderBillPdf } from './bill-pdf.ts'
import { MEMO_NAMESPACE, type MemoMeta, MissingCprError, renderMemo } from './memo.ts'

const bill: BillDocument = {
  kind: 'bill',
  channel: 'digital-post',
  municipalityName: 'Københavns Kommune',
  issuer: { name: 'Københavns Biblioteker', phone: '33 66 30 00' },
  contacts: {
    payment: { who: 'Økonomiforvaltningen', phone: '33 66 33 66' },
    reason: { who: 'Københavns Biblioteker', phone: '33 66 30 00' },
    complaint: { who: 'Københavns Biblioteker', web: 'bibliotek.kk.dk/kontakt' },
  },
  debtor: { name: 'Søren Ærø Åberg' },
  date: '2026-11-21',
  deadline: '2026-12-05',
  claimNumber: 'K-2026-000123',
  lines: [{ text: 'Gebyr: afleveret 13 dage for sent – Kongens Fald', amount: 12000 }],
  total: 12000,
  paymentId: '026840149965328',
  paymentLine: '+71<026840149965328+12345678<',
  creditorNumber: '12345678',
  legalKindText: 'Offentligretligt krav (gebyr)',
}

const meta: MemoMeta = {
  messageUuid: '3f2b8c1e-5d4a-4b6f-9a7e-1c2d3e4f5a6b',
  senderCvr: '64942212',
  senderLabel: 'Københavns Kommune',
  recipientCpr: '0101901234',
  recipientLabel: 'Søren Ærø Åberg',
  createdAt: '2026-11-22T06:00:00+01:00',
}

// Tag values stay strings, so a CPR number keeps its leading zero.
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false })

type Tree = Record<string, unknown>
const at = (tree: unknown, ...path: string[]): Tree =>
  path.reduce<Tree>((node, key) => {
    const next = node[key]
    assert.ok(next !== undefined && next !== null, `missing ${path.join('/')}`)
    return next as Tree
  }, tree as Tree)

async function parsedMemo(overrides: Partial<MemoMeta> = {}, doc = bill) {
  const pdf = await renderBillPdf(doc)
  const xml = renderMemo(doc, pdf, { ...meta, ...overrides })
  assert.equal(XMLValidator.validate(xml), true)
  return { pdf, xml, message: at(parser.parse(xml), 'memo:Message') }
}

describe('renderMemo', () => {
  it('writes a MeMo 1.1 message in the MeMo namespace', async () => {
    const { xml, message } = await parsedMemo()
    assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n'))
    assert.equal(message['@_xmlns:memo'], MEMO_NAMESPACE)
    assert.equal(message['@_memoVersion'], '1.1')
    assert.equal(message['@_memoSchVersion'], '1.1.0')
  })

  it('fills the header: type, id, label, flags, sender by CVR and recipient by CPR, in MeMo order', async () => {
    const { message } = await parsedMemo()
    const header = at(message, 'memo:MessageHeader')
    assert.deepEqual(Object.keys(header), [
      'memo:messageType',
      'memo:messageUUID',
      'memo:label',
      'memo:mandatory',
      'memo:legalNotification',
      'memo:Sender',
      'memo:Recipient',
    ])
    assert.equal(header['memo:messageType'], 'DIGITALPOST')
    assert.equal(header['memo:messageUUID'], meta.messageUuid)
    assert.equal(header['memo:label'], 'Regning fra Københavns Biblioteker')
    assert.equal(header['memo:mandatory'], 'false')
    assert.equal(header['memo:legalNotification'], 'false')
    assert.deepEqual(at(header, 'memo:Sender'), {
      'memo:senderID': '64942212',
      'memo:idType': 'CVR',
      'memo:label': 'Københavns Kommune',
    })
    assert.deepEqual(at(header, 'memo:Recipient'), {
      'memo:recipientID': '0101901234',
      'memo:idType': 'CPR',
      'memo:label': 'Søren Ærø Åberg',
    })
  })

  it('carries the PDF as the main document, base64 encoded, with the creation time in UTC', async () => {
    const { pdf, message } = await parsedMemo()
    const body = at(message, 'memo:MessageBody')
    assert.deepEqual(Object.keys(body), ['memo:createdDateTime', 'memo:MainDocument'])
    assert.equal(body['memo:createdDateTime'], '2026-11-22T05:00:00Z')
    const file = at(body, 'memo:MainDocument', 'memo:File')
    assert.deepEqual(Object.keys(file), [
      'memo:encodingFormat',
      'memo:filename',
      'memo:language',
      'memo:content',
    ])
    assert.equal(file['memo:encodingFormat'], 'application/pdf')
    assert.equal(file['memo:filename'], 'regning-K-2026-000123.pdf')
    assert.equal(file['memo:language'], 'da')
    const content = Buffer.from(String(file['memo:content']), 'base64')
    assert.ok(content.equals(pdf))
    assert.equal(content.subarray(0, 5).toString('latin1'), '%PDF-')
  })

  it('escapes XML special characters in names and labels', async () => {
    const doc = { ...bill, issuer: { name: 'Bibliotek & Borgerservice <Nord>', phone: '33 66 30 00' } }
    const { xml, message } = await parsedMemo(
      { senderLabel: 'Kultur & Fritid "KFF"', recipientLabel: "O'Brien <Søn> & Co" },
      doc,
    )
    assert.ok(xml.includes('Kultur &amp; Fritid &quot;KFF&quot;'))
    assert.ok(xml.includes('O&apos;Brien &lt;Søn&gt; &amp; Co'))
    assert.ok(!xml.includes('<Søn>') && !xml.includes('<Nord>'))
    const header = at(message, 'memo:MessageHeader')
    assert.equal(header['memo:label'], 'Regning fra Bibliotek & Borgerservice <Nord>')
    assert.equal(at(header, 'memo:Sender')['memo:label'], 'Kultur & Fritid "KFF"')
    assert.equal(at(header, 'memo:Recipient')['memo:label'], "O'Brien <Søn> & Co")
  })

  it('labels dunning letters and transfer notices by kind', async () => {
    const dunning: BillDocument = {
      ...bill,
      kind: 'dunning-letter',
      dunning: { letterNumber: 1, fee: 10000 },
      lines: [...bill.lines, { text: 'Rykkergebyr', amount: 10000 }],
      total: 22000,
    }
    const { message } = await parsedMemo({}, dunning)
    assert.equal(at(message, 'memo:MessageHeader')['memo:label'], 'Rykker nr. 1 fra Københavns Biblioteker')
    assert.equal(
      at(message, 'memo:MessageBody', 'memo:MainDocument', 'memo:File')['memo:filename'],
      'rykker-1-K-2026-000123.pdf',
    )
    const notice = await parsedMemo({}, { ...bill, kind: 'transfer-notice' })
    assert.equal(
      at(notice.message, 'memo:MessageHeader')['memo:label'],
      'Varsel om oversendelse til Gældsstyrelsen fra Københavns Kommune',
    )
  })

  it('refuses a citizen without a CPR number: such bills go by letter', async () => {
    const pdf = await renderBillPdf(bill)
    assert.throws(
      () => renderMemo(bill, pdf, { ...meta, recipientCpr: null }),
      (error: unknown) => {
        assert.ok(error instanceof MissingCprError)
        assert.match(error.message, /no CPR number.*send it by letter/)
        return true
      },
    )
  })

  it('refuses what MeMo or Digital Post would reject', async () => {
    const pdf = await renderBillPdf(bill)
    const memo =
      (overrides: Partial<MemoMeta>, doc = bill) =>
      () =>
        renderMemo(doc, pdf, { ...meta, ...overrides })
    assert.throws(memo({ recipientCpr: '010190-1234' }), /recipientCpr must be 10 digits/)
    assert.throws(memo({ senderCvr: '1234' }), /senderCvr/)
    assert.throws(memo({ messageUuid: 'not-a-uuid' }), /version 4 UUID/)
    assert.throws(memo({ createdAt: 'yesterday' }), /createdAt/)
    assert.throws(memo({ recipientLabel: 'x'.repeat(257) }), /longer than 256/)
    assert.throws(memo({ senderLabel: 'Bad \u0001 label' }), BillDocumentError)
    assert.throws(memo({}, { ...bill, channel: 'letter', debtor: { name: 'A', address: ['B'] } }), /letter/)
    assert.throws(() => renderMemo(bill, Buffer.alloc(0), meta), /PDF is empty/)
  })

  it('passes the mandatory and legal notification flags on when the caller sets them', async () => {
    const { message } = await parsedMemo({ mandatory: true, legalNotification: true })
    const header = at(message, 'memo:MessageHeader')
    assert.equal(header['memo:mandatory'], 'true')
    assert.equal(header['memo:legalNotification'], 'true')
  })
})
