import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { MEMO_NAMESPACE, MEMO_SCHEMA_VERSION, MEMO_VERSION } from '../receivables/memo.ts'
import {
  bounced,
  type ChannelAdapter,
  describeError,
  type NoticeLanguage,
  type OutgoingMessage,
  permanentFailure,
  retryLater,
  type SendOutcome,
  sent,
} from './notice-message.ts'
import {
  letterDate,
  noticeDocumentPath,
  type WrittenChannelConfig,
  writeAtomically,
} from './notice-outbox.ts'
import { renderNoticePdf } from './notice-pdf.ts'

export interface DigitalPostChannelConfig extends WrittenChannelConfig {
  /** The sending authority's CVR number, 8 digits (policies/receivables/*.yaml `senderCvr`). */
  senderCvr: string
  /** e.g. "Københavns Kommune" (the receivables policy's `authority`). */
  senderLabel: string
}

/**
 * Writes each notice as a MeMo message carrying the notice as a PDF into the outbox for the Digital Post
 * sender (`<outbox>/<municipality>/notices/digital-post/notice-<id>-<kind>.xml`). The provider id is that
 * path, relative to the outbox. Without a CPR number there is no Digital Post: a permanent failure, so the
 * caller sends a letter instead; a CPR number that is not 10 digits is a bounce.
 */
export function createDigitalPostChannel(config: DigitalPostChannelConfig): ChannelAdapter {
  async function send(message: OutgoingMessage): Promise<SendOutcome> {
    const cpr = message.recipient.cpr?.replace(/[\s-]/g, '') ?? ''
    if (cpr === '')
      return permanentFailure('the recipient has no CPR number, so no Digital Post: send a letter')
    if (!/^\d{10}$/.test(cpr)) return bounced("the recipient's CPR number is not 10 digits")
    const path = noticeDocumentPath(config.municipality, 'digital-post', message, 'xml')
    if (typeof path !== 'string') return permanentFailure(path.error)

    let xml: string
    try {
      const pdf = await renderNoticePdf({
        sender: config.sender,
        recipient: { name: message.recipient.name },
        date: letterDate(message, config.clock),
        language: message.language,
        subject: message.subject,
        text: message.text,
      })
      xml = renderNoticeMemo({
        messageUuid: noticeMessageUuid(config.municipality, message.noticeId),
        senderCvr: config.senderCvr,
        senderLabel: config.senderLabel,
        recipientCpr: cpr,
        recipientLabel: message.recipient.name,
        label: message.subject,
        createdAt: (config.clock?.now() ?? new Date()).toISOString(),
        language: message.language,
        main: { filename: path.slice(path.lastIndexOf('/') + 1).replace(/\.xml$/, '.pdf'), content: pdf },
        additional: (message.attachments ?? []).map((a) => ({
          filename: a.filename,
          contentType: a.contentType,
          content: a.content,
        })),
      })
    } catch (error) {
      // Bad data for this one notice (or a sender that is set up wrong): trying again will not help.
      return permanentFailure(`the Digital Post message could not be made: ${describeError(error)}`)
    }
    try {
      await writeAtomically(join(config.outboxDir, path), xml)
    } catch (error) {
      return retryLater(
        `the Digital Post message could not be written to the outbox: ${describeError(error)}`,
      )
    }
    return sent(path)
  }

  return { channel: 'digital-post', send }
}

