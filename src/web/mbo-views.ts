// The pieces the pages of Mit Betalingsoverblik are built from: a claim's status, lines, contacts,
// instalments and its facts. Text is escaped by `html`; state is always said in words, never by colour alone.

import type { ContactView } from '../receivables/claim-queries.ts'
import { formatKroner } from '../shared/money.ts'
import { type Html, html } from './html.ts'
import type { MboContext } from './mbo-context.ts'
import { type MboClaim, type MboStatus, nextInstalment } from './mbo-queries.ts'
import type { MboTexts } from './mbo-texts.ts'

const BAD = new Set(['overdue', 'dunned', 'transfer-notice', 'transferred', 'appeal-rejected'])

export function statusText(m: MboTexts, status: MboStatus): string {
  switch (status.code) {
    case 'billed':
    case 'transfer-notice':
      return m.status_[status.code](m.date(status.date))
    case 'dunned':
      return m.status_.dunned(status.letter)
    default:
      return m.status_[status.code]()
  }
}

export function statusList(m: MboTexts, claim: MboClaim): Html {
  return html`<ul class="mbo-status">${claim.statuses.map(
    (s) => html`<li${BAD.has(s.code) ? html` class="bad"` : ''}>${statusText(m, s)}</li>`,
  )}</ul>`
}

export function linesList(m: MboTexts, claim: MboClaim): Html {
  return html`<ul class="mbo-lines">${claim.view.lines.map(
    (l) =>
      html`<li>${claim.itemOfLine.has(l.id) && html`<strong>${claim.itemOfLine.get(l.id)}</strong>: `}${l.text} <span class="mbo-amount">${formatKroner(l.amount)}</span>${
        l.status !== 'open' && html` <span class="muted">(${m.lineStatus[l.status] ?? l.status})</span>`
      }</li>`,
  )}</ul>`
}

function webHref(web: string): string {
  return /^https?:\/\//.test(web) ? web : `https://${web}`
}

function contactLine(contact: ContactView): Html {
  return html`${contact.who}${contact.phone && html`, <a href="tel:${contact.phone.replace(/\s/g, '')}">${contact.phone}</a>`}${
    contact.web && html`, <a href="${webHref(contact.web)}">${contact.web}</a>`
  }`
}

/** Whom to ask about what (000): the payment → the finance office, the reason and complaints → the issuer. */
export function contactsList(m: MboTexts, claim: MboClaim): Html {
  return html`<dl class="mbo-contacts">${claim.view.contacts.map(
    (c) => html`<dt>${m.contactAbout[c.about] ?? c.about}</dt><dd>${contactLine(c)}</dd>`,
  )}</dl>`
}

export function instalmentsList(context: MboContext, claim: MboClaim): Html | false {
  const { m } = context
  return (
    claim.instalments.length > 0 &&
    html`<ol class="mbo-plan" aria-label="${m.plan}">${claim.instalments.map(
      (i) =>
        html`<li>${m.instalment} ${i.number}: ${formatKroner(i.amount)}, ${m.deadline.toLowerCase()} ${m.date(i.deadline)}, ${m.paymentId} <code>${i.paymentId}</code>${
          i.paid > 0 && html` – ${m.paidAmount.toLowerCase()} ${formatKroner(i.paid)}`
        }</li>`,
    )}</ol>`
  )
}

/** The deadline cell: the claim's, or the next instalment's on a plan. */
export function deadlineText(m: MboTexts, claim: MboClaim): Html {
  const next = nextInstalment(claim)
  if (next) return html`${m.nextInstalment(next.amount - next.paid, m.date(next.deadline))}`
  return html`${claim.row.deadline ? m.date(claim.row.deadline) : m.noDeadline}`
}

/** The claim's facts at the top of each page about one claim. */
export function claimFacts(context: MboContext, claim: MboClaim): Html {
  const { m } = context
  const { view } = claim
  return html`<dl class="mbo-facts">
  <dt>${m.claim}</dt><dd><strong>${view.title}</strong></dd>
  <dt>${m.from}</dt><dd>${view.issuer.name}${claim.concerns.length > 0 && html` (${m.concerns(claim.concerns.join(', '))})`}</dd>
  <dt>${m.amount}</dt><dd>${formatKroner(view.amount)}</dd>
  <dt>${m.left}</dt><dd><strong>${formatKroner(view.open)}</strong></dd>
  <dt>${m.deadline}</dt><dd>${deadlineText(m, claim)}</dd>
  <dt>${m.paymentId}</dt><dd><code>${view.paymentId}</code></dd>
  <dt>${m.status}</dt><dd>${statusList(m, claim)}</dd>
</dl>
<h2>${m.linesCaption}</h2>
${linesList(m, claim)}`
}
