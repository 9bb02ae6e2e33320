// The SIP2 rows of the access table (access-control.ts SIP2_ACCESS) against what a session does: before
// login only 93 and 97 are answered, after login everything but 37; and a machine of one municipality
// cannot act on another municipality's patrons or items.

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { SIP2_ACCESS } from '../http/access-control.ts'
import { openTestServices, type TestContext } from '../test-support/test-services.ts'
import { addSip2Account, type Sip2Account } from './sip2-accounts.ts'
import { formatSip2Request, type Sip2Request } from './sip2-messages.ts'
import { Sip2Session } from './sip2-session.ts'

let t: TestContext
let kbh: Sip2Account

before(async () => {
  t = await openTestServices('kobenhavn')
  kbh = await addSip2Account(t.services.db, {
    login: 'kbh-automat',
    password: 'pw',
    municipality: 'kobenhavn',
    location: 'Hovedbiblioteket',
  })
  await t.patron({ cardNumber: 'kp', birthDate: '1980-01-01', pin: '1234', name: 'KBH' })
  await t.item({ barcode: 'k1', materialType: 'book', title: 'KBH bog' })
  await t.patron({
    municipality: 'gentofte',
    cardNumber: 'gp',
    birthDate: '1980-01-01',
    pin: '1234',
    name: 'G',
  })
  await t.item({ municipality: 'gentofte', barcode: 'g1', materialType: 'book', title: 'Gentofte bog' })
  await t.item({ municipality: 'gentofte', barcode: 'g2', materialType: 'book', title: 'Gentofte bog 2' })
  await t.tx((trx) =>
    t.services.circulation.checkout(trx, { municipality: 'gentofte', patron: 'gp', item: 'g1' }),
  )
})

after(async () => {
  await t?.close()
})

const who = (patron: string) => ({ institutionId: 'x', patronIdentifier: patron, patronPassword: '1234' })

/** One request of each command, for patron `patron` and item `item`. */
function requests(patron: string, item: string): Record<string, Sip2Request> {
  return {
    '93': { type: 'login', uidAlgorithm: '0', pwdAlgorithm: '0', loginUserId: 'nobody', loginPassword: 'x' },
    '97': { type: 'request-resend' },
    '99': { type: 'sc-status', statusCode: '0', maxPrintWidth: 30, protocolVersion: '2.00' },
    '23': { type: 'patron-status', language: '009', transactionDate: null, ...who(patron) },
    '63': { type: 'patron-information', language: '009', transactionDate: null, summary: {}, ...who(patron) },
    '35': { type: 'end-patron-session', transactionDate: null, ...who(patron) },
    '11': {
      type: 'checkout',
      scRenewalPolicy: false,
      noBlock: false,
      transactionDate: null,
      nbDueDate: null,
      itemIdentifier: item,
      ...who(patron),
    },
    '09': {
      type: 'checkin',
      noBlock: false,
      transactionDate: null,
      returnDate: null,
      currentLocation: 'hoved',
      institutionId: 'x',
      itemIdentifier: item,
    },
    '29': {
      type: 'renew',
      thirdPartyAllowed: false,
      noBlock: false,
      transactionDate: null,
      nbDueDate: null,
      itemIdentifier: item,
      ...who(patron),
    },
    '65': { type: 'renew-all', transactionDate: null, ...who(patron) },
    '17': { type: 'item-information', transactionDate: null, institutionId: 'x', itemIdentifier: item },
    '15': { type: 'hold', holdMode: '+', transactionDate: null, itemIdentifier: item, ...who(patron) },
    '37': {
      type: 'fee-paid',
      transactionDate: null,
      feeType: '01',
      paymentType: '00',
      currencyType: 'DKK',
      feeAmount: 1000,
      ...who(patron),
    },
    '01': {
      type: 'block-patron',
      cardRetained: true,
      transactionDate: null,
      blockedCardMessage: 'kort beholdt',
      institutionId: 'x',
      patronIdentifier: patron,
    },
  } as Record<string, Sip2Request>
}

let sequence = 0
const send = (session: Sip2Session, request: Sip2Request) =>
  session.handle(
    formatSip2Request(request, { errorDetection: { sequence: sequence++ % 10, checksum: true } }),
  )

