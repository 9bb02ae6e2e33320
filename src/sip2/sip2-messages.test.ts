import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { encodeSip2 } from './sip2-checksum.ts'
import {
  PATRON_STATUS_FLAGS,
  type Sip2PatronStatus,
  type Sip2Summary,
  type Sip2SupportedMessages,
  SUMMARY_POSITIONS,
  SUPPORTED_MESSAGES,
} from './sip2-fields.ts'
import {
  formatSip2Request,
  formatSip2Response,
  parseSip2Request,
  parseSip2Response,
  REQUEST_SPECS,
  RESPONSE_SPECS,
  type Sip2ParseResult,
  type Sip2Request,
  type Sip2Response,
  sip2CommandOf,
  sip2Frame,
} from './sip2-messages.ts'

const T = '20260302    100000' // 2 March 2026 10:00 Copenhagen = 09:00 UTC
const AT_T = new Date('2026-03-02T09:00:00Z')
const BLANK = ' '.repeat(18)

function ok<M>(result: Sip2ParseResult<M>): M {
  if (!result.ok) assert.fail(`not parsed: ${result.reason} (${result.detail})`)
  return result.message
}

function request(text: string): Sip2Request {
  return ok(parseSip2Request(text))
}

const fullStatus = (set: Sip2PatronStatus = {}): Sip2PatronStatus =>
  Object.fromEntries(PATRON_STATUS_FLAGS.map((flag) => [flag, set[flag] === true]))
const fullSummary = (set: Sip2Summary = {}): Sip2Summary =>
  Object.fromEntries(SUMMARY_POSITIONS.map((key) => [key, set[key] === true]))
const fullSupported = (set: Sip2SupportedMessages = {}): Sip2SupportedMessages =>
  Object.fromEntries(SUPPORTED_MESSAGES.map((key) => [key, set[key] === true]))

