// The desk's page frame: the same landmarks and stylesheet as the patrons' pages (web-layout.ts), with the
// desk's own menu, the staff member's name and the desk's logout.

import type { StaffRole, WebFlash } from '../db/schema.ts'
import { hasRole } from '../desk/staff-accounts.ts'
import type { DeskTexts } from './desk-texts.ts'
import { type Html, html } from './html.ts'
import { documentPage, languageLink } from './web-layout.ts'
import type { Lang } from './web-texts.ts'

export interface DeskFrame {
  lang: Lang
  t: DeskTexts
  title: string
  library: { code: string; name: string }
  /** Logged in: the name and roles shown, and the CSRF token for the logout form. */
  staff?: { name: string; roles: readonly StaffRole[]; csrf: string }
  flash?: WebFlash | null
  /** The path of this page, for the language link. */
  path: string
}

export function deskPage(frame: DeskFrame, body: Html): Html {
  const { t, library, staff } = frame
  const base = `/${library.code}/skranke`
  const current = (href: string) => (frame.path.split('?')[0] === href ? html` aria-current="page"` : '')
  const link = (href: string, text: string) => html`<li><a href="${href}"${current(href)}>${text}</a></li>`
  const may = (...roles: StaffRole[]) => staff !== undefined && hasRole(staff, roles)
  return documentPage(
    {
      lang: frame.lang,
      title: `${frame.title} – ${t.desk} – ${library.name}`,
      bodyClass: 'desk',
      skip: t.skip,
      brand: html`<a href="${base}">${t.desk}</a> <span class="desk-library">${library.name}</span>`,
      navLabel: t.deskNav,
      nav: html`${
        staff &&
        html`${may('desk', 'finance') && link(base, t.home)}
        ${may('desk') && link(`${base}/opret`, t.register)}
        ${may('desk') && link(`${base}/udlaan`, t.circulation)}
        ${may('desk') && link(`${base}/kasse`, t.cashBox)}
        ${link(`${base}/rapport`, t.report)}
        ${may('finance') && link(`${base}/klager`, t.appeals)}
        ${link(`${base}/regler`, t.policy)}
        ${may('administrator') && link(`${base}/opslag`, t.lookupLog)}
        ${may('administrator') && link(`${base}/revisionslog`, t.auditLog)}`
      }
        ${languageLink(frame.path, t.otherLang, t.otherLanguage)}
        ${staff && html`<li><form method="post" action="${base}/log-ud"><input type="hidden" name="_csrf" value="${staff.csrf}"><button type="submit" class="link">${t.logout}</button> <span class="desk-user">(${staff.name})</span></form></li>`}`,
      flash: frame.flash,
    },
    body,
  )
}

/** A list of form errors, each linking to its field, read out at once. */
export function errorSummary(t: DeskTexts, errors: readonly { field: string; text: string }[]): Html | false {
  return (
    errors.length > 0 &&
    html`<div class="flash error" role="alert"><p>${t.errorTitle}:</p><ul>${errors.map(
      (e) => html`<li><a href="#${e.field}">${e.text}</a></li>`,
    )}</ul></div>`
  )
}
