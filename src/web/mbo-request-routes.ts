// What a citizen can ask for on a claim in Mit Betalingsoverblik (004: "ansøge om en afdragsordning på de
// fleste krav"; a later deadline, to be asked for "inden betalingsdatoen overskrides"; a complaint, which
// does not suspend the deadline, 000). Each is a form the receivables' own claim actions answer; what they
// would refuse is said before the form is shown, in the citizen's words.

import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.ts'
import { instalmentAmounts } from '../receivables/claim-actions.ts'
import { ReceivablesRefusal } from '../receivables/receivables-refusal.ts'
import type { Services } from '../services.ts'
import { ValidationError } from '../shared/errors.ts'
import { addDays, type LocalDate } from '../shared/time.ts'
import { type Html, html } from './html.ts'
import { field, formErrors, type MboClaimParams, type MboContext, type MboPages } from './mbo-context.ts'
import { appealBlocker, deadlineBlocker, instalmentBlocker, type MboClaim, ownClaim } from './mbo-queries.ts'
import type { MboBlocker } from './mbo-texts.ts'
import { claimFacts, contactsList } from './mbo-views.ts'
import { setFlash, takeFlash } from './web-sessions.ts'

/** The longest complaint taken in the form. */
export const APPEAL_MAX_LENGTH = 2000

type Trx = Kysely<Database>

/** One request form on one claim: shown at GET, checked and sent to the receivables at POST. */
interface ClaimRequestForm {
  /** The path under /krav/:claim/. */
  path: string
  title: (context: MboContext) => string
  blocker: (context: MboContext, claim: MboClaim) => MboBlocker | null
  /** What to know before asking, above the form. */
  intro: (context: MboContext, claim: MboClaim) => Html
  /** The form's fields, showing what was posted again after an error. */
  fields: (context: MboContext, claim: MboClaim, posted: Record<string, string>) => Html
  submit: (context: MboContext) => string
  /** The posted fields, or what is wrong with them. */
  read: (context: MboContext, claim: MboClaim, body: unknown) => Record<string, string> | string[]
  /** Asks the receivables; returns the answer shown after the redirect. */
  perform: (trx: Trx, context: MboContext, claim: MboClaim, posted: Record<string, string>) => Promise<string>
}