describe('SIP2 requests: fixed fields by position, variable fields by code', () => {
  it('93 login', () => {
    assert.deepEqual(request('9300CNkiosk-hb-1|COhemmeligt|CPhb|\r'), {
      type: 'login',
      uidAlgorithm: '0',
      pwdAlgorithm: '0',
      loginUserId: 'kiosk-hb-1',
      loginPassword: 'hemmeligt',
      locationCode: 'hb',
    })
  })

  it('99 SC status', () => {
    assert.deepEqual(request('9900302.00\r'), {
      type: 'sc-status',
      statusCode: '0',
      maxPrintWidth: 30,
      protocolVersion: '2.00',
    })
  })

  it('23 patron status', () => {
    assert.deepEqual(request(`23009${T}AOkobenhavn|AA1234567890|AC|AD1234|`), {
      type: 'patron-status',
      language: '009',
      transactionDate: AT_T,
      institutionId: 'kobenhavn',
      patronIdentifier: '1234567890',
      terminalPassword: '',
      patronPassword: '1234',
    })
  })

  it('63 patron information with its summary', () => {
    const message = request(`63009${T}  Y       AOkobenhavn|AA12345678|AD1234|BP1|BQ5|`)
    assert.deepEqual(message, {
      type: 'patron-information',
      language: '009',
      transactionDate: AT_T,
      summary: fullSummary({ chargedItems: true }),
      institutionId: 'kobenhavn',
      patronIdentifier: '12345678',
      patronPassword: '1234',
      startItem: 1,
      endItem: 5,
    })
    const fine = request(`63009${T}   Y      AOkobenhavn|AA12345678|`)
    assert.equal(fine.type === 'patron-information' && fine.summary.fineItems, true)
    const holds = request(`63009${T}Y         AOkobenhavn|AA12345678|`)
    assert.equal(holds.type === 'patron-information' && holds.summary.holdItems, true)
  })

  it('11 checkout (the example of the brief, with its checksum)', () => {
    const result = parseSip2Request(
      '11YN20260302    10000020260302    100000AOkobenhavn|AA12345678|AB5000001|AC|AY1AZEC72\r',
    )
    assert.ok(result.ok)
    assert.deepEqual(result.errorDetection, { sequence: 1, checksum: true })
    assert.deepEqual(result.message, {
      type: 'checkout',
      scRenewalPolicy: true,
      noBlock: false,
      transactionDate: AT_T,
      nbDueDate: AT_T,
      institutionId: 'kobenhavn',
      patronIdentifier: '12345678',
      itemIdentifier: '5000001',
      terminalPassword: '',
    })
  })

  it('11 checkout offline (no block) with fee acknowledged and cancel', () => {
    assert.deepEqual(request(`11NY${T}${BLANK}AOkobenhavn|AA12345678|AB5000001|BOY|BIN|`), {
      type: 'checkout',
      scRenewalPolicy: false,
      noBlock: true,
      transactionDate: AT_T,
      nbDueDate: null,
      institutionId: 'kobenhavn',
      patronIdentifier: '12345678',
      itemIdentifier: '5000001',
      feeAcknowledged: true,
      cancel: false,
    })
  })

  it('09 checkin', () => {
    assert.deepEqual(request(`09N${T}${T}APhb|AOkobenhavn|AB5000001|AC|`), {
      type: 'checkin',
      noBlock: false,
      transactionDate: AT_T,
      returnDate: AT_T,
      currentLocation: 'hb',
      institutionId: 'kobenhavn',
      itemIdentifier: '5000001',
      terminalPassword: '',
    })
  })

  it('29 renew', () => {
    assert.deepEqual(request(`29NN${T}${BLANK}AOkobenhavn|AA12345678|AB5000001|`), {
      type: 'renew',
      thirdPartyAllowed: false,
      noBlock: false,
      transactionDate: AT_T,
      nbDueDate: null,
      institutionId: 'kobenhavn',
      patronIdentifier: '12345678',
      itemIdentifier: '5000001',
    })
  })

  it('65 renew all', () => {
    assert.deepEqual(request(`65${T}AOkobenhavn|AA12345678|AD1234|`), {
      type: 'renew-all',
      transactionDate: AT_T,
      institutionId: 'kobenhavn',
      patronIdentifier: '12345678',
      patronPassword: '1234',
    })
  })

  it('17 item information', () => {
    assert.deepEqual(request(`17${T}AOkobenhavn|AB5000001|`), {
      type: 'item-information',
      transactionDate: AT_T,
      institutionId: 'kobenhavn',
      itemIdentifier: '5000001',
    })
  })

  it('15 hold', () => {
    assert.deepEqual(request(`15+${T}BW20260402    235959|BShb|BY2|AOkobenhavn|AA12345678|AB5000001|`), {
      type: 'hold',
      holdMode: '+',
      transactionDate: AT_T,
      expirationDate: new Date('2026-04-02T21:59:59Z'),
      pickupLocation: 'hb',
      holdType: '2',
      institutionId: 'kobenhavn',
      patronIdentifier: '12345678',
      itemIdentifier: '5000001',
    })
  })

  it('37 fee paid, the amount read as øre', () => {
    assert.deepEqual(request(`37${T}0400DKKBV12.50|AOkobenhavn|AA12345678|CGfee-17|BKtx9|`), {
      type: 'fee-paid',
      transactionDate: AT_T,
      feeType: '04',
      paymentType: '00',
      currencyType: 'DKK',
      feeAmount: 1250,
      institutionId: 'kobenhavn',
      patronIdentifier: '12345678',
      feeIdentifier: 'fee-17',
      transactionId: 'tx9',
    })
    const comma = request(`37${T}0400DKKBV7,5|AOkobenhavn|AA1|`)
    assert.equal(comma.type === 'fee-paid' && comma.feeAmount, 750)
    const junk = request(`37${T}0400DKKBVlots|AOkobenhavn|AA1|`)
    assert.equal(junk.type === 'fee-paid' && junk.feeAmount, undefined)
  })

  it('35 end patron session', () => {
    assert.deepEqual(request(`35${T}AOkobenhavn|AA12345678|`), {
      type: 'end-patron-session',
      transactionDate: AT_T,
      institutionId: 'kobenhavn',
      patronIdentifier: '12345678',
    })
  })

  it('01 block patron', () => {
    assert.deepEqual(request(`01Y${T}AOkobenhavn|ALKort inddraget|AA12345678|AC|`), {
      type: 'block-patron',
      cardRetained: true,
      transactionDate: AT_T,
      institutionId: 'kobenhavn',
      blockedCardMessage: 'Kort inddraget',
      patronIdentifier: '12345678',
      terminalPassword: '',
    })
  })

  it('97 request resend, with or without a checksum', () => {
    assert.deepEqual(request('97'), { type: 'request-resend' })
    const result = parseSip2Request('97AZFEF5\r')
    assert.ok(result.ok)
    assert.deepEqual(result.message, { type: 'request-resend' })
    assert.deepEqual(result.errorDetection, { sequence: null, checksum: true })
  })
})

