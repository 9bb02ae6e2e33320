import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/schema.ts'
import type { PolicyCatalog } from '../policy/policy-catalog.ts'
import { addDays, type LocalDate, localDateOf } from '../shared/time.ts'
import { enqueueNotices, type NewNotice } from './notice-repository.ts'
import {
  type ElectronicChannel,
  electronicChannels,
  loanNoticeChannels,
  type NoticeContact,
  recallDueDate,
  reminderDueDate,
  sendInstant,
  smsSendInstant,
} from './notice-rules.ts'

type Db = Kysely<Database>

export interface LoanNoticeResult {
  reminders: number
  recalls: number
}

interface ContactRow {
  patronId: number
  email: string | null
  phone: string | null
  emailBouncedAt: Date | null
  noticeChannels: ElectronicChannel[] | null
  remindersOptIn: boolean
  guardianEmail: string | null
  guardianPhone: string | null
  guardianEmailBouncedAt: Date | null
  guardianNoticeChannels: ElectronicChannel[] | null
}

/**
 * Where a patron's notices go: the patron's own e-mail or phone, or, for a child with neither, the
 * guardian's (the economically responsible adult, who also gets the child's bills).
 */
function channelsOf(
  row: ContactRow,
  decide: (contact: NoticeContact) => ElectronicChannel[],
): { channels: ElectronicChannel[]; toGuardian: boolean } {
  const own = decide({
    email: row.email,
    phone: row.phone,
    emailBounced: row.emailBouncedAt !== null,
    chosen: row.noticeChannels,
    remindersOptIn: row.remindersOptIn,
  })
  if (own.length > 0 || (row.guardianEmail === null && row.guardianPhone === null)) {
    return { channels: own, toGuardian: false }
  }
  const guardian = decide({
    email: row.guardianEmail,
    phone: row.guardianPhone,
    emailBounced: row.guardianEmailBouncedAt !== null,
    chosen: row.guardianNoticeChannels,
    remindersOptIn: row.remindersOptIn,
  })
  return { channels: guardian, toGuardian: guardian.length > 0 }
}

/**
 * Queues the day's reminders and recalls for a municipality: one notice per patron, kind and channel,
 * listing every loan due (reminder) or overdue by the trigger (recall), to go out at the policy's send
 * time. The dedupe key (kind, patron, due date, channel) makes a second run, or a run after a crash,
 * queue nothing twice.
 */
export async function queueLoanNotices(
  db: Db,
  policies: PolicyCatalog,
  municipality: string,
  date: LocalDate,
  options: { chunkSize?: number; afterChunk?: () => void | Promise<void> } = {},
): Promise<LoanNoticeResult> {
  const chunkSize = options.chunkSize ?? 1000
  const policy = policies.inForce(municipality, date).notices
  const at = sendInstant(policy, date)
  const result: LoanNoticeResult = { reminders: 0, recalls: 0 }
  const kinds = [
    { kind: 'reminder' as const, dueDate: reminderDueDate(policy, date), rule: policy.reminder.value },
    { kind: 'recall' as const, dueDate: recallDueDate(policy, date), rule: policy.recall.value },
  ]
  for (const { kind, dueDate, rule } of kinds) {
    if (dueDate === null || rule === null) continue
    const rows = await sql<ContactRow & { loanId: number; barcode: string }>`
      select l.id as loan_id, i.barcode, p.id as patron_id, p.email, p.phone, p.email_bounced_at,
        p.notice_channels, p.reminders_opt_in,
        g.email as guardian_email, g.phone as guardian_phone, g.email_bounced_at as guardian_email_bounced_at,
        g.notice_channels as guardian_notice_channels
      from loans l
      join items i on i.id = l.item_id
      join patrons p on p.id = l.patron_id
      left join patrons g on g.id = p.guardian_id
      where l.municipality = ${municipality} and l.status = 'active' and l.due_date = ${dueDate}
      order by p.id, i.barcode
    `.execute(db)
    const byPatron = new Map<number, { contact: ContactRow; loans: number[]; items: string[] }>()
    for (const row of rows.rows) {
      const entry = byPatron.get(row.patronId) ?? { contact: row, loans: [], items: [] }
      entry.loans.push(row.loanId)
      entry.items.push(row.barcode)
      byPatron.set(row.patronId, entry)
    }
    const notices: NewNotice[] = []
    for (const [patronId, { contact, loans, items }] of byPatron) {
      const { channels, toGuardian } = channelsOf(contact, (c) => loanNoticeChannels(rule.to, c))
      for (const channel of channels) {
        notices.push({
          municipality,
          patronId,
          kind,
          channel,
          sendAt: channel === 'sms' ? smsSendInstant(at) : at,
          items,
          dedupeKey: `${kind}:${patronId}:${dueDate}:${channel}`,
          payload: { dueDate, loans, ...(toGuardian ? { recipient: 'guardian' } : {}) },
        })
      }
    }
    for (let i = 0; i < notices.length; i += chunkSize) {
      await enqueueNotices(db, notices.slice(i, i + chunkSize))
      await options.afterChunk?.()
    }
    result[kind === 'reminder' ? 'reminders' : 'recalls'] += notices.length
  }
  return result
}

