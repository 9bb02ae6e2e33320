import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { MEMO_NAMESPACE } from '../receivables/memo.ts'
import { SimulatedClock } from '../shared/clock.ts'
import {
  createDigitalPostChannel,
  type DigitalPostChannelConfig,
  NoticeMemoError,
  noticeMessageUuid,
  renderNoticeMemo,
} from './digital-post-channel.ts'
import type { OutgoingMessage } from './notice-message.ts'
import { renderNotice } from './notice-templates.ts'

// Tag values stay strings, so a CPR number keeps its leading zero.
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false })

type Tree = Record<string, unknown>
const at = (tree: unknown, ...path: string[]): Tree =>
  path.reduce<Tree>((node, key) => {
    const next = node[key]
    assert.ok(next !== undefined && next !== null, `missing ${path.join('/')}`)
    return next as Tree
  }, tree as Tree)

const notice = renderNotice({
  kind: 'reservation-ready',
  language: 'en',
  library: { libraryName: 'Københavns Biblioteker', phone: '33 66 30 00' },
  patronName: 'Søren Ærø Åberg',
  items: [{ title: 'Kongens Fald', pickupBy: '2026-12-10', library: 'Østerbro Bibliotek' }],
  postage: 1500,
})
const message: OutgoingMessage = {
  noticeId: 77,
  kind: 'reservation-ready',
  language: 'en',
  recipient: { name: 'Søren Ærø Åberg', cpr: '0101901234' },
  subject: notice.subject,
  text: notice.text,
  date: '2026-12-03',
}

let outbox = ''
let config: DigitalPostChannelConfig
before(async () => {
  outbox = await mkdtemp(join(tmpdir(), 'laan-digital-post-'))
  config = {
    outboxDir: outbox,
    municipality: 'kobenhavn',
    sender: { name: 'Københavns Biblioteker' },
    senderCvr: '64942212',
    senderLabel: 'Københavns Kommune',
    clock: new SimulatedClock(new Date('2026-12-03T07:00:00Z')),
  }
})
after(async () => {
  await rm(outbox, { recursive: true, force: true })
})

