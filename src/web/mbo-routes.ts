// Mit Betalingsoverblik (MBO) for the logged-in citizen, under /:municipality/betaling: every open claim
// from every issuer with what it is, what is left, the deadline, the payment ID and FIK line, its status
// and whom to ask about what; paying one or all by card or MobilePay (mbo-payment-routes.ts); an
// instalment plan, a later deadline and an appeal (mbo-request-routes.ts); and the refunds to NemKonto.
// Plain forms with CSRF tokens, answered by a redirect and a message (post/redirect/get).

import type { FastifyPluginAsync } from 'fastify'
import type { Services } from '../services.ts'
import { formatKroner } from '../shared/money.ts'
import { html } from './html.ts'
import { type MboContext, type MboParams, mboPages } from './mbo-context.ts'
import { mboPaymentRoutes } from './mbo-payment-routes.ts'
import {
  billedToGuardian,
  closedClaimsOf,
  deadlineBlocker,
  instalmentBlocker,
  type MboClaim,
  openClaimsOf,
  payBlocker,
  payoutsOf,
} from './mbo-queries.ts'
import { mboRequestRoutes } from './mbo-request-routes.ts'
import {
  contactsList,
  deadlineText,
  instalmentsList,
  linesList,
  statusList,
  statusText,
} from './mbo-views.ts'
import { takeFlash } from './web-sessions.ts'

export const mboRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const { db } = services
  const pages = mboPages(services)

  app.get<{ Params: MboParams }>('/:municipality/betaling', async (request, reply) => {
    const context = await pages.citizen(request, reply)
    if (!context) return reply
    const { m, debtor, today, policy, base } = context
    const [open, closed, flash] = await Promise.all([
      debtor ? openClaimsOf(db, policy, debtor, today) : [],
      debtor ? closedClaimsOf(db, policy, debtor, today) : [],
      takeFlash(db, context.session),
    ])
    const owed = open.reduce((sum, c) => sum + c.view.open, 0)
    const payable = open.filter((c) => payBlocker(c) === null)
    const body = html`<h1>${m.heading}</h1>
<p>${m.intro(context.authority)}</p>
${billedToGuardian(context.patron, today) && html`<p class="card">${m.childNote}</p>`}
${debtor && debtor.credit > 0 && html`<p class="card">${m.credit(debtor.credit)}</p>`}
<section aria-labelledby="mbo-open">
  <h2 id="mbo-open">${m.openClaims} (${open.length})</h2>
  ${
    open.length === 0
      ? html`<p>${m.noClaims}</p>`
      : html`${
          payable.length > 0 &&
          html`<p class="actions"><a class="button" href="${base}/betal-alt">${m.payAll(
            payable.reduce((sum, c) => sum + c.view.open, 0),
          )}</a></p>`
        }
  <table class="stack mbo-claims">
  <thead><tr><th scope="col">${m.claim}</th><th scope="col" class="num">${m.amount}</th><th scope="col" class="num">${m.left}</th><th scope="col">${m.deadline}</th><th scope="col">${m.paymentId}</th><th scope="col">${m.status}</th><th scope="col">${m.actions}</th></tr></thead>
  <tbody>${open.map((claim) => claimRow(context, claim))}</tbody>
  <tfoot><tr><th scope="row" colspan="2">${m.total}</th><td class="num"><strong>${formatKroner(owed)}</strong></td><td colspan="4"></td></tr></tfoot>
  </table>`
  }
</section>
${
  closed.length > 0 &&
  html`<section aria-labelledby="mbo-closed">
  <h2 id="mbo-closed">${m.closedClaims}</h2>
  <table class="stack">
  <thead><tr><th scope="col">${m.claim}</th><th scope="col">${m.paymentId}</th><th scope="col" class="num">${m.amount}</th><th scope="col">${m.status}</th></tr></thead>
  <tbody>${closed.map(
    (c) => html`<tr>
    <td data-label="${m.claim}">${c.view.title} <span class="muted">(${c.view.issuer.name}, ${m.date(c.view.date)})</span></td>
    <td data-label="${m.paymentId}"><code>${c.view.paymentId}</code></td>
    <td data-label="${m.amount}" class="num">${formatKroner(c.view.amount)}</td>
    <td data-label="${m.status}">${c.statuses.map((s) => statusText(m, s)).join(', ')}</td>
  </tr>`,
  )}</tbody>
  </table>
</section>`
}`
    return pages.send(request, reply, context, 200, m.heading, body, flash)
  })

  app.get<{ Params: MboParams }>('/:municipality/betaling/tilbagebetalinger', async (request, reply) => {
    const context = await pages.citizen(request, reply)
    if (!context) return reply
    const { m, debtor } = context
    const [{ payouts, offsets }, flash] = await Promise.all([
      debtor ? payoutsOf(db, debtor.id) : { payouts: [], offsets: [] },
      takeFlash(db, context.session),
    ])
    const body = html`<h1>${m.refundsHeading}</h1>
<p>${m.refundsIntro(context.policy.payouts.bankDays.value)}</p>
${debtor && debtor.credit > 0 && html`<p class="card">${m.creditNow(debtor.credit)}</p>`}
${
  payouts.length === 0
    ? html`<p>${m.noRefunds}</p>`
    : html`<table class="stack">
  <thead><tr><th scope="col">${m.created}</th><th scope="col">${m.why}</th><th scope="col" class="num">${m.amount}</th><th scope="col">${m.status}</th></tr></thead>
  <tbody>${payouts.map(
    (p) => html`<tr>
    <td data-label="${m.created}">${m.date(p.createdOn)}</td>
    <td data-label="${m.why}">${p.reason}</td>
    <td data-label="${m.amount}" class="num">${formatKroner(p.amount)}</td>
    <td data-label="${m.status}">${
      p.status === 'pending'
        ? m.payoutStatus.pending(m.date(p.dueOn))
        : p.status === 'paid-out'
          ? m.payoutStatus['paid-out'](m.date(p.paidOutOn ?? p.dueOn))
          : m.payoutStatus.spent()
    }</td>
  </tr>`,
  )}</tbody>
  </table>`
}
${
  offsets.length > 0 &&
  html`<section aria-labelledby="mbo-offsets">
  <h2 id="mbo-offsets">${m.offsets}</h2>
  <p>${m.offsetsIntro}</p>
  <table class="stack">
  <thead><tr><th scope="col">${m.created}</th><th scope="col">${m.offsetSource}</th><th scope="col" class="num">${m.offsetReported}</th><th scope="col" class="num">${m.offsetAmount}</th><th scope="col" class="num">${m.offsetToYou}</th></tr></thead>
  <tbody>${offsets.map(
    (o) => html`<tr>
    <td data-label="${m.created}">${m.date(o.businessDate)}</td>
    <td data-label="${m.offsetSource}">${o.source}</td>
    <td data-label="${m.offsetReported}" class="num">${formatKroner(o.reported)}</td>
    <td data-label="${m.offsetAmount}" class="num">${formatKroner(o.offsetAmount)}</td>
    <td data-label="${m.offsetToYou}" class="num">${formatKroner(o.reported - o.offsetAmount)}</td>
  </tr>`,
  )}</tbody>
  </table>
</section>`
}
<p><a href="${context.base}">${m.back}</a></p>`
    return pages.send(request, reply, context, 200, m.refundsHeading, body, flash)
  })

  await app.register(mboPaymentRoutes, { services, pages })
  await app.register(mboRequestRoutes, { services, pages })
}

