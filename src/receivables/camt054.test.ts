import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import {
  CamtFormatError,
  type CamtPayment,
  type CamtWriteInput,
  parseCamt054,
  writeCamt054,
} from './camt054.ts'

const SAMPLE = readFileSync(new URL('./testdata/camt054-sample.xml', import.meta.url), 'utf8')
const NS = (version: number) => `urn:iso:std:iso:20022:tech:xsd:camt.054.001.0${version}`

// Builders for small notifications; each part is raw XML so a test can break exactly one element.
function notification(entries: string, namespace = NS(8)): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<Document xmlns="${namespace}"><BkToCstmrDbtCdtNtfctn>`,
    '<GrpHdr><MsgId>MSG-1</MsgId><CreDtTm>2024-03-05T06:00:00+01:00</CreDtTm></GrpHdr>',
    '<Ntfctn><Id>NTF-1</Id><Acct><Id><IBAN>DK5000400440116243</IBAN></Id></Acct>',
    entries,
    '</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>',
  ].join('\n')
}

interface EntryParts {
  amt?: string
  indicator?: string
  status?: string
  booking?: string
  value?: string
  ref?: string
  details?: string
}

const BANK_CODE =
  '<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>DMCT</SubFmlyCd></Fmly></Domn></BkTxCd>'

function entry(parts: EntryParts = {}): string {
  return [
    '<Ntry>',
    parts.amt ?? '<Amt Ccy="DKK">120.00</Amt>',
    parts.indicator ?? '<CdtDbtInd>CRDT</CdtDbtInd>',
    parts.status ?? '<Sts><Cd>BOOK</Cd></Sts>',
    parts.booking ?? '<BookgDt><Dt>2024-03-04</Dt></BookgDt>',
    parts.value ?? '',
    parts.ref ?? '<AcctSvcrRef>E1</AcctSvcrRef>',
    BANK_CODE,
    parts.details ?? details(tx()),
    '</Ntry>',
  ].join('')
}

function details(...transactions: string[]): string {
  return `<NtryDtls>${transactions.join('')}</NtryDtls>`
}

interface TxParts {
  refs?: string
  amt?: string
  parties?: string
  remittance?: string
}

function tx(parts: TxParts = {}): string {
  return [
    '<TxDtls>',
    parts.refs ?? '<Refs><AcctSvcrRef>T1</AcctSvcrRef></Refs>',
    parts.amt ?? '<Amt Ccy="DKK">120.00</Amt>',
    parts.parties ?? '',
    parts.remittance ?? structured('000000001200013'),
    '</TxDtls>',
  ].join('')
}

function structured(reference: string): string {
  return `<RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>${reference}</Ref></CdtrRefInf></Strd></RmtInf>`
}

function unstructured(...lines: string[]): string {
  return `<RmtInf>${lines.map((line) => `<Ustrd>${line}</Ustrd>`).join('')}</RmtInf>`
}

const FIRST = entry({
  ref: '<AcctSvcrRef>E0</AcctSvcrRef>',
  details: details(tx({ refs: '<Refs><AcctSvcrRef>T0</AcctSvcrRef></Refs>' })),
})

function payment(fields: Partial<CamtPayment> = {}): CamtPayment {
  return {
    reference: 'T1',
    amount: 12000,
    currency: 'DKK',
    bookingDate: '2024-03-04',
    valueDate: null,
    paymentReference: '000000001200013',
    debtorName: null,
    ...fields,
  }
}

function only(xml: string): CamtPayment {
  const { payments } = parseCamt054(xml)
  assert.equal(payments.length, 1)
  return payments[0] as CamtPayment
}

function assertRefused(xml: string, message: string): void {
  assert.throws(
    () => parseCamt054(xml),
    (error: unknown) => {
      assert.ok(error instanceof CamtFormatError, `expected a CamtFormatError, got ${String(error)}`)
      assert.equal(error.message, message)
      return true
    },
  )
}

const oracle = new XMLParser({
  ignoreAttributes: false,
  parseTagValue: false,
  isArray: (name) => ['Ntfctn', 'Ntry', 'TxDtls'].includes(name),
})

describe('the sample bank file', () => {
  it('parses to exactly the booked credit transactions', () => {
    const booked = { bookingDate: '2024-03-04', valueDate: '2024-03-04' }
    assert.deepEqual(parseCamt054(SAMPLE), {
      messageId: 'DABA-CAMT054-20240305-000123',
      createdAt: '2024-03-05T06:15:02.123+01:00',
      payments: [
        payment({
          ...booked,
          reference: '4000240304000101-01',
          amount: 12000,
          paymentReference: '000000001200013',
          debtorName: 'Karen Jensen',
        }),
        payment({
          ...booked,
          reference: '4000240304000102-01',
          amount: 4550,
          paymentReference: '000000001200021',
          debtorName: 'Mads & Sofie Østergaard',
        }),
        payment({
          ...booked,
          reference: '4000240304000103-01',
          amount: 15000,
          paymentReference: '000000001200039',
          debtorName: 'Anna Nielsen',
        }),
        payment({
          ...booked,
          reference: '4000240304000103-02',
          amount: 20025,
          paymentReference: '000000001200047',
          debtorName: null,
        }),
        payment({
          ...booked,
          reference: '4000240304000103-03',
          amount: 4550,
          paymentReference: '000000001200054',
          debtorName: 'Peter Larsen',
        }),
        // A wrong check digit is passed on as given; the matcher decides what an unknown ID means.
        payment({
          ...booked,
          reference: '4000240304000105-01',
          amount: 7500,
          paymentReference: '000000001200089',
          debtorName: 'Ole Pedersen',
        }),
        payment({
          ...booked,
          reference: '4000240304000106-01',
          amount: 26000,
          paymentReference: '000000001200062',
          debtorName: 'Birgitte Holm',
        }),
        payment({
          reference: '4000240304000201#0',
          amount: 100000,
          bookingDate: '2024-03-04',
          valueDate: '2024-03-05',
          paymentReference: '000000001200070',
          debtorName: 'Jens Hansen',
        }),
      ],
    })
  })

  it('is well-formed camt.054.001.08 whose booked credit transactions fast-xml-parser counts the same', () => {
    assert.equal(XMLValidator.validate(SAMPLE), true)
    const document = oracle.parse(SAMPLE).Document
    assert.equal(document['@_xmlns'], NS(8))
    const credits = document.BkToCstmrDbtCdtNtfctn.Ntfctn.flatMap((n: { Ntry: unknown[] }) => n.Ntry).filter(
      (e: { CdtDbtInd: string; Sts: { Cd: string } }) => e.CdtDbtInd === 'CRDT' && e.Sts.Cd === 'BOOK',
    )
    const transactions = credits.flatMap((e: { NtryDtls: { TxDtls: unknown[] } }) => e.NtryDtls.TxDtls)
    assert.equal(transactions.length, parseCamt054(SAMPLE).payments.length)
  })
})

describe('writing and reading back', () => {
  const input: CamtWriteInput = {
    messageId: 'LAAN-TEST-1',
    createdAt: '2024-03-05T06:00:00+01:00',
    iban: 'DK5000400440116243',
    payments: [
      {
        reference: 'R-1',
        amount: 0,
        bookingDate: '2024-01-31',
        paymentReference: '000000001200013',
        debtorName: 'Æble & <Søn> "A/S"',
      },
      { reference: 'R-2', amount: 1, bookingDate: '2024-02-29', paymentReference: '000000001200021' },
      { reference: 'R&3', amount: 4550, bookingDate: '2024-03-04', paymentReference: 'RF18539007547034' },
      {
        reference: 'R-4',
        amount: 999_999_999_999_999,
        bookingDate: '2024-12-31',
        paymentReference: '000000001200039',
        debtorName: 'Jens Hansen',
      },
    ],
  }

  const expected = (payments: CamtWriteInput['payments']): CamtPayment[] =>
    payments.map((p) => ({
      reference: p.reference,
      amount: p.amount,
      currency: 'DKK',
      bookingDate: p.bookingDate,
      valueDate: p.bookingDate,
      paymentReference: p.paymentReference,
      debtorName: p.debtorName ?? null,
    }))

  it('reads back exactly what was written, names and references escaped', () => {
    assert.deepEqual(parseCamt054(writeCamt054(input)), {
      messageId: 'LAAN-TEST-1',
      createdAt: '2024-03-05T06:00:00+01:00',
      payments: expected(input.payments),
    })
  })

  it('writes well-formed camt.054.001.08 with one booked credit entry per payment', () => {
    const xml = writeCamt054(input)
    assert.equal(XMLValidator.validate(xml), true)
    const document = oracle.parse(xml).Document
    assert.equal(document['@_xmlns'], NS(8))
    const entries = document.BkToCstmrDbtCdtNtfctn.Ntfctn[0].Ntry
    assert.equal(entries.length, 4)
    assert.deepEqual(entries[0].Amt, { '#text': '0.00', '@_Ccy': 'DKK' })
    assert.equal(entries[3].Amt['#text'], '9999999999999.99')
    assert.equal(entries[0].Sts.Cd, 'BOOK')
    assert.equal(entries[0].NtryDtls.TxDtls[0].RltdPties.Dbtr.Pty.Nm, 'Æble & <Søn> "A/S"')
    assert.equal(entries[0].NtryDtls.TxDtls[0].RmtInf.Strd.CdtrRefInf.Tp.CdOrPrtry.Cd, 'SCOR')
  })

  it('writes an empty notification when there are no payments', () => {
    assert.deepEqual(parseCamt054(writeCamt054({ ...input, payments: [] })).payments, [])
  })

  it('refuses to write an amount that is not a whole, non-negative number of øre', () => {
    const base = { reference: 'R', bookingDate: '2024-03-04', paymentReference: '000000001200013' }
    for (const amount of [-1, 12.5, Number.NaN]) {
      assert.throws(() => writeCamt054({ ...input, payments: [{ ...base, amount }] }), RangeError)
    }
  })

  it('round-trips 20,000 payments', () => {
    const payments = Array.from({ length: 20_000 }, (_, i) => ({
      reference: `LAAN-${i}`,
      amount: (i * 7919) % 1_000_000,
      bookingDate: `2024-03-${String((i % 28) + 1).padStart(2, '0')}`,
      paymentReference: String(1_200_000 + i).padStart(15, '0'),
      ...(i % 3 === 0 ? {} : { debtorName: `Borger ${i} Ærø` }),
    }))
    const parsed = parseCamt054(writeCamt054({ ...input, payments }))
    assert.deepEqual(parsed.payments, expected(payments))
  })
})

describe('reading entries', () => {
  it('accepts every camt.054 version from .02 to .08, with the older status, party and amount shapes', () => {
    for (const version of [2, 3, 4, 5, 6, 7, 8]) {
      assert.deepEqual(only(notification(entry(), NS(version))), payment())
    }
    const older = entry({
      status: '<Sts>BOOK</Sts>',
      value: '<ValDt><DtTm>2024-03-05T09:30:00</DtTm></ValDt>',
      details: details(
        tx({
          amt: '<AmtDtls><TxAmt><Amt Ccy="DKK">120.00</Amt></TxAmt></AmtDtls>',
          parties: '<RltdPties><Dbtr><Nm>Karen Jensen</Nm></Dbtr></RltdPties>',
        }),
      ),
    })
    assert.deepEqual(
      only(notification(older, NS(2))),
      payment({ valueDate: '2024-03-05', debtorName: 'Karen Jensen' }),
    )
  })

  it('reads a namespace prefix, a byte order mark, CRLF, comments, CDATA and character references', () => {
    const xml = `\uFEFF<?xml version="1.0"?>\r\n<!-- from the bank -->\r\n${notification(
      entry({
        amt: "<Amt Ccy='DKK'>45.5</Amt>",
        details: details(
          tx({
            amt: '<Amt Ccy="DKK">45.5</Amt>',
            parties:
              '<RltdPties><Dbtr><Pty><Nm>S&#248;ren &amp; <![CDATA[<ida>]]> &#xC6;bel&#248;</Nm></Pty></Dbtr></RltdPties>',
            remittance:
              '<RmtInf><Ustrd/><!-- note --><Ustrd>+71&lt;000000001200013+85432109&lt;</Ustrd></RmtInf>',
          }),
        ),
      }),
    )
      .replace('<?xml version="1.0" encoding="UTF-8"?>\n', '')
      .replace(/<(\/?)([A-Z])/g, '<$1ns0:$2')
      .replace(`xmlns="${NS(8)}"`, `xmlns:ns0="${NS(8)}"`)
      .replaceAll('\n', '\r\n')}`
    assert.deepEqual(only(xml), payment({ amount: 4550, debtorName: 'Søren & <ida> Æbelø' }))
  })

  it('skips debit entries and entries that are not booked, whatever else they hold', () => {
    const skipped = [
      entry({ indicator: '<CdtDbtInd>DBIT</CdtDbtInd>', amt: '<Amt Ccy="EUR">oops</Amt>', ref: '' }),
      entry({ status: '<Sts><Cd>PDNG</Cd></Sts>', ref: '<AcctSvcrRef>E2</AcctSvcrRef>' }),
      entry({ status: '<Sts><Cd>INFO</Cd></Sts>', ref: '<AcctSvcrRef>E3</AcctSvcrRef>' }),
    ]
    assert.deepEqual(parseCamt054(notification(skipped.join(''))).payments, [])
  })

  it('takes an entry without a status as booked', () => {
    assert.deepEqual(only(notification(entry({ status: '' }))), payment())
  })

  it('makes one payment of an entry without transaction details', () => {
    assert.deepEqual(
      only(notification(entry({ details: '' }))),
      payment({ reference: 'E1#0', paymentReference: null }),
    )
  })

  it('names a transaction without its own reference after the entry reference and its position', () => {
    const batch = entry({
      amt: '<Amt Ccy="DKK">300.00</Amt>',
      details: details(
        tx({ refs: '', amt: '<Amt Ccy="DKK">100.00</Amt>' }),
        tx({ refs: '<Refs><AcctSvcrRef>T2</AcctSvcrRef></Refs>', amt: '<Amt Ccy="DKK">200.00</Amt>' }),
      ),
    })
    const references = parseCamt054(notification(batch)).payments.map((p) => [p.reference, p.amount])
    assert.deepEqual(references, [
      ['E1#0', 10000],
      ['T2', 20000],
    ])
  })

  it('finds the payment ID in the structured reference, else in the free text', () => {
    const cases: [remittance: string, paymentReference: string | null][] = [
      [structured('000000001200013'), '000000001200013'],
      [structured('  71/000000001200013 '), '000000001200013'],
      [structured('+71&lt;000000001200013+85432109&lt;'), '000000001200013'],
      [structured('RF18539007547034'), 'RF18539007547034'],
      [structured('12345'), '12345'],
      [
        `<RmtInf><Ustrd>71/000000001200021</Ustrd>${structured('000000001200013').slice(8)}`,
        '000000001200013',
      ],
      [unstructured('Regning', '71/000000001200013'), '000000001200013'],
      [unstructured('Betalings-id 000000001200013, tak'), '000000001200013'],
      [unstructured('&gt;71&lt; 000000001200013+85432109&lt;'), '000000001200013'],
      [unstructured('000000001200013 og 000000001200021'), null],
      [unstructured('Kontingent marts 2024'), null],
      [unstructured('0000000012000130'), null],
      ['', null],
    ]
    for (const [remittance, paymentReference] of cases) {
      const xml = notification(entry({ details: details(tx({ remittance })) }))
      assert.equal(only(xml).paymentReference, paymentReference, remittance)
    }
  })
})

describe('refusing a file', () => {
  const ENTRY = 'Ntfctn[0].Ntry[1]'
  const refuseEntry = (parts: EntryParts, message: string) =>
    assertRefused(notification(FIRST + entry(parts)), `${ENTRY}${message}`)

  it('that is not XML', () => {
    assertRefused('', 'Document: not an XML document (no root element)')
    assertRefused('  \n ', 'Document: not an XML document (no root element)')
    assertRefused('hello', 'line 1, column 1: text before the root element; not an XML document')
    assertRefused('{"MsgId": 1}', 'line 1, column 1: text before the root element; not an XML document')
    assertRefused(
      `<Document xmlns="${NS(8)}">`,
      'line 1, column 66: <Document> is not closed; the file is incomplete',
    )
    assertRefused(
      notification(entry()).slice(0, -'</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>'.length),
      'line 6, column 1: <Ntfctn> is not closed; the file is incomplete',
    )
    assertRefused(
      `<Document xmlns="${NS(8)}"><BkToCstmrDbtCdtNtfctn></Document>`,
      'line 1, column 89: expected </BkToCstmrDbtCdtNtfctn>, found </Document>',
    )
    assertRefused(`<Document xmlns="${NS(8)}"/><Document/>`, 'line 1, column 67: a second root element')
    assertRefused(`<Document xmlns="${NS(8)}" xmlns="x"/>`, 'line 1, column 66: duplicate attribute xmlns')
    assertRefused(`<Document xmlns=${NS(8)}/>`, 'line 1, column 17: expected a quoted value for xmlns')
    assertRefused(
      notification(entry()).replace('DK5000400440116243', 'A & B'),
      'line 4, column 41: a "&" that starts no entity reference',
    )
    assertRefused(
      notification(entry()).replace('?>', '?>\n<!DOCTYPE Document [<!ENTITY x "y">]>'),
      'line 2, column 1: a DOCTYPE is not allowed',
    )
  })

  it('that is not a camt.054 notification of version .02 to .08', () => {
    const wrong = (namespace: string) => `Document: namespace "${namespace}" is not camt.054.001.02 to .08`
    for (const namespace of [NS(1), NS(9), 'urn:iso:std:iso:20022:tech:xsd:camt.053.001.08']) {
      assertRefused(notification(entry(), namespace), wrong(namespace))
    }
    assertRefused(
      '<Document><BkToCstmrDbtCdtNtfctn/></Document>',
      'Document: namespace (none) is not camt.054.001.02 to .08',
    )
    assertRefused(`<Dokument xmlns="${NS(8)}"/>`, 'Document: the root element is Dokument')
    assertRefused(
      `<Document xmlns="${NS(8)}"><BkToCstmrStmt/></Document>`,
      'Document: expected one BkToCstmrDbtCdtNtfctn, found BkToCstmrStmt',
    )
    assertRefused(`<Document xmlns="${NS(8)}"/>`, 'Document: missing BkToCstmrDbtCdtNtfctn')
  })

  it('without the required header and notification elements', () => {
    const xml = notification(entry())
    assertRefused(xml.replace(/<GrpHdr>.*<\/GrpHdr>/, ''), 'GrpHdr: missing')
    assertRefused(xml.replace('<MsgId>MSG-1</MsgId>', '<MsgId> </MsgId>'), 'GrpHdr.MsgId: missing')
    assertRefused(
      xml.replace('2024-03-05T06:00:00+01:00', '05-03-2024 06:00'),
      'GrpHdr.CreDtTm: not a date-time: "05-03-2024 06:00"',
    )
    assertRefused(xml.replace(/<Ntfctn>[\s\S]*<\/Ntfctn>/, ''), 'Ntfctn: missing')
    assertRefused(xml.replace('<Id>NTF-1</Id>', ''), 'Ntfctn[0].Id: missing')
    assertRefused(xml.replace(/<Acct>.*<\/Acct>/, ''), 'Ntfctn[0].Acct: missing')
  })

  it('with an entry whose amount or currency is wrong', () => {
    refuseEntry({ amt: '' }, '.Amt: missing')
    refuseEntry({ amt: '<Amt>120.00</Amt>' }, '.Amt: missing the Ccy attribute')
    for (const amount of ['12,50', '-5.00', '1.', '.5', '1e3', '', '12345678901234.00']) {
      refuseEntry({ amt: `<Amt Ccy="DKK">${amount}</Amt>` }, `.Amt: not an amount: "${amount}"`)
    }
    refuseEntry({ amt: '<Amt Ccy="DKK">1.234</Amt>' }, '.Amt: more than 2 decimals: "1.234"')
    refuseEntry(
      { amt: '<Amt Ccy="EUR">120.00</Amt>' },
      '.Amt: currency EUR; only DKK payments can be imported',
    )
    refuseEntry(
      { details: details(tx({ amt: '<Amt Ccy="EUR">120.00</Amt>' })) },
      '.NtryDtls[0].TxDtls[0].Amt: currency EUR; only DKK payments can be imported',
    )
  })

  it('with an entry whose indicator, status or dates are wrong', () => {
    refuseEntry({ indicator: '' }, '.CdtDbtInd: missing')
    refuseEntry(
      { indicator: '<CdtDbtInd>CREDIT</CdtDbtInd>' },
      '.CdtDbtInd: expected CRDT or DBIT, found "CREDIT"',
    )
    refuseEntry({ status: '<Sts><Cd>BOKD</Cd></Sts>' }, '.Sts: unknown entry status "BOKD"')
    refuseEntry({ booking: '' }, '.BookgDt: missing')
    refuseEntry({ booking: '<BookgDt></BookgDt>' }, '.BookgDt.Dt: missing')
    refuseEntry(
      { booking: '<BookgDt><Dt>2024-02-30</Dt></BookgDt>' },
      '.BookgDt.Dt: not a date: "2024-02-30"',
    )
    refuseEntry(
      { booking: '<BookgDt><Dt>04-03-2024</Dt></BookgDt>' },
      '.BookgDt.Dt: not a date: "04-03-2024"',
    )
    refuseEntry(
      { value: '<ValDt><DtTm>2024-03-04T24:00:00</DtTm></ValDt>' },
      '.ValDt.DtTm: not a date-time: "2024-03-04T24:00:00"',
    )
  })

  it('with a batched entry that cannot be split exactly', () => {
    const batch = (...amounts: string[]) =>
      details(
        ...amounts.map((amt, i) => tx({ refs: `<Refs><AcctSvcrRef>T${i + 1}</AcctSvcrRef></Refs>`, amt })),
      )
    refuseEntry(
      {
        amt: '<Amt Ccy="DKK">300.00</Amt>',
        details: batch('<Amt Ccy="DKK">100.00</Amt>', '<Amt Ccy="DKK">150.00</Amt>'),
      },
      '.Amt: the entry amount is 30000 øre, but its transactions add up to 25000 øre',
    )
    refuseEntry(
      { amt: '<Amt Ccy="DKK">300.00</Amt>', details: batch('<Amt Ccy="DKK">100.00</Amt>', '') },
      '.NtryDtls[0].TxDtls[1].Amt: missing; it is needed to split a batched entry',
    )
    refuseEntry(
      { details: details(tx({ amt: '<Amt Ccy="DKK">120.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>' })) },
      '.NtryDtls[0].TxDtls[0].CdtDbtInd: a DBIT transaction in a credit entry',
    )
  })

  it('with a payment that cannot be told apart from another', () => {
    refuseEntry(
      { ref: '', details: details(tx({ refs: '' })) },
      '.AcctSvcrRef: missing; it is needed to identify the payment',
    )
    refuseEntry(
      { details: details(tx({ refs: '<Refs><AcctSvcrRef>T0</AcctSvcrRef></Refs>' })) },
      '.NtryDtls[0].TxDtls[0]: reference "T0" is also used by Ntfctn[0].Ntry[0].NtryDtls[0].TxDtls[0]',
    )
  })
})