describe('SIP2 quirks', () => {
  const base = `23009${T}`

  it('accepts CR, CRLF, LF and a leading LF left from the last CRLF', () => {
    for (const ending of ['', '\r', '\r\n', '\n']) {
      const message = request(`\n${base}AOkobenhavn|AA42|${ending}`)
      assert.equal(message.type === 'patron-status' && message.patronIdentifier, '42')
    }
    const bytes = parseSip2Request(encodeSip2(`\n${base}AOkobenhavn|AA42|AY4AZ0000\r\n`))
    // The checksum is wrong on purpose: the terminator bytes must not count.
    assert.equal(bytes.ok, false)
  })

  it('checks the checksum over the bytes through AZ, whatever the terminator', () => {
    const withChecksum = formatSip2Request(
      {
        type: 'patron-status',
        language: '009',
        transactionDate: AT_T,
        institutionId: 'kk',
        patronIdentifier: 'ø1',
      },
      { errorDetection: { sequence: 4, checksum: true } },
    )
    for (const ending of ['', '\r', '\r\n', '\n']) {
      assert.ok(parseSip2Request(encodeSip2(`${withChecksum}${ending}`)).ok)
      assert.ok(parseSip2Request(`${withChecksum}${ending}`).ok)
    }
    const latin1 = formatSip2Request(
      {
        type: 'patron-status',
        language: '009',
        transactionDate: AT_T,
        institutionId: 'kk',
        patronIdentifier: 'ø1',
      },
      { errorDetection: { sequence: 4, checksum: true }, encoding: 'latin1' },
    )
    const parsed = parseSip2Request(encodeSip2(latin1, 'latin1'))
    assert.ok(parsed.ok)
    assert.equal(parsed.encoding, 'latin1')
    assert.equal(parsed.message.type === 'patron-status' && parsed.message.patronIdentifier, 'ø1')
  })

  it('reads fields in any order', () => {
    assert.deepEqual(request(`${base}AD1234|AA42|AOkobenhavn|`), request(`${base}AOkobenhavn|AA42|AD1234|`))
  })

  it('tolerates a stray | after the fixed fields, doubled separators and a missing last |', () => {
    const expected = request(`${base}AOkobenhavn|AA42|`)
    assert.deepEqual(request(`${base}|AOkobenhavn|AA42|`), expected)
    assert.deepEqual(request(`${base}AOkobenhavn||AA42|`), expected)
    assert.deepEqual(request(`${base}AOkobenhavn|AA42`), expected)
  })

  it('reads 18 blanks as no date', () => {
    const message = request(`23009${BLANK}AOkobenhavn|AA42|`)
    assert.equal(message.type === 'patron-status' && message.transactionDate, null)
  })

  it('accepts missing AC and CP, and empty optional fields', () => {
    const login = request('9300CNkiosk|COpw|')
    assert.equal(login.type === 'login' && login.locationCode, undefined)
    const checkout = request(`11YN${T}${T}AOkobenhavn|AA1|AB2|`)
    assert.equal(checkout.type === 'checkout' && checkout.terminalPassword, undefined)
    const empty = request(`11YN${T}${T}AOkobenhavn|AA1|AB2|AC|AD|CH|`)
    assert.equal(empty.type === 'checkout' && empty.patronPassword, '')
  })

  it('reads a missing required field as empty', () => {
    const message = request(`23009${T}AOkobenhavn|`)
    assert.equal(message.type === 'patron-status' && message.patronIdentifier, '')
  })

  it('keeps the first of a repeated field, and every occurrence of a list field', () => {
    const message = request(`${base}AOkobenhavn|AA42|AA43|`)
    assert.equal(message.type === 'patron-status' && message.patronIdentifier, '42')
    const response = ok(parseSip2Response(`66100020000${T}AOkk|BM1|BM2|AFa|AFb|`))
    assert.equal(response.type, 'renew-all-response')
    assert.deepEqual(response.type === 'renew-all-response' && response.renewedItems, ['1', '2'])
    assert.deepEqual(response.type === 'renew-all-response' && response.screenMessage, ['a', 'b'])
  })

  it('keeps unknown fields apart', () => {
    const result = parseSip2Request(`${base}AOkobenhavn|AA42|XXfoo|XXbar|`)
    assert.ok(result.ok)
    assert.deepEqual(result.extraFields, { XX: ['foo', 'bar'] })
  })

  it('reads a sequence number without a checksum', () => {
    const result = parseSip2Request(`${base}AOkobenhavn|AA42|AY7`)
    assert.ok(result.ok)
    assert.deepEqual(result.errorDetection, { sequence: 7, checksum: false })
  })

  it('refuses without throwing: empty, unknown command, short fixed part, bad checksum', () => {
    const failure = (text: string): string | undefined => {
      const result = parseSip2Request(text)
      return result.ok ? undefined : result.reason
    }
    assert.equal(failure(''), 'empty')
    assert.equal(failure('\r\n'), 'empty')
    assert.equal(failure('2'), 'empty')
    assert.equal(failure('42abc'), 'unknown-command')
    assert.equal(failure('24              009'), 'unknown-command') // a response is no request
    assert.equal(failure('23009202603'), 'short-fixed-part')
    assert.equal(failure(`11YN${T}AOkobenhavn|`), 'short-fixed-part')
    assert.equal(failure('941AY0AZFDFE'), 'bad-checksum')
  })
})

