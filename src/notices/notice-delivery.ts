import { type Kysely, sql } from 'kysely'
import type { Database } from '../db/schema.ts'
import { type CprVault, cprOf } from '../patrons/cpr-vault.ts'
import type { PolicyCatalog } from '../policy/policy-catalog.ts'
import type { ReceivablesCatalog } from '../receivables/receivables-policy.ts'
import { addDays, type LocalDate, localDateOf } from '../shared/time.ts'
import type {
  ChannelAdapter,
  NoticeChannel,
  NoticeKind,
  OutgoingMessage,
  SendOutcome,
} from './notice-message.ts'
import { enqueueNotices } from './notice-repository.ts'
import { smsSendInstant } from './notice-rules.ts'
import { type NoticeInput, type NoticeItem, NoticeTemplateError, renderNotice } from './notice-templates.ts'

type Db = Kysely<Database>

/** The channels of one municipality. */
export type NoticeAdapters = Record<NoticeChannel, ChannelAdapter>

export interface NoticeDeliveryDeps {
  db: Db
  policies: PolicyCatalog
  receivablesCatalog: ReceivablesCatalog
  adaptersFor: (municipality: string) => NoticeAdapters
  now: () => Date
  /** Decrypts the recipient's CPR number for Digital Post, when the message is built. */
  cprVault: CprVault
}

export interface NoticeDeliveryResult {
  sent: number
  /** Failed for now, tried again later. */
  retried: number
  failed: number
  /** Of the failed, sent again by another channel (a bounced e-mail address, no CPR for Digital Post). */
  fellBack: number
  /** SMS held until the morning. */
  deferred: number
}

/** After this many tries a notice is given up and shows as failed in the outbox. */
export const MAX_ATTEMPTS = 8

/** The wait before try number `attempt` + 1: a minute, doubling, at most six hours. */
export function retryDelayMs(attempt: number): number {
  return Math.min(60_000 * 2 ** Math.max(0, attempt - 1), 6 * 3_600_000)
}

interface QueuedNotice {
  id: number
  municipality: string
  patronId: number
  kind: string
  channel: string
  sendAt: Date
  items: string[]
  dedupeKey: string
  payload: Record<string, unknown>
  attempts: number
}

/**
 * Sends the municipality's queued notices that are due: renders each in the patron's language, hands it
 * to its channel and records the outcome. A temporary failure is tried again with back-off; a bounced
 * e-mail address is marked and the notice goes by the next channel (SMS, then Digital Post or letter); an
 * SMS is never sent at night. A crash after sending and before recording sends that one notice again.
 */
export async function deliverDueNotices(
  deps: NoticeDeliveryDeps,
  municipality: string,
  options: { batchSize?: number } = {},
): Promise<NoticeDeliveryResult> {
  const { db } = deps
  const result: NoticeDeliveryResult = { sent: 0, retried: 0, failed: 0, fellBack: 0, deferred: 0 }
  const adapters = deps.adaptersFor(municipality)
  // Each notice is tried at most once per call: the next batch starts after the last one's highest id.
  let lastId = 0
  for (;;) {
    const now = deps.now()
    const due = (await db
      .selectFrom('notices')
      .select([
        'id',
        'municipality',
        'patronId',
        'kind',
        'channel',
        'sendAt',
        'items',
        'dedupeKey',
        'payload',
        'attempts',
      ])
      .where('municipality', '=', municipality)
      .where('status', '=', 'queued')
      .where('sendAt', '<=', now)
      .where((eb) => eb.or([eb('nextAttemptAt', 'is', null), eb('nextAttemptAt', '<=', now)]))
      .where('id', '>', lastId)
      .orderBy('id')
      .limit(options.batchSize ?? 200)
      .execute()) as QueuedNotice[]
    if (due.length === 0) break
    for (const notice of due) {
      lastId = notice.id
      const channel = notice.channel as NoticeChannel
      if (channel === 'sms' && smsSendInstant(now).getTime() > now.getTime()) {
        await db
          .updateTable('notices')
          .set({ nextAttemptAt: smsSendInstant(now) })
          .where('id', '=', notice.id)
          .execute()
        result.deferred++
        continue
      }
      let outcome: SendOutcome
      try {
        const message = await messageOf(deps, notice, now)
        outcome = await adapters[channel].send(message)
      } catch (error) {
        if (!(error instanceof NoticeTemplateError)) throw error
        outcome = { status: 'failed', permanent: true, bounce: false, reason: error.message }
      }
      await record(deps, notice, outcome, now, result)
    }
  }
  return result
}

