// Min side: a patron logs in with card or CPR number and PIN, sees loans, reservations, fees (with why)
// and notices, renews one or all, cancels a reservation and changes contact details. Every change is a
// plain form POST with a CSRF token, answered by a redirect (post/redirect/get) and a message.

import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { recordAudit } from '../audit/audit-log.ts'
import { runRenewAll } from '../circulation/circulation-edge.ts'
import { openLoansOf, openReservationsOf } from '../circulation/loan-queries.ts'
import { RefusalError } from '../circulation/refusal.ts'
import type { PatronRow } from '../db/schema.ts'
import { openChargesWithTitles } from '../fees/charge-queries.ts'
import { patronDataExport } from '../patrons/patron-data-export.ts'
import { isBlocked } from '../patrons/patron-repository.ts'
import { updatePatronContact } from '../patrons/patron-service.ts'
import type { Services } from '../services.ts'
import { formatKroner } from '../shared/money.ts'
import { addDays, localDateOf } from '../shared/time.ts'
import { dateText } from './desk-format.ts'
import { type Html, html } from './html.ts'
import { loginWithPin } from './patron-login.ts'
import { notFoundPage, patronSessionOf, setSessionCookie, startPatronSession } from './patron-session.ts'
import { REGISTRATION_TEXTS } from './registration-texts.ts'
import { page } from './web-layout.ts'
import { libraryOf, pathOf, requestLang, sendPage } from './web-request.ts'
import {
  endSession,
  revokeSessions,
  rotateSession,
  SESSION_COOKIE,
  SESSION_IDLE_MINUTES,
  setFlash,
  takeFlash,
  type WebSession,
} from './web-sessions.ts'
import { type Lang, TEXTS, type Texts } from './web-texts.ts'

type Params = { municipality: string }

interface PatronContext {
  lang: Lang
  t: Texts
  library: { code: string; name: string }
  session: WebSession
  patron: PatronRow
  csrf: string
}

// Per address: a library's public PCs are shared, so generous; a card's PIN locks after 5 wrong tries anyway.
const LOGIN_RATE = { max: 30, timeWindow: '1 minute' }

