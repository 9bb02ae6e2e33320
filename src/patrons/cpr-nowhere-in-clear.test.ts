// Every way a CPR number comes into laan, driven through its real transport (JSON API, the staff desk and
// Min side, MitID, SIP2 over TCP and the FBS endpoint, the door, the nightly run with Digital Post), and then
// every text of every table and every log line searched for those CPR numbers: none may be there in clear.
// The outbox files are not searched: MeMo addresses Digital Post by CPR number (the law's own address).

import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { addItem } from '../catalogue/catalogue-service.ts'
import { loadConfig } from '../config.ts'
import type { DatabaseHandle } from '../db/database.ts'
import { addStaffAccount } from '../desk/staff-accounts.ts'
import { buildApp } from '../http/app.ts'
import { createServices, type Services } from '../services.ts'
import { SimulatedClock } from '../shared/clock.ts'
import { instantOfLocal } from '../shared/time.ts'
import { addSip2Account } from '../sip2/sip2-accounts.ts'
import { createSip2Server, type Sip2Server } from '../sip2/sip2-server.ts'
import { Sip2Dialogue, Sip2FbsClient, Sip2TcpClient, sip2Requests } from '../sip2/sip2-test-client.ts'
import { collectedLog } from '../test-support/collected-log.ts'
import { type OidcTestProvider, startOidcTestProvider } from '../test-support/oidc-test-provider.ts'
import { openTestDatabase } from '../test-support/test-database.ts'
import { cprSpellings, cprsInClear, everyTextValue } from '../test-support/text-columns.ts'
import { Browser } from '../web/test-browser.ts'

const KK = 'kobenhavn'
const KEY = 'test-api-key-cpr'

/** Registered over the API, with Digital Post; lends over the API and SIP2, logs in on Min side, consents. */
const ANNA = '0101901234'
/** Registered at the staff desk, with the dash. */
const BO = '020385-4321'
/** Another issuer's debtor, posted with a claim; a tax refund offset against it. */
const CLAIMED = '1703754321'
/** Registers with MitID as an adult. */
const ADA = '1212891122'
/** Registers with MitID at 15, with Anna's consent. */
const TEEN = '1506104567'
/** A health card laan does not know, at the door and at the automat. */
const STRANGER = '3112991239'
/** Children are registered at the desk and over the API with Anna's CPR number as their guardian's. */
const ALL = [ANNA, BO, CLAIMED, ADA, TEEN, STRANGER]

let handle: DatabaseHandle
let clock: SimulatedClock
let services: Services
let app: FastifyInstance
let sip2: Sip2Server
let broker: OidcTestProvider
let base = ''
let sip2Port = 0
let outbox = ''
const captured = collectedLog()
const { lines } = captured

async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

const at = (instant: string) => clock.set(new Date(instant))

async function api(method: 'GET' | 'POST', url: string, payload?: object) {
  const response = await app.inject({
    method,
    url,
    headers: { 'x-api-key': KEY },
    ...(payload === undefined ? {} : { payload }),
  })
  return { status: response.statusCode, body: response.json() as Record<string, unknown> }
}

before(async () => {
  handle = await openTestDatabase()
  clock = new SimulatedClock(new Date('2026-03-02T10:00:00+01:00'))
  outbox = await mkdtemp(join(tmpdir(), 'laan-cpr-outbox-'))
  const port = await freePort()
  base = `http://127.0.0.1:${port}`
  const config = loadConfig({ LAAN_DATA_DIR: outbox, LAAN_OUTBOX_DIR: outbox, LAAN_PUBLIC_URL: base })
  services = await createServices({ db: handle.db, clock, config })
  const db = services.db
  await addStaffAccount(db, {
    municipality: KK,
    login: 'disk',
    name: 'Dorte Disk',
    password: 'skranke-hemmelig',
    roles: ['desk'],
  })
  await addSip2Account(db, { login: 'automat1', password: 'hemmelig', municipality: KK, location: 'Hoved' })
  for (const barcode of ['b1', 'b2', 'b3', 'b4', 'b5']) {
    await db
      .transaction()
      .execute((trx) =>
        addItem(trx, { municipality: KK, barcode, materialType: 'book', title: `Bog ${barcode}` }),
      )
  }
  broker = await startOidcTestProvider(`${base}/mitid/callback`, {
    ada: { cpr: ADA, birthdate: '1989-12-12', name: 'Ada Voksen' },
    teen: { cpr: TEEN, birthdate: '2010-06-15', name: 'Theo Teen' },
  })
  app = await buildApp(services, {
    logger: captured.logger,
    apiKey: KEY,
    mitid: {
      issuer: broker.issuer,
      clientId: broker.clientId,
      clientSecret: broker.clientSecret,
      redirectUri: `${base}/mitid/callback`,
    },
  })
  // Wired as `laan start` wires it (src/main.ts).
  sip2 = createSip2Server(services, {
    onError: (error) => app.log.error({ err: error }, 'SIP2 message failed'),
    onMessage: (entry) => app.log.debug({ sip2: entry }, 'SIP2 message'),
  })
  sip2Port = (await sip2.listen(0)).port
  await app.listen({ port, host: '127.0.0.1' })
})

