import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { RouteOptions } from '../http/app.ts'
import { LocalDateString, MunicipalityParams, responses } from '../http/schemas.ts'
import { ValidationError } from '../shared/errors.ts'
import { isLocalDate } from '../shared/time.ts'

const NightlyResult = Type.Object({
  municipality: Type.String(),
  date: LocalDateString,
  alreadyCompleted: Type.Boolean({
    description: 'the run of this date had finished before: nothing changed',
  }),
  declaredLost: Type.Integer(),
  chargesCreated: Type.Integer(),
  feeBlockActions: Type.Integer(),
})

export const jobRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { services }) => {
  app.post(
    '/jobs/nightly',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Run the nightly job (lost loans, blocks) for a business date; idempotent',
        params: MunicipalityParams,
        body: Type.Object({ date: LocalDateString }, { additionalProperties: false }),
        response: responses({ 200: NightlyResult }),
      },
    },
    async (request) => {
      const { date } = request.body
      if (!isLocalDate(date)) throw new ValidationError('date', 'a date YYYY-MM-DD')
      return services.jobs.nightly(request.params.municipality, date)
    },
  )
}