// One sample of every message, with every field set, for the round trips.
const requestSamples: Sip2Request[] = [
  {
    type: 'login',
    uidAlgorithm: '0',
    pwdAlgorithm: '0',
    loginUserId: 'k1',
    loginPassword: 'p',
    locationCode: 'hb',
  },
  { type: 'sc-status', statusCode: '0', maxPrintWidth: 40, protocolVersion: '2.00' },
  {
    type: 'patron-status',
    language: '009',
    transactionDate: AT_T,
    institutionId: 'kk',
    patronIdentifier: '0101801234',
    terminalPassword: 't',
    patronPassword: '1234',
  },
  {
    type: 'patron-information',
    language: '009',
    transactionDate: null,
    summary: fullSummary({ fineItems: true }),
    institutionId: 'kk',
    patronIdentifier: 'p',
    terminalPassword: '',
    patronPassword: '1',
    startItem: 1,
    endItem: 10,
  },
  {
    type: 'checkout',
    scRenewalPolicy: true,
    noBlock: true,
    transactionDate: AT_T,
    nbDueDate: new Date('2026-03-30T21:59:59Z'),
    institutionId: 'kk',
    patronIdentifier: 'p',
    itemIdentifier: 'i',
    terminalPassword: 't',
    itemProperties: 'x',
    patronPassword: '1',
    feeAcknowledged: true,
    cancel: false,
  },
  {
    type: 'checkin',
    noBlock: true,
    transactionDate: AT_T,
    returnDate: AT_T,
    currentLocation: 'hb',
    institutionId: 'kk',
    itemIdentifier: 'i',
    terminalPassword: 't',
    itemProperties: 'x',
    cancel: true,
  },
  {
    type: 'renew',
    thirdPartyAllowed: false,
    noBlock: true,
    transactionDate: AT_T,
    nbDueDate: null,
    institutionId: 'kk',
    patronIdentifier: 'p',
    patronPassword: '1',
    itemIdentifier: 'i',
    titleIdentifier: 'Kongens fald',
    terminalPassword: 't',
    itemProperties: 'x',
    feeAcknowledged: false,
  },
  {
    type: 'renew-all',
    transactionDate: AT_T,
    institutionId: 'kk',
    patronIdentifier: 'p',
    patronPassword: '1',
    terminalPassword: 't',
    feeAcknowledged: true,
  },
  {
    type: 'item-information',
    transactionDate: AT_T,
    institutionId: 'kk',
    itemIdentifier: 'i',
    terminalPassword: '',
  },
  {
    type: 'hold',
    holdMode: '-',
    transactionDate: AT_T,
    expirationDate: AT_T,
    pickupLocation: 'hb',
    holdType: '3',
    institutionId: 'kk',
    patronIdentifier: 'p',
    patronPassword: '1',
    itemIdentifier: 'i',
    titleIdentifier: 't',
    terminalPassword: 't',
    feeAcknowledged: false,
  },
  {
    type: 'fee-paid',
    transactionDate: AT_T,
    feeType: '04',
    paymentType: '02',
    currencyType: 'DKK',
    feeAmount: 12345,
    institutionId: 'kk',
    patronIdentifier: 'p',
    terminalPassword: 't',
    patronPassword: '1',
    feeIdentifier: 'f1',
    transactionId: 'b1',
  },
  {
    type: 'end-patron-session',
    transactionDate: AT_T,
    institutionId: 'kk',
    patronIdentifier: 'p',
    terminalPassword: 't',
    patronPassword: '1',
  },
  {
    type: 'block-patron',
    cardRetained: false,
    transactionDate: AT_T,
    institutionId: 'kk',
    blockedCardMessage: 'stjålet kort',
    patronIdentifier: 'p',
    terminalPassword: 't',
  },
  { type: 'request-resend' },
]

