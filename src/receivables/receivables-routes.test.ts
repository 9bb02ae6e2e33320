import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { runCheckin, runCheckout } from '../circulation/circulation-edge.ts'
import { buildApp } from '../http/app.ts'
import { openTestServices, type TestContext } from '../test-support/test-services.ts'
import { writeCamt054 } from './camt054.ts'
import { paymentIdFromSequence } from './fik.ts'

const KEY = 'test-key'
let t: TestContext
let app: FastifyInstance

type Json = Record<string, unknown>

async function call(method: 'GET' | 'POST', url: string, payload?: object | string) {
  const response = await app.inject({
    method,
    url,
    headers: {
      'x-api-key': KEY,
      ...(typeof payload === 'string' ? { 'content-type': 'application/xml' } : {}),
    },
    ...(payload === undefined ? {} : { payload }),
  })
  return { status: response.statusCode, body: (response.body ? response.json() : null) as Json }
}

async function overview(municipality: string, citizen: string) {
  const answer = await call('GET', `/api/${municipality}/receivables/citizens/${citizen}/overview`)
  assert.equal(answer.status, 200)
  return answer.body as {
    open: number
    credit: number
    claims: {
      id: number
      paymentId: string
      paymentLine: string
      status: string
      open: number
      deadline: string
      issuer: { code: string }
      contacts: { about: string; who: string; phone: string | null }[]
    }[]
  }
}

before(async () => {
  t = await openTestServices('kobenhavn', '2026-03-02T10:00:00+01:00')
  app = await buildApp(t.services, { apiKey: KEY })
  await t.patron({ cardNumber: 'anna', birthDate: '1980-05-05', cpr: '0505801234' })
  await t.item({ barcode: 'b1', materialType: 'book', title: 'Kongens Fald' })
  await t.item({ barcode: 'b2', materialType: 'book', title: 'Hærværk' })
  const { db, circulation } = t.services
  await runCheckout(db, circulation, { municipality: 'kobenhavn', patron: 'anna', item: 'b1' })
  await runCheckout(db, circulation, { municipality: 'kobenhavn', patron: 'anna', item: 'b2' })
  t.at('2026-04-10T12:00:00+02:00') // 11 days late: 120 kr each
  await runCheckin(db, circulation, { municipality: 'kobenhavn', item: 'b1' })
  await runCheckin(db, circulation, { municipality: 'kobenhavn', item: 'b2' })
})
after(async () => {
  await app.close()
  await t.close()
})