/**
 * Queues a reservation-ready notice for every reservation put on the hold shelf since the last call, sent
 * from the moment it was held (an SMS waits for the morning). The reservation row is the outbox entry:
 * it is written with the hold, and `notified_at` marks it done in the same transaction as the notice.
 * København (002): free by e-mail and SMS; a patron with neither gets it in Digital Post, or, exempt from
 * Digital Post, by letter and pays the postage.
 */
export async function queueHoldNotices(
  db: Db,
  policies: PolicyCatalog,
  municipality: string,
  now: Date,
  chargePostage: (
    trx: Db,
    postage: { municipality: string; patronId: number; reservationId: number; title: string; amount: number },
    at: Date,
  ) => Promise<void>,
): Promise<number> {
  const policy = policies.inForce(municipality, localDateOf(now)).notices
  const ready = policy.reservationReady.value
  const pickupDays = policies.inForce(municipality, localDateOf(now)).reservations.pickupDays.value
  let queued = 0
  for (;;) {
    const done = await db.transaction().execute(async (trx) => {
      const rows = await sql<
        ContactRow & {
          reservationId: number
          heldAt: Date
          title: string
          barcode: string
          digitalPost: boolean
        }
      >`
        select r.id as reservation_id, r.held_at, r.title, i.barcode, p.id as patron_id, p.email, p.phone,
          p.email_bounced_at, p.notice_channels, p.reminders_opt_in, p.digital_post,
          g.email as guardian_email, g.phone as guardian_phone, g.email_bounced_at as guardian_email_bounced_at,
          g.notice_channels as guardian_notice_channels
        from reservations r
        join items i on i.id = r.item_id
        join patrons p on p.id = r.patron_id
        left join patrons g on g.id = p.guardian_id
        where r.municipality = ${municipality} and r.status = 'held' and r.notified_at is null
        order by r.id
        limit 1000
        for update of r skip locked
      `.execute(trx)
      if (rows.rows.length === 0) return 0
      const notices: NewNotice[] = []
      for (const row of rows.rows) {
        if (ready === null) continue
        const heldAt = new Date(row.heldAt)
        const pickupBy = addDays(localDateOf(heldAt), pickupDays)
        const { channels, toGuardian } = channelsOf(row, electronicChannels)
        const payload = { title: row.title, pickupBy, ...(toGuardian ? { recipient: 'guardian' } : {}) }
        if (channels.length === 0) {
          // Neither e-mail nor SMS: Digital Post, free; a patron exempt from it gets a letter and pays the postage.
          const channel = row.digitalPost ? ('digital-post' as const) : ('letter' as const)
          notices.push({
            municipality,
            patronId: row.patronId,
            kind: 'reservation-ready',
            channel,
            sendAt: heldAt,
            items: [row.barcode],
            dedupeKey: `reservation-ready:${row.reservationId}:${channel}`,
            payload: channel === 'letter' ? { ...payload, postage: policy.letterPostage.value } : payload,
          })
          if (channel === 'letter' && ready.chargePostage && policy.letterPostage.value > 0) {
            await chargePostage(
              trx,
              {
                municipality,
                patronId: row.patronId,
                reservationId: row.reservationId,
                title: row.title,
                amount: policy.letterPostage.value,
              },
              heldAt,
            )
          }
          continue
        }
        for (const channel of channels) {
          notices.push({
            municipality,
            patronId: row.patronId,
            kind: 'reservation-ready',
            channel,
            sendAt: channel === 'sms' ? smsSendInstant(heldAt) : heldAt,
            items: [row.barcode],
            dedupeKey: `reservation-ready:${row.reservationId}:${channel}`,
            payload,
          })
        }
      }
      await enqueueNotices(trx, notices)
      await trx
        .updateTable('reservations')
        .set({ notifiedAt: now })
        .where(
          'id',
          'in',
          rows.rows.map((r) => r.reservationId),
        )
        .execute()
      queued += notices.length
      return rows.rows.length
    })
    if (done === 0) break
  }
  return queued
}