const itemTransaction = {
  ok: true,
  renewalOk: false,
  magneticMedia: 'N' as const,
  desensitize: 'Y' as const,
  transactionDate: AT_T,
  institutionId: 'kk',
  patronIdentifier: 'p',
  itemIdentifier: 'i',
  titleIdentifier: 'Kongens fald',
  dueDate: new Date('2026-03-30T21:59:59Z'),
  feeType: '06',
  securityInhibit: false,
  currencyType: 'DKK',
  feeAmount: 500,
  mediaType: '001',
  itemProperties: 'Kongens fald%Johannes V. Jensen%bog%Bog%sk',
  transactionId: 'tx',
  screenMessage: ['Lånt til 30. marts 2026'],
  printLine: ['Kvittering'],
}

const responseSamples: Sip2Response[] = [
  { type: 'login-response', ok: true },
  {
    type: 'acs-status',
    onlineStatus: true,
    checkinOk: true,
    checkoutOk: true,
    acsRenewalPolicy: true,
    statusUpdateOk: false,
    offlineOk: true,
    timeoutPeriod: 30,
    retriesAllowed: 3,
    dateTimeSync: AT_T,
    protocolVersion: '2.00',
    institutionId: 'kk',
    libraryName: 'Københavns Biblioteker',
    supportedMessages: fullSupported({ checkout: true, checkin: true, renewAll: true }),
    terminalLocation: 'hb',
    screenMessage: ['Velkommen'],
    printLine: [],
  },
  {
    type: 'patron-status-response',
    patronStatus: fullStatus({ chargePrivilegesDenied: true, excessiveOutstandingFees: true }),
    language: '009',
    transactionDate: AT_T,
    institutionId: 'kk',
    patronIdentifier: 'p',
    personalName: 'Søren Ærø',
    validPatron: true,
    validPatronPassword: false,
    currencyType: 'DKK',
    feeAmount: 12345,
    screenMessage: ['Du har gebyrer på 123,45 kr.'],
    printLine: [],
  },
  {
    type: 'patron-information-response',
    patronStatus: fullStatus({ cardReportedLost: true, tooManyItemsBilled: true }),
    language: '009',
    transactionDate: AT_T,
    holdItemsCount: 1,
    overdueItemsCount: 2,
    chargedItemsCount: 3,
    fineItemsCount: 4,
    recallItemsCount: 5,
    unavailableHoldsCount: 6,
    institutionId: 'kk',
    patronIdentifier: 'p',
    personalName: 'Søren',
    holdItemsLimit: 10,
    overdueItemsLimit: 20,
    chargedItemsLimit: 50,
    validPatron: true,
    validPatronPassword: true,
    currencyType: 'DKK',
    feeAmount: 0,
    feeLimit: 20000,
    holdItems: ['h1'],
    overdueItems: ['o1', 'o2'],
    chargedItems: ['c1', 'c2', 'c3'],
    fineItems: ['f1'],
    recallItems: ['r1'],
    unavailableHoldItems: ['u1'],
    homeAddress: 'Krystalgade 15%1172%København K%Danmark',
    emailAddress: 's@example.dk',
    homePhoneNumber: '+4512345678',
    screenMessage: [],
    printLine: [],
  },
  { type: 'checkout-response', ...itemTransaction },
  {
    type: 'checkin-response',
    ok: true,
    resensitize: 'Y',
    magneticMedia: 'U',
    alert: true,
    transactionDate: AT_T,
    institutionId: 'kk',
    itemIdentifier: 'i',
    permanentLocation: 'hb',
    titleIdentifier: 't',
    sortBin: '2',
    patronIdentifier: 'p',
    mediaType: '001',
    itemProperties: 'x',
    screenMessage: ['Reserveret: læg på reserveringshylden'],
    printLine: [],
  },
  { type: 'renew-response', ...itemTransaction, ok: false },
  {
    type: 'renew-all-response',
    ok: true,
    renewedCount: 2,
    unrenewedCount: 1,
    transactionDate: AT_T,
    institutionId: 'kk',
    renewedItems: ['a', 'b'],
    unrenewedItems: ['c'],
    screenMessage: [],
    printLine: [],
  },
  {
    type: 'item-information-response',
    circulationStatus: '04',
    securityMarker: '02',
    feeType: '01',
    transactionDate: AT_T,
    holdQueueLength: 2,
    dueDate: AT_T,
    recallDate: AT_T,
    holdPickupDate: AT_T,
    itemIdentifier: 'i',
    titleIdentifier: 't',
    owner: 'kk',
    currencyType: 'DKK',
    feeAmount: 1,
    mediaType: '006',
    permanentLocation: 'hb',
    currentLocation: 'hb',
    itemProperties: 'x',
    screenMessage: [],
    printLine: [],
  },
  {
    type: 'hold-response',
    ok: true,
    available: false,
    transactionDate: AT_T,
    expirationDate: AT_T,
    queuePosition: 3,
    pickupLocation: 'hb',
    institutionId: 'kk',
    patronIdentifier: 'p',
    itemIdentifier: 'i',
    titleIdentifier: 't',
    screenMessage: [],
    printLine: [],
  },
  {
    type: 'fee-paid-response',
    paymentAccepted: false,
    transactionDate: AT_T,
    institutionId: 'kk',
    patronIdentifier: 'p',
    transactionId: 'b1',
    screenMessage: ['Gebyrer betales til kommunen'],
    printLine: [],
  },
  {
    type: 'end-session-response',
    endSession: true,
    transactionDate: AT_T,
    institutionId: 'kk',
    patronIdentifier: 'p',
    screenMessage: [],
    printLine: [],
  },
  { type: 'request-sc-resend' },
]

