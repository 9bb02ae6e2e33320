// Who is at the desk: a staff session (its own cookie, so a patron's Min side in the same browser is left
// alone) and the roles the account holds. `requireStaff` answers a request without a staff session of this
// municipality with a redirect to the staff login, and one without the role with a 403 page.

import type { FastifyReply, FastifyRequest } from 'fastify'
import type { StaffRole, WebFlash } from '../db/schema.ts'
import { hasRole, type StaffAccount, staffAccountById } from '../desk/staff-accounts.ts'
import { activateDueExclusions } from '../desk/staff-exclusions.ts'
import type { Services } from '../services.ts'
import { localDateOf } from '../shared/time.ts'
import { deskPage } from './desk-layout.ts'
import { DESK_TEXTS, type DeskTexts } from './desk-texts.ts'
import { type Html, html } from './html.ts'
import { libraryOf, pathOf, requestLang, sendPage } from './web-request.ts'
import { loadSession, type WebSession } from './web-sessions.ts'
import type { Lang } from './web-texts.ts'

/** The staff session's cookie: apart from the patrons' `laan_session`. */
export const STAFF_COOKIE = 'laan_staff'

export type Params = { municipality: string }

export interface Library {
  code: string
  name: string
}

export interface StaffContext {
  lang: Lang
  t: DeskTexts
  library: Library
  /** `/{municipality}/skranke` */
  base: string
  session: WebSession
  staff: StaffAccount
  csrf: string
  now: Date
  today: string
}

export function createDeskHelpers(services: Services) {
  const { db, clock } = services

  const library = (code: string): Library | null => libraryOf(services, code)

  function textsOf(request: FastifyRequest, reply: FastifyReply) {
    const lang = requestLang(request, reply)
    return { lang, t: DESK_TEXTS[lang] }
  }

  function notFound(request: FastifyRequest, reply: FastifyReply, lib: Library | null = null) {
    const { lang, t } = textsOf(request, reply)
    const body = html`<h1>${t.notFound}</h1>`
    if (!lib) {
      return sendPage(
        reply,
        404,
        html`<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${t.notFound}</title><link rel="stylesheet" href="/static/laan.css"></head><body><main id="indhold" class="wrap">${body}</main></body></html>`
          .text,
      )
    }
    return sendPage(
      reply,
      404,
      deskPage({ lang, t, title: t.notFound, library: lib, path: pathOf(request) }, body).text,
    )
  }

  /**
   * The staff member of this municipality behind the request, allowed in one of `roles` (any role when
   * none is given; an administrator is allowed everywhere). Otherwise the reply is sent — the login page
   * by redirect, or 403 — and the answer is null.
   */
  async function requireStaff(
    request: FastifyRequest,
    reply: FastifyReply,
    roles?: StaffRole | readonly StaffRole[],
  ): Promise<StaffContext | null> {
    const { municipality } = request.params as Params
    const lib = library(municipality)
    if (!lib) {
      await notFound(request, reply)
      return null
    }
    const base = `/${lib.code}/skranke`
    const now = clock.now()
    const session = await loadSession(db, request.cookies[STAFF_COOKIE], now)
    const staff =
      session && session.staffId !== null && session.municipality === lib.code
        ? await staffAccountById(db, session.staffId)
        : undefined
    if (!session || !staff || staff.municipality !== lib.code) {
      await reply.redirect(`${base}/log-ind`, 303)
      return null
    }
    const { lang, t } = textsOf(request, reply)
    const csrf = reply.generateCsrf()
    const context: StaffContext = {
      lang,
      t,
      library: lib,
      base,
      session,
      staff,
      csrf,
      now,
      today: localDateOf(now),
    }
    const allowed = roles === undefined ? [] : typeof roles === 'string' ? [roles] : roles
    if (allowed.length > 0 && !hasRole(staff, allowed)) {
      const names = allowed.map((r) => t.roles[r] ?? r).join(` ${t.or} `)
      await sendPage(
        reply,
        403,
        frame(
          request,
          context,
          t.forbiddenTitle,
          html`<h1>${t.forbiddenTitle}</h1><p>${t.forbidden(names)}</p>`,
        ).text,
      )
      return null
    }
    // An exclusion whose notice has run takes effect before anyone looks at the patron.
    await activateDueExclusions(db, lib.code, context.today)
    return context
  }

  function frame(
    request: FastifyRequest,
    context: StaffContext,
    title: string,
    body: Html,
    flash?: WebFlash | null,
  ) {
    return deskPage(
      {
        lang: context.lang,
        t: context.t,
        title,
        library: context.library,
        staff: { name: context.staff.name, roles: context.staff.roles, csrf: context.csrf },
        flash: flash ?? null,
        path: pathOf(request),
      },
      body,
    )
  }

  /** Sends a page of the desk for a logged-in staff member. */
  function render(
    request: FastifyRequest,
    reply: FastifyReply,
    context: StaffContext,
    title: string,
    body: Html,
    flash?: WebFlash | null,
    status = 200,
  ) {
    return sendPage(reply, status, frame(request, context, title, body, flash).text)
  }

  return { library, textsOf, notFound, requireStaff, render }
}

export type DeskHelpers = ReturnType<typeof createDeskHelpers>
