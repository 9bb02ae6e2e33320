import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../http/app.ts'
import { openTestServices, type TestContext } from '../test-support/test-services.ts'
import { Browser } from './test-browser.ts'

let t: TestContext
let app: FastifyInstance

before(async () => {
  t = await openTestServices('kobenhavn')
  t.at('2026-03-02T10:00:00+01:00')
  await t.patron({ cardNumber: 'anna', birthDate: '1990-03-01', pin: '1234', name: 'Anna Ærø' })
  await t.patron({ cardNumber: 'bo', birthDate: '1985-06-01', pin: '4321', name: 'Bo' })
  await t.item({ barcode: 'b1', materialType: 'book', title: 'Kongens Fald' })
  await t.item({ barcode: 'b2', materialType: 'book', title: 'Festen <i>' })
  await t.tx((trx) =>
    t.services.circulation.checkout(trx, { municipality: 'kobenhavn', patron: 'anna', item: 'b1' }),
  )
  await t.tx((trx) =>
    t.services.circulation.checkout(trx, { municipality: 'kobenhavn', patron: 'anna', item: 'b2' }),
  )
  await t.tx((trx) =>
    t.services.circulation.reserve(trx, { municipality: 'kobenhavn', patron: 'bo', item: 'b2' }),
  )
  app = await buildApp(t.services)
})

after(async () => {
  await app?.close()
  await t?.close()
})

async function logIn(browser: Browser, card: string, pin: string) {
  const form = await browser.get('/kobenhavn/log-ind')
  return browser.post('/kobenhavn/log-ind', { identifier: card, pin }, form)
}

