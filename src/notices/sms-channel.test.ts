import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, beforeEach, describe, it } from 'node:test'
import type { OutgoingMessage, SendOutcome } from './notice-message.ts'
import { createSmsChannel, normalisePhone } from './sms-channel.ts'

interface Request {
  method: string
  authorization: string | undefined
  contentType: string | undefined
  body: unknown
}

const requests: Request[] = []
/** What the gateway answers next. */
let reply: (res: ServerResponse) => void = (res) => res.writeHead(200).end()

const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  const chunks: Buffer[] = []
  req.on('data', (chunk: Buffer) => chunks.push(chunk))
  req.on('end', () => {
    requests.push({
      method: req.method ?? '',
      authorization: req.headers.authorization,
      contentType: req.headers['content-type'],
      body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
    })
    reply(res)
  })
})
let url = ''

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms`
})
after(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})
beforeEach(() => {
  requests.length = 0
})

const message: OutgoingMessage = {
  noticeId: 7,
  kind: 'reservation-ready',
  language: 'da',
  recipient: { name: 'Åse Ødegård', phone: '20 12 34 56' },
  subject: 'Din reservering kan hentes',
  text: 'Den lange tekst til e-mail',
  sms: 'Københavns Biblioteker: «Kongens Fald» kan hentes på Østerbro Bibliotek senest 10. december 2026.',
}

const json = (status: number, body: unknown) => (res: ServerResponse) =>
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))

const failure = (outcome: SendOutcome) => {
  assert.equal(outcome.status, 'failed', JSON.stringify(outcome))
  return outcome.status === 'failed' ? { permanent: outcome.permanent, bounce: outcome.bounce } : null
}

describe('createSmsChannel', () => {
  it('posts to, from and the SMS text with the bearer token, and takes the gateway id', async () => {
    reply = json(201, { id: 'msg-123', status: 'queued' })
    const sms = createSmsChannel({ url, token: 's3cret', sender: 'KBHBib' })
    assert.deepEqual(await sms.send(message), { status: 'sent', providerId: 'msg-123' })
    assert.equal(requests.length, 1)
    assert.deepEqual(requests[0], {
      method: 'POST',
      authorization: 'Bearer s3cret',
      contentType: 'application/json',
      body: { to: '+4520123456', from: 'KBHBib', text: message.sms },
    })
  })

  it('sends the plain text without an SMS variant, no Authorization without a token, numeric id', async () => {
    reply = json(200, { id: 98765 })
    const sms = createSmsChannel({ url, sender: 'KBHBib' })
    const { sms: _omit, ...withoutSms } = message
    assert.deepEqual(await sms.send(withoutSms), { status: 'sent', providerId: '98765' })
    assert.equal(requests[0]?.authorization, undefined)
    assert.deepEqual(requests[0]?.body, { to: '+4520123456', from: 'KBHBib', text: message.text })
  })

  it('counts a 2xx without a JSON id as sent', async () => {
    reply = (res) => res.writeHead(202).end('OK')
    assert.deepEqual(await createSmsChannel({ url, sender: 'X' }).send(message), { status: 'sent' })
  })

  it('bounces a 400/422 about the number; other 4xx are permanent', async () => {
    const sms = createSmsChannel({ url, sender: 'KBHBib' })
    reply = json(422, { error: 'invalid_recipient', message: 'The number is not a mobile number' })
    assert.deepEqual(failure(await sms.send(message)), { permanent: true, bounce: true })
    reply = json(400, { error: 'text too long' })
    assert.deepEqual(failure(await sms.send(message)), { permanent: true, bounce: false })
    reply = json(413, { error: 'payload too large' })
    assert.deepEqual(failure(await sms.send(message)), { permanent: true, bounce: false })
  })

  it('retries 5xx, 429 and a refused token', async () => {
    const sms = createSmsChannel({ url, sender: 'KBHBib' })
    for (const status of [500, 502, 503, 429, 401]) {
      reply = json(status, { error: 'busy' })
      assert.deepEqual(
        failure(await sms.send(message)),
        { permanent: false, bounce: false },
        `status ${status}`,
      )
    }
  })

  it('retries when the gateway does not answer in time', async () => {
    reply = (res) => setTimeout(() => res.writeHead(200).end(), 500)
    const outcome = await createSmsChannel({ url, sender: 'KBHBib', timeoutMs: 100 }).send(message)
    assert.deepEqual(failure(outcome), { permanent: false, bounce: false })
    assert.ok(outcome.status === 'failed' && /100 ms/.test(outcome.reason))
  })

  it('retries when the gateway cannot be reached', async () => {
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const port = (probe.address() as AddressInfo).port
    await new Promise<void>((resolve) => probe.close(() => resolve()))
    const outcome = await createSmsChannel({ url: `http://127.0.0.1:${port}/sms`, sender: 'X' }).send(message)
    assert.deepEqual(failure(outcome), { permanent: false, bounce: false })
    assert.ok(outcome.status === 'failed' && /ECONNREFUSED/.test(outcome.reason), JSON.stringify(outcome))
  })

  it('needs a number: none is permanent, an invalid one bounces, and nothing is posted', async () => {
    const sms = createSmsChannel({ url, sender: 'X' })
    assert.deepEqual(failure(await sms.send({ ...message, recipient: { name: 'X' } })), {
      permanent: true,
      bounce: false,
    })
    assert.deepEqual(failure(await sms.send({ ...message, recipient: { name: 'X', phone: '1234' } })), {
      permanent: true,
      bounce: true,
    })
    assert.equal(requests.length, 0)
  })
})

describe('normalisePhone', () => {
  it('writes Danish numbers as +45 and keeps other countries', () => {
    assert.equal(normalisePhone('20123456'), '+4520123456')
    assert.equal(normalisePhone('20 12 34 56'), '+4520123456')
    assert.equal(normalisePhone('+45 20 12 34 56'), '+4520123456')
    assert.equal(normalisePhone('0045-20123456'), '+4520123456')
    assert.equal(normalisePhone('4520123456'), '+4520123456')
    assert.equal(normalisePhone('+46 70 123 45 67'), '+46701234567')
    assert.equal(normalisePhone('0046701234567'), '+46701234567')
  })
  it('refuses what is no number', () => {
    for (const bad of [
      '',
      '1234',
      '01234567',
      '+45 1234',
      '+45 0123 4567',
      'abc',
      '2012345678',
      '+0123456',
    ]) {
      assert.equal(normalisePhone(bad), null, bad)
    }
  })
})
