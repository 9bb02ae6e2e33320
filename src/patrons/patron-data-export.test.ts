import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { addStaffAccount } from '../desk/staff-accounts.ts'
import { recordLookup } from '../desk/staff-lookups.ts'
import { buildApp } from '../http/app.ts'
import { enqueueNotices } from '../notices/notice-repository.ts'
import { openTestServices, type TestContext } from '../test-support/test-services.ts'
import { Browser } from '../web/test-browser.ts'
import { patronDataExport } from './patron-data-export.ts'

const M = 'kobenhavn'
let t: TestContext
let app: FastifyInstance
let anna: number
let bodil: number

const db = () => t.services.db

before(async () => {
  t = await openTestServices(M, '2026-01-02T10:00:00+01:00')
  const staffId = (
    await addStaffAccount(db(), {
      municipality: M,
      login: 'disk',
      name: 'Dorte Disk',
      password: 'disk-hemmelig',
      roles: ['desk'],
    })
  ).id
  anna = await t.patron({
    cardNumber: 'anna-kort',
    cpr: '0103901234',
    birthDate: '1990-03-01',
    name: 'Anna Ærø',
    pin: '1234',
    email: 'anna@example.dk',
  })
  await t.patron({
    cardNumber: 'anna-barn',
    birthDate: '2016-05-01',
    name: 'Lille Alma',
    guardian: 'anna-kort',
  })
  // Another patron with distinctive data everywhere, none of which may reach Anna's file.
  bodil = await t.patron({
    cardNumber: 'bodil-kort-77',
    cpr: '2412851357',
    birthDate: '1985-12-24',
    name: 'Bodil Særpræg',
    pin: '9876',
    email: 'bodil-unik@example.dk',
    phone: '+4599887766',
  })
  await t.item({ barcode: 'b1', materialType: 'book', title: 'Kongens Fald' })
  await t.item({ barcode: 'b2', materialType: 'book', title: 'Festen' })
  await t.item({ barcode: 'z1', materialType: 'book', title: 'Hemmelig Titel Zeta' })
  const { circulation } = t.services
  await t.tx((trx) => circulation.checkout(trx, { municipality: M, patron: 'anna-kort', item: 'b1' }))
  await t.tx((trx) => circulation.checkout(trx, { municipality: M, patron: 'anna-kort', item: 'b2' }))
  await t.tx((trx) => circulation.checkout(trx, { municipality: M, patron: 'bodil-kort-77', item: 'z1' }))
  // Due 30 January, back 10 February: 11 days late, 120 kr each (KK); Festen stays on loan.
  t.at('2026-02-10T12:00:00+01:00')
  await t.tx((trx) => circulation.checkin(trx, { municipality: M, item: 'b1' }))
  await t.tx((trx) => circulation.checkin(trx, { municipality: M, item: 'z1' }))
  await t.tx(async (trx) => {
    await enqueueNotices(trx, [
      {
        municipality: M,
        patronId: anna,
        kind: 'reminder',
        channel: 'email',
        sendAt: t.clock.now(),
        items: ['b2'],
        dedupeKey: 'test:anna',
      },
      {
        municipality: M,
        patronId: bodil,
        kind: 'recall',
        channel: 'sms',
        sendAt: t.clock.now(),
        items: ['z1'],
        dedupeKey: 'test:bodil',
      },
    ])
    await recordLookup(trx, {
      municipality: M,
      staffId,
      patronId: anna,
      reason: 'Anna ved skranken',
      at: t.clock.now(),
    })
    await recordLookup(trx, {
      municipality: M,
      staffId,
      patronId: bodil,
      reason: 'Bodils grund',
      at: t.clock.now(),
    })
    await trx
      .insertInto('doorEntries')
      .values([
        {
          municipality: M,
          location: 'Hovedbiblioteket',
          card: 'anna-kort',
          at: t.clock.now(),
          opened: true,
          reason: 'ok',
        },
        {
          municipality: M,
          location: 'Filial Zeta',
          card: 'bodil-kort-77',
          at: t.clock.now(),
          opened: true,
          reason: 'ok',
        },
      ])
      .execute()
  })
  app = await buildApp(t.services)
})

after(async () => {
  await app?.close()
  await t?.close()
})

async function logIn(card: string, pin: string) {
  const browser = new Browser(app)
  const form = await browser.get(`/${M}/log-ind`)
  const response = await browser.post(`/${M}/log-ind`, { identifier: card, pin }, form)
  assert.equal(response.statusCode, 303, response.body)
  return browser
}

const options = () => ({ now: t.clock.now(), doorLogDays: 30, sessionIdleMinutes: 30 })

