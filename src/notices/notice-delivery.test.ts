import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type ParsedMail, simpleParser } from 'mailparser'
import { SMTPServer } from 'smtp-server'
import { addItem } from '../catalogue/catalogue-service.ts'
import { loadConfig } from '../config.ts'
import { buildApp } from '../http/app.ts'
import { registerPatron } from '../patrons/patron-service.ts'
import { createServices, type Services } from '../services.ts'
import { SimulatedClock } from '../shared/clock.ts'
import { instantOfLocal } from '../shared/time.ts'
import { openTestDatabase } from '../test-support/test-database.ts'

const mails: ParsedMail[] = []
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onRcptTo(address, _session, callback) {
    if (address.address.startsWith('gone@')) {
      return callback(Object.assign(new Error('5.1.1 No such user here'), { responseCode: 550 }))
    }
    callback()
  },
  onData(stream, _session, callback) {
    simpleParser(stream)
      .then((mail) => {
        mails.push(mail)
        callback()
      })
      .catch(callback)
  },
})
const texts: { to: string; text: string }[] = []
const gateway = createServer((req, res) => {
  let body = ''
  req.on('data', (chunk) => {
    body += chunk
  })
  req.on('end', () => {
    texts.push(JSON.parse(body))
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ id: `sms-${texts.length}` }))
  })
})
const outbox = mkdtempSync(join(tmpdir(), 'laan-notices-'))
const m = 'kobenhavn'
let services: Services
let clock: SimulatedClock
let close: () => Promise<void>

before(async () => {
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve))
  await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve))
  const config = loadConfig({
    LAAN_OUTBOX_DIR: outbox,
    LAAN_SMTP_URL: `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`,
    LAAN_SMS_URL: `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/sms`,
  })
  const handle = await openTestDatabase()
  clock = new SimulatedClock(new Date('2026-03-04T10:00:00+01:00'))
  services = await createServices({ db: handle.db, clock, config })
  close = () => handle.close()
  await handle.db.transaction().execute(async (trx) => {
    const patrons = [
      { cardNumber: 'anna', name: 'Anna Ærø', email: 'anna@example.dk', language: 'da' as const },
      {
        cardNumber: 'bo',
        name: 'Bo Berg',
        email: 'gone@example.dk',
        phone: '20000001',
        language: 'en' as const,
      },
      { cardNumber: 'cai', name: 'Cai Cort', phone: '20000002' },
    ]
    for (const p of patrons) {
      await registerPatron(trx, services.cprVault, {
        municipality: m,
        at: clock.now(),
        birthDate: '1990-03-01',
        ...p,
      })
    }
    for (const [barcode, title] of [
      ['1', 'Kongens Fald'],
      ['2', 'Min kamp 1'],
      ['3', 'Ternet Ninja'],
      ['4', 'Hærværk'],
    ] as const) {
      await addItem(trx, { municipality: m, barcode, title, author: 'Forfatter', materialType: 'book' })
    }
  })
  for (const [patron, item] of [
    ['anna', '1'],
    ['anna', '2'],
    ['bo', '3'],
    ['cai', '4'],
  ] as const) {
    await services.db
      .transaction()
      .execute((trx) => services.circulation.checkout(trx, { municipality: m, patron, item }))
  }
})
after(async () => {
  services.close()
  await close()
  await new Promise<void>((resolve) => smtp.close(resolve))
  await new Promise<void>((resolve) => gateway.close(() => resolve()))
  rmSync(outbox, { recursive: true, force: true })
})

async function statuses() {
  const rows = await services.db
    .selectFrom('notices')
    .innerJoin('patrons', 'patrons.id', 'notices.patronId')
    .select(['patrons.cardNumber', 'notices.kind', 'notices.channel', 'notices.status', 'notices.attempts'])
    .orderBy('notices.id')
    .execute()
  return rows.map((r) => [r.cardNumber, r.kind, r.channel, r.status, r.attempts])
}

