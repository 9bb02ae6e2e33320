import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { openTestServices, type TestContext } from '../test-support/test-services.ts'
import { addSip2Account } from './sip2-accounts.ts'
import { appendErrorDetection } from './sip2-checksum.ts'
import { formatSip2Date } from './sip2-dates.ts'
import { formatSip2Request, parseSip2Response, type Sip2Request } from './sip2-messages.ts'
import { SIP2_REFUSAL_MESSAGES } from './sip2-screen-messages.ts'
import { createSip2Server, type Sip2Server } from './sip2-server.ts'
import { Sip2TcpClient as TestClient } from './sip2-test-client.ts'

let t: TestContext
let server: Sip2Server
let port: number
let sequence = 0

function message(request: Sip2Request): string {
  return formatSip2Request(request, { errorDetection: { sequence: sequence++ % 10, checksum: true } })
}
const login = (user: string, password: string) =>
  message({
    type: 'login',
    uidAlgorithm: '0',
    pwdAlgorithm: '0',
    loginUserId: user,
    loginPassword: password,
    locationCode: 'hoved',
  })
const checkout = (patron: string, item: string) =>
  message({
    type: 'checkout',
    scRenewalPolicy: false,
    noBlock: false,
    transactionDate: null,
    nbDueDate: null,
    institutionId: 'kk',
    patronIdentifier: patron,
    itemIdentifier: item,
  })
const checkin = (item: string) =>
  message({
    type: 'checkin',
    noBlock: false,
    transactionDate: null,
    returnDate: null,
    currentLocation: 'hoved',
    institutionId: 'kk',
    itemIdentifier: item,
  })

function parse(line: string) {
  const parsed = parseSip2Response(line)
  assert.ok(parsed.ok, `unparsable response ${line}`)
  return parsed.message as unknown as Record<string, unknown> & { type: string }
}

async function loggedIn(): Promise<TestClient> {
  const client = await TestClient.connect(port)
  assert.match(await client.request(login('automat1', 'hemmelig')), /^941/)
  return client
}

before(async () => {
  t = await openTestServices('kobenhavn')
  await addSip2Account(t.services.db, {
    login: 'automat1',
    password: 'hemmelig',
    municipality: 'kobenhavn',
    location: 'Hovedbiblioteket',
  })
  await t.patron({ cardNumber: 'anna', birthDate: '1990-03-01' })
  await t.patron({ cardNumber: 'bo', birthDate: '1985-06-01' })
  await t.item({ barcode: 'b1', materialType: 'book', title: 'Kongens Fald' })
  await t.item({ barcode: 'f1', materialType: 'book', title: 'Festen' })
  await t.item({ barcode: 'n1', materialType: 'book', title: 'Dagbladet', referenceOnly: true })
  server = createSip2Server(t.services, { idleTimeoutMs: 30_000 })
  port = (await server.listen(0)).port
})

after(async () => {
  await server?.close()
  await t?.close()
})

