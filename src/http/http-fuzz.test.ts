// Fuzzing every HTTP route — the JSON API, the FBS kiosk endpoint and the web pages — with malformed and
// oversized input: random path parameters (unknown ids, huge, unicode, path tricks), random query strings,
// bodies built from the route's own field names with hostile values, random JSON, broken JSON, wrong content
// types and bodies over the size limit. Every answer must be a clear 4xx or a success, never a 5xx; the API's
// errors are JSON with a code and a Danish message; and an API request that is refused leaves the database
// exactly as it was (nothing half-written).

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import { sql } from 'kysely'
import { openTestServices, type TestContext } from '../test-support/test-services.ts'
import { registeredRoutes } from './access-control.ts'
import { buildApp } from './app.ts'

const RUNS_PER_ROUTE = Number(process.env.HTTP_FUZZ_RUNS ?? 6)
const KEY = 'fuzz-key'

interface Route {
  method: string
  url: string
  bodyFields: string[]
}

let t: TestContext
let app: FastifyInstance
const routes: Route[] = []
let tables: string[] = []

function bodyFieldsOf(schema: unknown): string[] {
  const body = (schema as { body?: { properties?: Record<string, unknown> } } | undefined)?.body
  return Object.keys(body?.properties ?? {})
}

before(async () => {
  t = await openTestServices('kobenhavn')
  await t.patron({ cardNumber: 'per', name: 'Per Hansen', birthDate: '1975-11-30', pin: '1234' })
  await t.patron({ cardNumber: 'ida', birthDate: '2015-08-09', guardian: 'per' })
  await t.item({ barcode: '5000001', materialType: 'book', title: 'Kongens Fald' })
  await t.item({ barcode: '5000002', materialType: 'book', title: 'Festen' })
  app = await buildApp(t.services, { apiKey: KEY })
  await app.ready()
  for (const route of registeredRoutes(app)) {
    if (route.method === 'HEAD' || route.method === 'OPTIONS') continue
    routes.push({ method: route.method, url: route.url, bodyFields: bodyFieldsOf(route.schema) })
  }
  // Check out one item so that loan, fee and claim routes have something to find.
  await app.inject({
    method: 'POST',
    url: '/api/kobenhavn/checkouts',
    headers: { 'x-api-key': KEY },
    payload: { patron: 'per', item: '5000001' },
  })
  const rows = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE' and table_name not like 'kysely_%'
    order by table_name`.execute(t.services.db)
  tables = rows.rows.map((r) => r.name)
})

after(async () => {
  await app?.close()
  await t?.close()
})

/** A digest of every row of every table: equal before and after means nothing was written. */
async function fingerprint(): Promise<string> {
  const parts = tables.map(
    (name) =>
      `select '${name}' as name, md5(coalesce(string_agg(x::text, '|' order by x::text), '')) as digest from "${name}" x`,
  )
  const rows = await sql
    .raw<{ name: string; digest: string }>(parts.join(' union all '))
    .execute(t.services.db)
  return rows.rows.map((r) => `${r.name}:${r.digest}`).join(',')
}

const nastyString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '',
    ' ',
    '0',
    '-1',
    '1',
    '2',
    '999999999999999999999',
    '1e309',
    'NaN',
    'null',
    'per',
    'ida',
    '5000001',
    '0103901234',
    '../../etc/passwd',
    '%00',
    '\u0000',
    '<script>alert(1)</script>',
    "' or 1=1 --",
    '2026-02-30',
    '9999-12-31',
    'ÆØÅ æøå',
    'x'.repeat(5000),
  ),
)

const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  nastyString,
  fc.integer(),
  fc.constantFrom(-1, 0, 2 ** 31, Number.MAX_SAFE_INTEGER, 1.5, true, false, null, [], {}),
  fc.jsonValue({ maxDepth: 2 }),
)

type Body =
  | { kind: 'fields'; value: Record<string, unknown> }
  | { kind: 'json'; value: unknown }
  | { kind: 'raw'; text: string; contentType: string }
  | { kind: 'none' }

function bodyFor(route: Route): fc.Arbitrary<Body> {
  const fields =
    route.bodyFields.length === 0
      ? fc.dictionary(nastyString, nastyValue, { maxKeys: 4 })
      : fc.record(Object.fromEntries(route.bodyFields.map((f) => [f, nastyValue])), { requiredKeys: [] })
  return fc.oneof(
    { weight: 4, arbitrary: fields.map((value) => ({ kind: 'fields' as const, value })) },
    {
      weight: 1,
      arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => ({ kind: 'json' as const, value })),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('raw' as const),
        text: fc.oneof(
          fc.string({ maxLength: 100 }),
          fc.constantFrom(
            '{',
            '{"a":',
            '[1,2',
            '<xml>',
            'a=1&a=2&b',
            `{"x":"${'y'.repeat(2 * 1024 * 1024)}"}`,
          ),
        ),
        contentType: fc.constantFrom(
          'application/json',
          'application/x-www-form-urlencoded',
          'text/plain',
          'application/xml',
          'multipart/form-data; boundary=x',
          'application/json; charset=latin1',
        ),
      }),
    },
    { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
  )
}

function urlFor(route: Route, params: string[], municipalityOk: boolean, query: [string, string][]): string {
  let i = 0
  const path = route.url.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const value = params[i++ % params.length] ?? ''
    if (name === 'municipality' && municipalityOk) return 'kobenhavn'
    if (name === 'agency' && municipalityOk) return 'DK-710100'
    return encodeURIComponent(value) || '0'
  })
  const search = new URLSearchParams(query).toString()
  return search === '' ? path : `${path}?${search}`
}

describe('the HTTP routes under hostile input', () => {
  it('has routes to walk', () => {
    assert.ok(routes.length > 100, `only ${routes.length} routes found`)
    assert.ok(routes.some((r) => r.url.startsWith('/api/')))
    assert.ok(routes.some((r) => r.url.includes('min-side')))
  })

  it('refuses what PostgreSQL cannot hold with a 400: a NUL character, an id beyond its integer range', async () => {
    const headers = { 'x-api-key': KEY }
    const nul = await app.inject({ url: '/api/kobenhavn/patrons/%00', headers })
    assert.equal(nul.statusCode, 400)
    assert.equal(nul.json().error, 'bad-request')
    const huge = await app.inject({
      method: 'POST',
      url: '/api/kobenhavn/receivables/legacy-claims/move',
      headers,
      payload: { claims: [2 ** 40] },
    })
    assert.equal(huge.statusCode, 400, huge.body)
    const long = await app.inject({ url: `/api/kobenhavn/patrons/${'x'.repeat(5000)}`, headers })
    assert.equal(long.statusCode, 414)
    assert.match(long.json().message.da, /kunne ikke læses/)
  })

  it('takes an empty list of claims to move as moving none (the fuzz found a 500 there)', async () => {
    const empty = await app.inject({
      method: 'POST',
      url: '/api/kobenhavn/receivables/legacy-claims/move',
      headers: { 'x-api-key': KEY },
      payload: { claims: [] },
    })
    assert.equal(empty.statusCode, 200, empty.body)
    assert.deepEqual(empty.json(), { moved: 0 })
  })

  it('answers every route with a success or a clear 4xx, and a refused API call writes nothing', async () => {
    const problems: string[] = []
    for (const route of routes) {
      if (route.url.startsWith('/docs')) continue
      await fc.assert(
        fc.asyncProperty(
          fc.array(nastyString, { minLength: 1, maxLength: 3 }),
          fc.boolean(),
          fc.array(fc.tuple(nastyString, nastyString), { maxLength: 3 }),
          route.method === 'GET' || route.method === 'DELETE'
            ? fc.constant({ kind: 'none' as const })
            : bodyFor(route),
          async (params, municipalityOk, query, body) => {
            const url = urlFor(route, params, municipalityOk || params[0] === '', query)
            const api = url.startsWith('/api/')
            const headers: Record<string, string> = api ? { 'x-api-key': KEY } : {}
            let payload: string | undefined
            if (body.kind === 'fields' || body.kind === 'json') {
              payload = JSON.stringify(body.value)
              headers['content-type'] = 'application/json'
            } else if (body.kind === 'raw') {
              payload = body.text
              headers['content-type'] = body.contentType
            }
            const before = api ? await fingerprint() : ''
            const response = await app.inject({
              method: route.method as 'GET',
              url,
              headers,
              ...(payload === undefined ? {} : { payload }),
            })
            const where = `${route.method} ${url.slice(0, 200)} (${body.kind}${payload ? `: ${payload.slice(0, 120)}` : ''})`
            // Without a MitID broker configured its pages say so with 503: a clear answer, not a failure.
            const mitidUnconfigured = response.statusCode === 503 && route.url.includes('/mitid')
            if (response.statusCode >= 500 && !mitidUnconfigured) {
              problems.push(`${response.statusCode} for ${where}: ${response.body.slice(0, 200)}`)
              return
            }
            assert.ok(!/\n\s+at .+:\d+:\d+/.test(response.body), `a stack trace for ${where}`)
            if (!api || response.statusCode < 400) return
            const answer = response.json() as { error?: unknown; message?: { da?: unknown } }
            assert.equal(typeof answer.error, 'string', `no error code for ${where}`)
            assert.equal(typeof answer.message?.da, 'string', `no Danish message for ${where}`)
            assert.equal(await fingerprint(), before, `a refused call wrote to the database: ${where}`)
          },
        ),
        { numRuns: RUNS_PER_ROUTE, includeErrorInReport: true },
      )
    }
    assert.deepEqual(problems, [])
  })
})
