import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import {
  decodeFbsText,
  encodeFbsText,
  FBS_NAMESPACE,
  formatFbsError,
  formatFbsRequest,
  formatFbsResponse,
  parseFbsAnswer,
  parseFbsEnvelope,
} from './fbs-envelope.ts'

const CHECKOUT = '11YN20260302    10000020260302    100000AOkobenhavn|AA12345678|AB5000001|AC|AY1AZEC72'

describe('FBS envelope', () => {
  it('reads the envelope of the issue', () => {
    const xml = `<ns1:sip login="kiosk1" password="hemmeligt" xmlns:ns1="${FBS_NAMESPACE}"><request>${CHECKOUT}</request></ns1:sip>`
    assert.deepEqual(parseFbsEnvelope(xml), {
      ok: true,
      envelope: { login: 'kiosk1', password: 'hemmeligt', request: CHECKOUT },
    })
  })

  it('takes attributes in any order, any prefix or none, single quotes, a declaration and whitespace', () => {
    const variants = [
      `<?xml version="1.0" encoding="UTF-8"?>\n<sip:sip xmlns:sip="${FBS_NAMESPACE}" password='pw' login="k">\n  <request>${CHECKOUT}</request>\n</sip:sip>\n`,
      `  <sip password="pw" xmlns="${FBS_NAMESPACE}"   login = "k" ><request>\n  ${CHECKOUT}\n  </request></sip>`,
      `\uFEFF<!-- kiosk --><x:sip login="k" password="pw" xmlns:x="urn:other"><x:request>${CHECKOUT}</x:request></x:sip>`,
      `<ns1:sip login="k" password="pw"><request><![CDATA[${CHECKOUT}]]></request></ns1:sip>`,
    ]
    for (const xml of variants) {
      assert.deepEqual(
        parseFbsEnvelope(xml),
        { ok: true, envelope: { login: 'k', password: 'pw', request: CHECKOUT } },
        xml,
      )
    }
  })

  it('unescapes entities in the request and the attributes', () => {
    const xml = `<ns1:sip login="k&amp;1" password="p&quot;&#230;" xmlns:ns1="${FBS_NAMESPACE}"><request>17AOkk|ABa&amp;b&lt;c&#x3E;&#248;|</request></ns1:sip>`
    assert.deepEqual(parseFbsEnvelope(xml), {
      ok: true,
      envelope: { login: 'k&1', password: 'p"æ', request: '17AOkk|ABa&b<c>ø|' },
    })
  })

  it('takes a raw > inside an attribute value', () => {
    assert.deepEqual(parseFbsEnvelope('<sip login="k" password="a>b"><request>99</request></sip>'), {
      ok: true,
      envelope: { login: 'k', password: 'a>b', request: '99' },
    })
  })

  it('answers a long malformed start tag quickly', () => {
    const started = Date.now()
    const result = parseFbsEnvelope(`<sip${' a="x"'.repeat(20_000)} b=`)
    assert.equal(result.ok, false)
    assert.ok(Date.now() - started < 500)
  })

  it('keeps trailing blanks of the message (an all-blank fixed field) but drops a line end', () => {
    const message = `63009${' '.repeat(18)}          `
    const parsed = parseFbsEnvelope(`<sip login="k" password="p"><request>${message}\r\n</request></sip>`)
    assert.ok(parsed.ok)
    assert.equal(parsed.envelope.request, message)
  })

  it('refuses bad XML with a reason, never throwing', () => {
    const bad = [
      '',
      'not xml',
      '<sip login="k" password="p"><request>99</request>',
      '<sip login="k" password="p"><request>99</sip>',
      '<sip login="k" password="p"><reply>99</reply></sip>',
      '<sip login="k"><request>99</request></sip>',
      '<sip password="p"><request>99</request></sip>',
      '<sip login="k" password="p"><request>9<b>9</b></request></sip>',
      '<sip login="k" password="p"><request>99</request></sip><sip/>',
      '<sip login=k password="p"><request>99</request></sip>',
      '<sip login="k" password="p"><request><![CDATA[99</request></sip>',
      '<sip login="k" password="p"/>',
      '<other login="k" password="p"><request>99</request></other>',
    ]
    for (const xml of bad) {
      const result = parseFbsEnvelope(xml)
      assert.equal(result.ok, false, xml)
      assert.ok(!result.ok && result.error.length > 0)
    }
  })

  it('writes response and error envelopes, XML-escaped, and reads them back', () => {
    const response = '121NNY20260302    100000AOkk|AA1|AB2|AJRøde & <blå>|'
    const xml = formatFbsResponse(`${response}\r`)
    assert.ok(xml.includes(`<ns1:sip xmlns:ns1="${FBS_NAMESPACE}"><response>`))
    assert.ok(xml.includes('AJRøde &amp; &lt;blå&gt;|</response>'))
    assert.deepEqual(parseFbsAnswer(xml), { kind: 'response', text: response })
    assert.deepEqual(parseFbsAnswer(formatFbsError('Ukendt login & kode')), {
      kind: 'error',
      text: 'Ukendt login & kode',
    })
    assert.equal(parseFbsAnswer('<html/>').kind, 'invalid')
  })

  it('round-trips a request envelope with any text', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 30 }),
        fc.string({ maxLength: 30 }),
        fc.string({ maxLength: 100 }),
        (login, password, body) => {
          const request = `99${body.replace(/[^\u0020-\uD7FF\uE000-\uFFFD]/g, '')}`.replace(/\s+$/, '')
          const parsed = parseFbsEnvelope(formatFbsRequest({ login, password, request }))
          assert.ok(parsed.ok)
          assert.equal(parsed.envelope.request, request)
          assert.equal(parsed.envelope.login, login.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD]/g, ''))
        },
      ),
    )
  })

  it('never throws on garbage', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (xml) => {
        const result = parseFbsEnvelope(xml)
        assert.equal(typeof result.ok, 'boolean')
        assert.ok(['response', 'error', 'invalid'].includes(parseFbsAnswer(xml).kind))
      }),
      { numRuns: 2000 },
    )
    const pieces = [
      '<',
      '>',
      '/',
      'sip',
      'ns1:',
      'request',
      ' login="k"',
      " password='p'",
      '&amp;',
      '<![CDATA[',
      ']]>',
      '"',
      '99',
    ]
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 30 }), (parts) => {
        assert.equal(typeof parseFbsEnvelope(parts.join('')).ok, 'boolean')
      }),
      { numRuns: 2000 },
    )
  })
})

