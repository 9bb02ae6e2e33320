// The cash box (seed 000): a sale is recorded with what was sold, the amount in kroner (kept as øre) and
// how it was paid; the day's sales are listed with the day's total and the total by payment method.

import type { FastifyPluginAsync } from 'fastify'
import {
  MAX_SALE,
  PAYMENT_METHODS,
  type PaymentMethod,
  parseKroner,
  recordSale,
  SALE_CATEGORIES,
  type SaleCategory,
  salesOn,
} from '../desk/cash-box.ts'
import type { Services } from '../services.ts'
import { formatKroner } from '../shared/money.ts'
import { isLocalDate } from '../shared/time.ts'
import type { DeskHelpers, Params, StaffContext } from './desk-auth.ts'
import { dateText, field, timeText } from './desk-format.ts'
import { errorSummary } from './desk-layout.ts'
import { type Html, html } from './html.ts'
import { setFlash, takeFlash } from './web-sessions.ts'

interface SaleValues {
  category: string
  description: string
  amount: string
  paymentMethod: string
}

export const deskCashRoutes: FastifyPluginAsync<{ services: Services; helpers: DeskHelpers }> = async (
  app,
  { services, helpers },
) => {
  const { db } = services
  const { requireStaff, render } = helpers

  async function cashPage(
    context: StaffContext,
    date: string,
    values: SaleValues,
    errors: { field: string; text: string }[],
  ): Promise<Html> {
    const { t, lang, base } = context
    const day = await salesOn(db, context.library.code, date)
    const invalid = (name: string) => (errors.some((e) => e.field === name) ? html` aria-invalid="true"` : '')
    return html`<h1>${t.cashHeading}</h1>
<p>${t.cashIntro}</p>
${
  date === context.today &&
  html`<section aria-labelledby="nyt-salg">
  <h2 id="nyt-salg">${t.recordSale}</h2>
  ${errorSummary(t, errors)}
  <form method="post" action="${base}/kasse" novalidate>
    <input type="hidden" name="_csrf" value="${context.csrf}">
    <label for="category">${t.category}</label>
    <select id="category" name="category" required${invalid('category')}>
      ${SALE_CATEGORIES.map((c) => html`<option value="${c}"${values.category === c ? html` selected` : ''}>${t.categories[c]}</option>`)}
    </select>
    <label for="description">${t.description}</label>
    <input type="text" id="description" name="description" required value="${values.description}"${invalid('description')}>
    <label for="amount">${t.amountKr}</label>
    <input type="text" id="amount" name="amount" inputmode="decimal" required value="${values.amount}"${invalid('amount')}>
    <fieldset><legend>${t.paymentMethod}</legend>
      ${PAYMENT_METHODS.map(
        (m) =>
          html`<label class="check"><input type="radio" name="paymentMethod" value="${m}" id="method-${m}"${(values.paymentMethod || 'cash') === m ? html` checked` : ''}> ${t.paymentMethods[m]}</label>`,
      )}
    </fieldset>
    <div class="actions"><button type="submit">${t.recordSale}</button></div>
  </form>
</section>`
}
<section aria-labelledby="dagens-salg">
  <h2 id="dagens-salg">${t.salesOf(dateText(lang, date))}</h2>
  <form method="get" action="${base}/kasse" class="row-form">
    <label for="dato">${t.date}</label>
    <input type="date" id="dato" name="dato" value="${date}">
    <button type="submit" class="secondary">${t.show}</button>
  </form>
  ${
    day.sales.length === 0
      ? html`<p>${t.noSales}</p>`
      : html`<table class="stack">
  <caption>${t.salesOf(dateText(lang, date))}</caption>
  <thead><tr><th scope="col">${t.time}</th><th scope="col">${t.category}</th><th scope="col">${t.description}</th><th scope="col">${t.paymentMethod}</th><th scope="col">${t.staff}</th><th scope="col" class="num">${t.amount}</th></tr></thead>
  <tbody>${day.sales.map(
    (
      s,
    ) => html`<tr><td data-label="${t.time}">${timeText(s.soldAt)}</td><td data-label="${t.category}">${t.categories[s.category] ?? s.category}</td>
    <td data-label="${t.description}">${s.description}</td><td data-label="${t.paymentMethod}">${t.paymentMethods[s.paymentMethod] ?? s.paymentMethod}</td>
    <td data-label="${t.staff}">${s.staffName}</td><td data-label="${t.amount}" class="num">${formatKroner(s.amount)}</td></tr>`,
  )}</tbody>
  <tfoot>
    ${PAYMENT_METHODS.filter((m) => day.byMethod.has(m)).map(
      (m) =>
        html`<tr><th scope="row" colspan="5">${t.paymentMethods[m]}</th><td class="num">${formatKroner(day.byMethod.get(m) ?? 0)}</td></tr>`,
    )}
    <tr><th scope="row" colspan="5">${t.dayTotal}</th><td class="num"><strong>${formatKroner(day.total)}</strong></td></tr>
  </tfoot>
</table>`
  }
</section>`
  }

  const blank: SaleValues = { category: 'event', description: '', amount: '', paymentMethod: 'cash' }

  app.get<{ Params: Params; Querystring: { dato?: string } }>(
    '/:municipality/skranke/kasse',
    async (request, reply) => {
      const context = await requireStaff(request, reply, 'desk')
      if (!context) return reply
      const asked = typeof request.query.dato === 'string' ? request.query.dato.trim() : ''
      const date = isLocalDate(asked) ? asked : context.today
      const flash = await takeFlash(db, context.session)
      return render(
        request,
        reply,
        context,
        context.t.cashBox,
        await cashPage(context, date, blank, []),
        flash,
      )
    },
  )

  app.post<{ Params: Params }>(
    '/:municipality/skranke/kasse',
    { preHandler: app.csrfProtection },
    async (request, reply) => {
      const context = await requireStaff(request, reply, 'desk')
      if (!context) return reply
      const { t } = context
      const values: SaleValues = {
        category: field(request.body, 'category', 30),
        description: field(request.body, 'description', 200),
        amount: field(request.body, 'amount', 30),
        paymentMethod: field(request.body, 'paymentMethod', 30),
      }
      const errors: { field: string; text: string }[] = []
      if (!(SALE_CATEGORIES as readonly string[]).includes(values.category))
        errors.push({ field: 'category', text: t.required(t.category) })
      if (values.description === '') errors.push({ field: 'description', text: t.required(t.description) })
      const amount = parseKroner(values.amount)
      if (values.amount === '') errors.push({ field: 'amount', text: t.required(t.amountKr) })
      else if (amount === null || amount <= 0 || amount > MAX_SALE)
        errors.push({ field: 'amount', text: t.invalidAmount })
      if (!(PAYMENT_METHODS as readonly string[]).includes(values.paymentMethod))
        errors.push({ field: `method-cash`, text: t.required(t.paymentMethod) })
      if (errors.length > 0 || amount === null) {
        return render(
          request,
          reply,
          context,
          t.cashBox,
          await cashPage(context, context.today, values, errors),
          null,
          400,
        )
      }
      const sale = await recordSale(db, {
        municipality: context.library.code,
        staffId: context.staff.id,
        category: values.category as SaleCategory,
        description: values.description,
        amount,
        paymentMethod: values.paymentMethod as PaymentMethod,
        at: context.now,
      })
      await setFlash(db, context.session, {
        kind: 'ok',
        text: t.saleRecorded(sale.description, formatKroner(sale.amount)),
      })
      return reply.redirect(`${context.base}/kasse`, 303)
    },
  )
}
