// What every page of Mit Betalingsoverblik starts from: the logged-in patron of this municipality (else the
// login page), the language (the patron's own, or `?lang=` as on Min side), the debtor behind the patron,
// today's receivables policy, and how a page, a 404 and a form error are sent.

import type { FastifyReply, FastifyRequest } from 'fastify'
import type { DebtorRow, PatronRow, WebFlash } from '../db/schema.ts'
import type { ReceivablesPolicy } from '../receivables/receivables-policy.ts'
import type { Services } from '../services.ts'
import { type LocalDate, localDateOf } from '../shared/time.ts'
import { type Html, html } from './html.ts'
import { debtorOfCitizen } from './mbo-queries.ts'
import { MBO_TEXTS, type MboTexts } from './mbo-texts.ts'
import { notFoundPage, patronSessionOf } from './patron-session.ts'
import { page } from './web-layout.ts'
import { libraryOf, pathOf, sendPage } from './web-request.ts'
import type { WebSession } from './web-sessions.ts'
import { type Lang, TEXTS, type Texts } from './web-texts.ts'

export type MboParams = { municipality: string }
export type MboClaimParams = MboParams & { claim: string }

export interface MboContext {
  lang: Lang
  /** The frame's words (web-texts). */
  t: Texts
  /** The overview's words. */
  m: MboTexts
  library: { code: string; name: string }
  /** The municipality, e.g. "Københavns Kommune". */
  authority: string
  session: WebSession
  patron: PatronRow
  /** The patron's debtor in the receivables; null when nothing was ever billed to them. */
  debtor: DebtorRow | null
  csrf: string
  today: LocalDate
  policy: ReceivablesPolicy
  /** "/kobenhavn/betaling" */
  base: string
}

export function mboPages(services: Services) {
  const { db, clock } = services

  const library = (code: string) => (services.receivablesCatalog.has(code) ? libraryOf(services, code) : null)

  /** The logged-in citizen, or null when a redirect to the login page or a 404 has been sent. */
  async function citizen(request: FastifyRequest, reply: FastifyReply): Promise<MboContext | null> {
    const { municipality } = request.params as MboParams
    const lib = library(municipality)
    if (!lib) {
      await notFound(request, reply, null)
      return null
    }
    const found = await patronSessionOf(services, request, reply, municipality)
    if (!found) return null
    const { session, patron, lang } = found
    const today = localDateOf(clock.now())
    const policy = services.receivablesCatalog.inForce(municipality, today)
    return {
      lang,
      t: TEXTS[lang],
      m: MBO_TEXTS[lang],
      library: lib,
      authority: policy.authority,
      session,
      patron,
      debtor: (await debtorOfCitizen(db, patron)) ?? null,
      csrf: reply.generateCsrf(),
      today,
      policy,
      base: `/${municipality}/betaling`,
    }
  }

  function send(
    request: FastifyRequest,
    reply: FastifyReply,
    context: MboContext,
    status: number,
    title: string,
    body: Html,
    flash: WebFlash | null = null,
  ) {
    return sendPage(
      reply,
      status,
      page(
        {
          lang: context.lang,
          t: context.t,
          title,
          library: context.library,
          user: { name: context.patron.name, csrf: context.csrf },
          flash,
          path: pathOf(request),
        },
        html`<div class="mbo">${sections(context, pathOf(request))}${body}</div>`,
      ).text,
    )
  }

  /** An unknown municipality, or a claim that is not the citizen's own. */
  function notFound(request: FastifyRequest, reply: FastifyReply, context: MboContext | null) {
    if (context) {
      const body = html`<h1>${context.m.claimNotFound}</h1><p><a href="${context.base}">${context.m.back}</a></p>`
      return send(request, reply, context, 404, context.m.claimNotFound, body)
    }
    return notFoundPage(request, reply)
  }

  return { citizen, send, notFound }
}

export type MboPages = ReturnType<typeof mboPages>

/** The overview's own navigation: the bills and the refunds. */
function sections(context: MboContext, path: string): Html {
  const { m, base } = context
  const link = (href: string, text: string) =>
    html`<li><a href="${href}"${path === href ? html` aria-current="page"` : ''}>${text}</a></li>`
  return html`<nav class="mbo-nav" aria-label="${m.sectionsLabel}"><ul>
  ${link(base, m.navClaims)}
  ${link(`${base}/tilbagebetalinger`, m.navRefunds)}
</ul></nav>`
}

/** Errors of a form, shown above it and announced. */
export function formErrors(context: MboContext, errors: readonly string[]): Html | false {
  return (
    errors.length > 0 &&
    html`<div class="flash error" role="alert"><p>${context.m.errorTitle}:</p><ul>${errors.map((e) => html`<li>${e}</li>`)}</ul></div>`
  )
}

/** A form field's value as one trimmed string (a repeated field gives its first value). */
export function field(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | undefined)?.[name]
  return String((Array.isArray(value) ? value[0] : value) ?? '').trim()
}
