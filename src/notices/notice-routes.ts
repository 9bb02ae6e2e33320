import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { RefusalError } from '../circulation/refusal.ts'
import { ApiError } from '../http/api-error.ts'
import type { RouteOptions } from '../http/app.ts'
import { Instant, MunicipalityParams, PatronParams, responses } from '../http/schemas.ts'
import { findPatronByCardOrCpr } from '../patrons/patron-repository.ts'
import { formatLocalInstant } from '../shared/time.ts'

const NoticeView = Type.Object({
  id: Type.Integer(),
  patron: Type.String({ description: 'card number' }),
  kind: Type.String({ description: 'reminder, recall, reservation-ready, exclusion-warning, …' }),
  channel: Type.String({ description: 'email, sms, digital-post, letter' }),
  at: Instant,
  items: Type.Array(Type.String(), { description: 'barcodes' }),
  status: Type.String({ description: 'queued, sent, failed' }),
  attempts: Type.Integer(),
  sentAt: Type.Union([Instant, Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
})

const STATUSES = ['queued', 'sent', 'failed'] as const

export const noticeRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { services }) => {
  const { db, cprVault } = services
  const view = (n: {
    id: number
    cardNumber: string
    kind: string
    channel: string
    sendAt: Date
    items: string[]
    status: string
    attempts: number
    sentAt: Date | null
    lastError: string | null
  }) => ({
    id: n.id,
    patron: n.cardNumber,
    kind: n.kind,
    channel: n.channel,
    at: formatLocalInstant(new Date(n.sendAt)),
    items: n.items,
    status: n.status,
    attempts: n.attempts,
    sentAt: n.sentAt === null ? null : formatLocalInstant(new Date(n.sentAt)),
    lastError: n.lastError,
  })
  const columns = [
    'notices.id',
    'patrons.cardNumber',
    'notices.kind',
    'notices.channel',
    'notices.sendAt',
    'notices.items',
    'notices.status',
    'notices.attempts',
    'notices.sentAt',
    'notices.lastError',
  ] as const

  app.get(
    '/patrons/:patron/notices',
    {
      schema: {
        tags: ['notices'],
        summary: "A patron's notices: reminders, recalls, reservations ready, warnings; newest first",
        params: PatronParams,
        response: responses({ 200: Type.Array(NoticeView) }),
      },
    },
    async (request) => {
      const { municipality, patron } = request.params
      const found = await findPatronByCardOrCpr(db, cprVault, municipality, patron)
      if (!found) throw new RefusalError('unknown-patron')
      const rows = await db
        .selectFrom('notices')
        .innerJoin('patrons', 'patrons.id', 'notices.patronId')
        .select(columns)
        .where('notices.patronId', '=', found.id)
        .orderBy('notices.sendAt', 'desc')
        .orderBy('notices.id', 'desc')
        .limit(500)
        .execute()
      return rows.map(view)
    },
  )

  app.get(
    '/notices',
    {
      schema: {
        tags: ['notices'],
        summary: 'The outbox: notices by status (queued, sent, failed), newest first',
        params: MunicipalityParams,
        querystring: Type.Object(
          {
            status: Type.Optional(Type.Union(STATUSES.map((s) => Type.Literal(s)))),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
          },
          { additionalProperties: false },
        ),
        response: responses({ 200: Type.Array(NoticeView) }),
      },
    },
    async (request) => {
      let query = db
        .selectFrom('notices')
        .innerJoin('patrons', 'patrons.id', 'notices.patronId')
        .select(columns)
        .where('notices.municipality', '=', request.params.municipality)
      if (request.query.status) query = query.where('notices.status', '=', request.query.status)
      const rows = await query
        .orderBy('notices.sendAt', 'desc')
        .orderBy('notices.id', 'desc')
        .limit(request.query.limit ?? 100)
        .execute()
      return rows.map(view)
    },
  )

  app.post(
    '/notices/:id/retry',
    {
      schema: {
        tags: ['notices'],
        summary: 'Send a failed notice again at the next delivery (within a minute)',
        params: Type.Object({
          municipality: Type.String({ minLength: 1 }),
          id: Type.Integer({ minimum: 1 }),
        }),
        response: responses({ 200: NoticeView }),
      },
    },
    async (request) => {
      const { municipality, id } = request.params
      const notice = await db
        .selectFrom('notices')
        .select(['id', 'status'])
        .where('municipality', '=', municipality)
        .where('id', '=', id)
        .executeTakeFirst()
      if (!notice) {
        throw new ApiError(404, 'unknown-notice', `Meddelelse ${id} findes ikke.`, `No notice ${id}.`)
      }
      if (notice.status !== 'failed') {
        throw new ApiError(
          409,
          'not-failed',
          `Meddelelse ${id} er ${notice.status === 'sent' ? 'allerede sendt' : 'allerede i kø'}.`,
          `Notice ${id} is ${notice.status}; only a failed notice can be retried.`,
        )
      }
      await db
        .updateTable('notices')
        .set({ status: 'queued', attempts: 0, nextAttemptAt: null, lastError: null })
        .where('id', '=', id)
        .execute()
      const row = await db
        .selectFrom('notices')
        .innerJoin('patrons', 'patrons.id', 'notices.patronId')
        .select(columns)
        .where('notices.id', '=', id)
        .executeTakeFirstOrThrow()
      return view(row)
    },
  )
}
