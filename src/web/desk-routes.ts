// The staff desk (`/{municipality}/skranke`): staff log in with login and password, find a patron by card or
// CPR number with a reason (every look-up is recorded), and see and act on the patron: check-out, charges
// annulled or written down (finance), exclusion with 7 days' notice, blocks lifted. Registration, check-out
// and check-in, appeals, the daily report, the cash box and the rules have their own files. Every change is
// a plain form POST with a CSRF token, answered by a redirect and a message (post/redirect/get).

import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { runCheckout } from '../circulation/circulation-edge.ts'
import { openLoansOf, openReservationsOf } from '../circulation/loan-queries.ts'
import { RefusalError } from '../circulation/refusal.ts'
import type { ChargeRow, PatronRow, StaffRole, WebFlash } from '../db/schema.ts'
import { parseKroner } from '../desk/cash-box.ts'
import { annulCharge, CorrectionError, writeDownCharge } from '../desk/charge-corrections.ts'
import { hasRole, verifyStaffLogin } from '../desk/staff-accounts.ts'
import { excludePatron, liftBlock, openExclusionOf, withdrawExclusion } from '../desk/staff-exclusions.ts'
import { hasRecentLookup, recordLookup } from '../desk/staff-lookups.ts'
import { openChargesWithTitles } from '../fees/charge-queries.ts'
import { cprOf, withCpr } from '../patrons/cpr-vault.ts'
import { findPatronByCardOrCpr } from '../patrons/patron-repository.ts'
import type { Services } from '../services.ts'
import { formatKroner } from '../shared/money.ts'
import { ageOn, localDateOf } from '../shared/time.ts'
import { createDeskHelpers, type Library, type Params, STAFF_COOKIE, type StaffContext } from './desk-auth.ts'
import { deskCashRoutes } from './desk-cash-routes.ts'
import { deskCirculationRoutes } from './desk-circulation-routes.ts'
import { deskFinanceRoutes } from './desk-finance-routes.ts'
import { cardText, dateText, field, idParam, instantText, maskCpr } from './desk-format.ts'
import { deskInfoRoutes } from './desk-info-routes.ts'
import { deskPage, errorSummary } from './desk-layout.ts'
import { deskRegistrationRoutes } from './desk-registration-routes.ts'
import { type Html, html } from './html.ts'
import { pathOf, sendPage } from './web-request.ts'
import { endSession, SESSION_IDLE_MINUTES, setFlash, startSession, takeFlash } from './web-sessions.ts'

type PatronParams = Params & { id: string }

// Per address, as the patrons' login: a desk PC is shared by the staff on duty.
const LOGIN_RATE = { max: 30, timeWindow: '1 minute' }