after(async () => {
  await sip2?.close()
  await app?.close()
  await broker?.close()
  await handle?.close()
  if (outbox) await rm(outbox, { recursive: true, force: true })
})

/** Every table searched now, as well as at the end: some rows live only for a while (a MitID identity for
 * 15 minutes, a door entry for its retention period). */
const scanned: { label: string; found: string[] }[] = []
async function assertNoCprInClearNow(label: string) {
  const values = await everyTextValue(services.db)
  const found = cprsInClear(values, ALL)
  scanned.push({ label, found })
  assert.deepEqual(found, [], label)
}

/** Walks the OpenID provider's development login and consent pages; the callback URL it sends back to. */
async function mitIdAt(start: string, login: string): Promise<string> {
  const cookies = new Map<string, string>()
  let url = new URL(start)
  let init: RequestInit = {}
  for (let step = 0; step < 20; step++) {
    const headers = new Headers(init.headers)
    headers.set('cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '))
    const response = await fetch(url, { ...init, headers, redirect: 'manual' })
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';')
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq)
      const value = pair.slice(eq + 1)
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(cookie)) cookies.delete(name)
      else cookies.set(name, value)
    }
    const location = response.headers.get('location')
    if (location) {
      await response.body?.cancel()
      const next = new URL(location, url)
      if (next.href.startsWith(`${base}/mitid/callback`)) return `${next.pathname}${next.search}`
      url = next
      init = {}
      continue
    }
    const page = await response.text()
    const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1]
    assert.ok(action, page)
    const fields = new URLSearchParams()
    for (const [, name, value] of page.matchAll(
      /<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g,
    ))
      fields.set(name ?? '', value ?? '')
    if (/name="login"/.test(page)) {
      fields.set('login', login)
      fields.set('password', 'x')
    }
    url = new URL(action, url)
    init = {
      method: 'POST',
      body: fields.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    }
  }
  throw new Error('the MitID walk did not come back')
}

/** MitID from laan's start page to the registration form. */
async function mitId(browser: Browser, login: string): Promise<LightMyRequestResponse> {
  const start = await browser.get(`/${KK}/mitid`)
  assert.equal(start.statusCode, 303, start.body)
  const callback = await browser.get(await mitIdAt(String(start.headers.location), login))
  assert.equal(callback.statusCode, 303, callback.body)
  return browser.follow(callback)
}

async function patronLogIn(browser: Browser, identifier: string, pin: string) {
  const form = await browser.get(`/${KK}/log-ind`)
  const done = await browser.post(`/${KK}/log-ind`, { identifier, pin }, form)
  assert.equal(done.statusCode, 303, done.body)
  return browser.follow(done)
}

const machine = sip2Requests(KK)
const { checkout, checkin } = machine

