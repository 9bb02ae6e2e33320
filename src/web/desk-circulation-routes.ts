// Check-out and check-in at the desk by barcode, with the outcome or the refusal in the page's language
// (Danish first): a check-in says what to do with the item (the hold shelf) and what it cost.

import type { FastifyPluginAsync } from 'fastify'
import { runCheckin } from '../circulation/circulation-edge.ts'
import { RefusalError } from '../circulation/refusal.ts'
import type { Services } from '../services.ts'
import { formatKroner } from '../shared/money.ts'
import type { DeskHelpers, Params, StaffContext } from './desk-auth.ts'
import { field } from './desk-format.ts'
import type { CheckoutMessage } from './desk-routes.ts'
import { html } from './html.ts'
import { setFlash, takeFlash } from './web-sessions.ts'

export const deskCirculationRoutes: FastifyPluginAsync<{
  services: Services
  helpers: DeskHelpers
  checkoutMessage: CheckoutMessage
}> = async (app, { services, helpers, checkoutMessage }) => {
  const { db, circulation } = services
  const { requireStaff, render } = helpers

  app.get<{ Params: Params }>('/:municipality/skranke/udlaan', async (request, reply) => {
    const context = await requireStaff(request, reply, 'desk')
    if (!context) return reply
    const { t, base } = context
    const csrf = html`<input type="hidden" name="_csrf" value="${context.csrf}">`
    return render(
      request,
      reply,
      context,
      t.circulation,
      html`<h1>${t.circulation}</h1>
<section aria-labelledby="udlaan">
  <h2 id="udlaan">${t.checkoutHeading}</h2>
  <form method="post" action="${base}/udlaan" novalidate>${csrf}
    <label for="card">${t.cardOrCpr}</label>
    <input type="text" id="card" name="card" inputmode="numeric" autocomplete="off" required>
    <label for="checkout-barcode">${t.barcode}</label>
    <input type="text" id="checkout-barcode" name="barcode" inputmode="numeric" autocomplete="off" required>
    <div class="actions"><button type="submit">${t.checkout}</button></div>
  </form>
</section>
<section aria-labelledby="aflevering">
  <h2 id="aflevering">${t.checkinHeading}</h2>
  <form method="post" action="${base}/aflevering" novalidate>${csrf}
    <label for="checkin-barcode">${t.barcode}</label>
    <input type="text" id="checkin-barcode" name="barcode" inputmode="numeric" autocomplete="off" required>
    <div class="actions"><button type="submit">${t.checkin}</button></div>
  </form>
</section>`,
      await takeFlash(db, context.session),
    )
  })

  app.post<{ Params: Params; Body: { card?: string; barcode?: string } }>(
    '/:municipality/skranke/udlaan',
    { preHandler: app.csrfProtection },
    async (request, reply) => {
      const context = await requireStaff(request, reply, 'desk')
      if (!context) return reply
      const card = field(request.body, 'card', 40)
      const message =
        card === ''
          ? { kind: 'error' as const, text: context.t.required(context.t.cardOrCpr) }
          : await checkoutMessage(context, card, field(request.body, 'barcode', 100))
      await setFlash(db, context.session, message)
      return reply.redirect(`${context.base}/udlaan`, 303)
    },
  )

  app.post<{ Params: Params; Body: { barcode?: string } }>(
    '/:municipality/skranke/aflevering',
    { preHandler: app.csrfProtection },
    async (request, reply) => {
      const context = await requireStaff(request, reply, 'desk')
      if (!context) return reply
      await setFlash(db, context.session, await checkinMessage(context, field(request.body, 'barcode', 100)))
      return reply.redirect(`${context.base}/udlaan`, 303)
    },
  )

  async function checkinMessage(context: StaffContext, barcode: string) {
    const { t } = context
    if (barcode === '') return { kind: 'error' as const, text: t.required(t.barcode) }
    try {
      const result = await runCheckin(db, circulation, {
        municipality: context.library.code,
        item: barcode,
        at: context.now,
      })
      const parts = [t.checkedIn(result.item.title)]
      for (const charge of result.charges)
        parts.push(t.checkinFee(formatKroner(charge.amount), charge.explanation))
      if (result.wasLost && result.cancelledCharges.length > 0) parts.push(t.checkinFound)
      if (result.heldForPatronId !== null) {
        const holder = await db
          .selectFrom('patrons')
          .select('name')
          .where('id', '=', result.heldForPatronId)
          .executeTakeFirst()
        parts.push(t.checkinHold(holder?.name ?? ''))
      }
      return { kind: 'ok' as const, text: parts.join(' ') }
    } catch (error) {
      if (!(error instanceof RefusalError)) throw error
      return {
        kind: 'error' as const,
        text: t.checkinRefused(context.lang === 'da' ? error.messageDa : error.messageEn),
      }
    }
  }
}