/** One open claim: what it is, amounts, deadline, payment ID and FIK line, status, whom to ask, actions. */
function claimRow(context: MboContext, claim: MboClaim) {
  const { m, base, policy, today } = context
  const { view } = claim
  const label = `${view.title}, ${view.paymentId}`
  const blocker = payBlocker(claim)
  const canAppeal = claim.appeal !== 'open'
  return html`<tr>
    <td data-label="${m.claim}"><strong>${view.title}</strong><br><span class="muted">${m.from} ${view.issuer.name}</span>${
      claim.concerns.length > 0 &&
      html`<br><span class="muted">${m.concerns(claim.concerns.join(', '))}</span>`
    }
      ${linesList(m, claim)}
      ${instalmentsList(context, claim)}
      <details><summary>${m.contactsSummary}</summary>${contactsList(m, claim)}</details></td>
    <td data-label="${m.amount}" class="num">${formatKroner(view.amount)}</td>
    <td data-label="${m.left}" class="num"><strong>${formatKroner(view.open)}</strong></td>
    <td data-label="${m.deadline}">${deadlineText(m, claim)}</td>
    <td data-label="${m.paymentId}"><code>${view.paymentId}</code><span class="hint">${m.paymentLine}: <code class="fik">${view.paymentLine}</code></span></td>
    <td data-label="${m.status}">${statusList(m, claim)}</td>
    <td data-label="${m.actions}">${
      blocker === null
        ? html`<a class="button" href="${base}/krav/${view.id}/betal" aria-label="${m.actionOn(m.pay, label)}">${m.pay}</a>`
        : html`<span class="hint">${m.blocker[blocker]}</span>`
    }
      <ul class="mbo-actions">${[
        // Shown below the minimum as well: the page says why a plan is not possible, and whom to call.
        [null, 'below-minimum'].includes(instalmentBlocker(claim, policy)) &&
          html`<li><a href="${base}/krav/${view.id}/afdrag" aria-label="${m.actionOn(m.applyInstalments, label)}">${m.applyInstalments}</a></li>`,
        deadlineBlocker(claim, today) === null &&
          html`<li><a href="${base}/krav/${view.id}/frist" aria-label="${m.actionOn(m.askDeadline, label)}">${m.askDeadline}</a></li>`,
        canAppeal &&
          html`<li><a href="${base}/krav/${view.id}/klage" aria-label="${m.actionOn(m.appeal, label)}">${m.appeal}</a></li>`,
      ]}</ul></td>
  </tr>`
}
