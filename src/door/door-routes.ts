import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { RouteOptions } from '../http/app.ts'
import { Instant, LocalDateString, MunicipalityParams, responses } from '../http/schemas.ts'
import { ValidationError } from '../shared/errors.ts'
import { formatLocalInstant, isLocalDate, localDateOf } from '../shared/time.ts'
import { DOOR_REASONS } from './door-rules.ts'
import { createDoorService, type DoorEntry } from './door-service.ts'

const Reason = Type.Union(
  DOOR_REASONS.map((r) => Type.Literal(r)),
  { description: 'ok, unknown-card, card-lost, too-young' },
)

const ScanAnswer = Type.Object({
  open: Type.Boolean({ description: 'whether the door opens' }),
  reason: Reason,
  message: Type.String({ description: "short Danish text for the reader's display" }),
})

const DoorEntryView = Type.Object({
  id: Type.Integer(),
  location: Type.String(),
  card: Type.String({
    description:
      "the patron's card number; an unknown card, or a CPR used as card number, masked (010390****)",
  }),
  at: Instant,
  opened: Type.Boolean(),
  reason: Reason,
})

// ISO 8601 with a zone: Z or an offset, e.g. 2026-03-02T18:30:00+01:00.
const INSTANT_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/

function parseInstant(field: string, value: string): Date {
  const instant = new Date(value)
  if (!INSTANT_PATTERN.test(value) || Number.isNaN(instant.getTime())) {
    throw new ValidationError(field, 'an ISO 8601 instant with its offset, e.g. 2026-03-02T18:30:00+01:00')
  }
  return instant
}

function localDate(field: string, value: string): string {
  if (!isLocalDate(value)) throw new ValidationError(field, 'a date YYYY-MM-DD')
  return value
}

const view = (entry: DoorEntry) => ({ ...entry, at: formatLocalInstant(entry.at) })

/** The door's card reader at staffless opening hours, and its entry log for staff. */
export const doorRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { services }) => {
  const door = createDoorService({
    policies: services.policies,
    clock: services.clock,
    cprVault: services.cprVault,
  })

  app.post(
    '/door/scans',
    {
      schema: {
        tags: ['door'],
        summary:
          'A card scanned at the door in staffless opening hours: open or not, and why; every scan is logged',
        description:
          "The card is a library card number or a health card's CPR number. The door opens for a known card " +
          'not reported lost of a patron aged 15 or more that day (the age is in the policy, `door.minimumAge`). ' +
          "The log keeps the patron's card number, never a CPR number in clear.",
        params: MunicipalityParams,
        body: Type.Object(
          {
            card: Type.String({ minLength: 1, maxLength: 64, description: 'library card or CPR number' }),
            location: Type.String({ minLength: 1, maxLength: 200, description: "the door's library" }),
            at: Type.Optional(
              Type.String({ description: 'when the card was scanned (ISO 8601 with offset); default now' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: responses({ 200: ScanAnswer }),
      },
    },
    async (request) => {
      const { card, location, at } = request.body
      const instant = at === undefined ? undefined : parseInstant('at', at)
      const result = await services.db
        .transaction()
        .execute((trx) =>
          door.scan(trx, { municipality: request.params.municipality, card, location, at: instant }),
        )
      return { open: result.open, reason: result.reason, message: result.messageDa }
    },
  )

  app.get(
    '/door/entries',
    {
      schema: {
        tags: ['door'],
        summary: "The door's entry log of a period (from and to included, default today), oldest first",
        description: `Entries are deleted by the nightly run after the policy's \`door.logRetentionDays\`.`,
        params: MunicipalityParams,
        querystring: Type.Object(
          {
            from: Type.Optional(LocalDateString),
            to: Type.Optional(LocalDateString),
            location: Type.Optional(Type.String({ minLength: 1 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, default: 1000 })),
          },
          { additionalProperties: false },
        ),
        response: responses({ 200: Type.Array(DoorEntryView) }),
      },
    },
    async (request) => {
      const { query } = request
      const today = localDateOf(services.clock.now())
      const to = localDate('to', query.to ?? today)
      const from = localDate('from', query.from ?? to)
      const rows = await door.entries(services.db, {
        municipality: request.params.municipality,
        from,
        to,
        location: query.location,
        limit: query.limit,
      })
      return rows.map(view)
    },
  )
}