describe('createDigitalPostChannel', () => {
  it('writes a MeMo message to the recipient by CPR, carrying the notice as a PDF', async () => {
    const outcome = await createDigitalPostChannel(config).send(message)
    const path = 'kobenhavn/notices/digital-post/notice-77-reservation-ready.xml'
    assert.deepEqual(outcome, { status: 'sent', providerId: path })
    const xml = await readFile(join(outbox, path), 'utf8')
    assert.equal(XMLValidator.validate(xml), true)
    const memo = at(parser.parse(xml), 'memo:Message')
    assert.equal(memo['@_xmlns:memo'], MEMO_NAMESPACE)
    const header = at(memo, 'memo:MessageHeader')
    assert.equal(header['memo:messageUUID'], noticeMessageUuid('kobenhavn', 77))
    assert.equal(header['memo:label'], notice.subject)
    assert.deepEqual(at(header, 'memo:Sender'), {
      'memo:senderID': '64942212',
      'memo:idType': 'CVR',
      'memo:label': 'Københavns Kommune',
    })
    assert.deepEqual(at(header, 'memo:Recipient'), {
      'memo:recipientID': '0101901234',
      'memo:idType': 'CPR',
      'memo:label': 'Søren Ærø Åberg',
    })
    const body = at(memo, 'memo:MessageBody')
    assert.equal(body['memo:createdDateTime'], '2026-12-03T07:00:00Z')
    const file = at(body, 'memo:MainDocument', 'memo:File')
    assert.equal(file['memo:encodingFormat'], 'application/pdf')
    assert.equal(file['memo:filename'], 'notice-77-reservation-ready.pdf')
    assert.equal(file['memo:language'], 'en')
    const pdf = Buffer.from(String(file['memo:content']), 'base64')
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-')
  })

  it('writes the same file again on a rerun, not a second one', async () => {
    const channel = createDigitalPostChannel(config)
    await channel.send(message)
    await channel.send(message)
    const files = await readdir(join(outbox, 'kobenhavn/notices/digital-post'))
    assert.deepEqual(files, ['notice-77-reservation-ready.xml'])
  })

  it('cannot reach a recipient without CPR (permanent, send a letter) and bounces a malformed one', async () => {
    const channel = createDigitalPostChannel(config)
    const none = await channel.send({ ...message, noticeId: 78, recipient: { name: 'A' } })
    assert.deepEqual(
      { ...none, reason: '' },
      { status: 'failed', permanent: true, bounce: false, reason: '' },
    )
    const bad = await channel.send({ ...message, noticeId: 79, recipient: { name: 'A', cpr: '12345' } })
    assert.deepEqual({ ...bad, reason: '' }, { status: 'failed', permanent: true, bounce: true, reason: '' })
    const wrongSender = await createDigitalPostChannel({ ...config, senderCvr: 'x' }).send({
      ...message,
      noticeId: 80,
    })
    assert.deepEqual(
      { ...wrongSender, reason: '' },
      { status: 'failed', permanent: true, bounce: false, reason: '' },
    )
    const files = await readdir(join(outbox, 'kobenhavn/notices/digital-post'))
    assert.ok(!files.some((f) => /notice-(78|79|80)-/.test(f)))
  })

  it('carries attachments as additional documents', async () => {
    const attachment = {
      filename: 'regning.pdf',
      contentType: 'application/pdf',
      content: Buffer.from('%PDF-1.4'),
    }
    await createDigitalPostChannel(config).send({ ...message, noticeId: 81, attachments: [attachment] })
    const xml = await readFile(
      join(outbox, 'kobenhavn/notices/digital-post/notice-81-reservation-ready.xml'),
      'utf8',
    )
    const body = at(parser.parse(xml), 'memo:Message', 'memo:MessageBody')
    assert.deepEqual(Object.keys(body), [
      'memo:createdDateTime',
      'memo:MainDocument',
      'memo:AdditionalDocument',
    ])
    const file = at(body, 'memo:AdditionalDocument', 'memo:File')
    assert.equal(file['memo:filename'], 'regning.pdf')
    assert.equal(Buffer.from(String(file['memo:content']), 'base64').toString(), '%PDF-1.4')
  })
})

describe('renderNoticeMemo', () => {
  const memo = {
    messageUuid: noticeMessageUuid('koge', 1),
    senderCvr: '29189129',
    senderLabel: 'Køge Kommune',
    recipientCpr: '0101901234',
    recipientLabel: 'Tom & <Jerry>',
    label: 'Din reservering kan hentes',
    createdAt: '2026-12-03T08:00:00+01:00',
    language: 'da' as const,
    main: { filename: 'a.pdf', content: Buffer.from('%PDF-') },
  }
  it('escapes text and refuses what MeMo cannot take', () => {
    const xml = renderNoticeMemo(memo)
    assert.ok(xml.includes('<memo:label>Tom &amp; &lt;Jerry&gt;</memo:label>'))
    assert.ok(xml.includes('<memo:createdDateTime>2026-12-03T07:00:00Z</memo:createdDateTime>'))
    assert.throws(() => renderNoticeMemo({ ...memo, messageUuid: 'x' }), NoticeMemoError)
    assert.throws(() => renderNoticeMemo({ ...memo, recipientCpr: '123' }), NoticeMemoError)
    assert.throws(() => renderNoticeMemo({ ...memo, label: ' ' }), NoticeMemoError)
    assert.throws(() => renderNoticeMemo({ ...memo, label: 'bell \u0007' }), NoticeMemoError)
    assert.throws(() => renderNoticeMemo({ ...memo, createdAt: 'yesterday' }), NoticeMemoError)
  })
  it('makes the same version 4 UUID for the same notice, and another for another', () => {
    assert.match(
      noticeMessageUuid('koge', 1),
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    )
    assert.equal(noticeMessageUuid('koge', 1), noticeMessageUuid('koge', 1))
    assert.notEqual(noticeMessageUuid('koge', 1), noticeMessageUuid('koge', 2))
    assert.notEqual(noticeMessageUuid('koge', 1), noticeMessageUuid('naestved', 1))
  })
})
