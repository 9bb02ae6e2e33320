// A Digital Post message in MeMo ("MeddelelsesModel"), the format Digitaliseringsstyrelsen publishes for
// NgDP. The element names and their order follow the published MeMo_Minimum_Example.xml (MeMo 1.1) and
// Digitaliseringsstyrelsen's own Java library (memolib), whose MessageHeader, Sender and Recipient classes
// fix the order. Besides the required elements only the recipient's (optional) label is written.

import { type BillDocument, BillDocumentError, documentFilename, documentTexts } from './bill-document.ts'

export const MEMO_NAMESPACE = 'https://DigitalPost.dk/MeMo-1'
export const MEMO_VERSION = '1.1'
export const MEMO_SCHEMA_VERSION = '1.1.0'

export interface MemoMeta {
  /** The message's id; MeMo's schema requires a version 4 UUID. */
  messageUuid: string
  /** The sending authority's CVR number, 8 digits. */
  senderCvr: string
  senderLabel: string
  /** 10 digits; null for a citizen without a CPR number, who cannot get Digital Post. */
  recipientCpr: string | null
  recipientLabel: string
  /** ISO 8601 instant; written in UTC, as MeMo requires. */
  createdAt: string
  /** MeMo's `mandatory` flag; false unless the caller knows better. */
  mandatory?: boolean
  /** MeMo's `legalNotification` flag; false unless the caller knows better. */
  legalNotification?: boolean
}

/** The debtor has no CPR number, so the bill must go by letter. */
export class MissingCprError extends BillDocumentError {
  override name = 'MissingCprError'
}

// MeMo's schema: messageUUID follows this pattern, labels are at most 256 characters.
const UUID_V4 = /^[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-4[a-fA-F0-9]{3}-[aAbB89][a-fA-F0-9]{3}-[a-fA-F0-9]{12}$/
const MAX_LABEL = 256
// Characters XML 1.0 cannot carry at all, escaped or not.
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u

function escapeXml(value: string, field: string): string {
  if (NOT_XML.test(value)) throw new BillDocumentError(`${field} holds a character XML cannot carry`)
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
}

function label(value: string, field: string): string {
  const trimmed = value.trim()
  if (trimmed === '') throw new BillDocumentError(`${field} is empty`)
  if ([...trimmed].length > MAX_LABEL)
    throw new BillDocumentError(`${field} is longer than ${MAX_LABEL} characters`)
  return trimmed
}

/** "2026-11-22T05:00:00Z": MeMo's schema wants UTC with a Z. */
function utcInstant(value: string): string {
  const instant = new Date(value)
  if (Number.isNaN(instant.getTime())) throw new BillDocumentError(`createdAt is not an instant: ${value}`)
  return instant.toISOString().replace(/\.000Z$/, 'Z')
}

type Node = [name: string, content: string | Node[]]

function serialize(node: Node, depth: number): string {
  const [name, content] = node
  const indent = '  '.repeat(depth)
  if (typeof content === 'string') return `${indent}<memo:${name}>${content}</memo:${name}>`
  const children = content.map((child) => serialize(child, depth + 1)).join('\n')
  return `${indent}<memo:${name}>\n${children}\n${indent}</memo:${name}>`
}

/** The MeMo XML that carries the PDF of a bill, dunning letter or transfer notice to the debtor's Digital Post. */
export function renderMemo(doc: BillDocument, pdf: Buffer, meta: MemoMeta): string {
  if (meta.recipientCpr === null) {
    throw new MissingCprError(
      `claim ${doc.claimNumber}: the debtor has no CPR number, so it cannot go by Digital Post; send it by letter`,
    )
  }
  if (doc.channel !== 'digital-post') {
    throw new BillDocumentError(`claim ${doc.claimNumber}: a ${doc.channel} is not sent by Digital Post`)
  }
  if (!/^\d{10}$/.test(meta.recipientCpr)) throw new BillDocumentError('recipientCpr must be 10 digits')
  if (!/^\d{8}$/.test(meta.senderCvr))
    throw new BillDocumentError(`senderCvr must be 8 digits: ${meta.senderCvr}`)
  if (!UUID_V4.test(meta.messageUuid)) {
    throw new BillDocumentError(`messageUuid must be a version 4 UUID: ${meta.messageUuid}`)
  }
  if (pdf.length === 0) throw new BillDocumentError(`claim ${doc.claimNumber}: the PDF is empty`)

  const text = (value: string, field: string) => escapeXml(value, field)
  const message: Node[] = [
    [
      'MessageHeader',
      [
        ['messageType', 'DIGITALPOST'],
        ['messageUUID', meta.messageUuid],
        ['label', text(label(documentTexts(doc).title, 'label'), 'label')],
        ['mandatory', String(meta.mandatory ?? false)],
        ['legalNotification', String(meta.legalNotification ?? false)],
        [
          'Sender',
          [
            ['senderID', meta.senderCvr],
            ['idType', 'CVR'],
            ['label', text(label(meta.senderLabel, 'senderLabel'), 'senderLabel')],
          ],
        ],
        [
          'Recipient',
          [
            ['recipientID', meta.recipientCpr],
            ['idType', 'CPR'],
            ['label', text(label(meta.recipientLabel, 'recipientLabel'), 'recipientLabel')],
          ],
        ],
      ],
    ],
    [
      'MessageBody',
      [
        ['createdDateTime', utcInstant(meta.createdAt)],
        [
          'MainDocument',
          [
            [
              'File',
              [
                ['encodingFormat', 'application/pdf'],
                ['filename', text(documentFilename(doc), 'filename')],
                ['language', 'da'],
                ['content', pdf.toString('base64')],
              ],
            ],
          ],
        ],
      ],
    ],
  ]
  const body = message.map((node) => serialize(node, 1)).join('\n')
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<memo:Message xmlns:memo="${MEMO_NAMESPACE}" memoVersion="${MEMO_VERSION}" memoSchVersion="${MEMO_SCHEMA_VERSION}">`,
    body,
    '</memo:Message>',
    '',
  ].join('\n')
}
