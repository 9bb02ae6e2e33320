// Sessions end and rotate: a login starts a new one, a busy session still ends at its absolute lifetime
// (patrons 12 hours, staff 8), a new PIN ends the patron's other sessions and gives this one a new token,
// "log out everywhere" ends all of the patron's, and the operator's revokeSessions (laan sessions revoke).

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { addStaffAccount } from '../desk/staff-accounts.ts'
import { buildApp } from '../http/app.ts'
import { openTestServices, type TestContext } from '../test-support/test-services.ts'
import { logIn } from './mbo-test-support.ts'
import { Browser } from './test-browser.ts'
import { revokeSessions, SESSION_COOKIE } from './web-sessions.ts'

const M = 'kobenhavn'
let t: TestContext
let app: FastifyInstance
let annaId: number
let staffId: number

before(async () => {
  t = await openTestServices(M)
  annaId = await t.patron({ cardNumber: 'anna', birthDate: '1980-03-01', pin: '1234', name: 'Anna' })
  await t.patron({ cardNumber: 'bo', birthDate: '1985-06-01', pin: '4321', name: 'Bo' })
  const staff = await addStaffAccount(t.services.db, {
    municipality: M,
    login: 'disk',
    name: 'Dorte',
    password: 'skranke-hemmelig',
    roles: ['desk'],
  })
  staffId = staff.id
  app = await buildApp(t.services)
})

after(async () => {
  await app?.close()
  await t?.close()
})

const inSession = async (browser: Browser) => (await browser.get(`/${M}/min-side`)).statusCode === 200

async function staffLogIn(browser: Browser) {
  const form = await browser.get(`/${M}/skranke/log-ind`)
  const response = await browser.post(
    `/${M}/skranke/log-ind`,
    { login: 'disk', password: 'skranke-hemmelig' },
    form,
  )
  assert.equal(response.statusCode, 303)
}

