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

/** The parts of a page that differ between the patrons' pages and the desk. */
export interface DocumentParts {
  lang: Lang
  /** The whole `<title>`. */
  title: string
  bodyClass?: string
  skip: string
  brand: Html
  navLabel: string
  /** The menu's `<li>` items (the language link and logout included). */
  nav: Html
  flash?: WebFlash | null | undefined
}

/** A whole page: landmarks, a skip link, the header with its brand and menu, the message, the body. */
export function documentPage(parts: DocumentParts, body: Html): Html {
  const { flash } = parts
  return html`<!doctype html>
<html lang="${parts.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${parts.title}</title>
<link rel="stylesheet" href="/static/laan.css">
</head>
<body${parts.bodyClass ? html` class="${parts.bodyClass}"` : ''}>
<a class="skip" href="#indhold">${parts.skip}</a>
<header class="top">
  <div class="wrap">
    <p class="brand">${parts.brand}</p>
    <nav aria-label="${parts.navLabel}">
      <ul>
        ${parts.nav}
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

/** The language link of a page: the same path in the other language. */
export function languageLink(path: string, otherLang: string, otherLanguage: string): Html {
  const separator = path.includes('?') ? '&' : '?'
  return html`<li><a href="${path}${separator}lang=${otherLang}" lang="${otherLang}">${otherLanguage}</a></li>`
}

/** A patron's page: the library, Min side, payments and profile, the language switch and logout. */
export function page(frame: PageFrame, body: Html): Html {
  const { t, library, user } = frame
  return documentPage(
    {
      lang: frame.lang,
      title: `${frame.title}${library ? ` – ${library.name}` : ''}`,
      skip: t.skip,
      brand: library
        ? html`<a href="/${library.code}/min-side">${library.name}</a>`
        : html`<a href="/">laan</a>`,
      navLabel: t.minSide,
      nav: html`${
        library &&
        user &&
        html`<li><a href="/${library.code}/min-side">${t.minSide}</a></li>
        <li><a href="/${library.code}/betaling">${t.payments}</a></li>
        <li><a href="/${library.code}/min-side/profil">${t.profile}</a></li>`
      }
        ${languageLink(frame.path, t.otherLang, t.otherLanguage)}
        ${library && user && html`<li><form method="post" action="/${library.code}/log-ud"><input type="hidden" name="_csrf" value="${user.csrf}"><button type="submit" class="link">${t.logout}</button></form></li>`}`,
      flash: frame.flash,
    },
    body,
  )
}