export const minSideRoutes: FastifyPluginAsync<{ services: Services; mitid: boolean }> = async (
  app,
  { services, mitid },
) => {
  const { db, circulation, clock, cprVault } = services

  const library = (code: string) => libraryOf(services, code)

  const notFound = notFoundPage

  /** The logged-in patron of this municipality, or a redirect to the login page. */
  async function patronContext(request: FastifyRequest, reply: FastifyReply): Promise<PatronContext | null> {
    const { municipality } = request.params as Params
    const lib = library(municipality)
    if (!lib) {
      await notFound(request, reply)
      return null
    }
    const found = await patronSessionOf(services, request, reply, municipality)
    if (!found) return null
    const { session, patron, lang } = found
    return { lang, t: TEXTS[lang], library: lib, session, patron, csrf: reply.generateCsrf() }
  }

  function render(
    request: FastifyRequest,
    reply: FastifyReply,
    context: PatronContext,
    title: string,
    body: Html,
    flash: Awaited<ReturnType<typeof takeFlash>>,
  ) {
    return sendPage(
      reply,
      200,
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
        body,
      ).text,
    )
  }

  // --- login ------------------------------------------------------------------------------------------

  function loginPage(
    request: FastifyRequest,
    reply: FastifyReply,
    lib: { code: string; name: string },
    status: number,
    error: string | null,
    identifier = '',
  ) {
    const lang = requestLang(request, reply)
    const t = TEXTS[lang]
    const r = REGISTRATION_TEXTS[lang]
    const csrf = reply.generateCsrf()
    return sendPage(
      reply,
      status,
      page(
        {
          lang,
          t,
          title: t.loginHeading,
          library: lib,
          path: pathOf(request),
          flash: error ? { kind: 'error', text: error } : null,
        },
        html`<h1>${t.loginHeading}</h1>
<form method="post" action="/${lib.code}/log-ind" novalidate>
  <input type="hidden" name="_csrf" value="${csrf}">
  <label for="identifier">${t.cardOrCpr}</label>
  <input type="text" id="identifier" name="identifier" autocomplete="username" inputmode="numeric" required value="${identifier}">
  <label for="pin">${t.pin} <span class="hint" id="pin-hint">${t.pinHint}</span></label>
  <input type="password" id="pin" name="pin" autocomplete="current-password" inputmode="numeric" required aria-describedby="pin-hint">
  <div class="actions"><button type="submit">${t.login}</button></div>
</form>
${mitid && html`<p class="actions"><a class="button secondary" href="/${lib.code}/mitid">${r.loginWithMitId}</a></p>`}
<h2>${r.notPatron}</h2>
<p><a href="/${lib.code}/tilmeld">${r.registerTitle}</a></p>`,
      ).text,
    )
  }

  app.get<{ Params: Params }>('/:municipality', async (request, reply) => {
    if (!library(request.params.municipality)) return notFound(request, reply)
    return reply.redirect(`/${request.params.municipality}/min-side`, 303)
  })

  app.get<{ Params: Params }>('/:municipality/log-ind', async (request, reply) => {
    const lib = library(request.params.municipality)
    if (!lib) return notFound(request, reply)
    return loginPage(request, reply, lib, 200, null)
  })

  app.post<{ Params: Params; Body: { identifier?: string; pin?: string } }>(
    '/:municipality/log-ind',
    { preHandler: app.csrfProtection, config: { rateLimit: LOGIN_RATE } },
    async (request, reply) => {
      const lib = library(request.params.municipality)
      if (!lib) return notFound(request, reply)
      const t = TEXTS[requestLang(request, reply)]
      const identifier = String(request.body?.identifier ?? '').trim()
      const pin = String(request.body?.pin ?? '')
      if (identifier === '' || pin === '')
        return loginPage(request, reply, lib, 400, t.loginMissing, identifier)
      const now = clock.now()
      const result = await loginWithPin(db, cprVault, lib.code, identifier, pin, now)
      if (!result.ok) {
        const text =
          result.reason === 'locked'
            ? t.loginLocked(
                result.until.toLocaleTimeString('da-DK', {
                  timeZone: 'Europe/Copenhagen',
                  hour: '2-digit',
                  minute: '2-digit',
                }),
              )
            : t.loginWrong
        return loginPage(request, reply, lib, 401, text, identifier)
      }
      await startPatronSession(services, request, reply, lib.code, result.patron.id)
      return reply.redirect(`/${lib.code}/min-side`, 303)
    },
  )

  app.post<{ Params: Params }>(
    '/:municipality/log-ud',
    { preHandler: app.csrfProtection },
    async (request, reply) => {
      await endSession(db, request.cookies[SESSION_COOKIE])
      reply.clearCookie(SESSION_COOKIE, { path: '/' })
      return reply.redirect(`/${request.params.municipality}/log-ind`, 303)
    },
  )

  // --- Min side ---------------------------------------------------------------------------------------

  app.get<{ Params: Params }>('/:municipality/min-side', async (request, reply) => {
    const context = await patronContext(request, reply)
    if (!context) return reply
    const { t, patron } = context
    const today = localDateOf(clock.now())
    const policy = services.policies.inForce(context.library.code, today)
    const [loans, reservations, charges, notices, blocked, flash] = await Promise.all([
      openLoansOf(db, patron.id),
      openReservationsOf(db, patron.id),
      openChargesWithTitles(db, patron.id),
      db
        .selectFrom('notices')
        .select(['id', 'kind', 'channel', 'sendAt', 'status'])
        .where('patronId', '=', patron.id)
        .orderBy('sendAt', 'desc')
        .limit(20)
        .execute(),
      isBlocked(db, patron.id),
      takeFlash(db, context.session),
    ])
    const queue = await queuePositions(reservations.filter((r) => r.status === 'waiting').map((r) => r.id))
    const [consents, children] = await Promise.all([
      db
        .selectFrom('pendingRegistrations')
        .select(['id', 'name', 'birthDate'])
        .where('guardianId', '=', patron.id)
        .where('status', '=', 'pending')
        .orderBy('id')
        .execute(),
      childrenOf(patron.id),
    ])
    const owed = charges.reduce((sum, c) => sum + c.amount - c.paid, 0)
    const date = (d: string) => dateText(context.lang, d)
    const body = html`<h1>${t.minSide}: ${patron.name}</h1>
${blocked && html`<p class="card bad">${t.blocked}</p>`}
${
  consents.length > 0 &&
  html`<section aria-labelledby="samtykke" class="card">
  <h2 id="samtykke">${t.consentTitle}</h2>
  ${consents.map(
    (c) => html`<p>${t.consentAsk(c.name, date(c.birthDate))}</p>
  <form method="post" action="/${context.library.code}/min-side/samtykke/${c.id}" class="actions">
    <input type="hidden" name="_csrf" value="${context.csrf}">
    <button type="submit" name="decision" value="ja">${t.consentYes}</button>
    <button type="submit" name="decision" value="nej" class="secondary">${t.consentNo}</button>
  </form>`,
  )}
</section>`
}
<section aria-labelledby="laan">
  <h2 id="laan">${t.loans} (${loans.length})</h2>
  ${
    loans.length === 0
      ? html`<p>${t.noLoans}</p>`
      : html`<form method="post" action="/${context.library.code}/min-side/forny-alle" class="actions">
      <input type="hidden" name="_csrf" value="${context.csrf}"><button type="submit" class="secondary">${t.renewAll}</button></form>
  <table class="stack"><thead><tr><th scope="col">${t.title}</th><th scope="col">${t.dueDate}</th><th scope="col">${t.renewals}</th><th scope="col"><span class="muted">${t.renew}</span></th></tr></thead>
  <tbody>${loans.map(
    (loan) => html`<tr>
    <td data-label="${t.title}">${loan.title}</td>
    <td data-label="${t.dueDate}">${date(loan.dueDate)}${loan.status === 'lost' ? html` <span class="bad">${t.lost}</span>` : loan.dueDate < today && html` <span class="bad">${t.overdue}</span>`}</td>
    <td data-label="${t.renewals}">${loan.renewals}</td>
    <td>${loan.status === 'active' && html`<form method="post" action="/${context.library.code}/min-side/forny" class="inline"><input type="hidden" name="_csrf" value="${context.csrf}"><input type="hidden" name="item" value="${loan.item}"><button type="submit" aria-label="${t.renewItem(loan.title)}">${t.renew}</button></form>`}</td>
  </tr>`,
  )}</tbody></table>`
  }
</section>
<section aria-labelledby="reserveringer">
  <h2 id="reserveringer">${t.reservations} (${reservations.length})</h2>
  <p><a href="/${context.library.code}/min-side/reserver">${t.reserveTitle}</a> · ${t.pickup} ${context.library.name}</p>
  ${
    reservations.length === 0
      ? html`<p>${t.noReservations}</p>`
      : html`<table class="stack"><thead><tr><th scope="col">${t.title}</th><th scope="col">${t.status}</th><th scope="col"><span class="muted">${t.cancel}</span></th></tr></thead>
  <tbody>${reservations.map(
    (r) => html`<tr>
    <td data-label="${t.title}">${r.title}</td>
    <td data-label="${t.status}">${
      r.status === 'held' && r.heldAt
        ? t.readyForPickup(date(addDays(r.heldAt.slice(0, 10), policy.reservations.pickupDays.value)))
        : html`${t.waiting}, ${t.queue.toLowerCase()} ${queue.get(r.id) ?? 1}`
    }</td>
    <td><form method="post" action="/${context.library.code}/min-side/reserveringer/${r.id}/slet" class="inline"><input type="hidden" name="_csrf" value="${context.csrf}"><button type="submit" class="secondary" aria-label="${t.cancelReservation(r.title)}">${t.cancel}</button></form></td>
  </tr>`,
  )}</tbody></table>`
  }
</section>
<section aria-labelledby="gebyrer">
  <h2 id="gebyrer">${t.fees}</h2>
  ${
    charges.length === 0
      ? html`<p>${t.noFees}</p>`
      : html`<table class="stack"><thead><tr><th scope="col">${t.why}</th><th scope="col" class="num">${t.toPay}</th></tr></thead>
  <tbody>${charges.map(
    (
      c,
    ) => html`<tr><td data-label="${t.why}">${c.title && html`<strong>${c.title}</strong><br>`}${c.explanation} <span class="muted">(${date(c.chargeDate)})</span></td>
    <td data-label="${t.toPay}" class="num">${formatKroner(c.amount - c.paid)}</td></tr>`,
  )}</tbody>
  <tfoot><tr><th scope="row">${t.total}</th><td class="num"><strong>${formatKroner(owed)}</strong></td></tr></tfoot></table>
  <p><a class="button" href="/${context.library.code}/betaling">${t.payLink}</a></p>`
  }
</section>
${
  children.length > 0 &&
  html`<section aria-labelledby="boern">
  <h2 id="boern">${t.children}</h2>
  ${children.map(
    (
      child,
    ) => html`<h3>${t.childLoans(child.name, child.loans.length)}${child.owed > 0 && html` · ${t.childOwes(formatKroner(child.owed))}`}</h3>
  ${
    child.loans.length > 0 &&
    html`<table class="stack"><thead><tr><th scope="col">${t.title}</th><th scope="col">${t.dueDate}</th><th scope="col"><span class="muted">${t.renew}</span></th></tr></thead>
  <tbody>${child.loans.map(
    (
      loan,
    ) => html`<tr><td data-label="${t.title}">${loan.title}</td><td data-label="${t.dueDate}">${date(loan.dueDate)}</td>
    <td>${loan.status === 'active' && html`<form method="post" action="/${context.library.code}/min-side/forny" class="inline"><input type="hidden" name="_csrf" value="${context.csrf}"><input type="hidden" name="item" value="${loan.item}"><input type="hidden" name="for" value="${child.id}"><button type="submit" aria-label="${t.renewItem(loan.title)}">${t.renew}</button></form>`}</td></tr>`,
  )}</tbody></table>`
  }`,
  )}
</section>`
}
<section aria-labelledby="beskeder">
  <h2 id="beskeder">${t.notices}</h2>
  ${
    notices.length === 0
      ? html`<p>${t.noNotices}</p>`
      : html`<table class="stack"><thead><tr><th scope="col">${t.kind}</th><th scope="col">${t.channel}</th><th scope="col">${t.sent}</th></tr></thead>
  <tbody>${notices.map(
    (n) =>
      html`<tr><td data-label="${t.kind}">${t.kinds[n.kind] ?? n.kind}</td><td data-label="${t.channel}">${t.channels[n.channel] ?? n.channel}</td><td data-label="${t.sent}">${date(localDateOf(new Date(n.sendAt)))}</td></tr>`,
  )}</tbody></table>`
  }
</section>`
    return render(request, reply, context, t.minSide, body, flash)
  })

  /** The children a guardian is economically responsible for, with their loans and what they owe. */
  async function childrenOf(guardianId: number) {
    const rows = await db
      .selectFrom('patrons')
      .select(['id', 'name', 'cardNumber'])
      .where('guardianId', '=', guardianId)
      .orderBy('name')
      .execute()
    return Promise.all(
      rows.map(async (child) => {
        const [loans, owed] = await Promise.all([
          openLoansOf(db, child.id),
          db
            .selectFrom('charges')
            .select((eb) =>
              eb.fn.coalesce(eb.fn.sum<number>(eb('amount', '-', eb.ref('paid'))), eb.lit(0)).as('owed'),
            )
            .where('patronId', '=', child.id)
            .where('status', '=', 'open')
            .executeTakeFirstOrThrow(),
        ])
        return { ...child, loans, owed: Number(owed.owed) }
      }),
    )
  }

  /** Place in the queue of each waiting reservation (1 = next). */
  async function queuePositions(ids: number[]): Promise<Map<number, number>> {
    if (ids.length === 0) return new Map()
    const rows = await db
      .selectFrom('reservations as mine')
      .innerJoin('reservations as ahead', (join) =>
        join
          .onRef('ahead.municipality', '=', 'mine.municipality')
          .onRef('ahead.title', '=', 'mine.title')
          .on('ahead.status', '=', 'waiting')
          .on((eb) =>
            eb.or([
              eb('ahead.createdAt', '<', eb.ref('mine.createdAt')),
              eb.and([
                eb('ahead.createdAt', '=', eb.ref('mine.createdAt')),
                eb('ahead.id', '<=', eb.ref('mine.id')),
              ]),
            ]),
          ),
      )
      .select(['mine.id', (eb) => eb.fn.countAll<string>().as('position')])
      .where('mine.id', 'in', ids)
      .groupBy('mine.id')
      .execute()
    return new Map(rows.map((r) => [r.id, Number(r.position)]))
  }

  app.post<{ Params: Params; Body: { item?: string; for?: string } }>(
    '/:municipality/min-side/forny',
    { preHandler: app.csrfProtection },
    async (request, reply) => {
      const context = await patronContext(request, reply)
      if (!context) return reply
      const { t } = context
      const item = String(request.body?.item ?? '')
      // A guardian renews a child's loan; only their own child's.
      const child =
        request.body?.for === undefined
          ? null
          : ((await db
              .selectFrom('patrons')
              .select('cardNumber')
              .where('id', '=', Number(request.body.for) || 0)
              .where('guardianId', '=', context.patron.id)
              .executeTakeFirst()) ?? null)
      if (request.body?.for !== undefined && !child)
        return reply.redirect(`/${context.library.code}/min-side`, 303)
      const [outcome] = await runRenewAll(db, circulation, {
        municipality: context.library.code,
        patron: child?.cardNumber ?? context.patron.cardNumber,
        items: [item],
        at: clock.now(),
      })
      const title = (await titleOf(context.library.code, item)) ?? item
      const reason = (refusal: RefusalError) =>
        context.lang === 'da' ? refusal.messageDa : refusal.messageEn
      await setFlash(
        db,
        context.session,
        outcome?.ok
          ? {
              kind: 'ok',
              text: t.renewed(title, dateText(context.lang, outcome.loan.dueDate)),
            }
          : { kind: 'error', text: t.notRenewed(title, outcome ? reason(outcome.refusal) : '') },
      )
      return reply.redirect(`/${context.library.code}/min-side`, 303)
    },
  )

  app.post<{ Params: Params }>(
    '/:municipality/min-side/forny-alle',
    { preHandler: app.csrfProtection },
    async (request, reply) => {
      const context = await patronContext(request, reply)
      if (!context) return reply
      const { t } = context
      const loans = (await openLoansOf(db, context.patron.id)).filter((l) => l.status === 'active')
      const outcomes = await runRenewAll(db, circulation, {
        municipality: context.library.code,
        patron: context.patron.cardNumber,
        items: loans.map((l) => l.item),
        at: clock.now(),
      })
      const refused = outcomes.flatMap((o, i) =>
        o.ok
          ? []
          : [
              t.notRenewed(
                loans[i]?.title ?? o.item,
                context.lang === 'da' ? o.refusal.messageDa : o.refusal.messageEn,
              ),
            ],
      )
      const renewed = outcomes.length - refused.length
      await setFlash(db, context.session, {
        kind: refused.length === 0 ? 'ok' : 'error',
        text: [t.renewedAll(renewed, refused.length), ...refused].join(' '),
      })
      return reply.redirect(`/${context.library.code}/min-side`, 303)
    },
  )

  app.post<{ Params: Params & { id: string } }>(
    '/:municipality/min-side/reserveringer/:id/slet',
    { preHandler: app.csrfProtection },
    async (request, reply) => {
      const context = await patronContext(request, reply)
      if (!context) return reply
      const id = Number(request.params.id)
      // Only the patron's own reservation: another patron's id is as unknown as a made-up one.
      const reservation = Number.isInteger(id)
        ? await db
            .selectFrom('reservations')
            .innerJoin('items', (join) =>
              join
                .onRef('items.title', '=', 'reservations.title')
                .onRef('items.municipality', '=', 'reservations.municipality'),
            )
            .select(['reservations.title', 'items.barcode'])
            .where('reservations.id', '=', id)
            .where('reservations.patronId', '=', context.patron.id)
            .where('reservations.status', 'in', ['waiting', 'held'])
            .limit(1)
            .executeTakeFirst()
        : undefined
      if (reservation) {
        const item = reservation.barcode
        await db.transaction().execute((trx) =>
          circulation.cancelReservation(trx, {
            municipality: context.library.code,
            patron: context.patron.cardNumber,
            item,
            at: clock.now(),
          }),
        )
        await setFlash(db, context.session, {
          kind: 'ok',
          text: context.t.reservationCancelled(reservation.title),
        })
      }
      return reply.redirect(`/${context.library.code}/min-side`, 303)
    },
  )

  async function titleOf(municipality: string, barcode: string): Promise<string | undefined> {
    const row = await db
      .selectFrom('items')
      .select('title')
      .where('municipality', '=', municipality)
      .where('barcode', '=', barcode)
      .executeTakeFirst()
    return row?.title
  }

  // --- placing a reservation ------------------------------------------------------------------------

  app.get<{ Params: Params; Querystring: { q?: string } }>(
    '/:municipality/min-side/reserver',
    async (request, reply) => {
      const context = await patronContext(request, reply)
      if (!context) return reply
      const { t } = context
      const q = String(request.query.q ?? '')
        .trim()
        .slice(0, 100)
      const titles =
        q === ''
          ? []
          : await db
              .selectFrom('items')
              .select((eb) => [
                'title',
                eb.fn.max('author').as('author'),
                eb.fn.countAll<string>().as('total'),
                eb.fn.count<string>(eb.case().when('status', '=', 'available').then(1).end()).as('home'),
              ])
              .where('municipality', '=', context.library.code)
              .where('referenceOnly', '=', false)
              .where((eb) =>
                eb.or([
                  eb('title', 'ilike', `%${likeEscape(q)}%`),
                  eb('author', 'ilike', `%${likeEscape(q)}%`),
                ]),
              )
              .groupBy('title')
              .orderBy('title')
              .limit(50)
              .execute()
      const body = html`<h1>${t.reserveTitle}</h1>
<form method="get" action="/${context.library.code}/min-side/reserver" role="search">
  <label for="q">${t.searchLabel}</label>
  <input type="text" id="q" name="q" value="${q}">
  <div class="actions"><button type="submit">${t.search}</button></div>
</form>
${
  q !== '' &&
  (titles.length === 0
    ? html`<p role="status">${t.noHits(q)}</p>`
    : html`<h2>${t.hits(titles.length)}</h2>
<table class="stack"><thead><tr><th scope="col">${t.title}</th><th scope="col">${t.author}</th><th scope="col">${t.status}</th><th scope="col"><span class="muted">${t.reserve}</span></th></tr></thead>
<tbody>${titles.map(
        (
          row,
        ) => html`<tr><td data-label="${t.title}">${row.title}</td><td data-label="${t.author}">${row.author ?? ''}</td>
  <td data-label="${t.status}">${t.copies(Number(row.total), Number(row.home))}</td>
  <td><form method="post" action="/${context.library.code}/min-side/reserver" class="inline"><input type="hidden" name="_csrf" value="${context.csrf}"><input type="hidden" name="title" value="${row.title}"><button type="submit" aria-label="${t.reserveItem(row.title)}">${t.reserve}</button></form></td></tr>`,
      )}</tbody></table>`)
}`
      return render(request, reply, context, t.reserveTitle, body, await takeFlash(db, context.session))
    },
  )

  app.post<{ Params: Params; Body: { title?: string } }>(
    '/:municipality/min-side/reserver',
    { preHandler: app.csrfProtection },
    async (request, reply) => {
      const context = await patronContext(request, reply)
      if (!context) return reply
      const { t } = context
      const title = String(request.body?.title ?? '')
      const copy = await db
        .selectFrom('items')
        .select('barcode')
        .where('municipality', '=', context.library.code)
        .where('title', '=', title)
        .orderBy('id')
        .limit(1)
        .executeTakeFirst()
      if (!copy) return reply.redirect(`/${context.library.code}/min-side/reserver`, 303)
      try {
        const reservation = await db.transaction().execute((trx) =>
          circulation.reserve(trx, {
            municipality: context.library.code,
            patron: context.patron.cardNumber,
            item: copy.barcode,
            at: clock.now(),
          }),
        )
        const position =
          reservation.status === 'held'
            ? 0
            : ((await queuePositions([reservation.id])).get(reservation.id) ?? 1)
        await setFlash(db, context.session, { kind: 'ok', text: t.reserved(title, position) })
      } catch (error) {
        if (!(error instanceof RefusalError)) throw error
        const reason = context.lang === 'da' ? error.messageDa : error.messageEn
        await setFlash(db, context.session, { kind: 'error', text: t.notReserved(title, reason) })
      }
      return reply.redirect(`/${context.library.code}/min-side`, 303)
    },
  )

  // --- profile ----------------------------------------------------------------------------------------

  function profileForm(context: PatronContext, errors: string[]): Html {
    const { t, patron } = context
    return html`<h1>${t.profile}</h1>
${errors.length > 0 && html`<div class="flash error" role="alert"><p>${t.errorTitle}:</p><ul>${errors.map((e) => html`<li>${e}</li>`)}</ul></div>`}
<form method="post" action="/${context.library.code}/min-side/profil" novalidate>
  <input type="hidden" name="_csrf" value="${context.csrf}">
  <label for="email">${t.email}</label>
  <input type="email" id="email" name="email" autocomplete="email" value="${patron.email ?? ''}">
  <label for="phone">${t.phone}</label>
  <input type="tel" id="phone" name="phone" autocomplete="tel" value="${patron.phone ?? ''}">
  <label class="check"><input type="checkbox" name="remindersOptIn" value="1" ${patron.remindersOptIn ? 'checked' : ''}> ${t.remindersOptIn}</label>
  <label for="language">${t.language}</label>
  <select id="language" name="language">
    <option value="da" ${patron.language === 'da' ? 'selected' : ''}>Dansk</option>
    <option value="en" ${patron.language === 'en' ? 'selected' : ''}>English</option>
  </select>
  <label for="pin">${t.newPin} <span class="hint" id="newpin-hint">${t.newPinHint}</span></label>
  <input type="password" id="pin" name="pin" autocomplete="new-password" inputmode="numeric" aria-describedby="newpin-hint">
  <div class="actions"><button type="submit">${t.save}</button></div>
</form>
<h2>${t.logoutEverywhereTitle}</h2>
<form method="post" action="/${context.library.code}/min-side/log-ud-alle">
  <input type="hidden" name="_csrf" value="${context.csrf}">
  <p class="hint">${t.logoutEverywhereHint}</p>
  <div class="actions"><button type="submit" class="secondary">${t.logoutEverywhere}</button></div>
</form>
<p><a href="/${context.library.code}/min-side/dine-data" download>${t.downloadData}</a> <span class="hint">${t.downloadDataHint}</span></p>`
  }

  app.get<{ Params: Params }>('/:municipality/min-side/profil', async (request, reply) => {
    const context = await patronContext(request, reply)
    if (!context) return reply
    return render(
      request,
      reply,
      context,
      context.t.profile,
      profileForm(context, []),
      await takeFlash(db, context.session),
    )
  })

  // GDPR access: everything laan holds about the logged-in patron, as a file. Only the session's own patron;
  // a GET that changes nothing but the audit log, so no CSRF token.
  app.get<{ Params: Params }>('/:municipality/min-side/dine-data', async (request, reply) => {
    const context = await patronContext(request, reply)
    if (!context) return reply
    const now = clock.now()
    const { patron } = context
    const data = await db.transaction().execute(async (trx) => {
      const exported = await patronDataExport(trx, services.cprVault, patron.id, {
        now,
        doorLogDays: services.policies.inForce(context.library.code, localDateOf(now)).door.logRetentionDays
          .value,
        sessionIdleMinutes: SESSION_IDLE_MINUTES,
      })
      await recordAudit(trx, {
        municipality: patron.municipality,
        at: now,
        actor: { kind: 'patron', patronId: patron.id },
        action: 'patron-data-downloaded',
        patronId: patron.id,
      })
      return exported
    })
    if (!data) return notFound(request, reply)
    const card = patron.cardNumber.replace(/[^0-9A-Za-z-]/g, '')
    return reply
      .header('content-type', 'application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="laan-${card}-${localDateOf(now)}.json"`)
      .header('cache-control', 'no-store')
      .send(JSON.stringify(data, null, 2))
  })

  app.post<{
    Params: Params
    Body: { email?: string; phone?: string; remindersOptIn?: string; language?: string; pin?: string }
  }>('/:municipality/min-side/profil', { preHandler: app.csrfProtection }, async (request, reply) => {
    const context = await patronContext(request, reply)
    if (!context) return reply
    const { t } = context
    const body = request.body ?? {}
    const email = String(body.email ?? '').trim()
    const phone = String(body.phone ?? '').trim()
    const pin = String(body.pin ?? '').trim()
    const errors: string[] = []
    if (email !== '' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) errors.push(t.invalidEmail)
    if (pin !== '' && !/^\d{4,8}$/.test(pin)) errors.push(t.invalidPin)
    if (errors.length > 0) {
      reply.code(400)
      return sendPage(
        reply,
        400,
        page(
          {
            lang: context.lang,
            t,
            title: t.profile,
            library: context.library,
            user: { name: context.patron.name, csrf: context.csrf },
            path: pathOf(request),
          },
          profileForm({ ...context, patron: { ...context.patron, email, phone } }, errors),
        ).text,
      )
    }
    const language = body.language === 'en' ? 'en' : 'da'
    await db.transaction().execute((trx) =>
      updatePatronContact(trx, context.patron.id, {
        email: email === '' ? null : email,
        phone: phone === '' ? null : phone,
        remindersOptIn: body.remindersOptIn === '1',
        language,
        ...(pin === '' ? {} : { pin }),
      }),
    )
    await setFlash(db, context.session, { kind: 'ok', text: TEXTS[language].saved })
    if (pin !== '') {
      // A new PIN: sessions opened with the old one end, and this one continues under a new token.
      await revokeSessions(db, context.library.code, { patronId: context.patron.id, except: context.session })
      setSessionCookie(services, reply, await rotateSession(db, context.session))
    }
    return reply.redirect(`/${context.library.code}/min-side/profil`, 303)
  })

  app.post<{ Params: Params }>(
    '/:municipality/min-side/log-ud-alle',
    { preHandler: app.csrfProtection },
    async (request, reply) => {
      const context = await patronContext(request, reply)
      if (!context) return reply
      await revokeSessions(db, context.library.code, { patronId: context.patron.id })
      reply.clearCookie(SESSION_COOKIE, { path: '/' })
      return reply.redirect(`/${context.library.code}/log-ind`, 303)
    },
  )
}

/** A search text as a LIKE pattern's literal part. */
function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`)
}