async function record(
  deps: NoticeDeliveryDeps,
  notice: QueuedNotice,
  outcome: SendOutcome,
  now: Date,
  result: NoticeDeliveryResult,
): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    if (outcome.status === 'sent') {
      // A letter's postage is recorded with it (what the print service's letters cost).
      const postage =
        notice.channel === 'letter'
          ? deps.policies.inForce(notice.municipality, localDateOf(now)).notices.letterPostage.value
          : null
      await trx
        .updateTable('notices')
        .set({
          status: 'sent',
          sentAt: now,
          attempts: notice.attempts + 1,
          lastError: null,
          ...(postage === null ? {} : { payload: sql`payload || ${JSON.stringify({ postage })}::jsonb` }),
        })
        .where('id', '=', notice.id)
        .execute()
      result.sent++
      return
    }
    const attempts = notice.attempts + 1
    if (!outcome.permanent && attempts < MAX_ATTEMPTS) {
      await trx
        .updateTable('notices')
        .set({
          attempts,
          lastError: outcome.reason,
          nextAttemptAt: new Date(now.getTime() + retryDelayMs(attempts)),
        })
        .where('id', '=', notice.id)
        .execute()
      result.retried++
      return
    }
    await trx
      .updateTable('notices')
      .set({ status: 'failed', attempts, lastError: outcome.reason })
      .where('id', '=', notice.id)
      .execute()
    result.failed++
    if (!outcome.permanent) return
    const patron = await trx
      .selectFrom('patrons')
      .select(['id', 'phone', 'cprHash', 'digitalPost', 'email'])
      .where('id', '=', notice.patronId)
      .executeTakeFirstOrThrow()
    if (outcome.bounce && notice.channel === 'email') {
      await trx.updateTable('patrons').set({ emailBouncedAt: now }).where('id', '=', patron.id).execute()
    }
    const next = fallbackChannel(notice.channel as NoticeChannel, outcome, {
      phone: patron.phone,
      hasCpr: patron.cprHash !== null,
      digitalPost: patron.digitalPost,
    })
    if (next === null) return
    await enqueueNotices(trx, [
      {
        municipality: notice.municipality,
        patronId: notice.patronId,
        kind: notice.kind,
        channel: next,
        sendAt: next === 'sms' ? smsSendInstant(now) : now,
        items: notice.items,
        dedupeKey: `${notice.dedupeKey}:then-${next}`,
        payload: { ...notice.payload, fallbackFrom: notice.id },
      },
    ])
    result.fellBack++
  })
}

/** The next channel after a permanent failure: a bounced e-mail goes by SMS, else in writing. */
export function fallbackChannel(
  failed: NoticeChannel,
  outcome: Extract<SendOutcome, { status: 'failed' }>,
  patron: { phone: string | null; hasCpr: boolean; digitalPost: boolean },
): NoticeChannel | null {
  const written: NoticeChannel = patron.digitalPost && patron.hasCpr ? 'digital-post' : 'letter'
  if (failed === 'email' && outcome.bounce) return patron.phone !== null ? 'sms' : written
  if (failed === 'sms' && outcome.bounce) return written
  if (failed === 'digital-post') return 'letter'
  return null
}

