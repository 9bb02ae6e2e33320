import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import type { DatabaseHandle } from '../db/database.ts'
import { createServices, type Services } from '../services.ts'
import { SimulatedClock } from '../shared/clock.ts'
import { openTestDatabase } from '../test-support/test-database.ts'
import { buildApp } from './app.ts'

const KEY = 'test-key'
const headers = { 'x-api-key': KEY }
let handle: DatabaseHandle
let clock: SimulatedClock
let services: Services
let app: FastifyInstance

type Json = Record<string, unknown> & { [key: string]: never | unknown }

async function call(method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) {
  const response = await app.inject({ method, url, headers, ...(payload ? { payload } : {}) })
  return { status: response.statusCode, body: response.json() as Json }
}

before(async () => {
  handle = await openTestDatabase()
  clock = new SimulatedClock(new Date('2026-03-02T10:00:00+01:00'))
  services = await createServices({ db: handle.db, clock })
  app = await buildApp(services, { apiKey: KEY })
  await call('POST', '/api/kobenhavn/patrons', {
    cardNumber: 'per',
    name: 'Per Hansen',
    birthDate: '1975-11-30',
    email: 'per@example.dk',
  })
  await call('POST', '/api/kobenhavn/patrons', {
    cardNumber: 'ida',
    birthDate: '2015-08-09',
    guardian: 'per',
  })
})

after(async () => {
  await app.close()
  await handle.close()
})

