// A patron never reaches another patron's data on Min side, not by guessing ids or barcodes: renewing
// another's loan (or another guardian's child's), cancelling another's reservation, deciding another
// guardian's consent, reading another's page. (Claims on /betaling: mbo-overview.test.ts and
// mbo-payment.test.ts.) Every attempt leaves the other patron's rows as they were.

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../http/app.ts'
import { hashPin } from '../patrons/patron-service.ts'
import { openTestServices, type TestContext } from '../test-support/test-services.ts'
import { logIn } from './mbo-test-support.ts'
import { Browser } from './test-browser.ts'

const M = 'kobenhavn'
let t: TestContext
let app: FastifyInstance
let annaId: number
let idaId: number
let boId: number
let pendingId: number
let reservationId: number

before(async () => {
  t = await openTestServices(M)
  annaId = await t.patron({ cardNumber: 'anna', birthDate: '1980-03-01', pin: '1234', name: 'Anna Annasen' })
  idaId = await t.patron({
    cardNumber: 'ida',
    birthDate: '2016-08-09',
    guardian: 'anna',
    name: 'Ida Annasen',
  })
  boId = await t.patron({ cardNumber: 'bo', birthDate: '1985-06-01', pin: '4321', name: 'Bo Bosen' })
  for (const [barcode, title] of [
    ['a1', 'Annas bog'],
    ['i1', 'Idas bog'],
    ['r1', 'Reserveret bog'],
  ] as const) {
    await t.item({ barcode, materialType: 'book', title })
  }
  const checkout = (patron: string, item: string) =>
    t.tx((trx) => t.services.circulation.checkout(trx, { municipality: M, patron, item }))
  await checkout('anna', 'a1')
  await checkout('ida', 'i1')
  await checkout('bo', 'r1')
  const reservation = await t.tx((trx) =>
    t.services.circulation.reserve(trx, { municipality: M, patron: 'anna', item: 'r1' }),
  )
  reservationId = reservation.id
  const pending = await t.services.db
    .insertInto('pendingRegistrations')
    .values({
      municipality: M,
      cprHash: t.services.cprVault.hash('0101171234'),
      cprEncrypted: t.services.cprVault.encrypt('0101171234'),
      birthDate: '2017-01-01',
      name: 'Annas andet barn',
      pinHash: await hashPin('1111'),
      email: null,
      phone: null,
      guardianId: annaId,
      createdAt: t.clock.now(),
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  pendingId = pending.id
  app = await buildApp(t.services)
})

after(async () => {
  await app?.close()
  await t?.close()
})

/** Everything laan holds for Anna and her child that an action could change. */
async function annasRows() {
  const db = t.services.db
  const ids = [annaId, idaId]
  return {
    patrons: await db.selectFrom('patrons').selectAll().where('id', 'in', ids).orderBy('id').execute(),
    loans: await db.selectFrom('loans').selectAll().where('patronId', 'in', ids).orderBy('id').execute(),
    reservations: await db.selectFrom('reservations').selectAll().where('patronId', 'in', ids).execute(),
    charges: await db.selectFrom('charges').selectAll().where('patronId', 'in', ids).execute(),
    pending: await db
      .selectFrom('pendingRegistrations')
      .selectAll()
      .where('guardianId', '=', annaId)
      .execute(),
  }
}

describe("a patron and another patron's data", () => {
  it("does not show Anna's loans, child or reservations on Bo's pages", async () => {
    const bo = new Browser(app)
    await logIn(bo, M, 'bo', '4321')
    for (const path of ['/min-side', '/min-side/profil', '/betaling', '/betaling/tilbagebetalinger']) {
      const page = await bo.get(`/${M}${path}`)
      assert.equal(page.statusCode, 200, path)
      assert.doesNotMatch(page.body, /Anna|Ida|Annas bog|Idas bog|Annas andet barn/, path)
    }
  })

  it('changes nothing of Anna’s when Bo guesses her ids, barcodes and child', async () => {
    const before = await annasRows()
    const bo = new Browser(app)
    await logIn(bo, M, 'bo', '4321')
    const page = await bo.get(`/${M}/min-side`)
    const attempts: [string, Record<string, string>][] = [
      [`/${M}/min-side/forny`, { item: 'a1' }],
      [`/${M}/min-side/forny`, { item: 'i1', for: String(idaId) }],
      [`/${M}/min-side/forny`, { item: 'i1', for: String(annaId) }],
      [`/${M}/min-side/reserveringer/${reservationId}/slet`, {}],
      [`/${M}/min-side/samtykke/${pendingId}`, { decision: 'ja' }],
      [`/${M}/min-side/samtykke/${pendingId}`, { decision: 'nej' }],
    ]
    // Guessing: every small id on every page that takes one.
    for (let id = 1; id <= 12; id++) {
      attempts.push([`/${M}/min-side/reserveringer/${id}/slet`, {}])
      attempts.push([`/${M}/min-side/samtykke/${id}`, { decision: 'ja' }])
      attempts.push([`/${M}/min-side/forny`, { item: 'a1', for: String(id) }])
    }
    for (const [url, fields] of attempts) {
      const response = await bo.post(url, fields, page)
      assert.ok([303, 404].includes(response.statusCode), `${url}: ${response.statusCode}`)
      const next = response.statusCode === 303 ? await bo.follow(response) : response
      // Titles are the catalogue's; names and the child are Anna's.
      assert.doesNotMatch(next.body, /Anna Annasen|Ida Annasen|Annas andet barn/, url)
    }
    for (let id = 1; id <= 12; id++) {
      for (const path of ['betal', 'afdrag', 'frist', 'klage']) {
        const claim = await bo.get(`/${M}/betaling/krav/${id}/${path}`)
        assert.equal(claim.statusCode, 404, `krav/${id}/${path}`)
      }
    }
    assert.deepEqual(await annasRows(), before)
  })

  it("lets Anna renew her child's loan (the guard above is not a blanket refusal)", async () => {
    t.at('2026-03-20T10:00:00+01:00')
    const anna = new Browser(app)
    await logIn(anna, M, 'anna', '1234')
    const page = await anna.get(`/${M}/min-side`)
    assert.match(page.body, /Idas bog/)
    const done = await anna.follow(
      await anna.post(`/${M}/min-side/forny`, { item: 'i1', for: String(idaId) }, page),
    )
    assert.match(done.body, /Idas bog er fornyet/)
    t.at('2026-03-02T10:00:00+01:00')
  })

  it('keeps a patron of one municipality out of another’s pages with the same session', async () => {
    const bo = new Browser(app)
    await logIn(bo, M, 'bo', '4321')
    const other = await bo.get('/gentofte/min-side')
    assert.equal(other.statusCode, 303)
    assert.equal(other.headers.location, '/gentofte/log-ind')
    assert.equal(boId > 0, true)
  })
})
