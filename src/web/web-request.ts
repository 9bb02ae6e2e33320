// What every page handler needs from a request: its language, its path, and how to send a page.

import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Services } from '../services.ts'
import { localDateOf } from '../shared/time.ts'
import { type Lang, langOf } from './web-texts.ts'

export const LANG_COOKIE = 'laan_lang'

/** The language of a request: `?lang=` (remembered in a cookie), else the cookie, else Danish. */
export function requestLang(request: FastifyRequest, reply: FastifyReply): Lang {
  const asked = (request.query as { lang?: string } | undefined)?.lang
  if (asked === 'da' || asked === 'en') {
    reply.setCookie(LANG_COOKIE, asked, { path: '/', sameSite: 'lax', httpOnly: true, maxAge: 365 * 86400 })
    return asked
  }
  return langOf(request.cookies[LANG_COOKIE])
}

/** The path of the request without `lang`, for links back to the same page. */
export function pathOf(request: FastifyRequest): string {
  const url = new URL(request.url, 'http://x')
  url.searchParams.delete('lang')
  return url.pathname + url.search
}

export function sendPage(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body)
}

/** A municipality's libraries as the pages name them: the path code and the policy's name. */
export interface Library {
  code: string
  name: string
}

/** The library of a path's municipality code, or null when laan has no policy for it. */
export function libraryOf(services: Pick<Services, 'policies' | 'clock'>, code: string): Library | null {
  if (!services.policies.has(code)) return null
  return { code, name: services.policies.inForce(code, localDateOf(services.clock.now())).name }
}