describe('SIP2 server', () => {
  it('logs a machine in with the right password only', async () => {
    const client = await TestClient.connect(port)
    assert.match(await client.request(login('automat1', 'forkert')), /^940AY\dAZ[0-9A-F]{4}$/)
    assert.match(await client.request(login('ukendt', 'hemmelig')), /^940/)
    assert.match(await client.request(login('automat1', 'hemmelig')), /^941/)
    client.close()
  })

  it('refuses messages before login with 94 ok 0', async () => {
    const client = await TestClient.connect(port)
    assert.match(await client.request(checkout('anna', 'b1')), /^940/)
    assert.match(await client.request('9900302.00'), /^940/)
    client.close()
  })

  it('answers 99 with 98', async () => {
    const client = await loggedIn()
    const line = await client.request(
      message({ type: 'sc-status', statusCode: '0', maxPrintWidth: 30, protocolVersion: '2.00' }),
    )
    assert.match(line, /^98YYYYNY030003\d{8} {4}\d{6}2\.00AO/)
    const response = parse(line)
    assert.equal(response.type, 'acs-status')
    assert.equal(response.protocolVersion, '2.00')
    assert.equal(response.institutionId, 'kobenhavn')
    assert.equal(response.terminalLocation, 'Hovedbiblioteket')
    assert.match(line, /\|BXYYYYYYYYYYYNNYYY\|/)
    client.close()
  })

  it('answers a bad checksum with 96 and resends the last response on 97', async () => {
    const client = await loggedIn()
    const good = message({ type: 'sc-status', statusCode: '0', maxPrintWidth: 30, protocolVersion: '2.00' })
    const bad = good.replace(/AZ[0-9A-F]{4}$/, (m) => (m === 'AZ0000' ? 'AZ0001' : 'AZ0000'))
    assert.equal(await client.request(bad), '96')
    const first = await client.request(good)
    assert.match(first, /^98/)
    assert.equal(await client.request('97'), first)
    assert.equal(await client.request(appendErrorDetection('97', 3, true)), first)
    assert.equal(await client.request('XX garbage'), '96')
    assert.equal(await client.request('11'), '96')
    client.close()
  })

  it('checks out with the due date and the title, and refuses in Danish', async () => {
    t.at('2026-03-02T10:00:00+01:00')
    const client = await loggedIn()
    const line = await client.request(checkout('anna', 'b1'), '\r\n')
    const response = parse(line)
    assert.equal(response.ok, true, line)
    assert.equal(response.titleIdentifier, 'Kongens Fald')
    const loan = await t.services.db
      .selectFrom('loans')
      .innerJoin('items', 'items.id', 'loans.itemId')
      .select('loans.dueDate')
      .where('items.barcode', '=', 'b1')
      .where('loans.status', '=', 'active')
      .executeTakeFirstOrThrow()
    const due = String(loan.dueDate).replaceAll('-', '').slice(0, 8)
    assert.match(line, new RegExp(`\\|AH${due}    235959\\|`))
    assert.equal(formatSip2Date(response.dueDate as Date).slice(0, 8), due)

    const unknown = parse(await client.request(checkout('anna', 'nope')))
    assert.equal(unknown.ok, false)
    assert.deepEqual(unknown.screenMessage, [SIP2_REFUSAL_MESSAGES['unknown-item']])
    const reference = await client.request(checkout('anna', 'n1'))
    assert.match(reference, /^120/)
    assert.deepEqual(parse(reference).screenMessage, [SIP2_REFUSAL_MESSAGES['reference-only']])
    const taken = parse(await client.request(checkout('bo', 'b1')))
    assert.deepEqual(taken.screenMessage, [SIP2_REFUSAL_MESSAGES['not-available']])
    client.close()
  })

  it('checks in, with the location, and refuses an item not on loan', async () => {
    const client = await loggedIn()
    const line = await client.request(checkin('b1'), '\n')
    assert.match(line, /^101YUN/)
    const response = parse(line)
    assert.equal(response.permanentLocation, 'Hovedbiblioteket')
    assert.equal(response.alert, false)
    const again = parse(await client.request(checkin('b1')))
    assert.equal(again.ok, false)
    assert.deepEqual(again.screenMessage, [SIP2_REFUSAL_MESSAGES['not-on-loan']])
    client.close()
  })

  it('checks in a reserved item to the hold shelf with alert Y and a sort bin', async () => {
    const client = await loggedIn()
    assert.match(await client.request(checkout('anna', 'f1')), /^121/)
    await t.tx((trx) =>
      t.services.circulation.reserve(trx, { municipality: 'kobenhavn', patron: 'bo', item: 'f1' }),
    )
    const line = await client.request(checkin('f1'))
    assert.match(line, /^101NUY/)
    const response = parse(line)
    assert.equal(response.alert, true)
    assert.equal(response.sortBin, 'reserveret')
    client.close()
  })

  it('ends the session (35 → 36) and gives no answer to 01', async () => {
    const client = await loggedIn()
    client.send('01N20260302    100000ALkort beholdt|AOkk|AAanna|')
    const line = await client.request(
      message({
        type: 'end-patron-session',
        transactionDate: null,
        institutionId: 'kk',
        patronIdentifier: 'anna',
      }),
    )
    assert.match(line, /^36Y/)
    client.close()
  })

  it('survives garbage, an oversized message and a closed socket, and serves the next connection', async () => {
    const rude = await TestClient.connect(port)
    rude.send('\u0000\u00ff\u00fe garbage')
    assert.equal(await rude.read(), '96')
    rude.send('9'.repeat(20_000))
    assert.equal(await rude.read(), '96')
    assert.match(await rude.request(login('automat1', 'hemmelig')), /^941/)
    rude.send(checkout('anna', 'b1').slice(0, 10), '')
    rude.close()
    await new Promise((resolve) => setTimeout(resolve, 50))
    const client = await loggedIn()
    assert.match(await client.request('9900302.00'), /^98/)
    client.close()
  })

  it('closes connections beyond the limit and keeps serving those within it', async () => {
    const small = createSip2Server(t.services, { maxConnections: 1 })
    const { port: smallPort } = await small.listen(0)
    const first = await TestClient.connect(smallPort)
    assert.match(await first.request(login('automat1', 'hemmelig')), /^941/)
    const second = await TestClient.connect(smallPort)
    second.send('9900302.00')
    await second.closed
    assert.match(await first.request('9900302.00'), /^98/)
    first.close()
    second.close()
    await small.close()
  })
})
