import { timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import { ApiError } from './api-error.ts'

function sameKey(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** An onRequest hook: staff calls carry the key in `x-api-key` until the web issue brings real logins. */
export function requireApiKey(expected: string) {
  return async (request: FastifyRequest) => {
    const given = request.headers['x-api-key']
    if (typeof given === 'string' && sameKey(given, expected)) return
    throw new ApiError(
      401,
      'unauthorized',
      'Adgang kræver en gyldig API-nøgle i headeren x-api-key.',
      'A valid API key is required in the x-api-key header.',
    )
  }
}