describe('SIP2 round trips', () => {
  it('has a sample of every request and response', () => {
    assert.deepEqual(
      requestSamples.map((sample) => sip2CommandOf(sample.type)),
      REQUEST_SPECS.map((spec) => spec.command),
    )
    assert.deepEqual(
      responseSamples.map((sample) => sip2CommandOf(sample.type)),
      RESPONSE_SPECS.map((spec) => spec.command),
    )
  })

  for (const sample of requestSamples) {
    it(`request ${sip2CommandOf(sample.type)} ${sample.type}`, () => {
      for (const errorDetection of [
        null,
        { sequence: 5, checksum: true },
        { sequence: 0, checksum: false },
      ]) {
        const text = formatSip2Request(sample, { errorDetection })
        assert.ok(text.startsWith(sip2CommandOf(sample.type)))
        const result = parseSip2Request(sip2Frame(text))
        assert.ok(result.ok, text)
        assert.deepEqual(result.message, sample)
        assert.deepEqual(result.errorDetection, errorDetection)
        assert.deepEqual(result.extraFields, {})
      }
    })
  }

  for (const sample of responseSamples) {
    it(`response ${sip2CommandOf(sample.type)} ${sample.type}`, () => {
      for (const errorDetection of [null, { sequence: 9, checksum: true }]) {
        const text = formatSip2Response(sample, { errorDetection })
        const result = parseSip2Response(`${text}\r`)
        assert.ok(result.ok, text)
        assert.deepEqual(result.message, sample)
        assert.deepEqual(result.errorDetection, errorDetection)
      }
    })
  }
})

