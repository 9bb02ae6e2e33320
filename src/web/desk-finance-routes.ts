// Finance at the desk: appeals against the library's bills (list, uphold, write down, reject: the
// receivables' own decision, so the claim, its ledger and the library's charges move together; an appeal
// does not suspend the deadline, seed 000), and the daily report with a chart that needs no script.

import type { FastifyPluginAsync } from 'fastify'
import { parseKroner } from '../desk/cash-box.ts'
import { type DailyReport, dailyReport } from '../desk/daily-report.ts'
import { recordEvents } from '../receivables/claim-repository.ts'
import { ReceivablesRefusal } from '../receivables/receivables-refusal.ts'
import type { Services } from '../services.ts'
import { ValidationError } from '../shared/errors.ts'
import { formatKroner } from '../shared/money.ts'
import { isLocalDate } from '../shared/time.ts'
import type { DeskHelpers, Params, StaffContext } from './desk-auth.ts'
import { dateText, field, idParam, instantText } from './desk-format.ts'
import { errorSummary } from './desk-layout.ts'
import { type Html, html } from './html.ts'
import { setFlash, takeFlash } from './web-sessions.ts'

type Outcome = 'upheld' | 'written-down' | 'rejected'
const OUTCOMES: readonly Outcome[] = ['upheld', 'written-down', 'rejected']

