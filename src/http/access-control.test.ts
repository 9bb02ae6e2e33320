// The walk: every registered route, with every role and with none, against the access table. API routes
// answer 401 without a valid key and 403 outside the key's role or municipality; pages answer with their
// login page (303) or, staff without the role, 403; everyone allowed gets neither.

import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import Fastify, { type FastifyInstance } from 'fastify'
import type { ApiRole } from '../db/schema.ts'
import { addStaffAccount } from '../desk/staff-accounts.ts'
import { addSip2Account } from '../sip2/sip2-accounts.ts'
import { agencyIdOf } from '../sip2/sip2-agencies.ts'
import { openTestServices, type TestContext } from '../test-support/test-services.ts'
import { STAFF_COOKIE } from '../web/desk-auth.ts'
import { SESSION_COOKIE, startSession } from '../web/web-sessions.ts'
import {
  API_ACCESS,
  accessOf,
  authorizeApi,
  CLI_ACCESS,
  OTHER_ACCESS,
  PAGE_ACCESS,
  type PageRole,
  registeredRoutes,
  routeKey,
} from './access-control.ts'
import { API_ROLES, createApiKey, listApiKeys, revokeApiKey } from './api-keys.ts'
import { buildApp } from './app.ts'
import { handleError } from './error-handler.ts'

const ENV_KEY = 'walk-environment-key'
let t: TestContext
let app: FastifyInstance
let annaId: number
const keys = new Map<string, string>()
const staffIds = new Map<string, number>()
/** The `_csrf` secret cookie and a token that goes with it. */
let csrf: { cookie: string; token: string }

before(async () => {
  t = await openTestServices('kobenhavn')
  annaId = await t.patron({ cardNumber: 'anna', birthDate: '1990-03-01', pin: '1234', name: 'Anna' })
  await t.item({ barcode: 'b1', materialType: 'book', title: 'Kongens Fald' })
  for (const role of ['desk', 'finance', 'administrator'] as const) {
    const staff = await addStaffAccount(t.services.db, {
      municipality: 'kobenhavn',
      login: role,
      name: role,
      password: 'hemmelig-nok',
      roles: [role],
    })
    staffIds.set(role, staff.id)
  }
  for (const role of API_ROLES) {
    const made = await createApiKey(
      t.services.db,
      { name: `kbh-${role}`, role, municipality: 'kobenhavn' },
      t.clock.now(),
    )
    keys.set(role, made.key)
  }
  app = await buildApp(t.services, { apiKey: ENV_KEY })
  const form = await app.inject({ method: 'GET', url: '/kobenhavn/log-ind' })
  const cookie = form.cookies.find((c) => c.name === '_csrf')
  csrf = {
    cookie: `_csrf=${cookie?.value ?? ''}`,
    token: /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? '',
  }
})

after(async () => {
  await app?.close()
  await t?.close()
})

/** A route pattern with its parameters filled with a real municipality and plausible ids. */
function fill(url: string): string {
  const values: Record<string, string> = {
    municipality: 'kobenhavn',
    patron: 'anna',
    item: 'b1',
    id: String(annaId),
    claim: '1',
    citizen: '0103901234',
    receipt: '1',
    charge: '1',
    exclusion: '1',
    block: '1',
    appeal: '1',
    kind: 'adult',
    agency: agencyIdOf('kobenhavn'),
  }
  return url.replace(/:(\w+)/g, (_, name: string) => values[name] ?? '1').replace(/\*$/, 'laan.css')
}

function uniqueRoutes() {
  const seen = new Map<string, { method: string; url: string }>()
  for (const route of registeredRoutes(app)) seen.set(routeKey(route.method, route.url), route)
  return [...seen.values()].map((r) => ({ ...r, method: r.method === 'HEAD' ? 'GET' : r.method }))
}

