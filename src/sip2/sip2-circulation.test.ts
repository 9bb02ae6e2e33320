// Every SIP2 message through the SIP2 client written for the tests, over TCP and over the FBS XML
// endpoint, against the real services (PGlite, or PostgreSQL with DATABASE_URL).

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../http/app.ts'
import { openTestServices, type TestContext } from '../test-support/test-services.ts'
import { loginWithPin } from '../web/patron-login.ts'
import {
  parseFbsChargedItem,
  parseFbsFineItem,
  parseFbsHomeAddress,
  parseFbsItemProperties,
  parseFbsUnrenewedItem,
} from './fbs-item-fields.ts'
import { addSip2Account } from './sip2-accounts.ts'
import { formatSip2Date } from './sip2-dates.ts'
import { formatSip2Request, type Sip2Request } from './sip2-messages.ts'
import {
  SIP2_ELSEWHERE_SORT_BIN,
  SIP2_FEE_PAID_MESSAGE,
  SIP2_ILL_SORT_BIN,
  SIP2_REFUSAL_MESSAGES,
  SIP2_WRONG_PIN_MESSAGE,
} from './sip2-screen-messages.ts'
import { createSip2Server, type Sip2Server } from './sip2-server.ts'
import type { Sip2MessageLog } from './sip2-session.ts'
import { Sip2Dialogue, Sip2FbsClient, Sip2TcpClient, sip2Requests } from './sip2-test-client.ts'

const KK = 'kobenhavn'
const CPR = '0103901234'

type Transport = 'tcp' | 'fbs'

const { patron, checkout, checkin, patronInformation, patronStatus, renew } = sip2Requests(KK)

const dueOf = (date: string) => `${date.replaceAll('-', '')}    235959`