describe('HTTP API', () => {
  it('registers a patron by CPR with a PIN and shows the guardian relation', async () => {
    const created = await call('POST', '/api/kobenhavn/patrons', {
      cpr: '010390-1234',
      pin: '4321',
      digitalPost: false,
      remindersOptIn: true,
    })
    assert.equal(created.status, 201)
    assert.match(created.body.cardNumber as string, /^9\d{11}$/, 'a library card number, not the CPR number')
    assert.equal(created.body.birthDate, '1990-03-01')
    const byCpr = await call('GET', '/api/kobenhavn/patrons/0103901234')
    assert.equal(byCpr.body.cardNumber, created.body.cardNumber)
    assert.equal(created.body.digitalPost, false)
    assert.equal(created.body.registeredWithCpr, true)
    assert.equal('pinHash' in created.body, false)
    const per = await call('GET', '/api/kobenhavn/patrons/per')
    assert.deepEqual(per.body.dependants, ['ida'])
    const ida = await call('GET', '/api/kobenhavn/patrons/ida')
    assert.equal(ida.body.guardian, 'per')
    assert.equal(ida.body.child, true)
  })

  it('runs the circulation round trip: add, check out, return late, see the fee in Danish, pay', async () => {
    const item = await call('POST', '/api/kobenhavn/items', {
      barcode: '5000001',
      materialType: 'book',
      title: 'Kongens Fald',
      author: 'Johannes V. Jensen',
    })
    assert.equal(item.status, 201)
    assert.equal(item.body.materialTypeDa, 'bog')
    const loan = await call('POST', '/api/kobenhavn/checkouts', { patron: 'per', item: '5000001' })
    assert.equal(loan.status, 201)
    assert.equal(loan.body.dueDate, '2026-03-30')
    assert.equal(loan.body.status, 'active')
    assert.equal((await call('GET', '/api/kobenhavn/items/5000001')).body.status, 'on-loan')

    clock.set(new Date('2026-04-08T12:00:00+02:00'))
    const checkin = await call('POST', '/api/kobenhavn/checkins', { item: '5000001' })
    assert.equal(checkin.status, 200)
    const charges = checkin.body.charges as { amount: number; explanation: string; daysOverdue: number }[]
    assert.equal(charges.length, 1)
    assert.equal(charges[0]?.amount, 12000)
    assert.equal(charges[0]?.daysOverdue, 9)
    assert.match(charges[0]?.explanation ?? '', /^Afleveret 9 dage for sent \(frist 30\. marts 2026\)/)

    const patron = await call('GET', '/api/kobenhavn/patrons/per')
    assert.equal(patron.body.balance, 12000)
    assert.deepEqual(patron.body.loans, [])
    const paid = await call('POST', '/api/kobenhavn/payments', { patron: 'per', amount: 15000 })
    assert.equal(paid.status, 201)
    assert.deepEqual(
      { ...paid.body, receiptId: 1 },
      { receiptId: 1, applied: 12000, credit: 3000, balance: 0 },
    )
    const after = await call('GET', '/api/kobenhavn/patrons/per')
    assert.equal(after.body.credit, 3000)
    assert.equal((after.body.charges as { status: string }[])[0]?.status, 'paid')
  })

  it('renews, reserves and cancels a reservation', async () => {
    await call('POST', '/api/kobenhavn/items', { barcode: 'f1', materialType: 'film', title: 'Festen' })
    await call('POST', '/api/kobenhavn/checkouts', { patron: 'per', item: 'f1' })
    const renewed = await call('POST', '/api/kobenhavn/renewals', { item: 'f1', patron: 'per' })
    assert.equal(renewed.status, 200)
    assert.equal((renewed.body.loan as { renewals: number }).renewals, 1)
    const reserved = await call('POST', '/api/kobenhavn/reservations', { patron: 'ida', item: 'f1' })
    assert.equal(reserved.status, 201)
    assert.equal(reserved.body.status, 'waiting')
    const refused = await call('POST', '/api/kobenhavn/renewals', { item: 'f1' })
    assert.equal(refused.status, 409)
    assert.equal(refused.body.error, 'reserved')
    const cancelled = await call('DELETE', '/api/kobenhavn/patrons/ida/reservations/f1')
    assert.equal(cancelled.status, 200)
    assert.equal(cancelled.body.cancelled, true)
    const again = await call('DELETE', '/api/kobenhavn/patrons/ida/reservations/f1')
    assert.equal(again.body.cancelled, false)
  })

  it('answers a refusal with its code and a Danish and English message', async () => {
    await call('POST', '/api/kobenhavn/items', { barcode: 'b2', materialType: 'book' })
    await call('POST', '/api/kobenhavn/checkouts', { patron: 'per', item: 'b2' })
    const refused = await call('POST', '/api/kobenhavn/checkouts', { patron: 'ida', item: 'b2' })
    assert.equal(refused.status, 409)
    assert.deepEqual(refused.body, {
      error: 'not-available',
      message: {
        da: 'Materialet er udlånt eller reserveret til en anden låner.',
        en: 'The item is on loan or held for another patron.',
      },
    })
    const unknown = await call('POST', '/api/kobenhavn/checkouts', { patron: 'nobody', item: 'b2' })
    assert.equal(unknown.status, 404)
    assert.equal(unknown.body.error, 'unknown-patron')
    assert.equal((await call('GET', '/api/kobenhavn/items/nope')).body.error, 'unknown-item')
  })

  it('blocks a reported lost card at once', async () => {
    await call('POST', '/api/kobenhavn/patrons', { cardNumber: 'lise', birthDate: '1980-01-01' })
    const lost = await call('POST', '/api/kobenhavn/patrons/lise/card-lost')
    assert.equal(lost.status, 200)
    assert.equal(lost.body.cardLost, true)
    await call('POST', '/api/kobenhavn/items', { barcode: 'b3', materialType: 'book' })
    const refused = await call('POST', '/api/kobenhavn/checkouts', { patron: 'lise', item: 'b3' })
    assert.equal(refused.body.error, 'card-lost')
  })

  it('names the field of a schema validation error, in Danish and English', async () => {
    const missing = await call('POST', '/api/kobenhavn/payments', { patron: 'per' })
    assert.equal(missing.status, 400)
    assert.equal(missing.body.error, 'validation')
    assert.equal(missing.body.field, 'amount')
    assert.deepEqual(missing.body.message, {
      da: 'Feltet "amount" mangler.',
      en: "body.amount: must have required property 'amount'",
    })
    const wrongType = await call('POST', '/api/kobenhavn/payments', { patron: 'per', amount: 'mange' })
    assert.equal(wrongType.body.field, 'amount')
    const badType = await call('POST', '/api/kobenhavn/items', { barcode: 'x', materialType: 'scroll' })
    assert.equal(badType.status, 400)
    assert.equal(badType.body.field, 'materialType')
    const noBody = await app.inject({ method: 'POST', url: '/api/kobenhavn/checkouts', headers })
    assert.equal(noBody.statusCode, 400)
    assert.equal(noBody.json().field, 'body')
    const badJson = await app.inject({
      method: 'POST',
      url: '/api/kobenhavn/checkouts',
      headers: { ...headers, 'content-type': 'application/json' },
      payload: '{bad',
    })
    assert.equal(badJson.statusCode, 400)
    assert.equal(badJson.json().error, 'bad-request')
  })

  it("names the field of a service's validation error", async () => {
    const noBirth = await call('POST', '/api/kobenhavn/patrons', { cardNumber: 'nils' })
    assert.equal(noBirth.status, 400)
    assert.equal(noBirth.body.field, 'birthDate')
    assert.match((noBirth.body.message as { da: string }).da, /^Feltet "birthDate"/)
    const duplicate = await call('POST', '/api/kobenhavn/patrons', {
      cardNumber: 'per',
      birthDate: '1970-01-01',
    })
    assert.equal(duplicate.status, 400)
    assert.equal(duplicate.body.field, 'cardNumber')
    const badDate = await call('POST', '/api/kobenhavn/jobs/nightly', { date: '2026-02-30' })
    assert.equal(badDate.status, 400)
    assert.equal(badDate.body.field, 'date')
  })

  it('needs the API key for staff calls, but not for /health and /docs', async () => {
    const none = await app.inject({ method: 'GET', url: '/api/kobenhavn/patrons/per' })
    assert.equal(none.statusCode, 401)
    assert.equal(none.json().error, 'unauthorized')
    assert.ok(none.json().message.da)
    const wrong = await app.inject({
      method: 'GET',
      url: '/api/municipalities',
      headers: { 'x-api-key': 'nej' },
    })
    assert.equal(wrong.statusCode, 401)
    assert.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200)
    assert.equal((await app.inject({ method: 'GET', url: '/docs/json' })).statusCode, 200)
  })

  it('answers 404 JSON for an unknown municipality and an unknown route', async () => {
    const koge = await call('GET', '/api/koge/patrons/per')
    assert.equal(koge.status, 404)
    assert.equal(koge.body.error, 'unknown-municipality')
    const route = await call('GET', '/api/kobenhavn/nothing-here')
    assert.equal(route.status, 404)
    assert.equal(route.body.error, 'not-found')
  })

  it('lists the municipalities and shows a policy with its sources', async () => {
    const list = await call('GET', '/api/municipalities')
    assert.deepEqual(
      (list.body as unknown as { code: string }[]).map((m) => m.code),
      ['gentofte', 'kobenhavn', 'naestved'],
    )
    const policy = await call('GET', '/api/naestved/policy?date=2026-03-02')
    assert.equal(policy.status, 200)
    assert.equal(policy.body.municipality, 'naestved')
    const loans = policy.body.loans as { daysByType: { value: { film: number }; source: { seed: string } } }
    assert.equal(loans.daysByType.value.film, 14)
    assert.equal(loans.daysByType.source.seed, '003')
  })

  it('runs the nightly job for a date, idempotently', async () => {
    const first = await call('POST', '/api/kobenhavn/jobs/nightly', { date: '2026-03-03' })
    assert.equal(first.status, 200)
    assert.equal(first.body.alreadyCompleted, false)
    const second = await call('POST', '/api/kobenhavn/jobs/nightly', { date: '2026-03-03' })
    assert.equal(second.body.alreadyCompleted, true)
  })

  it('serves valid OpenAPI listing the routes', async () => {
    const response = await app.inject({ method: 'GET', url: '/docs/json' })
    const doc = response.json() as { openapi: string; paths: Record<string, Record<string, unknown>> }
    assert.match(doc.openapi, /^3\./)
    for (const [path, method] of [
      ['/health', 'get'],
      ['/api/municipalities', 'get'],
      ['/api/{municipality}/patrons', 'post'],
      ['/api/{municipality}/patrons/{patron}', 'get'],
      ['/api/{municipality}/patrons/{patron}/card-lost', 'post'],
      ['/api/{municipality}/patrons/{patron}/reservations/{item}', 'delete'],
      ['/api/{municipality}/items', 'post'],
      ['/api/{municipality}/items/{item}', 'get'],
      ['/api/{municipality}/checkouts', 'post'],
      ['/api/{municipality}/checkins', 'post'],
      ['/api/{municipality}/renewals', 'post'],
      ['/api/{municipality}/reservations', 'post'],
      ['/api/{municipality}/payments', 'post'],
      ['/api/{municipality}/jobs/nightly', 'post'],
      ['/api/{municipality}/policy', 'get'],
    ] as const) {
      assert.ok(doc.paths[path]?.[method], `${method} ${path} in the OpenAPI document`)
    }
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? []
    assert.ok(refs.length > 0)
    for (const ref of new Set(refs)) assert.equal(ref, '"$ref":"#/components/schemas/ErrorBody"')
    const components = (doc as unknown as { components: { schemas: Record<string, unknown> } }).components
    assert.ok(components.schemas.ErrorBody)
    const html = await app.inject({ method: 'GET', url: '/docs' })
    assert.ok(html.statusCode < 400)
  })
})

describe('unexpected errors', () => {
  it('answer 500 with a generic message and no stack trace', async () => {
    const broken: Services = {
      ...services,
      circulation: {
        ...services.circulation,
        checkoutWithoutLocks: async () => {
          throw new Error('secret internals at /work/main/src')
        },
      },
    }
    const brokenApp = await buildApp(broken, { apiKey: KEY })
    try {
      const response = await brokenApp.inject({
        method: 'POST',
        url: '/api/kobenhavn/checkouts',
        headers,
        payload: { patron: 'per', item: '5000001' },
      })
      assert.equal(response.statusCode, 500)
      assert.equal(response.json().error, 'internal')
      assert.doesNotMatch(response.body, /secret|stack|\/work\/main|at .*\.ts/)
    } finally {
      await brokenApp.close()
    }
  })
})