describe('SIP2 responses on the wire', () => {
  it('94 with the sequence echoed and the checksum added', () => {
    assert.equal(
      formatSip2Response(
        { type: 'login-response', ok: true },
        { errorDetection: { sequence: 0, checksum: true } },
      ),
      '941AY0AZFDFD',
    )
    assert.equal(formatSip2Response({ type: 'login-response', ok: false }), '940')
    assert.equal(formatSip2Response({ type: 'request-sc-resend' }), '96')
  })

  it('64 lays out status, language, date and the six counts, then the fields', () => {
    const text = formatSip2Response({
      type: 'patron-information-response',
      patronStatus: { cardReportedLost: true },
      language: '009',
      transactionDate: AT_T,
      holdItemsCount: 0,
      overdueItemsCount: 1,
      chargedItemsCount: 2,
      fineItemsCount: 0,
      recallItemsCount: 0,
      unavailableHoldsCount: 12,
      institutionId: 'kk',
      patronIdentifier: '123',
      personalName: 'Ane',
      currencyType: 'DKK',
      feeAmount: 12345,
      chargedItems: ['5000001', '5000002'],
    })
    assert.equal(
      text,
      `64    Y         009${T}000000010002000000000012AOkk|AA123|AEAne|BHDKK|BV123.45|AU5000001|AU5000002|`,
    )
  })

  it('12 lays out ok, renewal ok, magnetic media, desensitize and the date; AH as a SIP2 date', () => {
    const text = formatSip2Response({
      type: 'checkout-response',
      ok: true,
      renewalOk: false,
      magneticMedia: 'N',
      desensitize: 'Y',
      transactionDate: AT_T,
      institutionId: 'kk',
      patronIdentifier: '1',
      itemIdentifier: '2',
      titleIdentifier: 'Titel',
      dueDate: new Date('2026-03-30T21:59:59Z'),
      screenMessage: ['Lånt'],
    })
    assert.equal(text, `121NNY${T}AOkk|AA1|AB2|AJTitel|AH20260330    235959|AFLånt|`)
  })

  it('10, 18, 38 and 98 layouts', () => {
    assert.equal(
      formatSip2Response({
        type: 'checkin-response',
        ok: true,
        resensitize: 'Y',
        magneticMedia: 'U',
        alert: true,
        transactionDate: AT_T,
        institutionId: 'kk',
        itemIdentifier: '2',
        permanentLocation: 'hb',
        sortBin: '3',
      }),
      `101YUY${T}AOkk|AB2|AQhb|CL3|`,
    )
    assert.equal(
      formatSip2Response({
        type: 'item-information-response',
        circulationStatus: '03',
        securityMarker: '02',
        feeType: '01',
        transactionDate: AT_T,
        itemIdentifier: '2',
        titleIdentifier: 'T',
      }),
      `18030201${T}AB2|AJT|`,
    )
    assert.equal(
      formatSip2Response({
        type: 'fee-paid-response',
        paymentAccepted: false,
        transactionDate: AT_T,
        institutionId: 'kk',
        patronIdentifier: '1',
        screenMessage: ['Gebyrer betales til kommunen'],
      }),
      `38N${T}AOkk|AA1|AFGebyrer betales til kommunen|`,
    )
    assert.equal(
      formatSip2Response({
        type: 'acs-status',
        onlineStatus: true,
        checkinOk: true,
        checkoutOk: true,
        acsRenewalPolicy: true,
        statusUpdateOk: false,
        offlineOk: true,
        timeoutPeriod: 30,
        retriesAllowed: 3,
        dateTimeSync: AT_T,
        protocolVersion: '2.00',
        institutionId: 'kk',
        supportedMessages: { patronStatusRequest: true, checkout: true, checkin: true, renewAll: true },
      }),
      `98YYYYNY030003${T}2.00AOkk|BXYYYNNNNNNNNNNNNY|`,
    )
  })

  it('sanitises | CR and LF out of values and writes required fields even when empty', () => {
    const text = formatSip2Response({
      type: 'end-session-response',
      endSession: true,
      transactionDate: null,
      institutionId: '',
      patronIdentifier: 'a|b',
      screenMessage: ['line1\r\nline2'],
    })
    assert.equal(text, `36Y${BLANK}AO|AAa b|AFline1  line2|`)
  })

  it('writes fee amounts in kr with two decimals', () => {
    const amount = (feeAmount: number): string =>
      formatSip2Response({
        type: 'patron-status-response',
        patronStatus: {},
        language: '009',
        transactionDate: null,
        institutionId: '',
        patronIdentifier: '',
        personalName: '',
        feeAmount,
      }).match(/BV([^|]*)\|/)?.[1] ?? ''
    assert.equal(amount(12345), '123.45')
    assert.equal(amount(5), '0.05')
    assert.equal(amount(100), '1.00')
    assert.equal(amount(0), '0.00')
    assert.equal(amount(-250), '-2.50')
  })
})

