import type { WebFlash } from '../db/schema.ts'
import { type Html, html } from './html.ts'
import type { Lang, Texts } from './web-texts.ts'

export interface PageFrame {
  lang: Lang
  t: Texts
  title: string
  /** The municipality's path and library name, when the page belongs to one. */
  library?: { code: string; name: string }
  /** Logged in: the name shown and the CSRF token for the logout form. */
  user?: { name: string; csrf: string }
  flash?: WebFlash | null
  /** The path of this page, for the language link. */
  path: string
}

/** A whole page: landmarks, a skip link, the header with the library and the language switch. */
export function page(frame: PageFrame, body: Html): Html {
  const { t, library, user, flash } = frame
  const separator = frame.path.includes('?') ? '&' : '?'
  return html`<!doctype html>
<html lang="${frame.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${frame.title}${library ? ` – ${library.name}` : ''}</title>
<link rel="stylesheet" href="/static/laan.css">
</head>
<body>
<a class="skip" href="#indhold">${t.skip}</a>
<header class="top">
  <div class="wrap">
    <p class="brand">${library ? html`<a href="/${library.code}/min-side">${library.name}</a>` : html`<a href="/">laan</a>`}</p>
    <nav aria-label="${t.minSide}">
      <ul>
        ${
          library &&
          user &&
          html`<li><a href="/${library.code}/min-side">${t.minSide}</a></li>
        <li><a href="/${library.code}/betaling">${t.payments}</a></li>
        <li><a href="/${library.code}/min-side/profil">${t.profile}</a></li>`
        }
        <li><a href="${frame.path}${separator}lang=${t.otherLang}" lang="${t.otherLang}">${t.otherLanguage}</a></li>
        ${library && user && html`<li><form method="post" action="/${library.code}/log-ud"><input type="hidden" name="_csrf" value="${user.csrf}"><button type="submit" class="link">${t.logout}</button></form></li>`}
      </ul>
    </nav>
  </div>
</header>
<main id="indhold" class="wrap" tabindex="-1">
${flash && html`<div class="flash ${flash.kind}" role="${flash.kind === 'error' ? 'alert' : 'status'}">${flash.text}</div>`}
${body}
</main>
</body>
</html>`
}
