import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../http/app.ts'
import { openTestServices, type TestContext } from '../test-support/test-services.ts'

const KEY = 'test-key'
let t: TestContext
let app: FastifyInstance

// biome-ignore lint/suspicious/noExplicitAny: answers are read field by field
type Json = Record<string, any>

async function call(method: 'GET' | 'POST', url: string, payload?: object, headers = { 'x-api-key': KEY }) {
  const response = await app.inject({ method, url, headers, ...(payload ? { payload } : {}) })
  return { status: response.statusCode, body: response.json() as Json }
}

const scan = (body: object, municipality = 'kobenhavn') =>
  call('POST', `/api/${municipality}/door/scans`, body)

before(async () => {
  t = await openTestServices('kobenhavn', '2026-03-02T18:00:00+01:00')
  app = await buildApp(t.services, { apiKey: KEY })
  await t.patron({ cardNumber: 'K1001', cpr: '0103801234' })
  await t.patron({ cpr: '0203851234' })
  await t.patron({ cardNumber: 'B2001', birthDate: '2011-03-03', guardian: 'K1001' })
})

after(async () => {
  await app.close()
  await t.close()
})

describe('the door API', () => {
  it('opens for a valid card and answers with the reason and the Danish message', async () => {
    const answer = await scan({ card: 'K1001', location: 'Vesterbro Bibliotek' })
    assert.equal(answer.status, 200)
    assert.deepEqual(answer.body, { open: true, reason: 'ok', message: 'Velkommen. Døren er åben.' })
  })

  it('opens for the health card (CPR), and for a CPR-only patron', async () => {
    assert.equal((await scan({ card: '010380-1234', location: 'Vesterbro Bibliotek' })).body.open, true)
    assert.equal((await scan({ card: '0203851234', location: 'Vesterbro Bibliotek' })).body.open, true)
  })

  it('refuses a child under 15 until the birthday, counted on the local date of `at`', async () => {
    const before = await scan({ card: 'B2001', location: 'Vesterbro Bibliotek' })
    assert.deepEqual([before.status, before.body.open, before.body.reason], [200, false, 'too-young'])
    assert.equal(before.body.message, 'Adgang fra 15 år. Under 15 år kun sammen med en voksen.')
    const birthday = await scan({
      card: 'B2001',
      location: 'Vesterbro Bibliotek',
      at: '2026-03-03T08:00:00+01:00',
    })
    assert.deepEqual([birthday.body.open, birthday.body.reason], [true, 'ok'])
  })

  it('refuses an unknown card and a card reported lost', async () => {
    const unknown = await scan({ card: '3112999999', location: 'Vesterbro Bibliotek' })
    assert.deepEqual([unknown.status, unknown.body.open, unknown.body.reason], [200, false, 'unknown-card'])
    await t.handle.db
      .updateTable('patrons')
      .set({ cardLostAt: new Date('2026-03-02T17:00:00+01:00') })
      .where('cardNumber', '=', 'K1001')
      .execute()
    const lost = await scan({ card: 'K1001', location: 'Vesterbro Bibliotek' })
    assert.deepEqual([lost.body.open, lost.body.reason], [false, 'card-lost'])
    // The health card of the same patron: the patron's card is blocked, whichever card is scanned.
    assert.equal(
      (await scan({ card: '0103801234', location: 'Vesterbro Bibliotek' })).body.reason,
      'card-lost',
    )
  })

  it('refuses bad requests with the field at fault', async () => {
    const missing = await scan({ location: 'Vesterbro Bibliotek' })
    assert.deepEqual([missing.status, missing.body.error, missing.body.field], [400, 'validation', 'card'])
    const badAt = await scan({ card: 'K1001', location: 'Vesterbro Bibliotek', at: '2026-03-02 18:00' })
    assert.deepEqual([badAt.status, badAt.body.field], [400, 'at'])
    const blank = await scan({ card: '   ', location: 'Vesterbro Bibliotek' })
    assert.deepEqual([blank.status, blank.body.field], [400, 'card'])
    const noKey = await call(
      'POST',
      '/api/kobenhavn/door/scans',
      { card: 'K1001', location: 'x' },
      {
        'x-api-key': 'wrong',
      },
    )
    assert.equal(noKey.status, 401)
    const unknownTown = await scan({ card: 'K1001', location: 'x' }, 'aarhus')
    assert.deepEqual([unknownTown.status, unknownTown.body.error], [404, 'unknown-municipality'])
  })

  it("lists the day's entries for staff, cards masked where they are CPR numbers", async () => {
    const today = await call('GET', '/api/kobenhavn/door/entries')
    assert.equal(today.status, 200)
    // A health card scanned by a patron registered by CPR is logged as their library card number.
    const libraryCard = (card: string) => (/^9\d{11}$/.test(card) ? 'library card' : card)
    assert.deepEqual(
      today.body.map((e: Json) => [libraryCard(String(e.card)), e.opened, e.reason]),
      [
        ['K1001', true, 'ok'],
        ['K1001', true, 'ok'],
        ['library card', true, 'ok'],
        ['B2001', false, 'too-young'],
        ['311299****', false, 'unknown-card'],
        ['K1001', false, 'card-lost'],
        ['K1001', false, 'card-lost'],
      ],
    )
    assert.equal(today.body[0].at, '2026-03-02T18:00:00+01:00')
    assert.equal(today.body[0].location, 'Vesterbro Bibliotek')
    assert.equal(JSON.stringify(today.body).includes('0103801234'), false)
    const both = await call('GET', '/api/kobenhavn/door/entries?from=2026-03-02&to=2026-03-03')
    assert.equal(both.body.length, 8)
    assert.equal(both.body[7].at, '2026-03-03T08:00:00+01:00')
    const next = await call('GET', '/api/kobenhavn/door/entries?from=2026-03-03&to=2026-03-03&location=Valby')
    assert.deepEqual(next.body, [])
    const limited = await call('GET', '/api/kobenhavn/door/entries?from=2026-03-01&to=2026-03-31&limit=2')
    assert.equal(limited.body.length, 2)
    const backwards = await call('GET', '/api/kobenhavn/door/entries?from=2026-03-03&to=2026-03-02')
    assert.deepEqual([backwards.status, backwards.body.field], [400, 'to'])
    const badDate = await call('GET', '/api/kobenhavn/door/entries?from=2026-02-30')
    assert.deepEqual([badDate.status, badDate.body.field], [400, 'from'])
  })

  it('appears in the OpenAPI document', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json() as {
      paths: Record<string, Record<string, Json>>
    }
    assert.ok(doc.paths['/api/{municipality}/door/scans']?.post)
    assert.ok(doc.paths['/api/{municipality}/door/entries']?.get)
    assert.deepEqual(doc.paths['/api/{municipality}/door/scans']?.post?.tags, ['door'])
  })
})
