// The municipality's rules as `laan policy show` prints them (policy-format.ts), laid out as tables with each
// value's source; and, for administrators, the log of look-ups of patrons.

import type { FastifyPluginAsync } from 'fastify'
import { recentLookups } from '../desk/staff-lookups.ts'
import { formatPolicy } from '../policy/policy-format.ts'
import type { Services } from '../services.ts'
import type { DeskHelpers, Params } from './desk-auth.ts'
import { cardText, instantText } from './desk-format.ts'
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
}