describe('delivering notices', () => {
  it('sends the reminders at the send time by e-mail and SMS; a bounced address falls back to SMS', async () => {
    // Due 1 April (28 days): the reminders are queued at the night's run of 29 March for 08:00.
    clock.set(instantOfLocal('2026-03-29', '02:00'))
    await services.jobs.nightly(m, '2026-03-29')
    assert.deepEqual((await services.jobs.deliver(m)).notices, {
      sent: 0,
      retried: 0,
      failed: 0,
      fellBack: 0,
      deferred: 0,
    })
    clock.set(instantOfLocal('2026-03-29', '08:00'))
    const first = (await services.jobs.deliver(m)).notices
    assert.deepEqual(first, { sent: 3, retried: 0, failed: 1, fellBack: 1, deferred: 0 })
    assert.deepEqual(await statuses(), [
      ['anna', 'reminder', 'email', 'sent', 1],
      ['bo', 'reminder', 'email', 'failed', 1],
      ['cai', 'reminder', 'sms', 'sent', 1],
      ['bo', 'reminder', 'sms', 'sent', 1],
    ])
    const anna = mails.find(
      (mail) => mail.subject?.includes('1. april 2026') || mail.text?.includes('Kongens Fald'),
    )
    assert.ok(anna, 'the reminder reached the SMTP server')
    assert.match(anna.text ?? '', /Kongens Fald/)
    assert.match(anna.text ?? '', /Min kamp 1/)
    assert.match(anna.text ?? '', /Anna Ærø/)
    assert.deepEqual(
      texts.map((t) => t.to),
      ['+4520000002', '+4520000001'],
    )
    // Bo chose English.
    assert.match(texts[1]?.text ?? '', /Ternet Ninja/)
    const bo = await services.db
      .selectFrom('patrons')
      .select('emailBouncedAt')
      .where('cardNumber', '=', 'bo')
      .executeTakeFirstOrThrow()
    assert.ok(bo.emailBouncedAt !== null, 'the bounced address is marked')
    // Nothing is sent twice.
    assert.deepEqual((await services.jobs.deliver(m)).notices, {
      sent: 0,
      retried: 0,
      failed: 0,
      fellBack: 0,
      deferred: 0,
    })
    assert.equal(texts.length, 2)
  })

  it('holds an SMS due at night until 08:00', async () => {
    await services.db
      .insertInto('notices')
      .values({
        municipality: m,
        patronId: (
          await services.db
            .selectFrom('patrons')
            .select('id')
            .where('cardNumber', '=', 'cai')
            .executeTakeFirstOrThrow()
        ).id,
        kind: 'recall',
        channel: 'sms',
        sendAt: new Date('2026-04-08T23:00:00+02:00'),
        items: JSON.stringify(['4']),
        dedupeKey: 'test:night-sms',
        payload: JSON.stringify({ dueDate: '2026-04-01' }),
      })
      .execute()
    clock.set(new Date('2026-04-08T23:30:00+02:00'))
    assert.equal((await services.jobs.deliver(m)).notices?.deferred, 1)
    clock.set(new Date('2026-04-09T07:59:00+02:00'))
    assert.equal((await services.jobs.deliver(m)).notices?.sent, 0)
    clock.set(new Date('2026-04-09T08:00:00+02:00'))
    assert.equal((await services.jobs.deliver(m)).notices?.sent, 1)
    assert.equal(texts.length, 3)
  })

  it('writes a letter as a PDF into the outbox for the print service, with its postage recorded', async () => {
    const cai = await services.db
      .selectFrom('patrons')
      .select('id')
      .where('cardNumber', '=', 'cai')
      .executeTakeFirstOrThrow()
    await services.db
      .insertInto('notices')
      .values({
        municipality: m,
        patronId: cai.id,
        kind: 'recall',
        channel: 'letter',
        sendAt: new Date('2026-04-11T08:00:00+02:00'),
        items: JSON.stringify(['4']),
        dedupeKey: 'test:letter',
        payload: JSON.stringify({ dueDate: '2026-04-01' }),
      })
      .execute()
    clock.set(new Date('2026-04-11T08:00:00+02:00'))
    assert.equal((await services.jobs.deliver(m)).notices?.sent, 1)
    const letter = await services.db
      .selectFrom('notices')
      .select(['status', 'payload'])
      .where('dedupeKey', '=', 'test:letter')
      .executeTakeFirstOrThrow()
    assert.equal(letter.status, 'sent')
    assert.equal((letter.payload as { postage?: number }).postage, 1500)
    const pdfs = readdirSync(join(outbox, m, 'notices', 'letters'))
    assert.equal(pdfs.length, 1)
    assert.match(pdfs[0] ?? '', /^notice-\d+-recall\.pdf$/)
  })

  it("shows the outbox and a patron's notices over HTTP; a failed notice can be sent again", async () => {
    const app = await buildApp(services, { apiKey: 'k' })
    const get = async (url: string) => {
      const response = await app.inject({ method: 'GET', url, headers: { 'x-api-key': 'k' } })
      return { status: response.statusCode, body: response.json() }
    }
    const failed = await get('/api/kobenhavn/notices?status=failed')
    assert.equal(failed.status, 200)
    assert.deepEqual(
      failed.body.map((n: { patron: string; channel: string; lastError: string }) => [n.patron, n.channel]),
      [['bo', 'email']],
    )
    const anna = await get('/api/kobenhavn/patrons/anna/notices')
    assert.deepEqual(
      anna.body.map((n: { kind: string; status: string; items: string[] }) => [n.kind, n.status, n.items]),
      [['reminder', 'sent', ['1', '2']]],
    )
    assert.equal((await get('/api/kobenhavn/patrons/nobody/notices')).status, 404)
    const id = failed.body[0].id
    const retry = await app.inject({
      method: 'POST',
      url: `/api/kobenhavn/notices/${id}/retry`,
      headers: { 'x-api-key': 'k' },
    })
    assert.equal(retry.statusCode, 200)
    assert.equal(retry.json().status, 'queued')
    const again = await app.inject({
      method: 'POST',
      url: `/api/kobenhavn/notices/${id}/retry`,
      headers: { 'x-api-key': 'k' },
    })
    assert.equal(again.statusCode, 409)
    assert.equal(again.json().error, 'not-failed')
    // Bo's address bounced; a new one is used again, and Bo now wants SMS only.
    const before = await get('/api/kobenhavn/patrons/bo')
    assert.equal(before.body.emailBounced, true)
    assert.equal(before.body.language, 'en')
    const changed = await app.inject({
      method: 'PATCH',
      url: '/api/kobenhavn/patrons/bo/contact',
      headers: { 'x-api-key': 'k' },
      payload: { email: 'bo@example.dk', noticeChannels: ['sms'] },
    })
    assert.equal(changed.statusCode, 200)
    assert.equal(changed.json().emailBounced, false)
    assert.deepEqual(changed.json().noticeChannels, ['sms'])
    const empty = await app.inject({
      method: 'PATCH',
      url: '/api/kobenhavn/patrons/bo/contact',
      headers: { 'x-api-key': 'k' },
      payload: {},
    })
    assert.equal(empty.statusCode, 400)
    await app.close()
  })
})