describe('SIP2 parser robustness', () => {
  const types = new Set<string>(REQUEST_SPECS.map((spec) => spec.type))
  const reasons = new Set(['empty', 'unknown-command', 'short-fixed-part', 'bad-checksum'])
  const check = (result: Sip2ParseResult<Sip2Request>): void => {
    if (result.ok) assert.ok(types.has(result.message.type))
    else assert.ok(reasons.has(result.reason))
  }
  const validTexts = requestSamples.map((sample) =>
    formatSip2Request(sample, { errorDetection: { sequence: 1, checksum: true } }),
  )

  it('never throws on random strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => check(parseSip2Request(text))),
      { numRuns: 2000 },
    )
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => check(parseSip2Request(text))),
    )
  })

  it('never throws on random strings that start with a known command', () => {
    const commands = REQUEST_SPECS.map((spec) => spec.command)
    fc.assert(
      fc.property(fc.constantFrom(...commands), fc.string({ maxLength: 120 }), (command, rest) =>
        check(parseSip2Request(`${command}${rest}`)),
      ),
      { numRuns: 2000 },
    )
  })

  it('never throws on truncated valid messages, and a cut checksum fails or reads as no checksum', () => {
    fc.assert(
      fc.property(fc.constantFrom(...validTexts), fc.nat(), (text, cut) => {
        const truncated = text.slice(0, cut % (text.length + 1))
        check(parseSip2Request(truncated))
        check(parseSip2Request(encodeSip2(truncated)))
      }),
      { numRuns: 2000 },
    )
  })

  it('never throws on byte garbage or valid messages with bytes changed', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => check(parseSip2Request(bytes))),
      { numRuns: 2000 },
    )
    fc.assert(
      fc.property(
        fc.constantFrom(...validTexts),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        (text, at, byte) => {
          const bytes = encodeSip2(text)
          const position = at % bytes.length
          const changed = bytes[position] !== byte
          bytes[position] = byte
          const result = parseSip2Request(bytes)
          check(result)
          // A changed byte before the checksum is caught by it.
          if (changed && position < bytes.length - 6 && byte !== 0x0d && byte !== 0x0a && byte !== 0) {
            assert.equal(result.ok, false)
          }
        },
      ),
      { numRuns: 2000 },
    )
  })

  it('never throws on responses either', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const result = parseSip2Response(bytes)
        assert.equal(typeof result.ok, 'boolean')
      }),
    )
  })
})
