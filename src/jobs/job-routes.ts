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
  doorEntriesDeleted: Type.Integer({ description: 'door log entries past the retention period' }),
  retention: Type.Union([
    Type.Object({
      loansUnlinked: Type.Integer({
        description: 'returned loans whose link to the patron was removed (4 weeks)',
      }),
      patronsDeleted: Type.Integer({
        description: 'patrons without a physical loan for 2 years and nothing open',
      }),
      debtorsAnonymised: Type.Integer({
        description: "deleted patrons' debtors whose name and CPR were removed",
      }),
      lookupsDeleted: Type.Integer({ description: 'staff look-ups past their retention period' }),
      offlineTransactionsDeleted: Type.Integer({
        description: "offline machine transactions past the loan link's period",
      }),
    }),
    Type.Null(),
  ]),
  notices: Type.Union([
    Type.Object({
      expiredHolds: Type.Integer({
        description: 'holds not collected in time, passed to the next in the queue',
      }),
      reminders: Type.Integer({ description: 'reminders queued for the send time' }),
      recalls: Type.Integer(),
      reservationReady: Type.Integer(),
    }),
    Type.Null(),
  ]),
  billing: Type.Union([
    Type.Object({
      claimsCreated: Type.Integer(),
      bills: Type.Integer(),
      collections: Type.Integer({ description: 'Betalingsservice collections' }),
      interestLines: Type.Integer(),
      dunningLetters: Type.Integer(),
      transferNotices: Type.Integer(),
      transfers: Type.Integer({ description: 'claims transferred to Gældsstyrelsen' }),
      payouts: Type.Integer({ description: 'credit paid out to NemKonto' }),
      brokenPlans: Type.Integer({ description: 'instalment plans ended by a missed instalment' }),
    }),
    Type.Null(),
  ]),
})

export const jobRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { services }) => {
  app.post(
    '/jobs/nightly',
    {
      schema: {
        tags: ['jobs'],
        summary:
          'Run the nightly job (lost loans, blocks, then bills, dunning, payouts) for a business date; idempotent',
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
