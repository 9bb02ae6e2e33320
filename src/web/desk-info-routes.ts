// The municipality's rules as `laan policy show` prints them (policy-format.ts), laid out as tables with each
// value's source; and, for administrators, the log of look-ups of patrons and the audit log (read-only).

import type { FastifyPluginAsync } from 'fastify'
import { AUDIT_ACTIONS, type AuditAction, auditEntries } from '../audit/audit-log.ts'
import { recentLookups } from '../desk/staff-lookups.ts'
import { findPatronByCard } from '../patrons/patron-repository.ts'
import { formatPolicy } from '../policy/policy-format.ts'
import type { Services } from '../services.ts'
import type { DeskHelpers, Params } from './desk-auth.ts'
import { cardText, idParam, instantText } from './desk-format.ts'
import { type Html, html } from './html.ts'

/** The source documents (../shared/seeds), as RULES.md names them. */
const SEEDS: Record<string, string> = {
  '000': 'Københavns Biblioteker: spørgsmål og svar om Mit Betalingsoverblik',
  '001': 'Gentofte Bibliotekerne: lånerregler og gebyrer',
  '002': 'Københavns Biblioteker: regler for brug af bibliotekerne',
  '003': 'Næstved Bibliotek og Borgerservice: lånetider og gebyrer',
  '004': 'Køge Kommune: Mit Betalingsoverblik',
}

export interface PolicySection {
  heading: string
  rules: { label: string; value: string; source: { seed: string | null; text: string } | null }[]
}

/** The printed policy read back into its title lines and sections. */
export function policySections(text: string): { title: string[]; sections: PolicySection[] } {
  const title: string[] = []
  const sections: PolicySection[] = []
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    const source = /^ {6}kilde \[([^\]]+)\] (.*)$/.exec(line)
    if (source) {
      const rule = sections.at(-1)?.rules.at(-1)
      if (rule) {
        const tag = source[1] ?? ''
        rule.source = { seed: tag === 'antaget' ? null : tag, text: source[2] ?? '' }
      }
    } else if (line.startsWith('  ')) {
      const item = line.trim()
      const colon = item.indexOf(': ')
      sections.at(-1)?.rules.push({
        label: colon < 0 ? item : item.slice(0, colon),
        value: colon < 0 ? '' : item.slice(colon + 2),
        source: null,
      })
    } else if (sections.length === 0 && title.length < 2) title.push(line)
    else sections.push({ heading: line, rules: [] })
  }
  return { title, sections }
}

