import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { apiActor } from '../audit/audit-log.ts'
import type { RouteOptions } from '../http/app.ts'
import { MunicipalityParams, Ore, responses } from '../http/schemas.ts'
import { auditReceipt } from '../receivables/receipt-audit.ts'
import { PAYMENT_CHANNELS } from '../receivables/receivables-policy.ts'

const PayBody = Type.Object(
  {
    patron: Type.String({ minLength: 1, description: 'card or CPR number' }),
    amount: Type.Integer({ minimum: 1, description: 'øre' }),
    channel: Type.Optional(
      Type.Union(
        PAYMENT_CHANNELS.map((c) => Type.Literal(c)),
        { description: 'how the citizen paid; default mbo-card' },
      ),
    ),
  },
  { additionalProperties: false },
)

const PaymentResult = Type.Object({
  receiptId: Type.Integer(),
  applied: Type.Integer({ description: 'øre applied to open claims, oldest first' }),
  credit: Type.Integer({ description: 'øre left over as credit, paid out to NemKonto' }),
  balance: Ore,
})

export const feeRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { services }) => {
  const { db, fees } = services

  app.post(
    '/payments',
    {
      schema: {
        tags: ['fees'],
        summary:
          "A payment from a patron (a child's guardian) to the municipality, applied to the oldest open claims first; blocks lift at once",
        params: MunicipalityParams,
        body: PayBody,
        response: responses({ 201: PaymentResult }),
      },
    },
    async (request, reply) => {
      const { municipality } = request.params
      const result = await db.transaction().execute(async (trx) => {
        const payment = await fees.pay(trx, { municipality, ...request.body })
        await auditReceipt(trx, apiActor(request.apiCaller), 'payment-recorded', payment.receiptId)
        const account = await fees.account(trx, municipality, request.body.patron)
        return { ...payment, balance: account.balance }
      })
      return reply.status(201).send(result)
    },
  )
}