describe('a CPR number, wherever it comes in', () => {
  it('over the JSON API: registration, look-up, loans, reservations and receivables', async () => {
    const registered = await api('POST', `/api/${KK}/patrons`, {
      cpr: ANNA,
      name: 'Anna Ærø',
      pin: '2580',
      digitalPost: true,
      remindersOptIn: true,
      email: 'anna@example.dk',
      address: { street: 'Nørregade 1', postalCode: '1165', city: 'København K' },
    })
    assert.equal(registered.status, 201, JSON.stringify(registered.body))
    assert.match(String(registered.body.cardNumber), /^9\d{11}$/)
    assert.equal((await api('GET', `/api/${KK}/patrons/${ANNA}`)).status, 200)
    assert.equal((await api('GET', `/api/${KK}/patrons/010190-1234`)).status, 200)
    assert.equal((await api('GET', `/api/${KK}/patrons/${STRANGER}`)).status, 404)
    const child = await api('POST', `/api/${KK}/patrons`, {
      cardNumber: 'barn-api',
      birthDate: '2017-01-01',
      guardian: '010190-1234',
    })
    assert.equal(child.status, 201, JSON.stringify(child.body))
    const lent = await api('POST', `/api/${KK}/checkouts`, { patron: ANNA, item: 'b1' })
    assert.equal(lent.status, 201, JSON.stringify(lent.body))
    assert.equal(
      (await api('POST', `/api/${KK}/checkouts`, { patron: STRANGER, item: 'b5' })).status >= 400,
      true,
    )
    const reserved = await api('POST', `/api/${KK}/reservations`, { patron: '010190-1234', item: 'b5' })
    assert.equal(reserved.status, 201, JSON.stringify(reserved.body))

    const claim = await api('POST', '/api/koge/receivables/claims', {
      issuer: 'parkering',
      debtor: { cpr: '170375-4321', name: 'Carla Krav', digitalPost: true },
      legalKind: 'public',
      title: 'Parkeringsafgift',
      lines: [{ text: 'Parkering uden gyldig billet', amount: 51000 }],
      externalRef: 'P-CPR-1',
    })
    assert.equal(claim.status, 201, JSON.stringify(claim.body))
    const overview = await api('GET', `/api/koge/receivables/citizens/${CLAIMED}/overview`)
    assert.equal(overview.status, 200)
    assert.equal((overview.body.claims as unknown[]).length, 1)
    const paid = await api(
      'POST',
      `/api/koge/receivables/claims/${(claim.body as { id: number }).id}/payments`,
      {
        amount: 1000,
        channel: 'bank',
      },
    )
    assert.equal(paid.status, 201, JSON.stringify(paid.body))
    const offset = await api('POST', '/api/koge/receivables/offsets', {
      citizen: CLAIMED,
      amount: 100000,
      source: 'Overskydende skat',
    })
    assert.equal(offset.status, 201, JSON.stringify(offset.body))
    assert.equal((await api('GET', `/api/${KK}/receivables/citizens/${STRANGER}/overview`)).status, 200)
    await assertNoCprInClearNow('the JSON API')
  })

  it('at the staff desk: a look-up with a reason, an adult and a child registered', async () => {
    const browser = new Browser(app)
    const form = await browser.get(`/${KK}/skranke/log-ind`)
    await browser.post(`/${KK}/skranke/log-ind`, { login: 'disk', password: 'skranke-hemmelig' }, form)
    const home = await browser.get(`/${KK}/skranke`)
    assert.equal(home.statusCode, 200, home.body)
    const found = await browser.post(
      `/${KK}/skranke/find`,
      // Staff type the CPR number into the reason too: it is masked there as well.
      { identifier: '010190-1234', reason: 'Ringede, cpr 010190-1234, spurgte til sine lån' },
      home,
    )
    assert.equal(found.statusCode, 303, found.body)
    assert.match((await browser.follow(found)).body, /Anna Ærø/)
    const lookup = await services.db.selectFrom('staffLookups').select('reason').executeTakeFirstOrThrow()
    assert.equal(lookup.reason, 'Ringede, cpr [CPR], spurgte til sine lån')
    await browser.post(`/${KK}/skranke/find`, { identifier: STRANGER, reason: 'Ukendt kort' }, home)

    const adultForm = await browser.get(`/${KK}/skranke/opret/voksen`)
    const adult = await browser.post(
      `/${KK}/skranke/opret/voksen`,
      { name: 'Bo Berg', cpr: BO, pin: '4321' },
      adultForm,
    )
    assert.equal(adult.statusCode, 303, adult.body)
    const again = await browser.post(`/${KK}/skranke/opret/voksen`, { name: 'Bo igen', cpr: BO }, adultForm)
    assert.equal(again.statusCode, 400)
    const childForm = await browser.get(`/${KK}/skranke/opret/barn`)
    const child = await browser.post(
      `/${KK}/skranke/opret/barn`,
      { name: 'Lille Ærø', birthDate: '2018-04-04', cardNumber: 'barn1', guardian: ANNA, consent: '1' },
      childForm,
    )
    assert.equal(child.statusCode, 303, child.body)
    await assertNoCprInClearNow('the staff desk')
  })

  it('on Min side and with MitID: a CPR login, an adult, a 15-year-old and the guardian’s consent', async () => {
    const anna = new Browser(app)
    assert.match((await patronLogIn(anna, '010190-1234', '2580')).body, /Anna Ærø/)
    const wrong = new Browser(app)
    const form = await wrong.get(`/${KK}/log-ind`)
    assert.equal(
      (await wrong.post(`/${KK}/log-ind`, { identifier: ANNA, pin: '0000' }, form)).statusCode,
      401,
    )
    await wrong.post(`/${KK}/log-ind`, { identifier: STRANGER, pin: '0000' }, form)

    const ada = new Browser(app)
    const adaForm = await mitId(ada, 'ada')
    assert.match(adaForm.body, /Ada Voksen/)
    await assertNoCprInClearNow('an identity from MitID, kept for the registration')
    const adaDone = await ada.post(
      `/${KK}/tilmeld`,
      { pin: '1357', pin2: '1357', email: 'ada@example.dk' },
      adaForm,
    )
    assert.equal(adaDone.statusCode, 303, adaDone.body)

    const teen = new Browser(app)
    const teenForm = await mitId(teen, 'teen')
    assert.match(teenForm.body, /Theo Teen/)
    const asked = await teen.post(
      `/${KK}/tilmeld`,
      { pin: '2468', pin2: '2468', guardian: '010190-1234' },
      teenForm,
    )
    assert.ok([200, 303].includes(asked.statusCode), asked.body)
    const pending = await services.db.selectFrom('pendingRegistrations').select('id').execute()
    assert.equal(pending.length, 1)
    await assertNoCprInClearNow('a registration waiting for consent')

    const page = await anna.get(`/${KK}/min-side`)
    const consent = /action="(\/kobenhavn\/min-side\/samtykke\/\d+)"/.exec(page.body)?.[1]
    assert.ok(consent, page.body)
    const given = await anna.post(consent, { decision: 'ja' }, page)
    assert.equal(given.statusCode, 303, given.body)
    const teenRow = await services.db
      .selectFrom('patrons')
      .select('guardianId')
      .where('cprHash', '=', services.cprVault.hash(TEEN))
      .executeTakeFirstOrThrow()
    assert.notEqual(teenRow.guardianId, null)
    assert.match((await patronLogIn(new Browser(app), TEEN, '2468')).body, /Theo Teen/)

    // The data download may show the patron her own CPR number: it is sent, not stored.
    const download = await anna.get(`/${KK}/min-side/dine-data`)
    assert.equal(download.statusCode, 200)
    await assertNoCprInClearNow('Min side and MitID')
  })

  for (const transport of ['tcp', 'fbs'] as const) {
    it(`over SIP2 (${transport}): 23 and 63 with the PIN, 11 and 09, and an offline 11 and 09`, async () => {
      at('2026-03-02T12:00:00+01:00')
      const sip =
        transport === 'tcp'
          ? new Sip2Dialogue(await Sip2TcpClient.connect(sip2Port))
          : new Sip2Dialogue(new Sip2FbsClient(`${base}/rest/sip2/DK-710100`, 'automat1', 'hemmelig'))
      try {
        if (transport === 'tcp') await sip.logIn('automat1', 'hemmelig')
        const status = await sip.send(machine.patronStatus(ANNA, '2580'), 'patron-status-response')
        assert.equal(status.validPatronPassword, true)
        const wrongPin = await sip.send(machine.patronStatus(ANNA, '0000'), 'patron-status-response')
        assert.equal(wrongPin.validPatronPassword, false)
        await sip.send(machine.patronStatus(STRANGER, '1111'), 'patron-status-response')
        const info = await sip.send(
          machine.patronInformation(ANNA, { chargedItems: true }, '2580'),
          'patron-information-response',
        )
        assert.equal(info.validPatronPassword, true)
        const lent = await sip.send(checkout(ANNA, 'b2', { patronPassword: '2580' }), 'checkout-response')
        assert.equal(lent.ok, true, lent.line)
        assert.equal((await sip.send(checkin('b2'), 'checkin-response')).ok, true)
        await sip.send(checkout(STRANGER, 'b2'), 'checkout-response')

        const offline = checkout(ANNA, 'b3', {
          noBlock: true,
          transactionDate: new Date('2026-03-02T11:00:00+01:00'),
        })
        assert.equal((await sip.send(offline, 'checkout-response')).ok, true)
        assert.equal((await sip.send(offline, 'checkout-response')).ok, true, 'the replay')
        const back = checkin('b3', { noBlock: true, transactionDate: new Date('2026-03-02T11:30:00+01:00') })
        assert.equal((await sip.send(back, 'checkin-response')).ok, true)
        const stranger = checkout(STRANGER, 'b4', {
          noBlock: true,
          transactionDate: new Date('2026-03-02T11:15:00+01:00'),
        })
        await sip.send(stranger, 'checkout-response')
        await sip.send(
          checkin('b4', { noBlock: true, transactionDate: new Date('2026-03-02T11:45:00+01:00') }),
          'checkin-response',
        )
      } finally {
        sip.close()
      }
      await assertNoCprInClearNow(`SIP2 over ${transport}`)
    })
  }

  it('at the door: a health card known and unknown', async () => {
    const known = await api('POST', `/api/${KK}/door/scans`, {
      card: '010190-1234',
      location: 'Hovedbiblioteket',
    })
    assert.equal(known.body.open, true, JSON.stringify(known.body))
    const unknown = await api('POST', `/api/${KK}/door/scans`, {
      card: STRANGER,
      location: 'Hovedbiblioteket',
    })
    assert.equal(unknown.body.open, false)
    assert.equal((await api('GET', `/api/${KK}/door/entries`)).status, 200)
    await assertNoCprInClearNow('the door')
  })

  it('in the nightly run: a late return, notices and a bill by Digital Post', async () => {
    // Anna's loan of b1 (due 30 March) comes back 11 days late: a fee, handed over as a claim.
    for (const date of ['2026-03-27', '2026-03-31']) {
      clock.set(instantOfLocal(date, '02:00'))
      assert.equal((await api('POST', `/api/${KK}/jobs/nightly`, { date })).status, 200)
      await services.jobs.deliver(KK)
    }
    at('2026-04-10T12:00:00+02:00')
    const back = await api('POST', `/api/${KK}/checkins`, { item: 'b1' })
    assert.equal(back.status, 200, JSON.stringify(back.body))
    for (const date of ['2026-04-11', '2026-05-01', '2026-05-20']) {
      clock.set(instantOfLocal(date, '02:00'))
      const run = await api('POST', `/api/${KK}/jobs/nightly`, { date })
      assert.equal(run.status, 200, JSON.stringify(run.body))
      for (const m of [KK, 'koge']) await services.jobs.deliver(m)
    }
    const db = services.db
    const notices = await db.selectFrom('notices').select(['kind', 'channel', 'status']).execute()
    assert.ok(notices.length > 0, 'notices were written')
    const bills = await db.selectFrom('bills').selectAll().execute()
    assert.ok(bills.length > 0, 'bills were written')
    await assertNoCprInClearNow('the nightly run')
  })

  it('is in clear in no table and in no log line', async () => {
    const values = await everyTextValue(services.db)
    assert.ok(values.length > 100)
    assert.deepEqual(cprsInClear(values, ALL), [])
    assert.equal(scanned.length, 9, 'every step was searched')
    assert.ok(lines.length > 50)
    const spellings = ALL.flatMap(cprSpellings)
    assert.deepEqual(
      lines.filter((line) => spellings.some((s) => line.includes(s))),
      [],
    )
  })
})
