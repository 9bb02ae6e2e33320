import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify'
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
import { authorizeApi, describeRoles, recordRoutes } from './access-control.ts'
import { ApiError, unknownMunicipality } from './api-error.ts'
import { errorAnswer, handleError } from './error-handler.ts'
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
  // One hook for every API route: the key, then access-control.ts's table (deny by default).
  app.decorateRequest('apiCaller', null)
  app.addHook('onRequest', authorizeApi(services, options.apiKey))
  app.addHook('onRoute', describeRoles)
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
    async (request) => {
      const scope = request.apiCaller?.municipality ?? null
      const rows = await services.db
        .selectFrom('municipalities')
        .select(['code', 'name'])
        .orderBy('code')
        .execute()
      return rows.filter((r) => services.policies.has(r.code) && (scope === null || r.code === scope))
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
          'Loans, fees and bills for Danish public libraries. Calls carry an API key in `x-api-key`; a key has a role and may be for one municipality (401 without a valid key, 403 outside its role or municipality). ' +
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

function containsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000')
  if (depth > 32 || value === null || typeof value !== 'object') return false
  return Object.entries(value).some(([key, v]) => key.includes('\u0000') || containsNul(v, depth + 1))
}

/** PostgreSQL text cannot hold a NUL character: such input is refused before it reaches a query. */
async function refuseNulCharacters(request: FastifyRequest): Promise<void> {
  if (containsNul(request.params) || containsNul(request.query) || containsNul(request.body)) {
    throw new ApiError(
      400,
      'bad-request',
      'Forespørgslen indeholder et ugyldigt tegn (NUL).',
      'The request contains an invalid character (NUL).',
    )
  }
}

/** The HTTP transport over the services; routes open the transactions. */
export async function buildApp(services: Services, options: AppOptions = {}): Promise<FastifyInstance> {
  const serverOptions: FastifyServerOptions = {
    // "/kobenhavn/skranke/" is the desk as much as "/kobenhavn/skranke".
    routerOptions: { ignoreTrailingSlash: true },
    // Whatever the logger, secrets are kept out of it (src/shared/log-redaction.ts).
    logger: options.logger
      ? { ...(options.logger === true ? {} : options.logger), ...logRedaction() }
      : false,
    // Errors met before routing (a bad URL, a path parameter over the length limit) get the same JSON answer.
    frameworkErrors: (error, _request, reply) => {
      const answer = errorAnswer(error)
      void (reply as FastifyReply).status(answer.status).send(answer.body)
    },
    ...(options.https ? { https: options.https } : {}),
  }
  // With `https` Fastify serves over an https.Server; the routes are the same, so the instance is used as one type.
  const app = (
    Fastify(serverOptions as FastifyServerOptions) as FastifyInstance
  ).withTypeProvider<TypeBoxTypeProvider>()
  recordRoutes(app)
  app.addHook('preValidation', refuseNulCharacters)
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
