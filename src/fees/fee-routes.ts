import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { RouteOptions } from '../http/app.ts'
import { MunicipalityParams, Ore, responses } from '../http/schemas.ts'

const PayBody = Type.Object(
  {
    patron: Type.String({ minLength: 1, description: 'card or CPR number' }),
    amount: Type.Integer({ minimum: 1, description: 'øre' }),
  },
  { additionalProperties: false },
)

const PaymentResult = Type.Object({
  paymentId: Type.Integer(),
  applied: Type.Integer({ description: 'øre applied to open charges, oldest first' }),
  credit: Type.Integer({ description: 'øre left over as credit' }),
  balance: Ore,
})

export const feeRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { services }) => {
  const { db, fees } = services

  app.post(
    '/payments',
    {
      schema: {
        tags: ['fees'],
        summary: 'A payment from a patron, applied to the oldest open charges first; blocks lift at once',
        params: MunicipalityParams,
        body: PayBody,
        response: responses({ 201: PaymentResult }),
      },
    },
    async (request, reply) => {
      const { municipality } = request.params
      const result = await db.transaction().execute(async (trx) => {
        const payment = await fees.pay(trx, { municipality, ...request.body })
        const account = await fees.account(trx, municipality, request.body.patron)
        return { ...payment, balance: account.balance }
      })
      return reply.status(201).send(result)
    },
  )
}