describe('the access table', () => {
  it('has an entry for every registered route, and no entry for a route that does not exist', async () => {
    await app.ready()
    const registered = new Set(uniqueRoutes().map((r) => routeKey(r.method, r.url)))
    assert.ok(registered.size > 100, `only ${registered.size} routes recorded`)
    const missing = [...registered].filter((key) => {
      const [method, url] = key.split(' ') as [string, string]
      return accessOf(method, url) === null
    })
    assert.deepEqual(missing, [], 'routes without an entry in access-control.ts')
    const tables = [...Object.keys(API_ACCESS), ...Object.keys(PAGE_ACCESS), ...Object.keys(OTHER_ACCESS)]
    assert.deepEqual(
      tables.filter((key) => !registered.has(key)),
      [],
      'entries for routes that do not exist',
    )
  })

  it('answers 403 on an API route that is not in the table (deny by default)', async () => {
    const bare = Fastify()
    bare.setErrorHandler(handleError)
    bare.decorateRequest('apiCaller', null)
    bare.addHook('onRequest', authorizeApi(t.services, ENV_KEY))
    bare.get('/api/:municipality/secret', async () => ({ secret: true }))
    const response = await bare.inject({
      method: 'GET',
      url: '/api/kobenhavn/secret',
      headers: { 'x-api-key': ENV_KEY },
    })
    assert.equal(response.statusCode, 403)
    assert.equal(response.json().error, 'forbidden')
    await bare.close()
  })
})

describe('walking every API route with every role', () => {
  async function call(method: string, url: string, key: string | null) {
    return app.inject({
      method: method as 'GET',
      url,
      headers: key === null ? {} : { 'x-api-key': key },
      ...(method === 'GET' || method === 'DELETE' ? {} : { payload: {} }),
    })
  }

  it('lets the allowed roles through and refuses the others: 401 without a key, 403 with the wrong role', async () => {
    const problems: string[] = []
    for (const route of uniqueRoutes().filter((r) => r.url.startsWith('/api'))) {
      const allowed = accessOf(route.method, route.url)?.roles ?? []
      const url = fill(route.url)
      const none = await call(route.method, url, null)
      if (none.statusCode !== 401) problems.push(`${route.method} ${url} without a key: ${none.statusCode}`)
      const unknown = await call(route.method, url, 'laan_not-a-key')
      if (unknown.statusCode !== 401)
        problems.push(`${route.method} ${url} unknown key: ${unknown.statusCode}`)
      for (const role of API_ROLES) {
        const response = await call(route.method, url, keys.get(role) ?? '')
        const ok = (allowed as readonly string[]).includes(role)
        const status = response.statusCode
        if (ok && (status === 401 || status === 403))
          problems.push(`${route.method} ${url} ${role}: ${status}`)
        if (!ok && status !== 403) problems.push(`${route.method} ${url} ${role} should be 403: ${status}`)
      }
      // The environment's key is an administrator for every municipality.
      const environment = await call(route.method, url, ENV_KEY)
      if (environment.statusCode === 401 || environment.statusCode === 403) {
        problems.push(`${route.method} ${url} LAAN_API_KEY: ${environment.statusCode}`)
      }
    }
    assert.deepEqual(problems, [])
  })

  it("refuses a key on another municipality's routes with 403, and lists only its own municipality", async () => {
    const admin = keys.get('administrator') ?? ''
    const other = await call('GET', '/api/gentofte/patrons/anna', admin)
    assert.equal(other.statusCode, 403)
    assert.equal(other.json().error, 'forbidden-municipality')
    assert.match(other.json().message.da, /gælder kun for kobenhavn/)
    const own = await call('GET', '/api/kobenhavn/patrons/anna', admin)
    assert.equal(own.statusCode, 200)
    const list = await call('GET', '/api/municipalities', keys.get('door') ?? '')
    assert.deepEqual(
      list.json().map((m: { code: string }) => m.code),
      ['kobenhavn'],
    )
    const all = await call('GET', '/api/municipalities', ENV_KEY)
    assert.ok(all.json().length > 1)
  })

  it('rotates a key: a new one works beside the old, then the old is revoked (401); an expired key is 401', async () => {
    const db = t.services.db
    const old = await createApiKey(
      db,
      { name: 'kasse-2026', role: 'desk', municipality: 'kobenhavn' },
      t.clock.now(),
    )
    const fresh = await createApiKey(
      db,
      { name: 'kasse-2027', role: 'desk', municipality: 'kobenhavn' },
      t.clock.now(),
    )
    assert.equal((await call('GET', '/api/kobenhavn/patrons/anna', old.key)).statusCode, 200)
    assert.equal((await call('GET', '/api/kobenhavn/patrons/anna', fresh.key)).statusCode, 200)
    assert.equal(await revokeApiKey(db, 'kasse-2026', t.clock.now()), true)
    assert.equal(await revokeApiKey(db, 'kasse-2026', t.clock.now()), false)
    const revoked = await call('GET', '/api/kobenhavn/patrons/anna', old.key)
    assert.equal(revoked.statusCode, 401)
    assert.equal(revoked.json().error, 'unauthorized')
    assert.equal((await call('GET', '/api/kobenhavn/patrons/anna', fresh.key)).statusCode, 200)
    const listed = await listApiKeys(db)
    const used = listed.find((k) => k.name === 'kasse-2027')
    assert.ok(used?.lastUsedAt, 'the last use is noted')
    assert.ok(!JSON.stringify(listed).includes(fresh.key), 'the list never shows a key')

    const dated = await createApiKey(
      db,
      { name: 'udloeber', role: 'finance', expires: '2026-03-03' },
      t.clock.now(),
    )
    assert.equal((await call('GET', '/api/kobenhavn/receivables/appeals', dated.key)).statusCode, 200)
    t.at('2026-03-03T23:59:00+01:00')
    assert.equal((await call('GET', '/api/kobenhavn/receivables/appeals', dated.key)).statusCode, 200)
    t.at('2026-03-04T00:00:00+01:00')
    assert.equal((await call('GET', '/api/kobenhavn/receivables/appeals', dated.key)).statusCode, 401)
    t.at('2026-03-02T10:00:00+01:00')
  })
})

