import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { chargeView, chargeViews } from '../fees/charge-queries.ts'
import type { RouteOptions } from '../http/app.ts'
import { ChargeView, LoanView, MunicipalityParams, ReservationView, responses } from '../http/schemas.ts'
import { runCheckin, runCheckout } from './circulation-edge.ts'
import { loanView, loanViewOf, reservationView } from './loan-queries.ts'

const Identifier = (description: string) => Type.String({ minLength: 1, description })
const patronField = Identifier('card or CPR number')
const itemField = Identifier('barcode')

const CheckoutBody = Type.Object({ patron: patronField, item: itemField }, { additionalProperties: false })
const CheckinBody = Type.Object(
  {
    item: itemField,
    receiptShown: Type.Optional(
      Type.Boolean({
        description: 'Næstved refunds a paid replacement only against the receipt; default true',
      }),
    ),
  },
  { additionalProperties: false },
)
const RenewBody = Type.Object(
  { item: itemField, patron: Type.Optional(Identifier('the borrower, when the patron renews')) },
  { additionalProperties: false },
)
const ReserveBody = Type.Object({ patron: patronField, item: itemField }, { additionalProperties: false })

const CheckinResult = Type.Object({
  loan: LoanView,
  charges: Type.Array(ChargeView, { description: 'charges the return created' }),
  cancelledCharges: Type.Array(Type.Integer()),
  refundedCharges: Type.Array(Type.Integer()),
  wasLost: Type.Boolean(),
  heldFor: Type.Union([
    Type.String({ description: 'card number: put the item on the hold shelf' }),
    Type.Null(),
  ]),
})

const CancelParams = Type.Object({
  municipality: Type.String({ minLength: 1 }),
  patron: patronField,
  item: Identifier('barcode of any copy of the reserved title'),
})

export const circulationRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { services }) => {
  const { db, circulation } = services

  app.post(
    '/checkouts',
    {
      schema: {
        tags: ['circulation'],
        summary: 'Check out an item to a patron',
        params: MunicipalityParams,
        body: CheckoutBody,
        response: responses({ 201: LoanView }),
      },
    },
    async (request, reply) => {
      const { municipality } = request.params
      const { loan, item, patron } = await runCheckout(db, circulation, { municipality, ...request.body })
      return reply.status(201).send(loanViewOf(loan, item, patron))
    },
  )

  app.post(
    '/checkins',
    {
      schema: {
        tags: ['circulation'],
        summary: 'Check in an item; an overdue return creates the fee',
        params: MunicipalityParams,
        body: CheckinBody,
        response: responses({ 200: CheckinResult }),
      },
    },
    async (request) => {
      const { municipality } = request.params
      const result = await runCheckin(db, circulation, { municipality, ...request.body })
      return {
        loan: loanViewOf(result.loan, result.item, { cardNumber: result.patronCardNumber }),
        charges: result.charges.map((charge) => chargeView(charge, result.item.barcode)),
        cancelledCharges: result.cancelledCharges,
        refundedCharges: result.refundedCharges,
        wasLost: result.wasLost,
        heldFor: result.heldForCard,
      }
    },
  )

  app.post(
    '/renewals',
    {
      schema: {
        tags: ['circulation'],
        summary: 'Renew a loan',
        params: MunicipalityParams,
        body: RenewBody,
        response: responses({
          200: Type.Object({
            loan: LoanView,
            charges: Type.Array(ChargeView, { description: 'a late renewal fee' }),
          }),
        }),
      },
    },
    async (request) => {
      const { municipality } = request.params
      return db.transaction().execute(async (trx) => {
        const { loan, charges } = await circulation.renew(trx, { municipality, ...request.body })
        return { loan: await loanView(trx, loan.id), charges: await chargeViews(trx, charges) }
      })
    },
  )

  app.post(
    '/reservations',
    {
      schema: {
        tags: ['circulation'],
        summary: 'Reserve the title of an item',
        params: MunicipalityParams,
        body: ReserveBody,
        response: responses({ 201: ReservationView }),
      },
    },
    async (request, reply) => {
      const { municipality } = request.params
      const view = await db.transaction().execute(async (trx) => {
        const reservation = await circulation.reserve(trx, { municipality, ...request.body })
        return reservationView(trx, reservation)
      })
      return reply.status(201).send(view)
    },
  )

  app.delete(
    '/patrons/:patron/reservations/:item',
    {
      schema: {
        tags: ['circulation'],
        summary: "Cancel the patron's reservation of the item's title",
        params: CancelParams,
        response: responses({
          200: Type.Object({
            cancelled: Type.Boolean(),
            reservation: Type.Union([ReservationView, Type.Null()]),
          }),
        }),
      },
    },
    async (request) => {
      const { municipality, patron, item } = request.params
      return db.transaction().execute(async (trx) => {
        const reservation = await circulation.cancelReservation(trx, { municipality, patron, item })
        if (!reservation) return { cancelled: false, reservation: null }
        return {
          cancelled: true,
          reservation: await reservationView(trx, reservation),
        }
      })
    },
  )
}
