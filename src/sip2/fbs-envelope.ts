// The FBS dialect: Danish kiosks built for FBS send SIP2 messages over HTTPS wrapped in XML,
//   <ns1:sip login="…" password="…" xmlns:ns1="http://axiell.com/Schema/sip.xsd"><request>…</request></ns1:sip>
// and get the same envelope back holding <response>…</response>, or <error>…</error> on failure. Item fields
// carry sub-fields separated by `%` (see the fbs… helpers below), and text in them is HTML-entity encoded.
//
// The envelope is read by a small parser that never throws: an XML declaration, comments and whitespace
// around are allowed; the root's namespace prefix may be anything (or none) and its attributes come in any
// order, quoted with " or '; the request text may be XML-escaped or a CDATA section. The namespace URI is
// not checked (kiosks differ). Anything else — no root `sip`, no `request`, an unclosed element, a raw `<`
// in the text, text after the root — is an error.
//
// Entities. Sub-field text is encoded with `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&#37;` (the `%` separator),
// `&#124;` (the SIP2 field separator) and a numeric reference for every character outside ASCII
// (`æ` → `&#230;`), so the SIP2 text is plain ASCII whatever the transport's encoding. Decoding takes
// numeric references (decimal and hex), the XML entities and the named HTML entities of the Danish,
// Nordic and common Western letters (`&aelig;`, `&oslash;`, `&aring;`, `&eacute;` …); an unknown entity is
// left as it is.

export const FBS_NAMESPACE = 'http://axiell.com/Schema/sip.xsd'

export interface FbsRequestEnvelope {
  login: string
  password: string
  /** The SIP2 message, XML-unescaped. */
  request: string
}

export type FbsEnvelopeResult = { ok: true; envelope: FbsRequestEnvelope } | { ok: false; error: string }

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

const HTML_ENTITIES: Record<string, string> = {
  ...XML_ENTITIES,
  nbsp: '\u00a0',
  aelig: 'æ',
  AElig: 'Æ',
  oslash: 'ø',
  Oslash: 'Ø',
  aring: 'å',
  Aring: 'Å',
  auml: 'ä',
  Auml: 'Ä',
  ouml: 'ö',
  Ouml: 'Ö',
  uuml: 'ü',
  Uuml: 'Ü',
  eacute: 'é',
  Eacute: 'É',
  egrave: 'è',
  Egrave: 'È',
  aacute: 'á',
  Aacute: 'Á',
  agrave: 'à',
  oacute: 'ó',
  iacute: 'í',
  uacute: 'ú',
  ntilde: 'ñ',
  ccedil: 'ç',
  szlig: 'ß',
  eth: 'ð',
  ETH: 'Ð',
  thorn: 'þ',
  THORN: 'Þ',
  copy: '©',
  ndash: '–',
  mdash: '—',
}

function codePointText(codePoint: number): string | undefined {
  if (!Number.isFinite(codePoint) || codePoint < 0 || codePoint > 0x10ffff) return undefined
  if (codePoint >= 0xd800 && codePoint <= 0xdfff) return undefined
  return String.fromCodePoint(codePoint)
}

function decodeReferences(text: string, named: Record<string, string>): string {
  return text.replace(
    /&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{0,15});/g,
    (whole, ref: string) => {
      if (ref.startsWith('#')) {
        const hex = ref[1] === 'x' || ref[1] === 'X'
        return codePointText(hex ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1))) ?? whole
      }
      return Object.hasOwn(named, ref) ? (named[ref] ?? whole) : whole
    },
  )
}

/** Text with XML's escapes undone (the five entities and numeric references). */
export function unescapeXml(text: string): string {
  return decodeReferences(text, XML_ENTITIES)
}

/** Text safe inside an XML element or attribute; characters XML 1.0 forbids are dropped. */
export function escapeXml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
}

/** HTML-entity encode sub-field text (see the file's head for which characters). */
export function encodeFbsText(text: string): string {
  let out = ''
  for (const char of text) {
    const codePoint = char.codePointAt(0) ?? 0
    if (char === '&') out += '&amp;'
    else if (char === '<') out += '&lt;'
    else if (char === '>') out += '&gt;'
    else if (char === '"') out += '&quot;'
    else if (char === '%') out += '&#37;'
    else if (char === '|') out += '&#124;'
    else if (char === '\r' || char === '\n') out += ' '
    else if (codePoint > 0x7e || codePoint < 0x20) out += codePoint < 0x20 ? '' : `&#${codePoint};`
    else out += char
  }
  return out
}

/** HTML-entity decode sub-field text. */
export function decodeFbsText(text: string): string {
  return decodeReferences(text, HTML_ENTITIES)
}

// --- the envelope ------------------------------------------------------------------------------------

const NAME = '[A-Za-z_][A-Za-z0-9_.-]*'
const QUOTED = `(?:"[^"<]*"|'[^'<]*')`
const ROOT_NAME = new RegExp(`^<(?:${NAME}:)?sip[\\s/>]`)
// The root's start tag: attributes are matched as quoted values, so a `>` inside one is no end.
const ROOT_OPEN = new RegExp(`^<((?:${NAME}:)?sip)((?:\\s+${NAME}(?::${NAME})?\\s*=\\s*${QUOTED})*)\\s*(/?)>`)
const ATTRIBUTE = new RegExp(`^\\s+(${NAME}(?::${NAME})?)\\s*=\\s*(?:"([^"<]*)"|'([^'<]*)')`)