describe("a patron's own data (GDPR access)", () => {
  it('holds the patron, loans, fees with their explanation, the claim, notices, door entries and look-ups', async () => {
    const data = await t.tx((trx) => patronDataExport(trx, t.services.cprVault, anna, options()))
    assert.ok(data)
    assert.match(data.om_dine_data.tekst, /alt, hvad laan/)
    assert.match(data.om_dine_data.dele.laan, /4 uger efter afleveringen/)
    assert.match(data.om_dine_data.dele.laaner, /2 år/)
    assert.equal(data.laaner.cpr, '0103901234')
    assert.equal(data.laaner.email, 'anna@example.dk')
    assert.equal(data.laaner.pin, 'PIN: gemt som hash')
    assert.equal('pinHash' in data.laaner, false)
    assert.deepEqual(data.vaerge_og_boern.boern, [{ navn: 'Lille Alma' }])
    assert.deepEqual(
      data.laan.map((l) => [l.title, l.status]),
      [
        ['Kongens Fald', 'returned'],
        ['Festen', 'active'],
      ],
    )
    const [fee] = data.gebyrer.gebyrer
    assert.equal(fee?.kind, 'overdue-fee')
    assert.equal(fee?.amount, 12_000)
    assert.match(fee?.explanation ?? '', /\S/)
    assert.equal(data.opkraevning.krav?.length, 1)
    assert.equal(data.opkraevning.krav?.[0]?.linjer[0]?.chargeId, fee?.id)
    assert.deepEqual(
      data.beskeder.map((n) => n.kind),
      ['reminder'],
    )
    assert.deepEqual(
      data.doeradgang.map((d) => d.location),
      ['Hovedbiblioteket'],
    )
    assert.deepEqual(
      data.personaleopslag.map((l) => [l.staff, l.reason]),
      [['Dorte Disk', 'Anna ved skranken']],
    )
    assert.ok(
      data.revisionslog.some((a) => a.action === 'patron-looked-up' && a.reason === 'Anna ved skranken'),
    )
  })

  it('downloads as a JSON file after login, with nothing of another patron', async () => {
    const visitor = await new Browser(app).get(`/${M}/min-side/dine-data`)
    assert.equal(visitor.statusCode, 303)
    assert.equal(visitor.headers.location, `/${M}/log-ind`)

    const browser = await logIn('anna-kort', '1234')
    const profile = await browser.get(`/${M}/min-side/profil`)
    assert.match(profile.body, /<a href="\/kobenhavn\/min-side\/dine-data" download>Hent dine data<\/a>/)
    // A plain GET: no CSRF token needed.
    const file = await browser.get(`/${M}/min-side/dine-data`)
    assert.equal(file.statusCode, 200, file.body)
    assert.match(String(file.headers['content-type']), /^application\/json/)
    assert.equal(file.headers['content-disposition'], 'attachment; filename="laan-anna-kort-2026-02-10.json"')
    const data = JSON.parse(file.body)
    assert.equal(data.laaner.name, 'Anna Ærø')
    for (const foreign of [
      'Bodil',
      'bodil',
      '2412851357',
      '241285',
      '99887766',
      'Hemmelig Titel Zeta',
      'Filial Zeta',
      'recall',
      'Bodils grund',
    ]) {
      assert.equal(file.body.includes(foreign), false, `${foreign} is not Anna's`)
    }
    assert.doesNotMatch(file.body, /argon2/, 'no PIN hash')
    // The download itself is on record, as the patron's own doing.
    const entry = await db()
      .selectFrom('auditLog')
      .select(['actorKind', 'patronId'])
      .where('action', '=', 'patron-data-downloaded')
      .executeTakeFirstOrThrow()
    assert.deepEqual(entry, { actorKind: 'patron', patronId: anna })
  })

  it("gives the other patron only her own, and no one else's by changing the address", async () => {
    const browser = await logIn('bodil-kort-77', '9876')
    const file = await browser.get(`/${M}/min-side/dine-data?patron=${anna}&id=${anna}`)
    assert.equal(file.statusCode, 200)
    const data = JSON.parse(file.body)
    assert.equal(data.laaner.name, 'Bodil Særpræg')
    for (const foreign of ['Anna', 'anna-kort', '0103901234', 'Kongens Fald', 'Festen', 'Alma']) {
      assert.equal(file.body.includes(foreign), false, `${foreign} is not Bodil's`)
    }
    const gentofte = await browser.get('/gentofte/min-side/dine-data')
    assert.equal(gentofte.statusCode, 303, 'a session is for its own municipality')
  })
})
