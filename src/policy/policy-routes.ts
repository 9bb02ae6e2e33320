import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { RouteOptions } from '../http/app.ts'
import { LocalDateString, MunicipalityParams, responses } from '../http/schemas.ts'
import { ValidationError } from '../shared/errors.ts'
import { isLocalDate, localDateOf } from '../shared/time.ts'

const PolicyDocument = Type.Object(
  {
    municipality: Type.String(),
    name: Type.String(),
    rulesName: Type.String(),
    version: Type.Integer(),
    effectiveFrom: LocalDateString,
  },
  {
    additionalProperties: true,
    description:
      'the policy version in force; every value is { value, source } with a seed quote or "assumed"',
  },
)

export const policyRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { services }) => {
  app.get(
    '/policy',
    {
      schema: {
        tags: ['policy'],
        summary: 'The policy in force on a date (default today), with the source of every value',
        params: MunicipalityParams,
        querystring: Type.Object({ date: Type.Optional(LocalDateString) }),
        response: responses({ 200: PolicyDocument }),
      },
    },
    async (request) => {
      const date = request.query.date ?? localDateOf(services.clock.now())
      if (!isLocalDate(date)) throw new ValidationError('date', 'a date YYYY-MM-DD')
      return services.policies.inForce(request.params.municipality, date)
    },
  )
}