function skipProlog(text: string): string {
  let rest = text.replace(/^\uFEFF/, '').trimStart()
  for (;;) {
    if (rest.startsWith('<?')) {
      const end = rest.indexOf('?>')
      if (end < 0) return rest
      rest = rest.slice(end + 2).trimStart()
    } else if (rest.startsWith('<!--')) {
      const end = rest.indexOf('-->')
      if (end < 0) return rest
      rest = rest.slice(end + 3).trimStart()
    } else return rest
  }
}

function parseAttributes(text: string): Map<string, string> | null {
  const attributes = new Map<string, string>()
  let rest = text
  while (rest.trim() !== '') {
    const match = ATTRIBUTE.exec(rest)
    if (!match) return null
    attributes.set(match[1] ?? '', unescapeXml(match[2] ?? match[3] ?? ''))
    rest = rest.slice(match[0].length)
  }
  return attributes
}

/** The content of an element's text: CDATA sections kept as they are, the rest XML-unescaped. */
function elementText(content: string): string | null {
  let out = ''
  let rest = content
  while (rest !== '') {
    const cdata = rest.indexOf('<![CDATA[')
    const plain = cdata < 0 ? rest : rest.slice(0, cdata)
    if (plain.includes('<') || plain.includes('>')) return null
    out += unescapeXml(plain)
    if (cdata < 0) break
    const end = rest.indexOf(']]>', cdata)
    if (end < 0) return null
    out += rest.slice(cdata + 9, end)
    rest = rest.slice(end + 3)
  }
  return out
}

/** Read a request envelope; never throws. */
export function parseFbsEnvelope(xml: string): FbsEnvelopeResult {
  if (typeof xml !== 'string') return { ok: false, error: 'no XML' }
  const text = skipProlog(xml)
  if (!ROOT_NAME.test(text)) return { ok: false, error: 'the root element is not sip' }
  const open = ROOT_OPEN.exec(text)
  if (!open) return { ok: false, error: 'the sip element has malformed attributes' }
  const rootName = open[1] ?? 'sip'
  if (open[3] === '/') return { ok: false, error: 'the sip element is empty' }
  const attributes = parseAttributes(open[2] ?? '')
  if (!attributes) return { ok: false, error: 'the sip element has malformed attributes' }
  const close = `</${rootName}>`
  const closeAt = text.lastIndexOf(close)
  if (closeAt < 0) return { ok: false, error: `no ${close}` }
  const after = text.slice(closeAt + close.length).replace(/<!--[\s\S]*?-->/g, '')
  if (after.trim() !== '') return { ok: false, error: 'text after the sip element' }
  const inner = text.slice(open[0].length, closeAt).trim()
  const request = new RegExp(`^<((?:${NAME}:)?request)\\s*>([\\s\\S]*)</\\1\\s*>$`).exec(inner)
  if (!request) {
    if (/^<((?:[A-Za-z_][\w.-]*:)?request)\s*\/>$/.test(inner)) {
      return envelopeOf(attributes, '')
    }
    return { ok: false, error: 'the sip element holds no single request element' }
  }
  const content = elementText(request[2] ?? '')
  if (content === null) return { ok: false, error: 'the request element holds markup' }
  return envelopeOf(attributes, content)
}

function dropLineEnd(text: string): string {
  let end = text.length
  while (end > 0 && /\s/.test(text[end - 1] ?? '')) end--
  const newline = text.slice(end).search(/[\r\n]/)
  return newline < 0 ? text : text.slice(0, end + newline)
}

function envelopeOf(attributes: Map<string, string>, request: string): FbsEnvelopeResult {
  const login = attributes.get('login')
  const password = attributes.get('password')
  if (login === undefined) return { ok: false, error: 'no login attribute' }
  if (password === undefined) return { ok: false, error: 'no password attribute' }
  // Leading whitespace and a terminator or a line break with indentation after the message are dropped;
  // trailing blanks are kept (they can be part of a fixed field, e.g. an all-blank summary).
  const trimmed = dropLineEnd(request.replace(/^\s+/, ''))
  return { ok: true, envelope: { login, password, request: trimmed } }
}

function envelope(body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ns1:sip xmlns:ns1="${FBS_NAMESPACE}">${body}</ns1:sip>`
}

/** The answer envelope holding a SIP2 response. */
export function formatFbsResponse(sip2Response: string): string {
  return envelope(`<response>${escapeXml(sip2Response.replace(/[\r\n]+$/, ''))}</response>`)
}

/** The answer envelope holding an error text. */
export function formatFbsError(message: string): string {
  return envelope(`<error>${escapeXml(message)}</error>`)
}

/** The request envelope (for test clients). */
export function formatFbsRequest(envelopeValues: FbsRequestEnvelope): string {
  return `<ns1:sip login="${escapeXml(envelopeValues.login)}" password="${escapeXml(envelopeValues.password)}" xmlns:ns1="${FBS_NAMESPACE}"><request>${escapeXml(envelopeValues.request)}</request></ns1:sip>`
}

export type FbsAnswer =
  | { kind: 'response'; text: string }
  | { kind: 'error'; text: string }
  | { kind: 'invalid'; reason: string }

/** Read an answer envelope (for test clients); never throws. */
export function parseFbsAnswer(xml: string): FbsAnswer {
  const text = skipProlog(xml)
  const match =
    /^<((?:[A-Za-z_][\w.-]*:)?sip)(?:\s[^>]*)?>\s*<(response|error)>([\s\S]*)<\/\2>\s*<\/\1>\s*$/.exec(text)
  if (!match) return { kind: 'invalid', reason: 'not an FBS answer envelope' }
  const content = elementText(match[3] ?? '')
  if (content === null) return { kind: 'invalid', reason: 'markup in the answer' }
  return { kind: match[2] === 'response' ? 'response' : 'error', text: content }
}