function suite(transport: Transport) {
  describe(`SIP2 messages over ${transport === 'tcp' ? 'TCP' : 'the FBS endpoint'}`, () => {
    let t: TestContext
    let server: Sip2Server | undefined
    let app: FastifyInstance | undefined
    let sip: Sip2Dialogue
    const log: Sip2MessageLog[] = []

    async function open(): Promise<Sip2Dialogue> {
      if (transport === 'tcp') {
        const dialogue = new Sip2Dialogue(await Sip2TcpClient.connect(port))
        await dialogue.logIn('automat1', 'hemmelig')
        return dialogue
      }
      return new Sip2Dialogue(new Sip2FbsClient(`${url}/rest/sip2/DK-710100`, 'automat1', 'hemmelig'))
    }
    let port = 0
    let url = ''

    before(async () => {
      t = await openTestServices(KK)
      t.at('2026-03-02T10:00:00+01:00')
      await addSip2Account(t.services.db, {
        login: 'automat1',
        password: 'hemmelig',
        municipality: KK,
        location: 'Hovedbiblioteket',
      })
      await t.patron({
        cardNumber: 'anna',
        cpr: CPR,
        name: 'Anna Ærø',
        pin: '1234',
        email: 'anna@example.dk',
        address: { street: 'Nørregade 1', postalCode: '1165', city: 'København K' },
      })
      await t.patron({ cardNumber: 'bo', birthDate: '1985-06-01', pin: '4321' })
      await t.patron({ cardNumber: 'cai', birthDate: '1980-01-01' })
      await t.item({
        barcode: 'b1',
        materialType: 'book',
        title: 'Kongens Fald',
        author: 'Johannes V. Jensen',
        dk5: 'sk',
      })
      await t.item({ barcode: 'b2', materialType: 'book', title: 'Festen' })
      await t.item({ barcode: 'f1', materialType: 'film', title: 'Jagten', dk5: '77.7' })
      await t.item({ barcode: 'b3', materialType: 'book', title: 'Havet' })
      await t.item({
        barcode: 'ill1',
        materialType: 'book',
        title: 'Fjern bog',
        ill: { lendingLibrary: 'Aarhus Kommunes Biblioteker' },
      })
      await t.item({ barcode: 'g1', materialType: 'book', title: 'Gentofte-bog', municipality: 'gentofte' })
      if (transport === 'tcp') {
        server = createSip2Server(t.services, { onMessage: (entry) => log.push(entry) })
        port = (await server.listen(0)).port
      } else {
        app = await buildApp(t.services)
        url = await app.listen({ port: 0, host: '127.0.0.1' })
      }
      sip = await open()
    })

    after(async () => {
      sip?.close()
      await server?.close()
      await app?.close()
      await t?.close()
    })

    it('23: patron status with the PIN checked, by card or CPR number', async () => {
      const ok = await sip.send(patronStatus('anna', '1234'), 'patron-status-response')
      assert.equal(ok.validPatron, true)
      assert.equal(ok.validPatronPassword, true)
      assert.equal(ok.personalName, transport === 'fbs' ? 'Anna &#198;r&#248;' : 'Anna Ærø')
      assert.equal(ok.language, '009')
      assert.equal(ok.feeAmount, 0)
      assert.equal(ok.patronStatus.chargePrivilegesDenied, false)
      const byCpr = await sip.send(patronStatus(CPR, '1234'), 'patron-status-response')
      assert.equal(byCpr.validPatronPassword, true)
      const wrong = await sip.send(patronStatus('anna', '9999'), 'patron-status-response')
      assert.equal(wrong.validPatronPassword, false)
      const unknown = await sip.send(patronStatus('nobody'), 'patron-status-response')
      assert.equal(unknown.validPatron, false)
      assert.match(unknown.line, /\|BLN\|/)
      assert.equal(unknown.validPatronPassword, undefined)
    })

    it('11: checks out with the right PIN, refuses a wrong one, gives the FBS item properties', async () => {
      const wrong = await sip.send(checkout('anna', 'b1', { patronPassword: '0000' }), 'checkout-response')
      assert.equal(wrong.ok, false)
      assert.deepEqual(wrong.screenMessage, [
        transport === 'fbs' ? 'Forkert pinkode. Pr&#248;v igen.' : SIP2_WRONG_PIN_MESSAGE,
      ])
      const ok = await sip.send(checkout('anna', 'b1', { patronPassword: '1234' }), 'checkout-response')
      assert.equal(ok.ok, true, ok.line)
      assert.match(ok.line, /\|AH20260330 {4}235959\|/)
      if (transport === 'fbs') {
        assert.deepEqual(parseFbsItemProperties(ok.itemProperties ?? ''), {
          title: 'Kongens Fald',
          author: 'Johannes V. Jensen',
          gmb: 'bog',
          smb: 'Bog',
          dk5: 'sk',
        })
      } else {
        assert.equal(ok.itemProperties, undefined)
      }
      assert.equal((await sip.send(checkout('anna', 'f1'), 'checkout-response')).ok, true)
      assert.equal((await sip.send(checkout('cai', 'b2'), 'checkout-response')).ok, true)
    })

    it('63: patron information with counts, the charged items and the home address', async () => {
      const info = await sip.send(
        patronInformation('anna', { chargedItems: true }, '1234'),
        'patron-information-response',
      )
      assert.equal(info.chargedItemsCount, 2)
      assert.equal(info.overdueItemsCount, 0)
      assert.equal(info.validPatronPassword, true)
      assert.equal(info.emailAddress, 'anna@example.dk')
      if (transport === 'fbs') {
        const first = parseFbsChargedItem(info.chargedItems?.[0] ?? '')
        assert.equal(first.barcode, 'b1')
        assert.equal(first.title, 'Kongens Fald')
        assert.equal(first.smb, 'Bog')
        assert.equal(formatSip2Date(first.dueDate), dueOf('2026-03-30'))
        assert.equal(parseFbsChargedItem(info.chargedItems?.[1] ?? '').smb, 'dvd')
        assert.deepEqual(parseFbsHomeAddress(info.homeAddress ?? ''), {
          street: 'Nørregade 1',
          postalCode: '1165',
          city: 'København K',
          country: 'Danmark',
        })
      } else {
        assert.deepEqual(info.chargedItems, ['b1', 'f1'])
        assert.equal(info.homeAddress, 'Nørregade 1, 1165 København K')
      }
      const second = await sip.send(
        {
          ...(patronInformation('anna', { chargedItems: true }) as object),
          startItem: 2,
          endItem: 2,
        } as Sip2Request,
        'patron-information-response',
      )
      assert.equal(second.chargedItems?.length, 1)
    })

    it('17: item information with status, due date and queue', async () => {
      const info = await sip.send(
        { type: 'item-information', transactionDate: null, institutionId: KK, itemIdentifier: 'b1' },
        'item-information-response',
      )
      assert.equal(info.circulationStatus, '04')
      assert.equal(formatSip2Date(info.dueDate ?? null), dueOf('2026-03-30'))
      assert.equal(info.holdQueueLength, 0)
      assert.equal(info.owner, transport === 'fbs' ? 'K&#248;benhavns Biblioteker' : 'Københavns Biblioteker')
      const shelf = await sip.send(
        { type: 'item-information', transactionDate: null, institutionId: KK, itemIdentifier: 'b3' },
        'item-information-response',
      )
      assert.equal(shelf.circulationStatus, '03')
      const unknown = await sip.send(
        { type: 'item-information', transactionDate: null, institutionId: KK, itemIdentifier: 'zzz' },
        'item-information-response',
      )
      assert.equal(unknown.circulationStatus, '01')
    })

    it('15: places, reports and cancels a hold', async () => {
      const placed = await sip.send(
        { type: 'hold', holdMode: '+', transactionDate: null, ...patron('bo', '4321'), itemIdentifier: 'b1' },
        'hold-response',
      )
      assert.equal(placed.ok, true, placed.line)
      assert.equal(placed.available, false)
      assert.equal(placed.queuePosition, 1)
      assert.equal(
        placed.pickupLocation,
        transport === 'fbs'
          ? 'DK-710100 - K&#248;benhavns Biblioteker'
          : 'DK-710100 - Københavns Biblioteker',
      )
      const byTitle = await sip.send(
        {
          type: 'hold',
          holdMode: '+',
          transactionDate: null,
          ...patron('cai'),
          titleIdentifier: 'Kongens Fald',
        },
        'hold-response',
      )
      assert.equal(byTitle.queuePosition, 2)
      const cancelled = await sip.send(
        { type: 'hold', holdMode: '-', transactionDate: null, ...patron('cai'), itemIdentifier: 'b1' },
        'hold-response',
      )
      assert.equal(cancelled.ok, true)
      const again = await sip.send(
        { type: 'hold', holdMode: '-', transactionDate: null, ...patron('cai'), itemIdentifier: 'b1' },
        'hold-response',
      )
      assert.equal(again.ok, false)
      const onShelf = await sip.send(
        { type: 'hold', holdMode: '+', transactionDate: null, ...patron('cai'), itemIdentifier: 'b3' },
        'hold-response',
      )
      assert.equal(onShelf.available, true)
      assert.equal(onShelf.queuePosition, 0)
    })

    it('29 and 65: renews one loan, and all with the reasons of those refused', async () => {
      t.at('2026-03-10T10:00:00+01:00')
      const reserved = await sip.send(renew('anna', 'b1', '1234'), 'renew-response')
      assert.equal(reserved.ok, false)
      assert.deepEqual(reserved.screenMessage, [
        transport === 'fbs'
          ? 'Materialet er reserveret af en anden l&#229;ner og kan ikke fornys.'
          : SIP2_REFUSAL_MESSAGES.reserved,
      ])
      const ok = await sip.send(renew('anna', 'f1', '1234'), 'renew-response')
      assert.equal(ok.ok, true, ok.line)
      assert.equal(ok.renewalOk, true)
      assert.match(ok.line, /\|AH20260407 {4}235959\|/)
      const notMine = await sip.send(renew('bo', 'f1'), 'renew-response')
      assert.equal(notMine.ok, false)

      const all = await sip.send(
        { type: 'renew-all', transactionDate: null, ...patron('anna', '1234') },
        'renew-all-response',
      )
      assert.equal(all.ok, true)
      assert.equal(all.renewedCount, 1)
      assert.equal(all.unrenewedCount, 1)
      if (transport === 'fbs') {
        const refused = parseFbsUnrenewedItem(all.unrenewedItems?.[0] ?? '')
        assert.equal(refused.barcode, 'b1')
        assert.equal(refused.reason, SIP2_REFUSAL_MESSAGES.reserved)
      } else {
        assert.deepEqual(all.renewedItems, ['f1'])
        assert.deepEqual(all.unrenewedItems, ['b1'])
      }
    })

    it('37: a fee is never paid at a machine', async () => {
      const answer = await sip.send(
        {
          type: 'fee-paid',
          transactionDate: null,
          feeType: '04',
          paymentType: '00',
          currencyType: 'DKK',
          feeAmount: 2000,
          ...patron('anna'),
        },
        'fee-paid-response',
      )
      assert.equal(answer.paymentAccepted, false)
      assert.equal(answer.screenMessage?.length, 1)
      if (transport === 'tcp') assert.deepEqual(answer.screenMessage, [SIP2_FEE_PAID_MESSAGE])
    })

    it('09: a late return charges a fee that 23 and 63 then show; an ILL goes back to its library', async () => {
      t.at('2026-04-03T10:00:00+02:00')
      const back = await sip.send(checkin('b2'), 'checkin-response')
      assert.equal(back.ok, true, back.line)
      assert.equal(back.alert, false)
      const status = await sip.send(patronStatus('cai'), 'patron-status-response')
      assert.equal(status.feeAmount, 2000)
      assert.match(status.line, /\|BV20\.00\|/)
      const info = await sip.send(
        patronInformation('cai', { fineItems: true }),
        'patron-information-response',
      )
      assert.equal(info.fineItemsCount, 1)
      if (transport === 'fbs') {
        const fine = parseFbsFineItem(info.fineItems?.[0] ?? '')
        assert.equal(fine.barcode, 'b2')
        assert.equal(fine.amount, 2000)
        assert.equal(fine.title, 'Festen')
      } else {
        assert.deepEqual(info.fineItems, ['b2 20 kr'])
      }

      assert.equal((await sip.send(checkout('bo', 'ill1'), 'checkout-response')).ok, true)
      const ill = await sip.send(checkin('ill1'), 'checkin-response')
      assert.equal(ill.ok, true)
      assert.equal(ill.alert, true)
      assert.equal(ill.sortBin, transport === 'fbs' ? 'fjernl&#229;n' : SIP2_ILL_SORT_BIN)

      const elsewhere = await sip.send(checkin('g1'), 'checkin-response')
      assert.equal(elsewhere.ok, false)
      assert.equal(elsewhere.alert, true)
      assert.equal(elsewhere.sortBin, SIP2_ELSEWHERE_SORT_BIN)
      assert.match(elsewhere.screenMessage?.[0] ?? '', /Gentofte/)
    })

    it('01 blocks the patron: 23 shows it and a checkout is refused in Danish', async () => {
      const block = formatSip2Request({
        type: 'block-patron',
        cardRetained: true,
        transactionDate: null,
        institutionId: KK,
        blockedCardMessage: 'kort beholdt',
        patronIdentifier: 'bo',
      })
      // 01 has no answer: over TCP nothing comes back, the FBS endpoint answers an empty response.
      if (sip.transport instanceof Sip2TcpClient) sip.transport.send(block)
      else assert.equal(await sip.transport.request(block), '')
      const status = await sip.send(patronStatus('bo'), 'patron-status-response')
      assert.equal(status.patronStatus.chargePrivilegesDenied, true)
      assert.equal(status.patronStatus.holdPrivilegesDenied, true)
      const refused = await sip.send(checkout('bo', 'b2'), 'checkout-response')
      assert.equal(refused.ok, false)
      assert.equal(refused.screenMessage?.length, 1)
    })

    it('offline: a stored checkout of a blocked patron is accepted once; a return at 01:00 on the due date is on time', async () => {
      t.at('2026-04-05T12:00:00+02:00')
      const lentAt = new Date('2026-04-04T15:00:00+02:00')
      const offline = checkout('bo', 'b2', { noBlock: true, transactionDate: lentAt })
      const first = await sip.send(offline, 'checkout-response')
      assert.equal(first.ok, true, first.line)
      assert.match(first.line, /\|AH20260502 {4}235959\|/)
      const replay = await sip.send(offline, 'checkout-response')
      assert.equal(replay.ok, true)
      assert.equal(
        replay.line.replace(/AY\d.*$/, ''),
        first.line.replace(/AY\d.*$/, ''),
        'the same answer again',
      )
      assert.match(replay.line, /\|AAbo\|/)
      // The record that recognises the replay holds neither the card number nor the answer's copy of it.
      const records = await t.services.db.selectFrom('sip2OfflineTransactions').selectAll().execute()
      assert.ok(records.length > 0)
      assert.ok(!JSON.stringify(records).includes('AAbo|') && records.every((r) => r.patron !== 'bo'))
      const loans = await t.services.db
        .selectFrom('loans')
        .innerJoin('items', 'items.id', 'loans.itemId')
        .select(['loans.status', 'loans.checkedOutAt'])
        .where('items.barcode', '=', 'b2')
        .where('loans.status', '=', 'active')
        .execute()
      assert.equal(loans.length, 1)
      assert.equal(new Date(loans[0]?.checkedOutAt ?? 0).toISOString(), lentAt.toISOString())

      // Due 2 May; returned at 01:00 on 2 May in an outage, replayed on 3 May: on time, no fee.
      t.at('2026-05-03T09:00:00+02:00')
      const returned = checkin('b2', {
        noBlock: true,
        transactionDate: new Date('2026-05-02T01:00:00+02:00'),
      })
      const back = await sip.send(returned, 'checkin-response')
      assert.equal(back.ok, true, back.line)
      const again = await sip.send(returned, 'checkin-response')
      assert.equal(again.ok, true)
      const bo = await sip.send(patronStatus('bo'), 'patron-status-response')
      assert.equal(bo.feeAmount, 0)
      const count = await t.services.db
        .selectFrom('sip2OfflineTransactions')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow()
      assert.equal(Number(count.n), 2)
    })

    it('offline: an item held for another, or still on loan to another, is lent all the same', async () => {
      const at = new Date('2026-05-03T08:30:00+02:00')
      const held = await sip.send(
        checkout('anna', 'b3', { noBlock: true, transactionDate: at }),
        'checkout-response',
      )
      assert.equal(held.ok, true, held.line)
      const cai = await sip.send(patronInformation('cai', {}), 'patron-information-response')
      assert.equal(cai.holdItemsCount, 0)
      assert.equal(cai.unavailableHoldsCount, 1)
      const taken = await sip.send(
        checkout('cai', 'f1', { noBlock: true, transactionDate: at }),
        'checkout-response',
      )
      assert.equal(taken.ok, true, taken.line)
      const anna = await sip.send(
        patronInformation('anna', { chargedItems: true }),
        'patron-information-response',
      )
      assert.equal(anna.chargedItemsCount, 2)
    })

    it('99 gives the status and what is supported; 35 ends the patron session', async () => {
      const status = await sip.send(
        { type: 'sc-status', statusCode: '0', maxPrintWidth: 40, protocolVersion: '2.00' },
        'acs-status',
      )
      assert.equal(status.onlineStatus, true)
      assert.equal(status.offlineOk, true)
      assert.equal(status.supportedMessages.renewAll, true)
      const end = await sip.send(
        { type: 'end-patron-session', transactionDate: null, ...patron('anna') },
        'end-session-response',
      )
      assert.equal(end.endSession, true)
    })

    it('97 resends the last answer', async () => {
      const last = await sip.raw(patronStatus('anna'))
      assert.equal(await sip.transport.request('97'), last)
    })

    it('5 wrong PINs lock the PIN for 15 minutes at the machines and on the web alike', async () => {
      await t.patron({ cardNumber: 'dora', birthDate: '1990-01-01', pin: '5555' })
      for (const guess of ['0001', '0002', '0003', '0004', '0005']) {
        const answer = await sip.send(patronStatus('dora', guess), 'patron-status-response')
        assert.equal(answer.validPatronPassword, false)
      }
      const lockedHere = await sip.send(patronStatus('dora', '5555'), 'patron-status-response')
      assert.equal(lockedHere.validPatronPassword, false, 'the right PIN is refused while locked')
      const refused = await sip.send(checkout('dora', 'b3', { patronPassword: '5555' }), 'checkout-response')
      assert.equal(refused.ok, false)
      const web = await loginWithPin(
        t.services.db,
        t.services.cprVault,
        KK,
        'dora',
        '5555',
        t.services.clock.now(),
      )
      assert.equal(web.ok ? 'ok' : web.reason, 'locked')
      const minutesLater = (minutes: number) =>
        t.at(new Date(t.services.clock.now().getTime() + minutes * 60_000).toISOString())
      minutesLater(16)
      const later = await sip.send(patronStatus('dora', '5555'), 'patron-status-response')
      assert.equal(later.validPatronPassword, true)
    })

    it('too many wrong machine passwords refuse new logins for 5 minutes; a verified machine goes on', async () => {
      const wrongLogin = async (): Promise<string> => {
        if (transport === 'fbs')
          return new Sip2FbsClient(`${url}/rest/sip2/DK-710100`, 'automat1', 'forkert').request('9900302.00')
        const dialogue = new Sip2Dialogue(await Sip2TcpClient.connect(port))
        try {
          return await dialogue.transport.request('9300CNautomat1|COforkert|')
        } finally {
          dialogue.close()
        }
      }
      for (let i = 0; i < 5; i++)
        assert.match(await wrongLogin(), transport === 'fbs' ? /^ERROR: Forkert login/ : /^940/)
      if (transport === 'fbs') assert.match(await wrongLogin(), /^ERROR: For mange forkerte logins/)
      else await assert.rejects(open(), 'a new login with the right password is refused while locked')
      const goesOn = await sip.send(patronStatus('anna'), 'patron-status-response')
      assert.equal(goesOn.validPatron, true)
      t.at(new Date(t.services.clock.now().getTime() + 6 * 60_000).toISOString())
      const fresh = await open()
      fresh.close()
    })

    if (transport === 'tcp') {
      it('logs each message without PINs or CPR numbers', async () => {
        const text = JSON.stringify(log)
        assert.ok(log.some((entry) => entry.command === '23' && entry.machine === 'automat1'))
        assert.ok(!text.includes('1234'), 'a PIN in the log')
        assert.ok(!text.includes(CPR), 'a CPR number in the log')
      })
    }

    if (transport === 'fbs') {
      it('answers a bad envelope, a wrong password, an unknown agency and a 93 with an error envelope', async () => {
        const post = (path: string, body: string) =>
          fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body })
        const wrong = await new Sip2FbsClient(`${url}/rest/sip2/DK-710100`, 'automat1', 'forkert').request(
          '9900302.00',
        )
        assert.match(wrong, /^ERROR: Forkert login/)
        const agency = await new Sip2FbsClient(`${url}/rest/sip2/DK-999999`, 'automat1', 'hemmelig').request(
          '9900302.00',
        )
        assert.match(agency, /^ERROR: Ukendt bibliotek/)
        const login = await sip.transport.request('9300CNautomat1|COhemmelig|')
        assert.match(login, /^ERROR: Login/)
        const garbage = await post('/rest/sip2/DK-710100', '<nope>')
        assert.equal(garbage.status, 400)
        assert.match(await garbage.text(), /<error>Ugyldig foresp/)
        const machines = await app?.inject({
          url: '/api/kobenhavn/sip2/machines',
          headers: { 'x-api-key': 'laan-dev-key' },
        })
        const [machine] = (machines?.json() ?? []) as { login: string; messages: number; errors: number }[]
        assert.equal(machine?.login, 'automat1')
        assert.ok((machine?.messages ?? 0) > 20)
      })
    }
  })
}

suite('tcp')
suite('fbs')
