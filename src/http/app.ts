import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { catalogueRoutes } from '../catalogue/catalogue-routes.ts'
import { circulationRoutes } from '../circulation/circulation-routes.ts'
import { loadConfig } from '../config.ts'
import { doorRoutes } from '../door/door-routes.ts'
import { feeRoutes } from '../fees/fee-routes.ts'
import { jobRoutes } from '../jobs/job-routes.ts'
import { noticeRoutes } from '../notices/notice-routes.ts'
import { patronRoutes } from '../patrons/patron-routes.ts'
import { policyRoutes } from '../policy/policy-routes.ts'
import { receivablesRoutes } from '../receivables/receivables-routes.ts'
import type { Services } from '../services.ts'
import { logRedaction } from '../shared/log-redaction.ts'
import { fbsRoutes } from '../sip2/fbs-routes.ts'
import { sip2Routes } from '../sip2/sip2-routes.ts'
import type { MitIdSettings } from '../web/mitid.ts'
import { webPlugin } from '../web/web-plugin.ts'
import { ApiError, unknownMunicipality } from './api-error.ts'
import { requireApiKey } from './api-key.ts'
import { handleError } from './error-handler.ts'
import { ErrorBody, responses } from './schemas.ts'

export interface AppOptions {
  logger?: FastifyServerOptions['logger']
  /** Defaults to services.config.apiKey, or the development key when there is no config. */
  apiKey?: string | undefined
  /** Serve HTTPS with this key and certificate (PEM); otherwise HTTP behind a TLS proxy. */
  https?: { key: string | Buffer; cert: string | Buffer } | undefined
  /** The MitID broker for the web pages (tests give a local OpenID provider); by default from the config. */
  mitid?: MitIdSettings | undefined
}

export type RouteOptions = { services: Services }

/** Every route under /api/{municipality}: the key is checked, then the municipality. */
const municipalityScope: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { services }) => {
  app.addHook('onRequest', async (request) => {
    const { municipality } = request.params as { municipality?: string }
    if (municipality === undefined || !services.policies.has(municipality))
      throw unknownMunicipality(municipality ?? '')
  })
  for (const routes of [
    patronRoutes,
    catalogueRoutes,
    circulationRoutes,
    feeRoutes,
    jobRoutes,
    policyRoutes,
    noticeRoutes,
    doorRoutes,
    sip2Routes,
  ])
    await app.register(routes, { services })
}

const apiScope: FastifyPluginAsyncTypebox<RouteOptions & { apiKey: string }> = async (app, options) => {
  const { services } = options
  app.addHook('onRequest', requireApiKey(options.apiKey))
  app.get(
    '/municipalities',
    {
      schema: {
        tags: ['municipalities'],
        summary: 'The municipalities laan has a policy for',
        response: responses({
          200: Type.Array(Type.Object({ code: Type.String(), name: Type.String() })),
        }),
      },
    },
    async () => {
      const rows = await services.db
        .selectFrom('municipalities')
        .select(['code', 'name'])
        .orderBy('code')
        .execute()
      return rows.filter((r) => services.policies.has(r.code))
    },
  )
  await app.register(municipalityScope, { services, prefix: '/:municipality' })
  await app.register(receivablesRoutes, { services, prefix: '/:municipality/receivables' })
}

async function registerDocs(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    // Shared schemas appear under their own $id (ErrorBody), not def-0.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
    openapi: {
      // 3.1: nullable fields are JSON Schema unions with type "null".
      openapi: '3.1.0',
      info: {
        title: 'laan',
        description:
          'Loans, fees and bills for Danish public libraries. Staff calls carry the API key in `x-api-key`. ' +
          'Amounts are øre; dates YYYY-MM-DD (Europe/Copenhagen); errors are JSON with a code and a Danish and English message.',
        version: '0.1.0',
      },
      components: {
        securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' } },
      },
      security: [{ apiKey: [] }],
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
}

/** The HTTP transport over the services; routes open the transactions. */
export async function buildApp(services: Services, options: AppOptions = {}): Promise<FastifyInstance> {
  const serverOptions = {
    // Whatever the logger, secrets are kept out of it (src/shared/log-redaction.ts).
    logger: options.logger
      ? { ...(options.logger === true ? {} : options.logger), ...logRedaction() }
      : false,
    ...(options.https ? { https: options.https } : {}),
  }
  // With `https` Fastify serves over an https.Server; the routes are the same, so the instance is used as one type.
  const app = (
    Fastify(serverOptions as FastifyServerOptions) as FastifyInstance
  ).withTypeProvider<TypeBoxTypeProvider>()
  app.addSchema(ErrorBody)
  app.setErrorHandler(handleError)
  app.setNotFoundHandler(async (request) => {
    throw new ApiError(
      404,
      'not-found',
      'Adressen findes ikke.',
      `No route ${request.method} ${request.url.split('?')[0] ?? ''}.`,
    )
  })
  await registerDocs(app)
  app.get(
    '/health',
    {
      schema: {
        tags: ['service'],
        summary: 'Liveness; no key needed',
        security: [],
        response: { 200: Type.Object({ status: Type.String(), municipalities: Type.Array(Type.String()) }) },
      },
    },
    async () => ({ status: 'ok', municipalities: services.policies.municipalities() }),
  )
  const apiKey = options.apiKey ?? services.config?.apiKey ?? loadConfig({}).apiKey
  await app.register(apiScope, { services, apiKey, prefix: '/api' })
  await app.register(webPlugin, { services, mitid: options.mitid })
  await app.register(fbsRoutes, {
    services,
    prefix: '/rest/sip2',
    onError: (error) => app.log.error({ err: error }, 'SIP2 message failed'),
  })
  return app
}
