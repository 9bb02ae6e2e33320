import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { createServer } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { type ParsedMail, simpleParser } from 'mailparser'
import { SMTPServer } from 'smtp-server'
import { createEmailChannel, smtpOutcome } from './email-channel.ts'
import type { OutgoingMessage } from './notice-message.ts'

/** An SMTP error with the reply code the client reads, as smtp-server expects it from the hooks. */
function smtpError(message: string, responseCode: number): Error {
  return Object.assign(new Error(message), { responseCode })
}

const received: ParsedMail[] = []

// A real SMTP server in this process: refuses gone@…, greylists later@…, and rejects a message whose
// subject says "spam" at DATA.
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onRcptTo(address, _session, callback) {
    if (address.address.startsWith('gone@')) return callback(smtpError('5.1.1 No such user here', 550))
    if (address.address.startsWith('later@')) return callback(smtpError('4.7.1 Greylisted, try again', 451))
    callback()
  },
  onData(stream, _session, callback) {
    simpleParser(stream)
      .then((mail) => {
        if (mail.subject?.includes('spam')) return callback(smtpError('5.7.1 Message refused', 554))
        received.push(mail)
        callback()
      })
      .catch(callback)
  },
})
let port = 0

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.server.address() as AddressInfo).port
})
after(async () => {
  await new Promise<void>((resolve) => server.close(resolve))
})

function channel(overrides: { port?: number } = {}) {
  return createEmailChannel({
    host: '127.0.0.1',
    port: overrides.port ?? port,
    secure: false,
    from: 'Københavns Biblioteker <noreply@bibliotek.example>',
    timeoutMs: 5_000,
  })
}

const message: OutgoingMessage = {
  noticeId: 42,
  kind: 'reminder',
  language: 'da',
  recipient: { name: 'Søren Ærø Åberg', email: 'soeren@example.dk' },
  subject: 'Påmindelse: dine lån skal afleveres 3. december 2026',
  text: 'Hej Søren Ærø Åberg\n\nLånetiden udløber for «Kongens Fald» – husk at aflevere på Østerbro Bibliotek.\n',
  html: '<p>Hej Søren Ærø Åberg</p><p>Lånetiden udløber for «Kongens Fald».</p>',
  attachments: [
    { filename: 'kvittering.pdf', contentType: 'application/pdf', content: Buffer.from('%PDF-1.4 æøå') },
  ],
}

