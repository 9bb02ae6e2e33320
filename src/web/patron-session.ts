// What every patron page starts from: the logged-in patron of the path's municipality (else a redirect to
// its login page) and the language (the patron's own, or `?lang=`, remembered); logging in; the 404 page.

import type { FastifyReply, FastifyRequest } from 'fastify'
import type { PatronRow } from '../db/schema.ts'
import { findPatronById } from '../patrons/patron-repository.ts'
import type { Services } from '../services.ts'
import { html } from './html.ts'
import { page } from './web-layout.ts'
import { pathOf, requestLang, sendPage } from './web-request.ts'
import {
  endSession,
  loadSession,
  SESSION_COOKIE,
  SESSION_IDLE_MINUTES,
  startSession,
  type WebSession,
} from './web-sessions.ts'
import { type Lang, TEXTS } from './web-texts.ts'

export interface PatronSession {
  session: WebSession
  patron: PatronRow
  lang: Lang
}

/** The patron logged in to `municipality`, or null when a redirect to its login page has been sent. */
export async function patronSessionOf(
  services: Pick<Services, 'db' | 'clock'>,
  request: FastifyRequest,
  reply: FastifyReply,
  municipality: string,
): Promise<PatronSession | null> {
  const { db, clock } = services
  const session = await loadSession(db, request.cookies[SESSION_COOKIE], clock.now())
  const patron =
    session && session.patronId !== null && session.municipality === municipality
      ? await findPatronById(db, session.patronId)
      : undefined
  if (!session || !patron) {
    await reply.redirect(`/${municipality}/log-ind`, 303)
    return null
  }
  const asked = (request.query as { lang?: string } | undefined)?.lang
  const lang: Lang = asked === 'da' || asked === 'en' ? requestLang(request, reply) : patron.language
  return { session, patron, lang }
}

/** The page for an unknown municipality or address. */
export function notFoundPage(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const lang = requestLang(request, reply)
  const t = TEXTS[lang]
  return sendPage(
    reply,
    404,
    page({ lang, t, title: t.notFound, path: pathOf(request) }, html`<h1>${t.notFound}</h1>`).text,
  )
}

/**
 * Logs a patron in: any session the browser had ends, a new one starts (no fixation) and its token goes in
 * the cookie. Returns the token.
 */
export async function startPatronSession(
  services: Pick<Services, 'db' | 'clock' | 'config'>,
  request: FastifyRequest,
  reply: FastifyReply,
  municipality: string,
  patronId: number,
): Promise<string> {
  const { db, clock } = services
  await endSession(db, request.cookies[SESSION_COOKIE])
  const token = await startSession(db, { municipality, patronId }, clock.now())
  setSessionCookie(services, reply, token)
  return token
}

/** The patron's session cookie (the table decides when it has expired). */
export function setSessionCookie(
  services: Pick<Services, 'config'>,
  reply: FastifyReply,
  token: string,
): void {
  reply.setCookie(SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: services.config?.secureCookies ?? false,
    maxAge: SESSION_IDLE_MINUTES * 60 * 16,
  })
}
