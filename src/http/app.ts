import Fastify, { type FastifyInstance } from 'fastify'
import type { Services } from '../services.ts'

/** The HTTP transport over the services; routes open the transactions. */
export async function buildApp(
  services: Services,
  options: { logger?: boolean | object } = {},
): Promise<FastifyInstance> {
  const app = Fastify({ logger: options.logger ?? false })
  app.get('/health', async () => ({ status: 'ok', municipalities: services.policies.municipalities() }))
  return app
}
