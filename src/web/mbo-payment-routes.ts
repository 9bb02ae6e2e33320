// Paying in Mit Betalingsoverblik: one claim, or every payable claim at once, by card or MobilePay through
// the payment provider (the built-in test provider: captured at once, or declined on request). As the
// receivables API does it: the provider charges, then the payment is recorded on the claim by its payment
// ID with the provider's reference; the library sees it at once and a fee block lifts in the same
// transaction. The page's amount is sent back and checked, so the citizen pays what was shown.

import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { sql } from 'kysely'
import type { Db } from '../db/database.ts'
import { createTestPaymentProvider, type OnlineMethod } from '../receivables/payment-provider.ts'
import type { Services } from '../services.ts'
import { formatKroner } from '../shared/money.ts'
import { type Html, html } from './html.ts'
import {
  field,
  formErrors,
  type MboClaimParams,
  type MboContext,
  type MboPages,
  type MboParams,
} from './mbo-context.ts'
import { type MboClaim, nextInstalment, openClaimsOf, ownClaim, payBlocker } from './mbo-queries.ts'
import { claimFacts } from './mbo-views.ts'
import { setFlash, takeFlash } from './web-sessions.ts'

const METHOD_CHANNEL = { card: 'mbo-card', mobilepay: 'mobilepay' } as const
/** The first key of the debtor's online-payment advisory lock (the second is the debtor's id). */
const PAYMENT_LOCK_SPACE = 4_710_001
const TEST_OUTCOMES = ['approved', 'declined', 'insufficient-funds'] as const

/** The online methods the municipality takes (its policy's payment channels). */
function methodsOf(context: MboContext): OnlineMethod[] {
  const channels = context.policy.paymentChannels.value as readonly string[]
  return (['card', 'mobilepay'] as const).filter((method) => channels.includes(METHOD_CHANNEL[method]))
}