describe('walking every page with every role', () => {
  type Viewer = 'none' | 'patron' | 'desk' | 'finance' | 'administrator'
  const VIEWERS: readonly Viewer[] = ['none', 'patron', 'desk', 'finance', 'administrator']

  /** A fresh session per request, so logging out or changing the PIN on one route leaves the next alone. */
  async function cookieOf(viewer: Viewer): Promise<string> {
    const now = t.clock.now()
    if (viewer === 'none') return csrf.cookie
    if (viewer === 'patron') {
      const token = await startSession(t.services.db, { municipality: 'kobenhavn', patronId: annaId }, now)
      return `${csrf.cookie}; ${SESSION_COOKIE}=${token}`
    }
    const staffId = staffIds.get(viewer) ?? 0
    const token = await startSession(t.services.db, { municipality: 'kobenhavn', staffId }, now)
    return `${csrf.cookie}; ${STAFF_COOKIE}=${token}`
  }

  /** Pages whose answer to the allowed viewer is the login page: they end the sessions. */
  const LOGS_OUT = new Set(['POST /:municipality/min-side/log-ud-alle'])

  function allowedFor(roles: readonly PageRole[], viewer: Viewer): boolean {
    if (roles.includes('public')) return true
    if (viewer === 'none') return false
    if (viewer === 'patron') return roles.includes('patron')
    return roles.includes(viewer)
  }

  it('gives the allowed viewers the page and the others the login page (303) or 403', async () => {
    const problems: string[] = []
    const pages = uniqueRoutes().filter((r) => PAGE_ACCESS[routeKey(r.method, r.url)] !== undefined)
    assert.ok(pages.length > 50)
    for (const route of pages) {
      const roles = PAGE_ACCESS[routeKey(route.method, route.url)] ?? []
      const url = fill(route.url)
      const staffPage = roles.some((r) => r === 'desk' || r === 'finance' || r === 'administrator')
      const login = staffPage ? '/kobenhavn/skranke/log-ind' : '/kobenhavn/log-ind'
      for (const viewer of VIEWERS) {
        const response = await app.inject({
          method: route.method as 'GET',
          url,
          headers: {
            cookie: await cookieOf(viewer),
            ...(route.method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
          },
          ...(route.method === 'POST'
            ? { payload: new URLSearchParams({ _csrf: csrf.token }).toString() }
            : {}),
        })
        const status = response.statusCode
        const toLogin = status === 303 && response.headers.location === login
        const what = `${route.method} ${url} as ${viewer}: ${status} ${response.headers.location ?? ''}`
        if (allowedFor(roles, viewer)) {
          const loggedOut = LOGS_OUT.has(routeKey(route.method, route.url))
          if (status === 401 || status === 403 || (toLogin && !roles.includes('public') && !loggedOut))
            problems.push(what)
        } else if (viewer === 'none' || viewer === 'patron' || !staffPage) {
          if (!toLogin) problems.push(`${what} (expected the login page)`)
        } else if (status !== 403) {
          problems.push(`${what} (expected 403)`)
        }
      }
    }
    assert.deepEqual(problems, [])
  })

  it("sends a patron of another municipality's session to the login page", async () => {
    const token = await startSession(
      t.services.db,
      { municipality: 'kobenhavn', patronId: annaId },
      t.clock.now(),
    )
    const response = await app.inject({
      method: 'GET',
      url: '/gentofte/min-side',
      headers: { cookie: `${SESSION_COOKIE}=${token}` },
    })
    assert.equal(response.statusCode, 303)
    assert.equal(response.headers.location, '/gentofte/log-ind')
    const staff = await startSession(
      t.services.db,
      { municipality: 'kobenhavn', staffId: staffIds.get('administrator') ?? 0 },
      t.clock.now(),
    )
    const desk = await app.inject({
      method: 'GET',
      url: '/gentofte/skranke',
      headers: { cookie: `${STAFF_COOKIE}=${staff}` },
    })
    assert.equal(desk.statusCode, 303)
    assert.equal(desk.headers.location, '/gentofte/skranke/log-ind')
  })
})

describe('the FBS endpoint (machine)', () => {
  const envelope = (login: string, password: string) =>
    `<ns1:sip login="${login}" password="${password}" xmlns:ns1="http://axiell.com/Schema/sip.xsd"><request>9900302.00</request></ns1:sip>`

  it('answers the account of the agency, 401 a wrong password and 403 an account of another municipality', async () => {
    await addSip2Account(t.services.db, {
      login: 'kbh-1',
      password: 'pw',
      municipality: 'kobenhavn',
      location: 'Hoved',
    })
    await addSip2Account(t.services.db, {
      login: 'gen-1',
      password: 'pw',
      municipality: 'gentofte',
      location: 'Hoved',
    })
    const url = fill('/rest/sip2/:agency')
    const post = (body: string) =>
      app.inject({ method: 'POST', url, headers: { 'content-type': 'application/xml' }, payload: body })
    assert.equal((await post(envelope('kbh-1', 'pw'))).statusCode, 200)
    assert.equal((await post(envelope('kbh-1', 'forkert'))).statusCode, 401)
    assert.equal((await post(envelope('nobody', 'pw'))).statusCode, 401)
    assert.equal((await post(envelope('gen-1', 'pw'))).statusCode, 403)
  })
})

describe('the CLI', () => {
  it('lists every command of cli.ts (the operator runs them all)', () => {
    const source = readFileSync(new URL('../cli.ts', import.meta.url), 'utf8')
    const groups = new Map<string, string>()
    for (const m of source.matchAll(/const (\w+) = program\s*\.command\('([^']+)'\)/g))
      groups.set(m[1] ?? '', m[2] ?? '')
    const commands: string[] = []
    for (const m of source.matchAll(/(?:^|\n)(\w+)\s*\n\s*\.command\('([^']+)'\)/g)) {
      const owner = m[1] ?? ''
      commands.push(owner === 'program' ? (m[2] ?? '') : `${groups.get(owner)} ${m[2]}`)
    }
    assert.ok(commands.length > 10)
    assert.deepEqual([...commands].sort(), Object.keys(CLI_ACCESS).sort())
  })
})

describe('roles', () => {
  it('every API role appears in the table', () => {
    const used = new Set(Object.values(API_ACCESS).flat())
    for (const role of API_ROLES) if (role !== 'administrator') assert.ok(used.has(role as ApiRole), role)
  })
})
