import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { RefusalError } from '../circulation/refusal.ts'
import type { RouteOptions } from '../http/app.ts'
import { LocalDateString, MunicipalityParams, PatronParams, responses } from '../http/schemas.ts'
import { localDateOf } from '../shared/time.ts'
import { PatronView, patronView } from './patron-queries.ts'
import { findPatronByCardOrCpr } from './patron-repository.ts'
import { registerPatron, updatePatronContact } from './patron-service.ts'

const NoticeChannels = Type.Array(Type.Union([Type.Literal('email'), Type.Literal('sms')]), {
  minItems: 1,
  uniqueItems: true,
  description: 'where notices go; by default e-mail when given, else SMS',
})
const Language = Type.Union([Type.Literal('da'), Type.Literal('en')], {
  description: 'of notices; default da',
})

const ContactBody = Type.Object(
  {
    email: Type.Optional(Type.Union([Type.String({ format: 'email' }), Type.Null()])),
    phone: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Null()])),
    remindersOptIn: Type.Optional(Type.Boolean()),
    noticeChannels: Type.Optional(Type.Union([NoticeChannels, Type.Null()])),
    language: Type.Optional(Language),
    digitalPost: Type.Optional(Type.Boolean({ description: 'false: exempt from Digital Post' })),
  },
  { additionalProperties: false, minProperties: 1 },
)

const RegisterBody = Type.Object(
  {
    cardNumber: Type.Optional(Type.String({ minLength: 1, description: 'defaults to the CPR number' })),
    name: Type.Optional(Type.String({ minLength: 1 })),
    birthDate: Type.Optional(LocalDateString),
    cpr: Type.Optional(Type.String({ description: 'DDMMYYSSSS, with or without a dash' })),
    pin: Type.Optional(Type.String({ pattern: '^\\d{4,8}$', description: '4 to 8 digits' })),
    email: Type.Optional(Type.Union([Type.String({ format: 'email' }), Type.Null()])),
    phone: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Null()])),
    remindersOptIn: Type.Optional(Type.Boolean()),
    digitalPost: Type.Optional(Type.Boolean({ description: 'false: exempt from Digital Post' })),
    noticeChannels: Type.Optional(NoticeChannels),
    language: Type.Optional(Language),
    address: Type.Optional(
      Type.Object(
        {
          street: Type.String({ minLength: 1 }),
          postalCode: Type.String({ minLength: 1 }),
          city: Type.String({ minLength: 1 }),
          country: Type.Optional(Type.String({ minLength: 1, description: 'default Danmark' })),
        },
        { additionalProperties: false, description: 'home address' },
      ),
    ),
    guardian: Type.Optional(
      Type.String({ minLength: 1, description: 'card or CPR number of the economically responsible adult' }),
    ),
  },
  { additionalProperties: false, description: 'birthDate or cpr is required' },
)

export const patronRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { services }) => {
  const { db, fees, circulation, clock, cprVault } = services
  const today = () => localDateOf(clock.now())

  app.post(
    '/patrons',
    {
      schema: {
        tags: ['patrons'],
        summary: 'Register a patron',
        params: MunicipalityParams,
        body: RegisterBody,
        response: responses({ 201: PatronView }),
      },
    },
    async (request, reply) => {
      const { municipality } = request.params
      const view = await db.transaction().execute(async (trx) => {
        const patron = await registerPatron(trx, cprVault, { ...request.body, municipality, at: clock.now() })
        return patronView(trx, fees, patron, today())
      })
      return reply.status(201).send(view)
    },
  )

  app.get(
    '/patrons/:patron',
    {
      schema: {
        tags: ['patrons'],
        summary: 'A patron with loans, reservations, charges (with Danish explanations), balance and blocks',
        params: PatronParams,
        response: responses({ 200: PatronView }),
      },
    },
    async (request) => {
      const { municipality, patron } = request.params
      return db.transaction().execute(async (trx) => {
        const row = await findPatronByCardOrCpr(trx, cprVault, municipality, patron)
        if (!row) throw new RefusalError('unknown-patron')
        return patronView(trx, fees, row, today())
      })
    },
  )

  app.patch(
    '/patrons/:patron/contact',
    {
      schema: {
        tags: ['patrons'],
        summary:
          "Change a patron's e-mail, phone, reminders, notice channels, language or Digital Post choice; a new e-mail address is used again even if the old one bounced",
        params: PatronParams,
        body: ContactBody,
        response: responses({ 200: PatronView }),
      },
    },
    async (request) => {
      const { municipality, patron } = request.params
      const body = request.body
      return db.transaction().execute(async (trx) => {
        const row = await findPatronByCardOrCpr(trx, cprVault, municipality, patron)
        if (!row) throw new RefusalError('unknown-patron')
        const updated = await updatePatronContact(trx, row.id, body)
        return patronView(trx, fees, updated, today())
      })
    },
  )

  app.post(
    '/patrons/:patron/card-lost',
    {
      schema: {
        tags: ['patrons'],
        summary: 'Report the card lost: it is blocked at once',
        params: PatronParams,
        response: responses({ 200: PatronView }),
      },
    },
    async (request) => {
      const { municipality, patron } = request.params
      return db.transaction().execute(async (trx) => {
        const row = await circulation.reportCardLost(trx, { municipality, patron })
        return patronView(trx, fees, row, today())
      })
    },
  )
}