export const mboPaymentRoutes: FastifyPluginAsync<{ services: Services; pages: MboPages }> = async (
  app,
  { services, pages },
) => {
  const { db, receivables } = services
  const provider = createTestPaymentProvider()

  /** The method, amount choice and the test provider's outcome; the form posts to `action`. */
  function payForm(
    context: MboContext,
    action: string,
    hidden: Record<string, string>,
    choices: Html | false,
    button: string,
  ) {
    const { m } = context
    const methods = methodsOf(context)
    return html`<form method="post" action="${action}" novalidate>
  <input type="hidden" name="_csrf" value="${context.csrf}">
  ${Object.entries(hidden).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
  ${choices}
  <fieldset>
    <legend>${m.method}</legend>
    ${methods.map(
      (method, index) =>
        html`<label class="check"><input type="radio" name="method" value="${method}"${index === 0 ? html` checked` : ''}> ${m.methods[method]}</label>`,
    )}
  </fieldset>
  <fieldset class="card">
    <legend>${m.testProvider}</legend>
    <p class="hint" id="test-hint">${m.testProviderHint}</p>
    <label for="token">${m.outcome}</label>
    <select id="token" name="token" aria-describedby="test-hint">
      ${TEST_OUTCOMES.map((o) => html`<option value="${o}">${m.outcomes[o]}</option>`)}
    </select>
  </fieldset>
  <div class="actions"><button type="submit">${button}</button><a href="${context.base}">${m.back}</a></div>
</form>`
  }

  function amountChoices(context: MboContext, claim: MboClaim): Html | false {
    const { m } = context
    const next = nextInstalment(claim)
    return (
      next !== undefined &&
      html`<fieldset>
    <legend>${m.howMuch}</legend>
    <label class="check"><input type="radio" name="part" value="next" checked> ${m.payNextInstalment(
      next.amount - next.paid,
      m.date(next.deadline),
    )}</label>
    <label class="check"><input type="radio" name="part" value="all"> ${m.payEverything(claim.view.open)}</label>
  </fieldset>`
    )
  }

  function payClaimPage(
    request: FastifyRequest,
    reply: FastifyReply,
    context: MboContext,
    claim: MboClaim,
    status: number,
    errors: string[],
    flash: Awaited<ReturnType<typeof takeFlash>> = null,
  ) {
    const { m } = context
    const blocker = payBlocker(claim)
    const action = `${context.base}/krav/${claim.view.id}/betal`
    const body = html`<h1>${m.payHeading}</h1>
${formErrors(context, errors)}
${claimFacts(context, claim)}
${
  blocker === null
    ? html`<h2>${m.toPay}</h2>${payForm(
        context,
        action,
        { expected: String(claim.view.open) },
        amountChoices(context, claim),
        nextInstalment(claim) ? m.pay : m.payButton(claim.view.open),
      )}`
    : html`<p class="card">${m.blocker[blocker]}</p><p><a href="${context.base}">${m.back}</a></p>`
}`
    return pages.send(request, reply, context, status, m.payHeading, body, flash)
  }

  /**
   * One citizen's online payment at a time: the claims are read again, checked against what the page showed,
   * charged and recorded while the debtor's payment lock is held, so a second click (or a second tab) sent
   * at the same moment waits and then finds the amount changed instead of charging twice.
   */
  function underPaymentLock<T>(debtorId: number, fn: (trx: Db) => Promise<T>): Promise<T> {
    return db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${PAYMENT_LOCK_SPACE}, ${debtorId})`.execute(trx)
      return fn(trx)
    })
  }

  /** What a payment attempt came to; the flash and the redirect follow outside the lock. */
  type Attempt =
    | { kind: 'changed' }
    | { kind: 'declined'; reason: string }
    | { kind: 'paid'; amount: number; credit: number }

  async function tell(context: MboContext, reply: FastifyReply, attempt: Attempt, back: string) {
    const { m } = context
    if (attempt.kind === 'changed') {
      await setFlash(db, context.session, { kind: 'error', text: m.amountChanged })
      return reply.redirect(back, 303)
    }
    if (attempt.kind === 'declined') {
      await setFlash(db, context.session, { kind: 'error', text: m.paymentDeclined(attempt.reason) })
      return reply.redirect(back, 303)
    }
    await setFlash(db, context.session, {
      kind: 'ok',
      text:
        attempt.credit > 0
          ? m.paymentReceivedMore(attempt.amount, attempt.credit)
          : m.paymentReceived(attempt.amount),
    })
    return reply.redirect(context.base, 303)
  }

  const tokenOf = (body: unknown) => {
    const token = field(body, 'token')
    return (TEST_OUTCOMES as readonly string[]).includes(token) ? token : 'approved'
  }

  // --- one claim ---------------------------------------------------------------------------------------

  app.get<{ Params: MboClaimParams }>('/:municipality/betaling/krav/:claim/betal', async (request, reply) => {
    const context = await pages.citizen(request, reply)
    if (!context) return reply
    const claim = await ownClaim(db, context.policy, context.debtor, request.params.claim, context.today)
    if (!claim) return pages.notFound(request, reply, context)
    return payClaimPage(request, reply, context, claim, 200, [], await takeFlash(db, context.session))
  })

  app.post<{ Params: MboClaimParams }>(
    '/:municipality/betaling/krav/:claim/betal',
    { preHandler: app.csrfProtection },
    async (request, reply) => {
      const context = await pages.citizen(request, reply)
      if (!context) return reply
      const { m } = context
      const claim = await ownClaim(db, context.policy, context.debtor, request.params.claim, context.today)
      if (!claim || !context.debtor) return pages.notFound(request, reply, context)
      const back = `${context.base}/krav/${claim.view.id}/betal`
      const blocker = payBlocker(claim)
      if (blocker) return payClaimPage(request, reply, context, claim, 409, [m.blocker[blocker]])
      if (field(request.body, 'expected') !== String(claim.view.open)) {
        await setFlash(db, context.session, { kind: 'error', text: m.amountChanged })
        return reply.redirect(back, 303)
      }
      const method = field(request.body, 'method') as OnlineMethod
      const part = field(request.body, 'part')
      const next = nextInstalment(claim)
      const errors = [
        !methodsOf(context).includes(method) && m.chooseMethod,
        next !== undefined && !['next', 'all'].includes(part) && m.chooseAmount,
      ].filter((e): e is string => e !== false)
      if (errors.length > 0) return payClaimPage(request, reply, context, claim, 400, errors)
      const debtor = context.debtor
      const attempt = await underPaymentLock(debtor.id, async (trx): Promise<Attempt> => {
        const now = await ownClaim(trx, context.policy, debtor, request.params.claim, context.today)
        if (!now || now.view.open !== claim.view.open || payBlocker(now)) return { kind: 'changed' }
        const amount = next !== undefined && part === 'next' ? next.amount - next.paid : now.view.open
        const charged = await provider.charge({
          amount,
          method,
          token: tokenOf(request.body),
          reference: now.view.paymentId,
          description: now.view.title,
        })
        if (charged.status !== 'captured') return { kind: 'declined', reason: charged.reason }
        const outcome = await receivables.payClaim(trx, {
          municipality: context.library.code,
          reference: now.view.paymentId,
          amount,
          channel: METHOD_CHANNEL[method],
          externalRef: charged.providerRef,
          payerName: debtor.name,
        })
        return { kind: 'paid', amount, credit: outcome.credit }
      })
      return tell(context, reply, attempt, back)
    },
  )

  // --- every payable claim -----------------------------------------------------------------------------

  async function payableOf(context: MboContext, trx: Db = db): Promise<MboClaim[]> {
    if (!context.debtor) return []
    const open = await openClaimsOf(trx, context.policy, context.debtor, context.today)
    return open.filter((c) => payBlocker(c) === null)
  }

  function payAllPage(
    request: FastifyRequest,
    reply: FastifyReply,
    context: MboContext,
    claims: MboClaim[],
    status: number,
    errors: string[],
    flash: Awaited<ReturnType<typeof takeFlash>> = null,
  ) {
    const { m } = context
    const total = claims.reduce((sum, c) => sum + c.view.open, 0)
    const body = html`<h1>${m.payAllHeading}</h1>
${formErrors(context, errors)}
${
  claims.length === 0
    ? html`<p>${m.nothingToPay}</p><p><a href="${context.base}">${m.back}</a></p>`
    : html`<p>${m.payAllIntro(claims.length)}</p>
<table class="stack">
  <thead><tr><th scope="col">${m.claim}</th><th scope="col">${m.paymentId}</th><th scope="col" class="num">${m.left}</th></tr></thead>
  <tbody>${claims.map(
    (c) => html`<tr>
    <td data-label="${m.claim}">${c.view.title} <span class="muted">(${c.view.issuer.name})</span></td>
    <td data-label="${m.paymentId}"><code>${c.view.paymentId}</code></td>
    <td data-label="${m.left}" class="num">${formatKroner(c.view.open)}</td>
  </tr>`,
  )}</tbody>
  <tfoot><tr><th scope="row" colspan="2">${m.toPay}</th><td class="num"><strong>${formatKroner(total)}</strong></td></tr></tfoot>
</table>
${payForm(
  context,
  `${context.base}/betal-alt`,
  { expected: String(total), claims: claims.map((c) => c.view.id).join(',') },
  false,
  m.payButton(total),
)}`
}`
    return pages.send(request, reply, context, status, m.payAllHeading, body, flash)
  }

  app.get<{ Params: MboParams }>('/:municipality/betaling/betal-alt', async (request, reply) => {
    const context = await pages.citizen(request, reply)
    if (!context) return reply
    const claims = await payableOf(context)
    return payAllPage(request, reply, context, claims, 200, [], await takeFlash(db, context.session))
  })

  app.post<{ Params: MboParams }>(
    '/:municipality/betaling/betal-alt',
    { preHandler: app.csrfProtection },
    async (request, reply) => {
      const context = await pages.citizen(request, reply)
      if (!context) return reply
      const { m } = context
      const back = `${context.base}/betal-alt`
      const claims = await payableOf(context)
      const total = claims.reduce((sum, c) => sum + c.view.open, 0)
      if (claims.length === 0) return payAllPage(request, reply, context, claims, 409, [m.nothingToPay])
      if (
        field(request.body, 'expected') !== String(total) ||
        field(request.body, 'claims') !== claims.map((c) => c.view.id).join(',')
      ) {
        await setFlash(db, context.session, { kind: 'error', text: m.amountChanged })
        return reply.redirect(back, 303)
      }
      const method = field(request.body, 'method') as OnlineMethod
      if (!methodsOf(context).includes(method)) {
        return payAllPage(request, reply, context, claims, 400, [m.chooseMethod])
      }
      const debtor = context.debtor
      if (!debtor) return payAllPage(request, reply, context, claims, 409, [m.nothingToPay])
      const attempt = await underPaymentLock(debtor.id, async (trx): Promise<Attempt> => {
        const now = await payableOf(context, trx)
        const same =
          now.map((c) => `${c.view.id}:${c.view.open}`).join(',') ===
          claims.map((c) => `${c.view.id}:${c.view.open}`).join(',')
        if (!same) return { kind: 'changed' }
        const charged = await provider.charge({
          amount: total,
          method,
          token: tokenOf(request.body),
          reference: now.map((c) => c.view.paymentId).join(' '),
          description: now.map((c) => c.view.title).join(', '),
        })
        if (charged.status !== 'captured') return { kind: 'declined', reason: charged.reason }
        // One charge, recorded on each claim by its own payment ID (the provider's reference per claim).
        let credit = 0
        for (const claim of now) {
          const outcome = await receivables.payClaim(trx, {
            municipality: context.library.code,
            reference: claim.view.paymentId,
            amount: claim.view.open,
            channel: METHOD_CHANNEL[method],
            externalRef: `${charged.providerRef}:${claim.view.id}`,
            payerName: debtor.name,
          })
          credit += outcome.credit
        }
        return { kind: 'paid', amount: total, credit }
      })
      return tell(context, reply, attempt, back)
    },
  )
}