describe('Mit Betalingsoverblik over HTTP', () => {
  it('shows a fee as a claim the same day, with payment ID, FIK line, deadline and whom to ask', async () => {
    const view = await overview('kobenhavn', 'anna')
    assert.equal(view.claims.length, 2)
    assert.equal(view.open, 24000)
    const claim = view.claims[1] as (typeof view.claims)[number]
    assert.match(claim.paymentId, /^\d{15}$/)
    assert.equal(claim.paymentLine, `+71<${claim.paymentId}+85100001<`)
    assert.equal(claim.deadline, '2026-04-25')
    assert.deepEqual(
      claim.contacts.map((c) => [c.about, c.who, c.phone]),
      [
        ['payment', 'Finans & Betaling', '70 80 70 10'],
        ['reason', 'Biblioteket Online', '33 66 30 00'],
        ['complaint', 'Biblioteket Online (kontaktformular)', null],
      ],
    )
    // The citizen can be found by CPR as well.
    assert.equal((await overview('kobenhavn', '050580-1234')).claims.length, 2)
  })

  it('takes an online payment through the provider; a declined card changes nothing', async () => {
    const [claim] = (await overview('kobenhavn', 'anna')).claims
    const declined = await call(
      'POST',
      `/api/kobenhavn/receivables/claims/${claim?.paymentId}/online-payments`,
      {
        method: 'card',
        token: 'declined',
      },
    )
    assert.equal(declined.status, 402)
    assert.equal(declined.body.error, 'payment-declined')
    const paid = await call('POST', `/api/kobenhavn/receivables/claims/${claim?.paymentId}/online-payments`, {
      method: 'mobilepay',
      token: 'ok',
    })
    assert.equal(paid.status, 201)
    assert.equal(paid.body.applied, 12000)
    const after = await overview('kobenhavn', 'anna')
    assert.equal(after.open, 12000)
    // The library sees it at once.
    const account = await t.tx((trx) => t.services.fees.account(trx, 'kobenhavn', 'anna'))
    assert.equal(account.balance, 12000)
  })

  it('refuses a channel the municipality does not take (KK: not in person)', async () => {
    const [, claim] = (await overview('kobenhavn', 'anna')).claims
    const refused = await call('POST', `/api/kobenhavn/receivables/claims/${claim?.paymentId}/payments`, {
      amount: 100,
      channel: 'borgerservice',
    })
    assert.equal(refused.status, 409)
    assert.equal(refused.body.error, 'channel-not-accepted')
    const unknown = await call('GET', `/api/kobenhavn/receivables/claims/${paymentIdFromSequence(9999)}`)
    assert.equal(unknown.status, 404)
  })

  it('imports a bank file: a known payment ID is applied, an unknown one held, a second import changes nothing', async () => {
    const open = (await overview('kobenhavn', 'anna')).claims.find((c) => c.status === 'open')
    assert.ok(open)
    const xml = writeCamt054({
      messageId: 'MSG-1',
      createdAt: '2026-04-11T06:00:00+02:00',
      iban: 'DK5000400440116243',
      payments: [
        {
          reference: 'BANK-1',
          amount: 12000,
          bookingDate: '2026-04-11',
          paymentReference: open.paymentId,
          debtorName: 'Anna',
        },
        { reference: 'BANK-2', amount: 5000, bookingDate: '2026-04-11', paymentReference: '000000000000992' },
      ],
    })
    const first = await call('POST', '/api/kobenhavn/receivables/bank-files', xml)
    assert.equal(first.status, 200)
    assert.deepEqual([first.body.applied, first.body.unmatched, first.body.duplicates], [1, 1, 0])
    const again = await call('POST', '/api/kobenhavn/receivables/bank-files', xml)
    assert.deepEqual([again.body.applied, again.body.unmatched, again.body.duplicates], [0, 0, 2])
    assert.equal((await overview('kobenhavn', 'anna')).open, 0)

    const held = await call('GET', '/api/kobenhavn/receivables/unmatched-payments')
    const list = held.body as unknown as { id: number; amount: number }[]
    assert.deepEqual(
      list.map((r) => r.amount),
      [5000],
    )
    const bad = await call('POST', '/api/kobenhavn/receivables/bank-files', '<Document>nope')
    assert.equal(bad.status, 400)
    assert.equal(bad.body.error, 'validation')
  })

  it('lets another issuer post a claim; Køge shows whom to call for it', async () => {
    const posted = await call('POST', '/api/koge/receivables/claims', {
      issuer: 'parkering',
      debtor: { cpr: '121285-4321', name: 'Bo Berg' },
      legalKind: 'public',
      title: 'Parkeringsafgift',
      lines: [{ text: 'Parkering uden gyldig billet, Torvet 2. april 2026', amount: 51000 }],
      externalRef: 'P-2026-77',
    })
    assert.equal(posted.status, 201)
    const again = await call('POST', '/api/koge/receivables/claims', {
      issuer: 'parkering',
      debtor: { cpr: '121285-4321', name: 'Bo Berg' },
      legalKind: 'public',
      title: 'Parkeringsafgift',
      lines: [{ text: 'Parkering uden gyldig billet, Torvet 2. april 2026', amount: 51000 }],
      externalRef: 'P-2026-77',
    })
    assert.equal(again.body.id, posted.body.id, 'the same external reference is the same claim')
    const view = await overview('koge', '1212854321')
    assert.equal(view.claims.length, 1)
    assert.deepEqual(
      view.claims[0]?.contacts.map((c) => [c.about, c.who, c.phone]),
      [
        ['payment', 'Opkrævning', '56 67 24 50'],
        ['reason', 'Parkeringskontoret', '56 67 25 50'],
        ['complaint', 'Parkeringskontoret', '56 67 25 50'],
      ],
    )
    const unknownIssuer = await call('POST', '/api/koge/receivables/claims', {
      issuer: 'zoo',
      debtor: { cpr: '1212854321', name: 'Bo Berg' },
      legalKind: 'civil',
      title: 'x',
      lines: [{ text: 'x', amount: 100 }],
    })
    assert.equal(unknownIssuer.status, 400)
    assert.equal(unknownIssuer.body.field, 'issuer')
  })

  it('reconciles: the ledger balances and agrees with claims, credit and held payments', async () => {
    const report = await call('GET', '/api/kobenhavn/receivables/reconciliation?date=2026-04-11')
    assert.equal(report.status, 200)
    assert.equal(report.body.ok, true, JSON.stringify(report.body.checks))
    const accounts = report.body.accounts as { account: string; closing: number }[]
    assert.equal(accounts.find((a) => a.account === 'suspense')?.closing, -5000)
  })

  it('lets a citizen take an instalment plan, ask for a later deadline and appeal; offsets a tax refund', async () => {
    t.at('2026-05-01T10:00:00+02:00')
    const post = (title: string, amount: number, ref: string) =>
      call('POST', '/api/koge/receivables/claims', {
        issuer: 'daginstitution',
        debtor: { cpr: '0303034321', name: 'Cille Dam' },
        legalKind: 'public',
        title,
        lines: [{ text: title, amount }],
        externalRef: ref,
      })
    const daycare = await post('Daginstitution maj', 240000, 'D-5')
    const parking = await post('Daginstitution juni', 50000, 'D-6')
    const plan = await call(
      'POST',
      `/api/koge/receivables/claims/${daycare.body.paymentId}/instalment-plan`,
      {
        months: 3,
      },
    )
    assert.equal(plan.status, 201)
    const instalments = plan.body.instalments as { amount: number; deadline: string; paymentId: string }[]
    assert.deepEqual(
      instalments.map((i) => [i.amount, i.deadline]),
      [
        [80000, '2026-05-16'],
        [80000, '2026-06-16'],
        [80000, '2026-07-16'],
      ],
    )
    assert.equal(new Set(instalments.map((i) => i.paymentId)).size, 3)
    const tooLong = await call(
      'POST',
      `/api/koge/receivables/claims/${parking.body.paymentId}/instalment-plan`,
      {
        months: 24,
      },
    )
    assert.equal(tooLong.status, 400)

    const later = await call(
      'POST',
      `/api/koge/receivables/claims/${parking.body.paymentId}/deadline-extension`,
      {
        days: 14,
      },
    )
    assert.equal(later.status, 200)
    assert.equal((later.body.claim as { deadline: string }).deadline, '2026-05-30')
    const twice = await call(
      'POST',
      `/api/koge/receivables/claims/${parking.body.paymentId}/deadline-extension`,
      {
        days: 1,
      },
    )
    assert.equal(twice.status, 409)

    const appeal = await call('POST', `/api/koge/receivables/claims/${parking.body.paymentId}/appeals`, {
      text: 'Mit barn var syg hele juni.',
    })
    assert.equal(appeal.status, 201)
    assert.equal(appeal.body.deadlineStands, true)
    const open = await call('GET', '/api/koge/receivables/appeals')
    assert.equal((open.body as unknown as unknown[]).length, 1)
    const decided = await call(
      'POST',
      `/api/koge/receivables/claims/${parking.body.paymentId}/appeal-decision`,
      {
        outcome: 'written-down',
        amount: 20000,
        decision: 'Nedsat for sygdomsperioden.',
      },
    )
    assert.equal(decided.body.writtenDown, 20000)

    // After the extended deadline the 300 kr left are due; a 1,000 kr tax refund pays them, 700 kr go to her.
    t.at('2026-06-05T10:00:00+02:00')
    const offset = await call('POST', '/api/koge/receivables/offsets', {
      citizen: '0303034321',
      amount: 100000,
      source: 'Overskydende skat',
    })
    assert.equal(offset.status, 201)
    assert.deepEqual([offset.body.offset, offset.body.paidToCitizen], [30000, 70000])
    const report = await call('GET', '/api/koge/receivables/reconciliation?date=2026-06-05')
    assert.equal(report.body.ok, true, JSON.stringify(report.body.checks))
  })
})