/** The notice as a message: the patron's (or guardian's) address, rendered in the patron's language. */
async function messageOf(
  deps: NoticeDeliveryDeps,
  notice: QueuedNotice,
  now: Date,
): Promise<OutgoingMessage> {
  const { db } = deps
  const patron = await db
    .selectFrom('patrons')
    .leftJoin('patrons as guardian', 'guardian.id', 'patrons.guardianId')
    .select([
      'patrons.name',
      'patrons.email',
      'patrons.phone',
      'patrons.cprEncrypted',
      'patrons.language',
      'guardian.name as guardianName',
      'guardian.email as guardianEmail',
      'guardian.phone as guardianPhone',
      'guardian.cprEncrypted as guardianCprEncrypted',
    ])
    .where('patrons.id', '=', notice.patronId)
    .executeTakeFirstOrThrow()
  const toGuardian = notice.payload.recipient === 'guardian'
  const cpr = (encrypted: string | null) => cprOf(deps.cprVault, encrypted)
  const recipient = toGuardian
    ? {
        name: patron.guardianName ?? patron.name,
        email: patron.guardianEmail,
        phone: patron.guardianPhone,
        cpr: cpr(patron.guardianCprEncrypted),
      }
    : { name: patron.name, email: patron.email, phone: patron.phone, cpr: cpr(patron.cprEncrypted) }
  const today = localDateOf(now)
  const input = await templateInput(deps, notice, patron.name, patron.language, today)
  const rendered = renderNotice(input)
  return {
    noticeId: notice.id,
    kind: notice.kind as NoticeKind,
    language: patron.language,
    recipient: {
      name: recipient.name,
      ...(recipient.email === null ? {} : { email: recipient.email }),
      ...(recipient.phone === null ? {} : { phone: recipient.phone }),
      ...(recipient.cpr === null ? {} : { cpr: recipient.cpr }),
    },
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    sms: rendered.sms,
    date: today,
  }
}

async function templateInput(
  deps: NoticeDeliveryDeps,
  notice: QueuedNotice,
  patronName: string,
  language: 'da' | 'en',
  today: LocalDate,
): Promise<NoticeInput> {
  const { db } = deps
  const policy = deps.policies.inForce(notice.municipality, today)
  const receivables = deps.receivablesCatalog.has(notice.municipality)
    ? deps.receivablesCatalog.inForce(notice.municipality, today)
    : null
  const reason = receivables?.contacts.reason.value
  const library = {
    libraryName: policy.name,
    ...(reason?.phone === undefined ? {} : { phone: reason.phone }),
    ...(reason?.web === undefined ? {} : { web: reason.web }),
  }
  const base = { language, library, patronName }
  const items = await db
    .selectFrom('items')
    .select(['barcode', 'title', 'author'])
    .where('municipality', '=', notice.municipality)
    .where('barcode', 'in', notice.items.length === 0 ? [''] : notice.items)
    .execute()
  const byBarcode = new Map(items.map((i) => [i.barcode, i]))
  const itemsWith = (extra: Partial<NoticeItem>): NoticeItem[] =>
    notice.items.flatMap((barcode) => {
      const item = byBarcode.get(barcode)
      if (!item) return []
      return [{ title: item.title, ...(item.author === null ? {} : { author: item.author }), ...extra }]
    })
  const payload = notice.payload
  switch (notice.kind) {
    case 'reminder':
    case 'recall':
      return { ...base, kind: notice.kind, items: itemsWith({ dueDate: String(payload.dueDate) }) }
    case 'reservation-ready':
      return {
        ...base,
        kind: 'reservation-ready',
        items: itemsWith({ pickupBy: String(payload.pickupBy) }),
        ...(typeof payload.postage === 'number' ? { postage: payload.postage } : {}),
      }
    case 'exclusion-warning': {
      const rule = policy.blocks.fees.value
      const noticeDays = rule.kind === 'exclusion-after-notice' ? rule.noticeDays : 7
      const threshold = rule.kind === 'none' ? 0 : rule.threshold
      const open = await db
        .selectFrom('charges')
        .select((eb) =>
          eb.fn.coalesce(eb.fn.sum<number>(eb('amount', '-', eb.ref('paid'))), eb.lit(0)).as('open'),
        )
        .where('patronId', '=', notice.patronId)
        .where('status', '=', 'open')
        .executeTakeFirstOrThrow()
      return {
        ...base,
        kind: 'exclusion-warning',
        exclusionDate: addDays(localDateOf(new Date(notice.sendAt)), noticeDays),
        balance: Number(open.open),
        threshold,
        items: itemsWith({}),
      }
    }
    case 'refund':
      return { ...base, kind: 'refund', amount: Number(payload.amount), items: itemsWith({}) }
    default:
      throw new NoticeTemplateError(`no template for notices of kind ${notice.kind}`)
  }
}