describe('Min side', () => {
  it('sends a visitor to the login page, with security headers', async () => {
    const browser = new Browser(app)
    const response = await browser.get('/kobenhavn/min-side')
    assert.equal(response.statusCode, 303)
    assert.equal(response.headers.location, '/kobenhavn/log-ind')
    const form = await browser.get('/kobenhavn/log-ind')
    assert.match(form.body, /<html lang="da">/)
    assert.match(String(form.headers['content-security-policy']), /default-src 'self'/)
    assert.equal(form.headers['x-frame-options'], 'SAMEORIGIN')
  })

  it('logs in with card and PIN, shows loans, and renews with the reason in Danish', async () => {
    const browser = new Browser(app)
    const page = await browser.follow(await logIn(browser, 'anna', '1234'))
    assert.equal(page.statusCode, 200)
    assert.match(page.body, /Anna Ærø/)
    assert.match(page.body, /Kongens Fald/)
    assert.match(page.body, /Festen &lt;i&gt;/, 'titles are escaped')
    assert.match(page.body, /30\. marts 2026/)
    const refused = await browser.follow(
      await browser.post('/kobenhavn/min-side/forny', { item: 'b2' }, page),
    )
    assert.match(
      refused.body,
      /role="alert">Festen &lt;i&gt; kunne ikke fornys: Materialet er reserveret af en anden låner/,
    )
    // Eight days later the session has long ended (30 minutes idle): log in again.
    t.at('2026-03-10T10:00:00+01:00')
    assert.equal((await browser.get('/kobenhavn/min-side')).statusCode, 303)
    const later = await browser.follow(await logIn(browser, 'anna', '1234'))
    const renewed = await browser.follow(
      await browser.post('/kobenhavn/min-side/forny', { item: 'b1' }, later),
    )
    assert.match(renewed.body, /Kongens Fald er fornyet til 7\. april 2026\./)
  })

  it('refuses a form without its CSRF token', async () => {
    const browser = new Browser(app)
    const page = await browser.follow(await logIn(browser, 'anna', '1234'))
    const forged = await browser.post('/kobenhavn/min-side/forny', { item: 'b1' }, {
      ...page,
      body: '',
    } as never)
    assert.equal(forged.statusCode, 403)
    assert.match(forged.body, /Formularen er udløbet/)
  })

  it('locks the PIN after 5 wrong tries, and says so', async () => {
    t.at('2026-03-10T10:00:00+01:00')
    const browser = new Browser(app)
    for (let i = 0; i < 4; i++) {
      const wrong = await logIn(browser, 'bo', '0000')
      assert.equal(wrong.statusCode, 401)
      assert.match(wrong.body, /Lånerkort eller pinkode er forkert/)
    }
    const locked = await logIn(browser, 'bo', '0000')
    assert.match(locked.body, /for mange gange\. Prøv igen kl\. 10[.:]15/)
    const stillLocked = await logIn(browser, 'bo', '4321')
    assert.equal(stillLocked.statusCode, 401)
    t.at('2026-03-10T10:16:00+01:00')
    const ok = await logIn(browser, 'bo', '4321')
    assert.equal(ok.statusCode, 303)
  })

  it('cancels only the patron’s own reservation', async () => {
    const anna = new Browser(app)
    const page = await anna.follow(await logIn(anna, 'anna', '1234'))
    const bosReservation = await t.services.db
      .selectFrom('reservations')
      .select('id')
      .executeTakeFirstOrThrow()
    await anna.post(`/kobenhavn/min-side/reserveringer/${bosReservation.id}/slet`, {}, page)
    const still = await t.services.db
      .selectFrom('reservations')
      .select('status')
      .where('id', '=', bosReservation.id)
      .executeTakeFirstOrThrow()
    assert.equal(still.status, 'waiting')
    const bo = new Browser(app)
    const boPage = await bo.follow(await logIn(bo, 'bo', '4321'))
    assert.match(boPage.body, /Venter, nummer i køen 1/)
    const done = await bo.follow(
      await bo.post(`/kobenhavn/min-side/reserveringer/${bosReservation.id}/slet`, {}, boPage),
    )
    assert.match(done.body, /Reserveringen af Festen &lt;i&gt; er slettet/)
  })

  it('changes contact details and language, and checks them', async () => {
    const browser = new Browser(app)
    await browser.follow(await logIn(browser, 'anna', '1234'))
    const form = await browser.get('/kobenhavn/min-side/profil')
    const bad = await browser.post('/kobenhavn/min-side/profil', { email: 'nope', pin: '12' }, form)
    assert.equal(bad.statusCode, 400)
    assert.match(bad.body, /E-mailadressen ser ikke rigtig ud/)
    assert.match(bad.body, /Pinkoden skal være 4 til 8 cifre/)
    const saved = await browser.follow(
      await browser.post(
        '/kobenhavn/min-side/profil',
        { email: 'anna@example.dk', phone: '12345678', language: 'en', remindersOptIn: '1' },
        form,
      ),
    )
    assert.match(saved.body, /<html lang="en">/)
    assert.match(saved.body, /Your details are saved/)
    const patron = await t.services.db
      .selectFrom('patrons')
      .select(['email', 'language', 'remindersOptIn'])
      .where('cardNumber', '=', 'anna')
      .executeTakeFirstOrThrow()
    assert.deepEqual(patron, { email: 'anna@example.dk', language: 'en', remindersOptIn: true })
  })

  it('logs out and the session is gone', async () => {
    const browser = new Browser(app)
    const page = await browser.follow(await logIn(browser, 'bo', '4321'))
    const out = await browser.post('/kobenhavn/log-ud', {}, page)
    assert.equal(out.headers.location, '/kobenhavn/log-ind')
    const again = await browser.get('/kobenhavn/min-side')
    assert.equal(again.statusCode, 303)
  })

  it('finds a title and reserves it, with the place in the queue', async () => {
    t.at('2026-03-11T10:00:00+01:00')
    const browser = new Browser(app)
    await browser.follow(await logIn(browser, 'bo', '4321'))
    const search = await browser.get('/kobenhavn/min-side/reserver?q=kongens%25')
    assert.match(search.body, /Ingen titler matcher/)
    const found = await browser.get('/kobenhavn/min-side/reserver?q=kongens')
    assert.match(found.body, /Kongens Fald/)
    assert.match(found.body, /1 eksemplar, 0 hjemme/)
    const done = await browser.follow(
      await browser.post('/kobenhavn/min-side/reserver', { title: 'Kongens Fald' }, found),
    )
    assert.match(done.body, /Kongens Fald er reserveret\. Du er nummer 1 i køen\./)
    assert.match(done.body, /Afhentes på Københavns Biblioteker/)
  })

  it('the nightly run deletes sessions that ran out before the day', async () => {
    const browser = new Browser(app)
    await logIn(browser, 'anna', '1234')
    const count = async () =>
      Number(
        (
          await t.services.db
            .selectFrom('webSessions')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      )
    assert.ok((await count()) > 0)
    t.at('2026-03-12T02:00:00+01:00')
    await t.services.jobs.nightly('kobenhavn', '2026-03-12')
    assert.equal(await count(), 0)
  })

  it('slows down a flood of logins from one address (last: it uses up the minute)', async () => {
    const browser = new Browser(app)
    const statuses: number[] = []
    for (let i = 0; i < 31; i++) statuses.push((await logIn(browser, 'nobody', '0000')).statusCode)
    assert.ok(statuses.includes(429))
    const last = await logIn(browser, 'nobody', '0000')
    assert.match(last.body, /For mange forsøg/)
  })
})