/** A version 4-shaped UUID from the municipality and notice id, so a rerun writes the same message id. */
export function noticeMessageUuid(municipality: string, noticeId: number): string {
  const hex = createHash('sha256').update(`laan:notice:${municipality}:${noticeId}`).digest('hex')
  const variant = ((Number.parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

export interface NoticeMemo {
  /** Version 4 UUID, as MeMo's schema requires. */
  messageUuid: string
  senderCvr: string
  senderLabel: string
  recipientCpr: string
  recipientLabel: string
  /** The message's title in the citizen's inbox. */
  label: string
  /** ISO 8601 instant; written in UTC. */
  createdAt: string
  language: NoticeLanguage
  /** The notice as a PDF. */
  main: { filename: string; content: Buffer }
  /** Further files (MeMo's AdditionalDocument), e.g. a PDF the message refers to. */
  additional?: { filename: string; contentType: string; content: Buffer }[]
}

/** A notice that cannot be written as MeMo. */
export class NoticeMemoError extends Error {
  override name = 'NoticeMemoError'
}

const UUID_V4 = /^[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-4[a-fA-F0-9]{3}-[aAbB89][a-fA-F0-9]{3}-[a-fA-F0-9]{12}$/
const MAX_LABEL = 256
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u

type Node = [name: string, content: string | Node[]]

/**
 * The MeMo 1.1 message for a notice, in the element order of src/receivables/memo.ts (MeMo_Minimum_Example
 * and Digitaliseringsstyrelsen's memolib): header with type, id, label, flags, sender by CVR and recipient by
 * CPR; body with the creation time, the main document and any additional documents.
 */
export function renderNoticeMemo(memo: NoticeMemo): string {
  if (!UUID_V4.test(memo.messageUuid))
    throw new NoticeMemoError(`messageUuid must be a version 4 UUID: ${memo.messageUuid}`)
  if (!/^\d{8}$/.test(memo.senderCvr))
    throw new NoticeMemoError(`senderCvr must be 8 digits: ${memo.senderCvr}`)
  if (!/^\d{10}$/.test(memo.recipientCpr)) throw new NoticeMemoError('recipientCpr must be 10 digits')
  if (memo.main.content.length === 0) throw new NoticeMemoError('the PDF is empty')
  const created = new Date(memo.createdAt)
  if (Number.isNaN(created.getTime()))
    throw new NoticeMemoError(`createdAt is not an instant: ${memo.createdAt}`)

  const file = (filename: string, contentType: string, content: Buffer): Node => [
    'File',
    [
      ['encodingFormat', xmlText(contentType, 'encodingFormat')],
      ['filename', xmlText(labelText(filename, 'filename'), 'filename')],
      ['language', memo.language],
      ['content', content.toString('base64')],
    ],
  ]
  const message: Node[] = [
    [
      'MessageHeader',
      [
        ['messageType', 'DIGITALPOST'],
        ['messageUUID', memo.messageUuid],
        ['label', xmlText(labelText(memo.label, 'label'), 'label')],
        ['mandatory', 'false'],
        ['legalNotification', 'false'],
        [
          'Sender',
          [
            ['senderID', memo.senderCvr],
            ['idType', 'CVR'],
            ['label', xmlText(labelText(memo.senderLabel, 'senderLabel'), 'senderLabel')],
          ],
        ],
        [
          'Recipient',
          [
            ['recipientID', memo.recipientCpr],
            ['idType', 'CPR'],
            ['label', xmlText(labelText(memo.recipientLabel, 'recipientLabel'), 'recipientLabel')],
          ],
        ],
      ],
    ],
    [
      'MessageBody',
      [
        ['createdDateTime', created.toISOString().replace(/\.000Z$/, 'Z')],
        ['MainDocument', [file(memo.main.filename, 'application/pdf', memo.main.content)]],
        ...(memo.additional ?? []).map(
          (a): Node => ['AdditionalDocument', [file(a.filename, a.contentType, a.content)]],
        ),
      ],
    ],
  ]
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<memo:Message xmlns:memo="${MEMO_NAMESPACE}" memoVersion="${MEMO_VERSION}" memoSchVersion="${MEMO_SCHEMA_VERSION}">`,
    message.map((node) => serialize(node, 1)).join('\n'),
    '</memo:Message>',
    '',
  ].join('\n')
}

function serialize(node: Node, depth: number): string {
  const [name, content] = node
  const indent = '  '.repeat(depth)
  if (typeof content === 'string') return `${indent}<memo:${name}>${content}</memo:${name}>`
  const children = content.map((child) => serialize(child, depth + 1)).join('\n')
  return `${indent}<memo:${name}>\n${children}\n${indent}</memo:${name}>`
}

function labelText(value: string, field: string): string {
  const trimmed = value.replace(/\s+/g, ' ').trim()
  if (trimmed === '') throw new NoticeMemoError(`${field} is empty`)
  const chars = [...trimmed]
  return chars.length <= MAX_LABEL ? trimmed : `${chars.slice(0, MAX_LABEL - 1).join('')}\u2026`
}

function xmlText(value: string, field: string): string {
  if (NOT_XML.test(value)) throw new NoticeMemoError(`${field} holds a character XML cannot carry`)
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
}