export const deskRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const { db, clock, circulation, cprVault } = services
  const secure = services.config?.secureCookies ?? false
  const h = createDeskHelpers(services)
  const { requireStaff, render } = h

  // --- login ------------------------------------------------------------------------------------------

  function loginPage(
    request: FastifyRequest,
    reply: FastifyReply,
    lib: Library,
    status: number,
    error: string | null,
    login = '',
  ) {
    const { lang, t } = h.textsOf(request, reply)
    const csrf = reply.generateCsrf()
    const body = html`<h1>${t.loginHeading}</h1>
<form method="post" action="/${lib.code}/skranke/log-ind" novalidate>
  <input type="hidden" name="_csrf" value="${csrf}">
  <label for="login">${t.loginName}</label>
  <input type="text" id="login" name="login" autocomplete="username" autocapitalize="none" required value="${login}">
  <label for="password">${t.password}</label>
  <input type="password" id="password" name="password" autocomplete="current-password" required>
  <div class="actions"><button type="submit">${t.login}</button></div>
</form>`
    return sendPage(
      reply,
      status,
      deskPage(
        {
          lang,
          t,
          title: t.loginHeading,
          library: lib,
          path: pathOf(request),
          flash: error ? { kind: 'error', text: error } : null,
        },
        body,
      ).text,
    )
  }

  app.get<{ Params: Params }>('/:municipality/skranke/log-ind', async (request, reply) => {
    const lib = h.library(request.params.municipality)
    if (!lib) return h.notFound(request, reply)
    return loginPage(request, reply, lib, 200, null)
  })

  app.post<{ Params: Params; Body: { login?: string; password?: string } }>(
    '/:municipality/skranke/log-ind',
    { preHandler: app.csrfProtection, config: { rateLimit: LOGIN_RATE } },
    async (request, reply) => {
      const lib = h.library(request.params.municipality)
      if (!lib) return h.notFound(request, reply)
      const { t } = h.textsOf(request, reply)
      const login = field(request.body, 'login', 100)
      const password = typeof request.body?.password === 'string' ? request.body.password : ''
      if (login === '' || password === '') return loginPage(request, reply, lib, 400, t.loginMissing, login)
      const staff = await verifyStaffLogin(db, lib.code, login, password)
      if (!staff) return loginPage(request, reply, lib, 401, t.loginWrong, login)
      await endSession(db, request.cookies[STAFF_COOKIE])
      const token = await startSession(db, { municipality: lib.code, staffId: staff.id }, clock.now())
      reply.setCookie(STAFF_COOKIE, token, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure,
        maxAge: SESSION_IDLE_MINUTES * 60 * 16,
      })
      return reply.redirect(`/${lib.code}/skranke`, 303)
    },
  )

  app.post<{ Params: Params }>(
    '/:municipality/skranke/log-ud',
    { preHandler: app.csrfProtection },
    async (request, reply) => {
      await endSession(db, request.cookies[STAFF_COOKIE])
      reply.clearCookie(STAFF_COOKIE, { path: '/' })
      return reply.redirect(`/${request.params.municipality}/skranke/log-ind`, 303)
    },
  )

  // --- find a patron ----------------------------------------------------------------------------------

  function findForm(
    context: StaffContext,
    values: { identifier: string; reason: string },
    errors: { field: string; text: string }[],
  ): Html {
    const { t, base } = context
    return html`<h1>${t.findHeading}</h1>
${errorSummary(t, errors)}
<form method="post" action="${base}/find" novalidate>
  <input type="hidden" name="_csrf" value="${context.csrf}">
  <label for="identifier">${t.cardOrCpr}</label>
  <input type="text" id="identifier" name="identifier" inputmode="numeric" autocomplete="off" required value="${values.identifier}"${errors.some((e) => e.field === 'identifier') ? html` aria-invalid="true"` : ''}>
  <label for="reason">${t.reason} <span class="hint" id="reason-hint">${t.lookupReasonHint}</span></label>
  <input type="text" id="reason" name="reason" required aria-describedby="reason-hint" value="${values.reason}"${errors.some((e) => e.field === 'reason') ? html` aria-invalid="true"` : ''}>
  <div class="actions"><button type="submit">${t.find}</button></div>
</form>`
  }

  app.get<{ Params: Params }>('/:municipality/skranke', async (request, reply) => {
    const context = await requireStaff(request, reply)
    if (!context) return reply
    const flash = await takeFlash(db, context.session)
    return render(
      request,
      reply,
      context,
      context.t.home,
      findForm(context, { identifier: '', reason: '' }, []),
      flash,
    )
  })

  app.post<{ Params: Params; Body: { identifier?: string; reason?: string } }>(
    '/:municipality/skranke/find',
    { preHandler: app.csrfProtection },
    async (request, reply) => {
      const context = await requireStaff(request, reply)
      if (!context) return reply
      const { t } = context
      const identifier = field(request.body, 'identifier', 40)
      const reason = field(request.body, 'reason')
      const errors: { field: string; text: string }[] = []
      if (identifier === '') errors.push({ field: 'identifier', text: t.required(t.cardOrCpr) })
      if (reason === '') errors.push({ field: 'reason', text: t.required(t.reason) })
      const patron =
        errors.length === 0
          ? await findPatronByCardOrCpr(db, cprVault, context.library.code, identifier)
          : undefined
      if (errors.length === 0 && !patron) errors.push({ field: 'identifier', text: t.unknownPatron })
      if (!patron || errors.length > 0) {
        return render(
          request,
          reply,
          context,
          t.home,
          findForm(context, { identifier, reason }, errors),
          null,
          errors.some((e) => e.text === t.unknownPatron) ? 404 : 400,
        )
      }
      await db.transaction().execute((trx) =>
        recordLookup(trx, {
          municipality: context.library.code,
          staffId: context.staff.id,
          patronId: patron.id,
          reason,
          at: context.now,
        }),
      )
      return reply.redirect(`${context.base}/laanere/${patron.id}`, 303)
    },
  )

  // --- the patron -------------------------------------------------------------------------------------

  /**
   * The patron of the route, if this staff member looked the patron up recently; else a message and a
   * redirect to the look-up (and null).
   */
  async function patronFor(
    context: StaffContext,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<PatronRow | null> {
    const id = idParam((request.params as PatronParams).id)
    const patron =
      id === null
        ? undefined
        : await db
            .selectFrom('patrons')
            .selectAll()
            .where('id', '=', id)
            .where('municipality', '=', context.library.code)
            .executeTakeFirst()
    if (!patron || !(await hasRecentLookup(db, context.staff.id, patron.id, context.now))) {
      await setFlash(db, context.session, { kind: 'error', text: context.t.lookupExpired })
      await reply.redirect(context.base, 303)
      return null
    }
    return patron
  }

  const back = (context: StaffContext, patron: PatronRow) => `${context.base}/laanere/${patron.id}`

  app.get<{ Params: PatronParams }>('/:municipality/skranke/laanere/:id', async (request, reply) => {
    const context = await requireStaff(request, reply)
    if (!context) return reply
    const patron = await patronFor(context, request, reply)
    if (!patron) return reply
    const flash = await takeFlash(db, context.session)
    return render(request, reply, context, patron.name, await patronPage(context, patron), flash)
  })

  async function patronPage(context: StaffContext, patron: PatronRow): Promise<Html> {
    const { t, lang, base, staff } = context
    const [guardian, dependants, loans, reservations, charges, blocks, feeWarning, exclusion] =
      await Promise.all([
        patron.guardianId === null
          ? undefined
          : db
              .selectFrom('patrons')
              .select(['name', 'cardNumber', 'cprEncrypted'])
              .where('id', '=', patron.guardianId)
              .executeTakeFirst()
              .then((row) => row && withCpr(cprVault, row)),
        db
          .selectFrom('patrons')
          .select(['name', 'cardNumber', 'cprEncrypted'])
          .where('guardianId', '=', patron.id)
          .orderBy('name')
          .execute()
          .then((rows) => rows.map((row) => withCpr(cprVault, row))),
        openLoansOf(db, patron.id),
        openReservationsOf(db, patron.id),
        openChargesWithTitles(db, patron.id),
        db
          .selectFrom('blocks')
          .select(['id', 'reason', 'fromAt'])
          .where('patronId', '=', patron.id)
          .where('untilAt', 'is', null)
          .orderBy('id')
          .execute(),
        db
          .selectFrom('exclusionWarnings')
          .select('warnedOn')
          .where('patronId', '=', patron.id)
          .where('status', '=', 'pending')
          .executeTakeFirst(),
        openExclusionOf(db, patron.id),
      ])
    const isDesk = hasRole(staff, ['desk'])
    const isFinance = hasRole(staff, ['finance'])
    const institution = patron.patronType === 'institution'
    const age = ageOn(patron.birthDate, context.today)
    const type = institution ? t.types.institution : age < 18 ? t.types.child : t.types.adult
    const owed = charges.reduce((sum, c) => sum + c.amount - c.paid, 0)
    const csrf = html`<input type="hidden" name="_csrf" value="${context.csrf}">`
    const url = `${base}/laanere/${patron.id}`
    const date = (d: string) => dateText(lang, d)
    const cpr = cprOf(cprVault, patron.cprEncrypted)
    const contact = [patron.email, patron.phone].filter((v) => v !== null && v !== '').join(', ')

    return html`<h1>${patron.name}</h1>
<dl class="facts">
  <dt>${t.cardNumber}</dt><dd>${cardText({ cardNumber: patron.cardNumber, cpr })}</dd>
  <dt>${t.patronType}</dt><dd>${type}</dd>
  ${!institution && html`<dt>${t.birthDate}</dt><dd>${date(patron.birthDate)} (${t.age(age)})</dd>`}
  ${cpr !== null && html`<dt>${t.cpr}</dt><dd>${maskCpr(cpr)}</dd>`}
  ${patron.idDocumentType !== null && html`<dt>${t.idDocument}</dt><dd>${t.idTypes[patron.idDocumentType] ?? patron.idDocumentType}${patron.idDocumentNumber !== null && ` ${patron.idDocumentNumber}`}</dd>`}
  ${guardian && html`<dt>${t.guardian}</dt><dd>${guardian.name} (${cardText(guardian)})</dd>`}
  ${dependants.length > 0 && html`<dt>${t.dependants}</dt><dd>${dependants.map((d, i) => html`${i > 0 && ', '}${d.name} (${cardText(d)})`)}</dd>`}
  <dt>${t.contact}</dt><dd>${contact === '' ? t.none : contact}</dd>
</dl>
${patron.cardLostAt !== null && html`<p class="card bad">${t.cardLost} (${instantText(lang, patron.cardLostAt)}).</p>`}

<section aria-labelledby="spaerringer">
  <h2 id="spaerringer">${t.blocks}</h2>
  ${
    blocks.length === 0
      ? html`<p>${t.noBlocks}</p>`
      : html`<table class="stack"><thead><tr><th scope="col">${t.blocks}</th><th scope="col">${t.since}</th>${isDesk && html`<th scope="col">${t.lift}</th>`}</tr></thead>
  <tbody>${blocks.map((b) => {
    const what = t.blockReasons[b.reason] ?? b.reason
    return html`<tr><td data-label="${t.blocks}" class="bad">${what}</td><td data-label="${t.since}">${instantText(lang, b.fromAt)}</td>${
      isDesk &&
      html`<td><form method="post" action="${url}/spaerringer/${b.id}/ophaev" class="row-form">${csrf}
      <label for="lift-reason-${b.id}">${t.reason}</label>
      <input type="text" id="lift-reason-${b.id}" name="reason" required>
      <button type="submit" class="secondary" aria-label="${t.liftBlock(what)}">${t.lift}</button></form></td>`
    }</tr>`
  })}</tbody></table>`
  }
  ${feeWarning && html`<p>${t.feeWarning(date(feeWarning.warnedOn))}</p>`}
</section>

<section aria-labelledby="udelukkelse">
  <h2 id="udelukkelse">${t.exclusion}</h2>
  ${
    exclusion
      ? html`<div class="card"><p>${
          exclusion.status === 'pending'
            ? t.pendingExclusion(date(localDateOf(exclusion.warnedAt)), date(exclusion.effectiveOn))
            : t.inForceExclusion(date(exclusion.effectiveOn))
        }</p><p>${t.reason}: ${exclusion.reason}</p>
        <p><a href="${url}/varsel/${exclusion.id}">${t.printNotice}</a></p>
        ${
          isDesk &&
          exclusion.status === 'pending' &&
          html`<form method="post" action="${url}/udelukkelser/${exclusion.id}/tilbagekald" class="row-form">${csrf}
          <label for="withdraw-reason">${t.reason}</label>
          <input type="text" id="withdraw-reason" name="reason" required>
          <button type="submit" class="secondary">${t.withdrawExclusion}</button></form>`
        }</div>`
      : isDesk &&
        html`<form method="post" action="${url}/udeluk" novalidate>${csrf}
    <label for="exclude-reason">${t.reason} <span class="hint" id="exclude-hint">${t.excludeHint}</span></label>
    <textarea id="exclude-reason" name="reason" rows="3" required aria-describedby="exclude-hint"></textarea>
    <div class="actions"><button type="submit" class="secondary">${t.exclude}</button></div>
  </form>`
  }
</section>

<section aria-labelledby="laan">
  <h2 id="laan">${t.loans} (${loans.length})</h2>
  ${
    loans.length === 0
      ? html`<p>${t.noLoans}</p>`
      : html`<table class="stack"><thead><tr><th scope="col">${t.title}</th><th scope="col">${t.barcode}</th><th scope="col">${t.dueDate}</th><th scope="col">${t.status}</th></tr></thead>
  <tbody>${loans.map(
    (
      loan,
    ) => html`<tr><td data-label="${t.title}">${loan.title}</td><td data-label="${t.barcode}">${loan.item}</td>
    <td data-label="${t.dueDate}">${date(loan.dueDate)}</td>
    <td data-label="${t.status}">${
      loan.status === 'lost'
        ? html`<span class="bad">${t.lost}</span>`
        : loan.dueDate < context.today
          ? html`<span class="bad">${t.overdue}</span>`
          : t.onLoan
    }</td></tr>`,
  )}</tbody></table>`
  }
  ${
    isDesk &&
    html`<form method="post" action="${url}/udlaan" novalidate class="row-form">${csrf}
    <label for="checkout-barcode">${t.checkoutHere}: ${t.barcode}</label>
    <input type="text" id="checkout-barcode" name="barcode" inputmode="numeric" autocomplete="off" required>
    <button type="submit">${t.checkout}</button>
  </form>`
  }
</section>

<section aria-labelledby="reserveringer">
  <h2 id="reserveringer">${t.reservations} (${reservations.length})</h2>
  ${
    reservations.length === 0
      ? html`<p>${t.noReservations}</p>`
      : html`<ul>${reservations.map((r) => html`<li>${r.title}: ${r.status === 'held' ? t.readyForPickup : t.waiting}</li>`)}</ul>`
  }
</section>

<section aria-labelledby="gebyrer">
  <h2 id="gebyrer">${t.charges}</h2>
  ${
    charges.length === 0
      ? html`<p>${t.noCharges}</p>`
      : html`<table class="stack"><thead><tr><th scope="col">${t.why}</th><th scope="col" class="num">${t.amount}</th><th scope="col" class="num">${t.paid}</th><th scope="col" class="num">${t.toPay}</th>${isFinance && html`<th scope="col">${t.actions}</th>`}</tr></thead>
  <tbody>${charges.map(
    (
      c,
    ) => html`<tr><td data-label="${t.why}">${c.title && html`<strong>${c.title}</strong><br>`}${c.explanation} <span class="muted">(${date(c.chargeDate)})</span></td>
    <td data-label="${t.amount}" class="num">${formatKroner(c.amount)}</td>
    <td data-label="${t.paid}" class="num">${formatKroner(c.paid)}</td>
    <td data-label="${t.toPay}" class="num">${formatKroner(c.amount - c.paid)}</td>
    ${
      isFinance &&
      html`<td><form method="post" action="${url}/gebyrer/${c.id}/annuller" class="row-form">${csrf}
      <label for="annul-reason-${c.id}">${t.reason}</label>
      <input type="text" id="annul-reason-${c.id}" name="reason" required>
      <button type="submit" class="secondary">${t.annulCharge}</button></form>
      <form method="post" action="${url}/gebyrer/${c.id}/nedskriv" class="row-form">${csrf}
      <label for="wd-amount-${c.id}">${t.amountKr}</label>
      <input type="text" id="wd-amount-${c.id}" name="amount" inputmode="decimal" required>
      <label for="wd-reason-${c.id}">${t.reason}</label>
      <input type="text" id="wd-reason-${c.id}" name="reason" required>
      <button type="submit" class="secondary">${t.writeDownCharge}</button></form></td>`
    }</tr>`,
  )}</tbody>
  <tfoot><tr><th scope="row">${t.total}</th><td></td><td></td><td class="num"><strong>${formatKroner(owed)}</strong></td>${isFinance && html`<td></td>`}</tr></tfoot></table>`
  }
</section>`
  }

  // --- actions on the patron --------------------------------------------------------------------------

  app.post<{ Params: PatronParams; Body: { barcode?: string } }>(
    '/:municipality/skranke/laanere/:id/udlaan',
    { preHandler: app.csrfProtection },
    async (request, reply) => {
      const context = await requireStaff(request, reply, 'desk')
      if (!context) return reply
      const patron = await patronFor(context, request, reply)
      if (!patron) return reply
      const barcode = field(request.body, 'barcode', 100)
      await setFlash(db, context.session, await checkoutMessage(context, patron.cardNumber, barcode))
      return reply.redirect(back(context, patron), 303)
    },
  )

  /** A check-out at the desk and its message: the due date, or the refusal in the page's language. */
  async function checkoutMessage(context: StaffContext, card: string, barcode: string) {
    const { t } = context
    if (barcode === '') return { kind: 'error' as const, text: t.required(t.barcode) }
    try {
      const result = await runCheckout(db, circulation, {
        municipality: context.library.code,
        patron: card,
        item: barcode,
        at: context.now,
      })
      const name = await db
        .selectFrom('patrons')
        .select('name')
        .where('id', '=', result.patron.id)
        .executeTakeFirstOrThrow()
      return {
        kind: 'ok' as const,
        text: t.checkedOut(result.item.title, name.name, dateText(context.lang, result.loan.dueDate)),
      }
    } catch (error) {
      if (!(error instanceof RefusalError)) throw error
      return {
        kind: 'error' as const,
        text: t.checkoutRefused(context.lang === 'da' ? error.messageDa : error.messageEn),
      }
    }
  }

  type ActionRequest = FastifyRequest<{ Params: PatronParams & Record<string, string>; Body: unknown }>

  /**
   * A POST on one patron that needs a reason: the role, the patron (looked up recently by this staff
   * member), a reason, then the action's message on the patron's page.
   */
  function patronAction(
    path: string,
    role: StaffRole,
    act: (
      context: StaffContext,
      patron: PatronRow,
      reason: string,
      request: ActionRequest,
    ) => Promise<WebFlash>,
    reasonLength?: number,
  ) {
    app.post(path, { preHandler: app.csrfProtection }, async (request: ActionRequest, reply) => {
      const context = await requireStaff(request, reply, role)
      if (!context) return reply
      const patron = await patronFor(context, request, reply)
      if (!patron) return reply
      const reason = field(request.body, 'reason', reasonLength)
      const flash =
        reason === ''
          ? { kind: 'error' as const, text: context.t.required(context.t.reason) }
          : await act(context, patron, reason, request)
      await setFlash(db, context.session, flash)
      return reply.redirect(back(context, patron), 303)
    })
  }

  const deps = { policies: services.policies, handOver: services.receivables.handOver }

  /** "Gebyr for overskridelse for «Kongens Fald» (120 kr)": a charge named in a message. */
  async function describeCharge(context: StaffContext, charge: ChargeRow): Promise<string> {
    const { t } = context
    const item =
      charge.itemId === null
        ? undefined
        : await db.selectFrom('items').select('title').where('id', '=', charge.itemId).executeTakeFirst()
    return `${t.chargeKinds[charge.kind] ?? charge.kind}${item ? ` ${t.forItem} «${item.title}»` : ''} (${formatKroner(charge.amount)})`
  }

  patronAction(
    '/:municipality/skranke/laanere/:id/gebyrer/:charge/annuller',
    'finance',
    async (context, patron, reason, request) => {
      try {
        const charge = await db.transaction().execute((trx) =>
          annulCharge(deps, trx, {
            municipality: context.library.code,
            patronId: patron.id,
            chargeId: idParam(request.params.charge) ?? 0,
            staffId: context.staff.id,
            reason,
            at: context.now,
          }),
        )
        return { kind: 'ok', text: context.t.annulled(await describeCharge(context, charge)) }
      } catch (error) {
        if (!(error instanceof CorrectionError)) throw error
        return { kind: 'error', text: context.t.chargeNotOpen }
      }
    },
  )

  patronAction(
    '/:municipality/skranke/laanere/:id/gebyrer/:charge/nedskriv',
    'finance',
    async (context, patron, reason, request) => {
      const { t } = context
      const amountText = field(request.body, 'amount', 30)
      const amount = parseKroner(amountText)
      const chargeId = idParam(request.params.charge) ?? 0
      if (amountText === '') return { kind: 'error', text: t.required(t.amountKr) }
      if (amount === null) return { kind: 'error', text: t.invalidAmount }
      try {
        const charge = await db.transaction().execute(async (trx) => {
          await writeDownCharge(deps, trx, {
            municipality: context.library.code,
            patronId: patron.id,
            chargeId,
            staffId: context.staff.id,
            reason,
            amount,
            at: context.now,
          })
          return trx.selectFrom('charges').selectAll().where('id', '=', chargeId).executeTakeFirstOrThrow()
        })
        return {
          kind: 'ok',
          text: t.writtenDown(await describeCharge(context, charge), formatKroner(amount)),
        }
      } catch (error) {
        if (!(error instanceof CorrectionError)) throw error
        return {
          kind: 'error',
          text:
            error.code === 'bad-amount' && error.maxAmount !== undefined
              ? t.badAmount(formatKroner(error.maxAmount))
              : t.chargeNotOpen,
        }
      }
    },
  )

  patronAction(
    '/:municipality/skranke/laanere/:id/udeluk',
    'desk',
    async (context, patron, reason) => {
      const exclusion = await db.transaction().execute((trx) =>
        excludePatron(trx, {
          municipality: context.library.code,
          patronId: patron.id,
          staffId: context.staff.id,
          reason,
          at: context.now,
        }),
      )
      return exclusion
        ? { kind: 'ok', text: context.t.excluded(dateText(context.lang, exclusion.effectiveOn)) }
        : { kind: 'error', text: context.t.alreadyExcluded }
    },
    1000,
  )

  patronAction(
    '/:municipality/skranke/laanere/:id/udelukkelser/:exclusion/tilbagekald',
    'desk',
    async (context, patron, reason, request) => {
      const done = await db.transaction().execute((trx) =>
        withdrawExclusion(trx, {
          exclusionId: idParam(request.params.exclusion) ?? 0,
          patronId: patron.id,
          staffId: context.staff.id,
          reason,
          at: context.now,
        }),
      )
      return done
        ? { kind: 'ok', text: context.t.exclusionWithdrawn }
        : { kind: 'error', text: context.t.exclusionNotPending }
    },
  )

  patronAction(
    '/:municipality/skranke/laanere/:id/spaerringer/:block/ophaev',
    'desk',
    async (context, patron, reason, request) => {
      const done = await db.transaction().execute((trx) =>
        liftBlock(trx, {
          municipality: context.library.code,
          blockId: idParam(request.params.block) ?? 0,
          patronId: patron.id,
          staffId: context.staff.id,
          reason,
          at: context.now,
        }),
      )
      return done
        ? { kind: 'ok', text: context.t.blockLifted }
        : { kind: 'error', text: context.t.blockNotOpen }
    },
  )

  /** The written notice of an exclusion, to print and hand over or post (002: 7 days' written notice). */
  app.get<{ Params: PatronParams & { exclusion: string } }>(
    '/:municipality/skranke/laanere/:id/varsel/:exclusion',
    async (request, reply) => {
      const context = await requireStaff(request, reply, 'desk')
      if (!context) return reply
      const patron = await patronFor(context, request, reply)
      if (!patron) return reply
      const { t, lang } = context
      const exclusion = await db
        .selectFrom('staffExclusions')
        .selectAll()
        .where('id', '=', idParam(request.params.exclusion) ?? 0)
        .where('patronId', '=', patron.id)
        .executeTakeFirst()
      if (!exclusion) return h.notFound(request, reply, context.library)
      const address = [patron.street, [patron.postalCode, patron.city].filter(Boolean).join(' ')].filter(
        (line) => line !== null && line !== '',
      )
      return render(
        request,
        reply,
        context,
        t.noticeHeading,
        html`<article class="notice-letter">
<p>${patron.name}${address.map((line) => html`<br>${line}`)}</p>
<p>${dateText(lang, localDateOf(exclusion.warnedAt))}</p>
<h1>${t.noticeHeading}</h1>
<p>${t.noticeText(patron.name, dateText(lang, exclusion.effectiveOn), context.library.name)}</p>
<p><strong>${t.noticeReason}:</strong> ${exclusion.reason}</p>
<p>${t.noticeRule}</p>
</article>`,
      )
    },
  )

  await app.register(deskRegistrationRoutes, { services, helpers: h })
  await app.register(deskCirculationRoutes, { services, helpers: h, checkoutMessage })
  await app.register(deskFinanceRoutes, { services, helpers: h })
  await app.register(deskCashRoutes, { services, helpers: h })
  await app.register(deskInfoRoutes, { services, helpers: h })
}

export type CheckoutMessage = (
  context: StaffContext,
  card: string,
  barcode: string,
) => Promise<{ kind: 'ok' | 'error'; text: string }>
