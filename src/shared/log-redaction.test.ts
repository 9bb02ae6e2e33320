import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../http/app.ts'
import { addSip2Account } from '../sip2/sip2-accounts.ts'
import { createSip2Server, type Sip2Server } from '../sip2/sip2-server.ts'
import { Sip2FbsClient, Sip2TcpClient } from '../sip2/sip2-test-client.ts'
import { collectedLog } from '../test-support/collected-log.ts'
import { openTestServices, type TestContext } from '../test-support/test-services.ts'
import { maskText, scrub } from './log-redaction.ts'

const CPR = '0103901234'
const CPR_DASHED = '010390-1234'
const PIN = '7913'
const API_KEY = 'test-api-key-5f1c2a'
const COOKIE = 'laan_session=s3ss10n-t0k3n-abc'
const SIP2_PASSWORD = 'maskine-hemmelig'
const SECRETS = [CPR, CPR_DASHED, '1234', PIN, API_KEY, 's3ss10n-t0k3n-abc', SIP2_PASSWORD]

let t: TestContext
let app: FastifyInstance
let sip2: Sip2Server
let url: string
let port: number
const captured = collectedLog()
const { lines } = captured

before(async () => {
  t = await openTestServices('kobenhavn', '2026-03-02T10:00:00+01:00')
  await t.patron({ cardNumber: 'anna', cpr: CPR, pin: PIN, name: 'Anna' })
  await addSip2Account(t.services.db, {
    login: 'automat1',
    password: SIP2_PASSWORD,
    municipality: 'kobenhavn',
    location: 'Hovedbiblioteket',
  })
  app = await buildApp(t.services, { logger: captured.logger, apiKey: API_KEY })
  // Wired as `laan start` wires it (src/main.ts).
  sip2 = createSip2Server(t.services, {
    onError: (error) => app.log.error({ err: error }, 'SIP2 message failed'),
    onMessage: (entry) => app.log.debug({ sip2: entry }, 'SIP2 message'),
  })
  port = (await sip2.listen(0)).port
  url = await app.listen({ port: 0, host: '127.0.0.1' })
})
after(async () => {
  await sip2.close()
  await app.close()
  await t.close()
})

const headers = { 'x-api-key': API_KEY, cookie: COOKIE, authorization: `Bearer ${API_KEY}` }

describe('the log', () => {
  it('holds no CPR number, PIN, API key, cookie or SIP2 password, whatever the requests carry', async () => {
    // A CPR number in the path and the query, with the key and a cookie in the headers.
    await fetch(`${url}/api/kobenhavn/patrons/${CPR}`, { headers })
    await fetch(`${url}/api/kobenhavn/patrons/${CPR_DASHED}?citizen=${CPR}&pin=${PIN}`, { headers })
    await fetch(`${url}/api/kobenhavn/claims?citizen=${CPR}`, { headers })
    // A CPR number and a PIN in a body: a login on Min side and a registration through the API.
    await fetch(`${url}/kobenhavn/log-ind`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: COOKIE },
      body: `identifier=${CPR}&pin=${PIN}`,
    })
    await fetch(`${url}/api/kobenhavn/patrons`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ cpr: CPR, pin: PIN, name: 'Igen' }),
    })
    // SIP2 over TCP and over the FBS endpoint: a login with the machine's password, a patron status with a
    // CPR number as patron id and the PIN.
    const tcp = await Sip2TcpClient.connect(port)
    await tcp.request(`9300CNautomat1|CO${SIP2_PASSWORD}|CPHovedbiblioteket|`)
    await tcp.request(`23009${'20260302    100000'}AOkobenhavn|AA${CPR}|AC|AD${PIN}|`)
    tcp.close()
    await tcp.closed
    const fbs = new Sip2FbsClient(`${url}/rest/sip2/DK-710100`, 'automat1', SIP2_PASSWORD)
    await fbs.request(`63009${'20260302    100000'}          AOkobenhavn|AA${CPR_DASHED}|AD${PIN}|`)
    // What code might log by hand: a raw message, a body, headers, an error naming the patron.
    app.log.warn(`raw SIP2 23009...|AA${CPR}|AD${PIN}| from ${CPR_DASHED}`)
    app.log.info({ body: { identifier: CPR, pin: PIN, password: SIP2_PASSWORD }, headers }, 'a request')
    app.log.error({ err: new Error(`no patron with card ${CPR}`) }, 'failed')

    const log = lines.join('\n')
    assert.ok(lines.length > 10, 'the log was written')
    assert.match(log, /incoming request/)
    assert.match(log, /\[CPR\]/)
    assert.match(log, /SIP2 message/)
    for (const secret of SECRETS) {
      assert.deepEqual(
        lines.filter((line) => line.includes(secret)),
        [],
        `${secret} in the log`,
      )
    }
  })
})

describe('masking', () => {
  it('masks CPR-like numbers, not longer numbers or card numbers with letters', () => {
    assert.equal(maskText(`/a/${CPR}?x=${CPR_DASHED}&pin=12&b=1`), '/a/[CPR]?x=[CPR]&pin=[redacted]&b=1')
    assert.equal(maskText('order 12345678901 and K1001'), 'order 12345678901 and K1001')
  })

  it('masks SIP2 password fields and censors secret-named fields at any depth', () => {
    assert.equal(maskText('9300CNa|COpw|CPx|'), '9300CNa|CO[redacted]|CPx|')
    assert.equal(
      maskText('23009...AOx|AAcard|ACterm|AD1234|AY1AZF00'),
      '23009...AOx|AAcard|AC[redacted]|AD[redacted]|AY1AZF00',
    )
    assert.deepEqual(scrub({ a: { pin: '1', list: [{ cpr: '2', note: CPR }], Cookie: 'c' } }), {
      a: { pin: '[redacted]', list: [{ cpr: '[redacted]', note: '[CPR]' }], Cookie: '[redacted]' },
    })
  })
})