export const deskFinanceRoutes: FastifyPluginAsync<{ services: Services; helpers: DeskHelpers }> = async (
  app,
  { services, helpers },
) => {
  const { db, claimActions } = services
  const { requireStaff, render } = helpers

  // --- appeals ----------------------------------------------------------------------------------------

  /** Open appeals on the library's own claims in this municipality. */
  function openAppeals(municipality: string) {
    return db
      .selectFrom('appeals')
      .innerJoin('claims', 'claims.id', 'appeals.claimId')
      .innerJoin('issuers', 'issuers.id', 'claims.issuerId')
      .innerJoin('debtors', 'debtors.id', 'claims.debtorId')
      .select([
        'appeals.id',
        'appeals.filedAt',
        'appeals.text',
        'claims.id as claimId',
        'claims.paymentId',
        'claims.title',
        'claims.amount',
        'claims.paid',
        'debtors.name as debtorName',
      ])
      .where('appeals.municipality', '=', municipality)
      .where('appeals.status', '=', 'open')
      .where('issuers.isLibrary', '=', true)
      .orderBy('appeals.filedAt')
      .orderBy('appeals.id')
  }

  app.get<{ Params: Params }>('/:municipality/skranke/klager', async (request, reply) => {
    const context = await requireStaff(request, reply, 'finance')
    if (!context) return reply
    const { t, lang, base } = context
    const appeals = await openAppeals(context.library.code).execute()
    const csrf = html`<input type="hidden" name="_csrf" value="${context.csrf}">`
    const body = html`<h1>${t.appealsHeading}</h1>
<p>${t.deadlineStands}</p>
${
  appeals.length === 0
    ? html`<p>${t.noAppeals}</p>`
    : appeals.map(
        (a) => html`<section class="card" aria-labelledby="klage-${a.id}">
  <h2 id="klage-${a.id}">${t.claim} ${a.paymentId}: ${a.title}</h2>
  <dl class="facts">
    <dt>${t.debtor}</dt><dd>${a.debtorName}</dd>
    <dt>${t.filed}</dt><dd>${instantText(lang, a.filedAt)}</dd>
    <dt>${t.open}</dt><dd>${formatKroner(a.amount - a.paid)} (${t.amount.toLowerCase()} ${formatKroner(a.amount)})</dd>
    <dt>${t.appealText}</dt><dd>${a.text}</dd>
  </dl>
  <form method="post" action="${base}/klager/${a.id}/afgoer" novalidate>${csrf}
    <fieldset><legend>${t.outcome}</legend>
    ${OUTCOMES.map(
      (o) =>
        html`<label class="check"><input type="radio" name="outcome" value="${o}" id="outcome-${a.id}-${o}"${o === 'rejected' ? html` checked` : ''}> ${t.outcomes[o]}</label>`,
    )}
    </fieldset>
    <label for="amount-${a.id}">${t.amountForWriteDown}</label>
    <input type="text" id="amount-${a.id}" name="amount" inputmode="decimal">
    <label for="reason-${a.id}">${t.decisionReason}</label>
    <textarea id="reason-${a.id}" name="reason" rows="3" required></textarea>
    <div class="actions"><button type="submit">${t.decide}</button></div>
  </form>
</section>`,
      )
}`
    return render(request, reply, context, t.appeals, body, await takeFlash(db, context.session))
  })

  app.post<{
    Params: Params & { appeal: string }
    Body: { outcome?: string; amount?: string; reason?: string }
  }>(
    '/:municipality/skranke/klager/:appeal/afgoer',
    { preHandler: app.csrfProtection },
    async (request, reply) => {
      const context = await requireStaff(request, reply, 'finance')
      if (!context) return reply
      const { t } = context
      const back = `${context.base}/klager`
      const outcome = field(request.body, 'outcome', 20) as Outcome
      const reason = field(request.body, 'reason', 2000)
      const amountText = field(request.body, 'amount', 30)
      const error = (text: string) => setFlash(db, context.session, { kind: 'error', text })
      if (!OUTCOMES.includes(outcome)) {
        await error(t.required(t.outcome))
        return reply.redirect(back, 303)
      }
      if (reason === '') {
        await error(t.required(t.decisionReason))
        return reply.redirect(back, 303)
      }
      const amount = outcome === 'written-down' ? parseKroner(amountText) : null
      if (outcome === 'written-down' && (amount === null || amount <= 0)) {
        await error(amountText === '' ? t.required(t.amountKr) : t.invalidAmount)
        return reply.redirect(back, 303)
      }
      const appeal = await openAppeals(context.library.code)
        .where('appeals.id', '=', idParam(request.params.appeal) ?? 0)
        .executeTakeFirst()
      if (!appeal) {
        await error(t.noOpenAppeal)
        return reply.redirect(back, 303)
      }
      try {
        await db.transaction().execute(async (trx) => {
          await claimActions.decideAppeal(trx, {
            municipality: context.library.code,
            claim: appeal.paymentId,
            outcome,
            ...(amount === null ? {} : { amount }),
            decision: reason,
            at: context.now,
            actor: { kind: 'staff', staffId: context.staff.id },
          })
          await recordEvents(trx, [
            {
              claimId: appeal.claimId,
              at: context.now,
              kind: 'appeal-decided-at-desk',
              detail: { appeal: appeal.id, staff: context.staff.id, login: context.staff.login },
            },
          ])
        })
      } catch (failure) {
        if (failure instanceof ReceivablesRefusal) {
          await error(t.noOpenAppeal)
          return reply.redirect(back, 303)
        }
        if (failure instanceof ValidationError) {
          await error(t.invalidAmount)
          return reply.redirect(back, 303)
        }
        throw failure
      }
      await setFlash(db, context.session, {
        kind: 'ok',
        text: t.decided(appeal.paymentId, t.outcomes[outcome] ?? outcome),
      })
      return reply.redirect(back, 303)
    },
  )

  // --- the daily report -------------------------------------------------------------------------------

  app.get<{ Params: Params; Querystring: { dato?: string } }>(
    '/:municipality/skranke/rapport',
    async (request, reply) => {
      const context = await requireStaff(request, reply)
      if (!context) return reply
      const { t } = context
      const asked = typeof request.query.dato === 'string' ? request.query.dato.trim() : ''
      const valid = asked === '' || isLocalDate(asked)
      const date = valid && asked !== '' ? asked : context.today
      const report = await dailyReport(db, context.library.code, date)
      const errors = valid ? [] : [{ field: 'dato', text: t.invalidDate }]
      return render(
        request,
        reply,
        context,
        t.reportHeading,
        reportPage(context, report, errors, valid ? date : asked),
        null,
        valid ? 200 : 400,
      )
    },
  )

  function reportPage(
    context: StaffContext,
    report: DailyReport,
    errors: { field: string; text: string }[],
    asked: string,
  ): Html {
    const { t, lang, base } = context
    const bars = [
      { label: t.feesCharged, amount: report.chargesTotal.amount },
      { label: t.paymentsReceived, amount: report.payments.amount },
      { label: t.cashSales, amount: report.cashSales.amount },
    ]
    const newBlocks = report.blocks.newByReason.reduce((sum, b) => sum + b.count, 0)
    return html`<h1>${t.reportHeading}</h1>
${errorSummary(t, errors)}
<form method="get" action="${base}/rapport" class="row-form">
  <label for="dato">${t.date}</label>
  <input type="date" id="dato" name="dato" value="${asked}" required${errors.length > 0 ? html` aria-invalid="true"` : ''}>
  <button type="submit" class="secondary">${t.show}</button>
</form>
<h2>${t.reportFor(dateText(lang, report.date))}</h2>
${barChart(t.chartTitle, t.chartDesc, bars)}
<table>
  <caption>${t.reportFor(dateText(lang, report.date))}</caption>
  <thead><tr><th scope="col">${t.measure}</th><th scope="col" class="num">${t.count}</th><th scope="col" class="num">${t.amount}</th></tr></thead>
  <tbody>
    <tr><th scope="row">${t.feesCharged}</th><td class="num">${report.chargesTotal.count}</td><td class="num">${formatKroner(report.chargesTotal.amount)}</td></tr>
    ${report.charges.map(
      (c) =>
        html`<tr class="sub"><th scope="row">– ${t.chargeKinds[c.kind] ?? c.kind}</th><td class="num">${c.count}</td><td class="num">${formatKroner(c.amount)}</td></tr>`,
    )}
    <tr><th scope="row">${t.lostItems}</th><td class="num">${report.lost.count}</td><td class="num"></td></tr>
    <tr><th scope="row">${t.newBlocks}</th><td class="num">${report.blocks.newPatrons}</td><td class="num"></td></tr>
    ${
      newBlocks > 0 &&
      report.blocks.newByReason.map(
        (b) =>
          html`<tr class="sub"><th scope="row">– ${t.blockReasons[b.reason] ?? b.reason}</th><td class="num">${b.count}</td><td class="num"></td></tr>`,
      )
    }
    <tr><th scope="row">${t.blockedAtClose}</th><td class="num">${report.blocks.inForceAtClose}</td><td class="num"></td></tr>
    <tr><th scope="row">${t.paymentsReceived}</th><td class="num">${report.payments.count}</td><td class="num">${formatKroner(report.payments.amount)}</td></tr>
    <tr><th scope="row">${t.cashSales}</th><td class="num">${report.cashSales.count}</td><td class="num">${formatKroner(report.cashSales.amount)}</td></tr>
  </tbody>
</table>
<p class="muted">${t.reportNote}</p>`
  }
}

/**
 * Horizontal bars as inline SVG: an image with a title and a description for screen readers, the figures
 * themselves in the table that follows. Drawn with classes (the stylesheet colours them), no script.
 */
export function barChart(
  title: string,
  description: string,
  bars: readonly { label: string; amount: number }[],
): Html {
  const width = 320
  const barMax = 200
  const row = 44
  const max = Math.max(1, ...bars.map((b) => b.amount))
  const height = bars.length * row + 4
  return html`<figure class="chart">
<svg role="img" aria-labelledby="chart-title chart-desc" viewBox="0 0 ${width} ${height}" width="100%" preserveAspectRatio="xMinYMin meet" focusable="false">
<title id="chart-title">${title}</title>
<desc id="chart-desc">${description}</desc>
${bars.map((b, i) => {
  const y = i * row
  const w = Math.round((b.amount / max) * barMax)
  return html`<g>
<text class="chart-label" x="0" y="${y + 14}">${b.label}</text>
<rect class="chart-bar" x="0" y="${y + 20}" width="${Math.max(w, 1)}" height="16"></rect>
<text class="chart-value" x="${Math.max(w, 1) + 6}" y="${y + 33}">${formatKroner(b.amount)}</text>
</g>`
})}
</svg>
</figure>`
}