describe('sessions', () => {
  it('starts a new session at every login: the token from before stops working', async () => {
    t.at('2026-03-02T10:00:00+01:00')
    const browser = new Browser(app)
    const first = await logIn(browser, M, 'anna', '1234')
    const firstToken = first.cookies.find((c) => c.name === SESSION_COOKIE)?.value
    const second = await logIn(browser, M, 'anna', '1234')
    const secondToken = second.cookies.find((c) => c.name === SESSION_COOKIE)?.value
    assert.ok(firstToken && secondToken && firstToken !== secondToken)
    const old = await app.inject({
      method: 'GET',
      url: `/${M}/min-side`,
      headers: { cookie: `${SESSION_COOKIE}=${firstToken}` },
    })
    assert.equal(old.statusCode, 303)
    assert.equal(await inSession(browser), true)
  })

  it('ends a busy patron session 12 hours after the login, and a staff session after 8', async () => {
    t.at('2026-03-03T08:00:00+01:00')
    const patron = new Browser(app)
    await logIn(patron, M, 'anna', '1234')
    const staff = new Browser(app)
    await staffLogIn(staff)
    // A request every 20 minutes keeps both from idling out...
    for (let minutes = 20; minutes < 8 * 60; minutes += 20) {
      t.at(new Date(Date.parse('2026-03-03T08:00:00+01:00') + minutes * 60_000).toISOString())
      assert.equal(await inSession(patron), true, `patron at +${minutes} min`)
      assert.equal((await staff.get(`/${M}/skranke`)).statusCode, 200, `staff at +${minutes} min`)
    }
    // ...but not past their lifetimes.
    t.at('2026-03-03T16:00:00+01:00')
    const desk = await staff.get(`/${M}/skranke`)
    assert.equal(desk.statusCode, 303)
    assert.equal(desk.headers.location, `/${M}/skranke/log-ind`)
    for (let minutes = 8 * 60; minutes < 12 * 60; minutes += 20) {
      t.at(new Date(Date.parse('2026-03-03T08:00:00+01:00') + minutes * 60_000).toISOString())
      assert.equal(await inSession(patron), true, `patron at +${minutes} min`)
    }
    t.at('2026-03-03T20:00:00+01:00')
    assert.equal(await inSession(patron), false)
  })

  it('ends the other sessions when the PIN changes, and gives this one a new token', async () => {
    t.at('2026-03-04T10:00:00+01:00')
    const phone = new Browser(app)
    const laptop = new Browser(app)
    await logIn(phone, M, 'anna', '1234')
    const login = await logIn(laptop, M, 'anna', '1234')
    const before = login.cookies.find((c) => c.name === SESSION_COOKIE)?.value
    const bo = new Browser(app)
    await logIn(bo, M, 'bo', '4321')
    const form = await laptop.get(`/${M}/min-side/profil`)
    const saved = await laptop.post(`/${M}/min-side/profil`, { pin: '5678', language: 'da' }, form)
    assert.equal(saved.statusCode, 303)
    const after = saved.cookies.find((c) => c.name === SESSION_COOKIE)?.value
    assert.ok(after && after !== before, 'a new token')
    const page = await laptop.follow(saved)
    assert.match(page.body, /Dine oplysninger er gemt/)
    assert.equal(await inSession(phone), false, 'the other session ended')
    assert.equal(await inSession(bo), true, "another patron's session is left alone")
    const stale = await app.inject({
      method: 'GET',
      url: `/${M}/min-side`,
      headers: { cookie: `${SESSION_COOKIE}=${before}` },
    })
    assert.equal(stale.statusCode, 303, 'the old token no longer works')
    await logIn(new Browser(app), M, 'anna', '5678')
  })

  it('logs a patron out everywhere from the profile page', async () => {
    t.at('2026-03-05T10:00:00+01:00')
    const phone = new Browser(app)
    const laptop = new Browser(app)
    await logIn(phone, M, 'anna', '5678')
    await logIn(laptop, M, 'anna', '5678')
    const bo = new Browser(app)
    await logIn(bo, M, 'bo', '4321')
    const profile = await laptop.get(`/${M}/min-side/profil`)
    assert.match(profile.body, /Log ud på alle enheder/)
    const out = await laptop.post(`/${M}/min-side/log-ud-alle`, {}, profile)
    assert.equal(out.statusCode, 303)
    assert.equal(out.headers.location, `/${M}/log-ind`)
    assert.equal(await inSession(laptop), false)
    assert.equal(await inSession(phone), false)
    assert.equal(await inSession(bo), true)
    const left = await t.services.db
      .selectFrom('webSessions')
      .select('tokenHash')
      .where('patronId', '=', annaId)
      .execute()
    assert.equal(left.length, 0)
  })

  it("revokes a patron's, a staff member's or every session of a municipality (laan sessions revoke)", async () => {
    t.at('2026-03-06T10:00:00+01:00')
    const anna = new Browser(app)
    await logIn(anna, M, 'anna', '5678')
    const bo = new Browser(app)
    await logIn(bo, M, 'bo', '4321')
    const staff = new Browser(app)
    await staffLogIn(staff)
    assert.ok((await revokeSessions(t.services.db, M, { patronId: annaId })) >= 1)
    assert.equal(await inSession(anna), false)
    assert.equal(await inSession(bo), true)
    assert.equal((await staff.get(`/${M}/skranke`)).statusCode, 200)
    assert.ok((await revokeSessions(t.services.db, M, { staffId })) >= 1)
    assert.equal((await staff.get(`/${M}/skranke`)).statusCode, 303)
    assert.equal(await revokeSessions(t.services.db, 'gentofte', { all: true }), 0)
    assert.equal(await inSession(bo), true)
    assert.ok((await revokeSessions(t.services.db, M, { all: true })) >= 1)
    assert.equal(await inSession(bo), false)
  })
})