export const deskInfoRoutes: FastifyPluginAsync<{ services: Services; helpers: DeskHelpers }> = async (
  app,
  { services, helpers },
) => {
  const { db, policies, cprVault } = services
  const { requireStaff, render } = helpers

  app.get<{ Params: Params }>('/:municipality/skranke/regler', async (request, reply) => {
    const context = await requireStaff(request, reply)
    if (!context) return reply
    const { t } = context
    const { title, sections } = policySections(
      formatPolicy(policies.inForce(context.library.code, context.today)),
    )
    const slug = (i: number) => `afsnit-${i}`
    const sourceCell = (source: PolicySection['rules'][number]['source']): Html | string =>
      source === null
        ? ''
        : source.seed === null
          ? html`<em>${t.assumed}:</em> ${source.text}`
          : html`<cite title="${SEEDS[source.seed] ?? source.seed}">${source.seed}</cite> ${source.text}`
    const body = html`<h1>${t.policyHeading}</h1>
<p><strong>${title[0] ?? ''}</strong><br>${title[1] ?? ''}</p>
<p>${t.policyIntro}</p>
${sections.map(
  (section, i) => html`<section aria-labelledby="${slug(i)}">
  <h2 id="${slug(i)}">${section.heading}</h2>
  <table class="stack policy">
    <thead><tr><th scope="col">${t.rule}</th><th scope="col">${t.value}</th><th scope="col">${t.source}</th></tr></thead>
    <tbody>${section.rules.map(
      (r) =>
        html`<tr><th scope="row">${r.label}</th><td data-label="${t.value}">${r.value}</td><td data-label="${t.source}" class="source">${sourceCell(r.source)}</td></tr>`,
    )}</tbody>
  </table>
</section>`,
)}
<section aria-labelledby="kilder">
  <h2 id="kilder">${t.source}</h2>
  <ul>${Object.entries(SEEDS).map(([code, name]) => html`<li><cite>${code}</cite>: ${name}</li>`)}</ul>
</section>`
    return render(request, reply, context, t.policy, body)
  })

  app.get<{ Params: Params }>('/:municipality/skranke/opslag', async (request, reply) => {
    const context = await requireStaff(request, reply, 'administrator')
    if (!context) return reply
    const { t, lang } = context
    const rows = await recentLookups(db, cprVault, context.library.code)
    const body = html`<h1>${t.lookupLogHeading}</h1>
<table class="stack">
  <thead><tr><th scope="col">${t.when}</th><th scope="col">${t.staff}</th><th scope="col">${t.patron}</th><th scope="col">${t.reason}</th></tr></thead>
  <tbody>${rows.map(
    (
      r,
    ) => html`<tr><td data-label="${t.when}">${instantText(lang, r.at)}</td><td data-label="${t.staff}">${r.staffName} (${r.staffLogin})</td>
    <td data-label="${t.patron}">${r.patronName} (${cardText(r)})</td>
    <td data-label="${t.reason}">${r.reason}</td></tr>`,
  )}</tbody>
</table>`
    return render(request, reply, context, t.lookupLog, body)
  })

  app.get<{ Params: Params; Querystring: { laaner?: string; handling?: string; side?: string } }>(
    '/:municipality/skranke/revisionslog',
    async (request, reply) => {
      const context = await requireStaff(request, reply, 'administrator')
      if (!context) return reply
      const { t, lang, base } = context
      const code = context.library.code
      const query = request.query ?? {}
      const patronText = typeof query.laaner === 'string' ? query.laaner.trim().slice(0, 40) : ''
      const action = (AUDIT_ACTIONS as readonly string[]).includes(query.handling ?? '')
        ? (query.handling as AuditAction)
        : undefined
      const pageNo = Math.min(idParam(query.side) ?? 1, 100_000) || 1
      // A patron by card number, else by id (a deleted patron's entries keep the id).
      let patronId: number | undefined
      let unknownPatron = false
      if (patronText !== '') {
        const byCard = await findPatronByCard(db, code, patronText)
        patronId = byCard?.id ?? idParam(patronText) ?? undefined
        unknownPatron = patronId === undefined
      }
      const { rows, more } = unknownPatron
        ? { rows: [], more: false }
        : await auditEntries(
            db,
            code,
            { patronId, action },
            { limit: AUDIT_PAGE, offset: (pageNo - 1) * AUDIT_PAGE },
          )
      const ids = [...new Set(rows.map((r) => r.patronId).filter((id) => id !== null))]
      const patrons = new Map(
        (ids.length === 0
          ? []
          : await db
              .selectFrom('patrons')
              .select(['id', 'name', 'cardNumber'])
              .where('id', 'in', ids)
              .execute()
        ).map((p) => [p.id, p]),
      )
      const link = (page: number) => {
        const params = new URLSearchParams()
        if (patronText !== '') params.set('laaner', patronText)
        if (action) params.set('handling', action)
        if (page > 1) params.set('side', String(page))
        const text = params.toString()
        return `${base}/revisionslog${text === '' ? '' : `?${text}`}`
      }
      const subject = (r: (typeof rows)[number]) => {
        const parts: (Html | string)[] = []
        if (r.patronId !== null) {
          const p = patrons.get(r.patronId)
          parts.push(
            html`<a href="${`${base}/revisionslog?laaner=${r.patronId}`}">${p ? `${p.name} (${p.cardNumber})` : t.auditDeletedPatron(r.patronId)}</a>`,
          )
        }
        if (r.chargeId !== null) parts.push(`${t.auditCharge} ${r.chargeId}`)
        if (r.claimId !== null) parts.push(`${t.auditClaim} ${r.claimId}`)
        if (r.blockId !== null) parts.push(`${t.auditBlock} ${r.blockId}`)
        return parts.map((part, i) => html`${i > 0 && ', '}${part}`)
      }
      const details = (value: unknown) => {
        const object = (typeof value === 'string' ? JSON.parse(value) : value) as Record<string, unknown>
        return Object.entries(object ?? {})
          .map(([key, v]) => `${key}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
          .join('; ')
      }
      const body = html`<h1>${t.auditLogHeading}</h1>
<p>${t.auditLogIntro}</p>
<form method="get" action="${base}/revisionslog" class="row-form">
  <label for="laaner">${t.auditPatronFilter}</label>
  <input type="text" id="laaner" name="laaner" inputmode="numeric" autocomplete="off" value="${patronText}">
  <label for="handling">${t.auditActionFilter}</label>
  <select id="handling" name="handling">
    <option value="">${t.auditAllActions}</option>
    ${AUDIT_ACTIONS.map((a) => html`<option value="${a}"${a === action ? ' selected' : ''}>${t.auditActions[a] ?? a}</option>`)}
  </select>
  <button type="submit" class="secondary">${t.auditFilter}</button>
</form>
${unknownPatron && html`<p class="flash error" role="alert">${t.auditUnknownPatron}</p>`}
${
  rows.length === 0
    ? html`<p>${t.auditNone}</p>`
    : html`<table class="stack">
  <thead><tr><th scope="col">${t.when}</th><th scope="col">${t.auditActor}</th><th scope="col">${t.auditAction}</th><th scope="col">${t.auditSubject}</th><th scope="col">${t.reason}</th><th scope="col">${t.auditDetails}</th></tr></thead>
  <tbody>${rows.map(
    (r) => html`<tr><td data-label="${t.when}">${instantText(lang, r.at)}</td>
    <td data-label="${t.auditActor}">${t.actorKinds[r.actorKind] ?? r.actorKind}${r.actorKind !== 'system' && html`: ${r.actorName}`}</td>
    <td data-label="${t.auditAction}">${t.auditActions[r.action] ?? r.action}</td>
    <td data-label="${t.auditSubject}">${subject(r)}</td>
    <td data-label="${t.reason}">${r.reason ?? ''}</td>
    <td data-label="${t.auditDetails}" class="muted">${details(r.details)}</td></tr>`,
  )}</tbody>
</table>`
}
${
  (pageNo > 1 || more) &&
  html`<nav aria-label="${t.auditPage}"><p>${pageNo > 1 && html`<a href="${link(pageNo - 1)}" rel="prev">${t.auditNewer}</a>`} ${more && html`<a href="${link(pageNo + 1)}" rel="next">${t.auditOlder}</a>`}</p></nav>`
}`
      return render(request, reply, context, t.auditLog, body)
    },
  )
}

/** Entries per page of the audit log. */
const AUDIT_PAGE = 50