export const mboRequestRoutes: FastifyPluginAsync<{ services: Services; pages: MboPages }> = async (
  app,
  { services, pages },
) => {
  const { db, claimActions } = services

  /** The first deadline of a new plan, as the receivables set it: the claim's, or 14 days from today. */
  const firstDeadlineOf = (claim: MboClaim, today: LocalDate) =>
    claim.row.deadline && claim.row.deadline > today ? claim.row.deadline : addDays(today, 14)

  const financeHelp = (context: MboContext, claim: MboClaim) => {
    const payment = claim.view.contacts.find((c) => c.about === 'payment')
    return payment ? html`<p>${context.m.askFinance(payment.who, payment.phone)}</p>` : ''
  }

  /** The later deadlines offered: a week, two, three, and the policy's longest. */
  const extensionDays = (context: MboContext) => {
    const max = context.policy.deadlineExtension.maxDays.value
    return [...new Set([7, 14, 21, max])].filter((d) => d <= max).sort((a, b) => a - b)
  }

  const instalmentForm: ClaimRequestForm = {
    path: 'afdrag',
    title: (c) => c.m.instalmentsHeading,
    blocker: (c, claim) => instalmentBlocker(claim, c.policy),
    intro: ({ m, policy, today }, claim) =>
      html`<p>${m.instalmentsIntro(policy.instalments.maxMonths.value, policy.instalments.minimumAmount.value)}</p>
<p>${m.instalmentsTerms}</p>
<p>${m.firstInstalment(m.date(firstDeadlineOf(claim, today)))}</p>`,
    fields: ({ m, policy }, claim, posted) => {
      const choices = Array.from({ length: policy.instalments.maxMonths.value - 1 }, (_, i) => i + 2)
      const selected = posted.months ?? '2'
      return html`<label for="months">${m.months}</label>
  <select id="months" name="months">${choices.map((n) => {
    const [first = 0, rest = 0] = instalmentAmounts(claim.view.open, n)
    return html`<option value="${n}"${String(n) === selected ? html` selected` : ''}>${m.monthsOption(n, first, rest)}</option>`
  })}</select>`
    },
    submit: (c) => c.m.apply,
    read: ({ m, policy }, _claim, body) => {
      const months = field(body, 'months')
      const max = policy.instalments.maxMonths.value
      const n = Number(months)
      return /^\d+$/.test(months) && n >= 2 && n <= max ? { months } : [m.monthsInvalid(max)]
    },
    perform: async (trx, { m, library }, claim, posted) => {
      const months = Number(posted.months)
      const instalments = await claimActions.applyForInstalments(trx, {
        municipality: library.code,
        claim: claim.view.paymentId,
        months,
      })
      const first = instalments[0]
      return first ? m.instalmentsCreated(months, first.amount, m.date(first.deadline)) : ''
    },
  }

  const deadlineForm: ClaimRequestForm = {
    path: 'frist',
    title: (c) => c.m.deadlineHeading,
    blocker: (c, claim) => deadlineBlocker(claim, c.today),
    intro: ({ m, policy }, claim) =>
      html`<p>${m.deadlineIntro(m.date(claim.row.deadline ?? ''), policy.deadlineExtension.maxDays.value)}</p>`,
    fields: (context, claim, posted) => {
      const { m } = context
      const deadline = claim.row.deadline ?? ''
      const selected = posted.days ?? String(extensionDays(context)[0])
      return html`<label for="days">${m.newDeadline}</label>
  <select id="days" name="days">${extensionDays(context).map(
    (d) =>
      html`<option value="${d}"${String(d) === selected ? html` selected` : ''}>${m.deadlineOption(
        m.date(addDays(deadline, d)),
        d,
      )}</option>`,
  )}</select>`
    },
    submit: (c) => c.m.askButton,
    read: (context, _claim, body) => {
      const days = field(body, 'days')
      return extensionDays(context).map(String).includes(days) ? { days } : [context.m.daysInvalid]
    },
    perform: async (trx, { m, library }, claim, posted) => {
      const extended = await claimActions.extendDeadline(trx, {
        municipality: library.code,
        claim: claim.view.paymentId,
        days: Number(posted.days),
      })
      return m.deadlineExtended(m.date(extended.deadline ?? ''))
    },
  }

  const appealForm: ClaimRequestForm = {
    path: 'klage',
    title: (c) => c.m.appealHeading,
    blocker: (_c, claim) => appealBlocker(claim),
    intro: ({ m }, claim) => {
      const payment = claim.view.contacts.find((c) => c.about === 'payment')
      return html`<p>${m.appealTo(claim.view.issuer.name)}</p>
<p class="card">${m.appealDeadlineStands(
        claim.row.deadline && ['open', 'held'].includes(claim.row.status) ? m.date(claim.row.deadline) : null,
        payment?.who ?? '',
        payment?.phone ?? null,
      )}</p>
<h2>${m.contactsSummary}</h2>
${contactsList(m, claim)}`
    },
    fields: ({ m }, _claim, posted) =>
      html`<label for="text">${m.appealText} <span class="hint" id="text-hint">${m.appealHint(APPEAL_MAX_LENGTH)}</span></label>
  <textarea id="text" name="text" rows="6" maxlength="${APPEAL_MAX_LENGTH}" required aria-describedby="text-hint">${posted.text ?? ''}</textarea>`,
    submit: (c) => c.m.sendAppeal,
    read: ({ m }, _claim, body) => {
      const text = field(body, 'text')
      if (text === '') return [m.appealMissing]
      if (text.length > APPEAL_MAX_LENGTH) return [m.appealTooLong(APPEAL_MAX_LENGTH)]
      return { text }
    },
    perform: async (trx, { m, library }, claim, posted) => {
      await claimActions.fileAppeal(trx, {
        municipality: library.code,
        claim: claim.view.paymentId,
        text: posted.text ?? '',
      })
      return m.appealFiled(claim.view.issuer.name)
    },
  }

  for (const form of [instalmentForm, deadlineForm, appealForm]) {
    const url = `/:municipality/betaling/krav/:claim/${form.path}`

    const show = (
      request: FastifyRequest,
      reply: FastifyReply,
      context: MboContext,
      claim: MboClaim,
      status: number,
      errors: string[],
      posted: Record<string, string>,
      flash: Awaited<ReturnType<typeof takeFlash>> = null,
    ) => {
      const { m } = context
      const blocker = form.blocker(context, claim)
      const title = form.title(context)
      const body = html`<h1>${title}</h1>
${formErrors(context, errors)}
${claimFacts(context, claim)}
${
  blocker === null
    ? html`<h2>${m.yourRequest}</h2>
${form.intro(context, claim)}
<form method="post" action="${context.base}/krav/${claim.view.id}/${form.path}" novalidate>
  <input type="hidden" name="_csrf" value="${context.csrf}">
  ${form.fields(context, claim, posted)}
  <div class="actions"><button type="submit">${form.submit(context)}</button><a href="${context.base}">${m.back}</a></div>
</form>`
    : html`<p class="card">${m.blocker[blocker]}</p>
${financeHelp(context, claim)}
<p><a href="${context.base}">${m.back}</a></p>`
}`
      return pages.send(request, reply, context, status, title, body, flash)
    }

    app.get<{ Params: MboClaimParams }>(url, async (request, reply) => {
      const context = await pages.citizen(request, reply)
      if (!context) return reply
      const claim = await ownClaim(db, context.policy, context.debtor, request.params.claim, context.today)
      if (!claim) return pages.notFound(request, reply, context)
      return show(request, reply, context, claim, 200, [], {}, await takeFlash(db, context.session))
    })

    app.post<{ Params: MboClaimParams }>(url, { preHandler: app.csrfProtection }, async (request, reply) => {
      const context = await pages.citizen(request, reply)
      if (!context) return reply
      const claim = await ownClaim(db, context.policy, context.debtor, request.params.claim, context.today)
      if (!claim) return pages.notFound(request, reply, context)
      const blocker = form.blocker(context, claim)
      if (blocker) return show(request, reply, context, claim, 409, [context.m.blocker[blocker]], {})
      const posted = form.read(context, claim, request.body)
      if (Array.isArray(posted)) {
        const values = Object.fromEntries(['months', 'days', 'text'].map((n) => [n, field(request.body, n)]))
        return show(request, reply, context, claim, 400, posted, values)
      }
      let answer: string
      try {
        answer = await db.transaction().execute((trx) => form.perform(trx, context, claim, posted))
      } catch (error) {
        // Checked above already; a change meanwhile (another tab, the nightly run) is answered the same way.
        if (!(error instanceof ReceivablesRefusal || error instanceof ValidationError)) throw error
        const text =
          error instanceof ReceivablesRefusal
            ? context.lang === 'da'
              ? error.messageDa
              : error.messageEn
            : error.message
        return show(request, reply, context, claim, 409, [text], posted)
      }
      await setFlash(db, context.session, { kind: 'ok', text: answer })
      return reply.redirect(context.base, 303)
    })
  }
}