async function blocked(card: string): Promise<boolean> {
  const rows = await t.services.db
    .selectFrom('blocks')
    .innerJoin('patrons', 'patrons.id', 'blocks.patronId')
    .select('blocks.id')
    .where('patrons.cardNumber', '=', card)
    .where('blocks.untilAt', 'is', null)
    .execute()
  return rows.length > 0
}

describe('SIP2 messages and the access table', () => {
  it('lists every message laan understands', () => {
    assert.deepEqual(Object.keys(requests('kp', 'k1')).sort(), Object.keys(SIP2_ACCESS).sort())
  })

  it('answers only 93 and 97 before login: the others get 94 with ok 0, and 01 nothing', async () => {
    for (const [command, request] of Object.entries(requests('kp', 'k1'))) {
      const session = new Sip2Session(t.services)
      const answer = await send(session, request)
      const row = SIP2_ACCESS[command]
      if (row?.beforeLogin === 'answered') {
        assert.ok(answer?.startsWith(command === '93' ? '94' : '96'), `${command}: ${answer}`)
      } else if (command === '01') {
        assert.equal(answer, null)
      } else {
        assert.ok(answer?.startsWith('940'), `${command} before login: ${answer}`)
      }
    }
    assert.equal(await blocked('kp'), false, '01 before login blocks no one')
  })

  it('accepts every message after login except 37, which is never paid at a machine', async () => {
    for (const [command, request] of Object.entries(requests('kp', 'k1'))) {
      if (command === '93' || command === '01') continue
      const session = new Sip2Session(t.services, { account: kbh })
      const answer = await send(session, request)
      const row = SIP2_ACCESS[command]
      assert.ok(answer !== null && !answer.startsWith('940'), `${command}: ${answer}`)
      if (row?.afterLogin === 'refused') assert.ok(answer.startsWith('38N'), `${command}: ${answer}`)
    }
    const session = new Sip2Session(t.services, { account: kbh })
    assert.equal(await send(session, requests('kp', 'k1')['01'] as Sip2Request), null)
    assert.equal(await blocked('kp'), true, '01 after login blocks the patron')
  })

  it("cannot act on another municipality's patrons or items", async () => {
    const session = new Sip2Session(t.services, { account: kbh })
    const gentofte = requests('gp', 'g2')
    const answers: Record<string, string | null> = {}
    for (const command of ['23', '63', '11', '29', '65', '15', '01']) {
      answers[command] = await send(session, gentofte[command] as Sip2Request)
    }
    assert.match(answers['23'] ?? '', /\|BLN\|/, 'patron not valid here')
    assert.match(answers['63'] ?? '', /\|BLN\|/, 'patron not valid here')
    assert.ok(answers['11']?.startsWith('120'), `checkout: ${answers['11']}`)
    assert.ok(answers['29']?.startsWith('300'), `renew: ${answers['29']}`)
    assert.ok(answers['15']?.startsWith('160'), `hold: ${answers['15']}`)
    // A Copenhagen patron cannot borrow Gentofte's item, nor return Gentofte's loan at a Copenhagen machine.
    const crossItem = await send(session, requests('kp', 'g2')['11'] as Sip2Request)
    assert.ok(crossItem?.startsWith('120'), `checkout of another's item: ${crossItem}`)
    await send(session, requests('kp', 'g1')['09'] as Sip2Request)
    const loans = await t.services.db
      .selectFrom('loans')
      .innerJoin('items', 'items.id', 'loans.itemId')
      .select(['items.barcode', 'loans.returnedAt'])
      .where('items.municipality', '=', 'gentofte')
      .execute()
    assert.deepEqual(
      loans.map((l) => [l.barcode, l.returnedAt]),
      [['g1', null]],
      "Gentofte's loan still out, no loan of g2",
    )
    assert.equal(await blocked('gp'), false, "01 does not block another municipality's patron")
    const reservations = await t.services.db
      .selectFrom('reservations')
      .innerJoin('patrons', 'patrons.id', 'reservations.patronId')
      .select('reservations.id')
      .where('patrons.municipality', '=', 'gentofte')
      .execute()
    assert.equal(reservations.length, 0)
  })
})
