import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { RouteOptions } from '../http/app.ts'
import { Instant, MunicipalityParams, responses } from '../http/schemas.ts'
import { formatLocalInstant } from '../shared/time.ts'

const MachineView = Type.Object({
  login: Type.String(),
  location: Type.String(),
  connected: Type.Boolean({ description: 'an open SIP2 connection now' }),
  lastLoginAt: Type.Union([Instant, Type.Null()]),
  lastSeenAt: Type.Union([Instant, Type.Null()], {
    description: 'the last message since the service started',
  }),
  messages: Type.Integer({ description: 'messages since the service started' }),
  errors: Type.Integer({ description: 'messages answered 96 or that failed inside laan' }),
  lastError: Type.Union([Type.String(), Type.Null()]),
  lastErrorAt: Type.Union([Instant, Type.Null()]),
})

const instantOrNull = (value: Date | null | undefined) => (value ? formatLocalInstant(new Date(value)) : null)

/** The staff's view of the municipality's self-service machines. */
export const sip2Routes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { services }) => {
  app.get(
    '/sip2/machines',
    {
      schema: {
        tags: ['self-service'],
        summary: "The municipality's self-service machines: last seen, messages, errors",
        params: MunicipalityParams,
        response: responses({ 200: Type.Array(MachineView) }),
      },
    },
    async (request) => {
      const accounts = await services.db
        .selectFrom('sip2Accounts')
        .select(['login', 'location', 'lastLoginAt'])
        .where('municipality', '=', request.params.municipality)
        .orderBy('login')
        .execute()
      return accounts.map((account) => {
        const stats = services.machines.stats(account.login)
        return {
          login: account.login,
          location: account.location,
          connected: (stats?.connections ?? 0) > 0,
          lastLoginAt: instantOrNull(account.lastLoginAt),
          lastSeenAt: instantOrNull(stats?.lastSeenAt),
          messages: stats?.messages ?? 0,
          errors: stats?.errors ?? 0,
          lastError: stats?.lastError ?? null,
          lastErrorAt: instantOrNull(stats?.lastErrorAt),
        }
      })
    },
  )
}
