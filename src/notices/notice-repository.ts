import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.ts'

type Trx = Kysely<Database>

export type NoticeChannel = 'email' | 'sms' | 'digital-post' | 'letter'

export interface NewNotice {
  municipality: string
  patronId: number
  kind: string
  channel: NoticeChannel
  sendAt: Date
  items: string[]
  /** The same key twice is one notice: a rerun job never sends it again. */
  dedupeKey: string
  payload?: Record<string, unknown>
}

/** Queues notices; a notice whose dedupe key exists already is skipped. */
export async function enqueueNotices(trx: Trx, notices: readonly NewNotice[]): Promise<void> {
  if (notices.length === 0) return
  await trx
    .insertInto('notices')
    .values(
      notices.map((notice) => ({
        municipality: notice.municipality,
        patronId: notice.patronId,
        kind: notice.kind,
        channel: notice.channel,
        sendAt: notice.sendAt,
        items: JSON.stringify(notice.items),
        dedupeKey: notice.dedupeKey,
        payload: JSON.stringify(notice.payload ?? {}),
      })),
    )
    .onConflict((oc) => oc.column('dedupeKey').doNothing())
    .execute()
}

/** A written notice goes to Digital Post, or by letter to a patron exempt from it. */
export function writtenChannel(patron: { digitalPost: boolean }): NoticeChannel {
  return patron.digitalPost ? 'digital-post' : 'letter'
}

/** The patron is told of a refund in writing (Digital Post, or a letter when exempt): what and how much. */
export async function enqueueRefundNotice(
  trx: Trx,
  refund: {
    id: number
    municipality: string
    patronId: number
    amount: number
    at: Date
    itemId: number | null
  },
): Promise<void> {
  const patron = await trx
    .selectFrom('patrons')
    .select('digitalPost')
    .where('id', '=', refund.patronId)
    .executeTakeFirstOrThrow()
  const item =
    refund.itemId === null
      ? undefined
      : await trx.selectFrom('items').select('barcode').where('id', '=', refund.itemId).executeTakeFirst()
  await enqueueNotices(trx, [
    {
      municipality: refund.municipality,
      patronId: refund.patronId,
      kind: 'refund',
      channel: writtenChannel(patron),
      sendAt: refund.at,
      items: item ? [item.barcode] : [],
      dedupeKey: `refund:${refund.id}`,
      payload: { amount: refund.amount },
    },
  ])
}