describe('FBS text entities', () => {
  it('encodes markup, the separators and every non-ASCII character', () => {
    assert.equal(
      encodeFbsText('Ærø & Møn <50%> | "x"'),
      '&#198;r&#248; &amp; M&#248;n &lt;50&#37;&gt; &#124; &quot;x&quot;',
    )
    assert.equal(encodeFbsText('Blåbærgrød'), 'Bl&#229;b&#230;rgr&#248;d')
    assert.equal(encodeFbsText('line\r\nbreak'), 'line  break')
  })

  it('decodes numeric, XML and Danish named entities; leaves unknown ones', () => {
    assert.equal(decodeFbsText('&aelig;&oslash;&aring;&AElig;&Oslash;&Aring;'), 'æøåÆØÅ')
    assert.equal(decodeFbsText('&#230;&#xE6;&#XF8;&amp;&lt;&gt;&quot;&apos;'), 'ææø&<>"\'')
    assert.equal(decodeFbsText('&unknown; &#99999999; & alone'), '&unknown; &#99999999; & alone')
    assert.equal(decodeFbsText('&#55296;'), '&#55296;') // a lone surrogate is no character
  })

  it('round-trips any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (text) => {
        const encoded = encodeFbsText(text)
        assert.ok(/^[\u0020-\u007e]*$/.test(encoded))
        assert.ok(!encoded.includes('%') && !encoded.includes('|'))
        assert.equal(
          decodeFbsText(encoded),
          text
            .replace(/[\r\n]/g, ' ')
            .split('')
            .filter((c) => c.charCodeAt(0) >= 0x20)
            .join(''),
        )
      }),
    )
  })
})