describe('createEmailChannel', () => {
  it('delivers subject, text, html and attachment with the Danish letters intact', async () => {
    const email = channel()
    try {
      const outcome = await email.send(message)
      assert.equal(outcome.status, 'sent')
      assert.ok(outcome.status === 'sent' && outcome.providerId !== undefined && outcome.providerId !== '')
    } finally {
      email.close()
    }
    const mail = received.at(-1)
    assert.ok(mail)
    assert.equal(mail.subject, message.subject)
    assert.equal(mail.text?.trim(), message.text.trim())
    assert.ok(typeof mail.html === 'string' && mail.html.includes('Lånetiden udløber for «Kongens Fald».'))
    assert.equal(mail.headers.get('x-laan-notice-id'), '42')
    const to = mail.to
    assert.ok(to !== undefined && !Array.isArray(to))
    assert.equal(to.value[0]?.address, 'soeren@example.dk')
    assert.equal(to.value[0]?.name, 'Søren Ærø Åberg')
    assert.equal(mail.from?.value[0]?.name, 'Københavns Biblioteker')
    assert.equal(mail.attachments.length, 1)
    const attachment = mail.attachments[0]
    assert.equal(attachment?.filename, 'kvittering.pdf')
    assert.equal(attachment?.contentType, 'application/pdf')
    assert.deepEqual(attachment?.content, Buffer.from('%PDF-1.4 æøå'))
  })

  it('reports a recipient the server refuses with 550 as a bounce', async () => {
    const email = channel()
    try {
      const outcome = await email.send({ ...message, recipient: { name: 'X', email: 'gone@example.dk' } })
      assert.equal(outcome.status, 'failed')
      assert.ok(outcome.status === 'failed')
      assert.equal(outcome.bounce, true)
      assert.equal(outcome.permanent, true)
      assert.match(outcome.reason, /550|No such user/)
    } finally {
      email.close()
    }
  })

  it('retries a recipient the server defers with 451', async () => {
    const email = channel()
    try {
      const outcome = await email.send({ ...message, recipient: { name: 'X', email: 'later@example.dk' } })
      assert.deepEqual(
        { ...outcome, reason: '' },
        { status: 'failed', permanent: false, bounce: false, reason: '' },
      )
    } finally {
      email.close()
    }
  })

  it('gives up on a message the server refuses at DATA, without marking the address', async () => {
    const email = channel()
    try {
      const outcome = await email.send({ ...message, subject: 'spam spam' })
      assert.deepEqual(
        { ...outcome, reason: '' },
        { status: 'failed', permanent: true, bounce: false, reason: '' },
      )
    } finally {
      email.close()
    }
  })

  it('retries later when the server is down', async () => {
    // A port that was free a moment ago and has nothing listening now.
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const freePort = (probe.address() as AddressInfo).port
    await new Promise<void>((resolve) => probe.close(() => resolve()))
    const email = channel({ port: freePort })
    try {
      const outcome = await email.send(message)
      assert.equal(outcome.status, 'failed')
      assert.ok(outcome.status === 'failed')
      assert.equal(outcome.permanent, false)
      assert.equal(outcome.bounce, false)
    } finally {
      email.close()
    }
  })

  it('needs an address: none is permanent, a malformed one bounces, and nothing is sent', async () => {
    const email = channel()
    const before = received.length
    try {
      const none = await email.send({ ...message, recipient: { name: 'X' } })
      assert.deepEqual(
        { ...none, reason: '' },
        { status: 'failed', permanent: true, bounce: false, reason: '' },
      )
      const bad = await email.send({ ...message, recipient: { name: 'X', email: 'not an address' } })
      assert.deepEqual(
        { ...bad, reason: '' },
        { status: 'failed', permanent: true, bounce: true, reason: '' },
      )
    } finally {
      email.close()
    }
    assert.equal(received.length, before)
  })
})

describe('smtpOutcome', () => {
  const kind = (error: object) => {
    const outcome = smtpOutcome(Object.assign(new Error('x'), error))
    return outcome.status === 'failed' ? { permanent: outcome.permanent, bounce: outcome.bounce } : outcome
  }
  it('bounces 550, 551, 553 and 5.1.x on RCPT; other 5xx are permanent; 4xx and 503 retry', () => {
    for (const code of [550, 551, 553]) {
      assert.deepEqual(kind({ code: 'EENVELOPE', command: 'RCPT TO', responseCode: code }), {
        permanent: true,
        bounce: true,
      })
    }
    assert.deepEqual(
      kind({ code: 'EENVELOPE', command: 'RCPT TO', responseCode: 554, response: '554 5.1.10 null MX' }),
      { permanent: true, bounce: true },
    )
    assert.deepEqual(kind({ code: 'EENVELOPE', command: 'RCPT TO', responseCode: 552 }), {
      permanent: true,
      bounce: false,
    })
    assert.deepEqual(kind({ code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 550 }), {
      permanent: true,
      bounce: false,
    })
    assert.deepEqual(kind({ code: 'EMESSAGE', command: 'DATA', responseCode: 554 }), {
      permanent: true,
      bounce: false,
    })
    assert.deepEqual(kind({ code: 'EENVELOPE', command: 'RCPT TO', responseCode: 503 }), {
      permanent: false,
      bounce: false,
    })
    assert.deepEqual(kind({ code: 'EENVELOPE', command: 'RCPT TO', responseCode: 450 }), {
      permanent: false,
      bounce: false,
    })
  })

  it('retries connection trouble and set-up errors (a wrong password fails every message alike)', () => {
    for (const code of ['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS']) {
      assert.deepEqual(kind({ code }), { permanent: false, bounce: false })
    }
    assert.deepEqual(kind({ code: 'EAUTH', command: 'AUTH PLAIN', responseCode: 535 }), {
      permanent: false,
      bounce: false,
    })
    assert.deepEqual(smtpOutcome('weird').status, 'failed')
  })
})
