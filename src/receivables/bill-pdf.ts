import PDFDocument from 'pdfkit'
import {
  BLACK,
  BOLD,
  BOTTOM_LIMIT,
  GREY,
  LEFT,
  PAGE_HEIGHT,
  PAGE_WIDTH,
  REGULAR,
  RIGHT,
  TOP,
  WIDTH,
} from '../shared/a4-page.ts'
import { instantOfLocal } from '../shared/time.ts'
import {
  assertValidBillDocument,
  type BillDocument,
  contactLines,
  documentTexts,
  formatDanishDate,
  formatKroner,
  LABELS,
  paymentInstructions,
} from './bill-document.ts'

export interface RenderPdfOptions {
  /** Deflate the page streams (default true); tests turn it off to read the text. */
  compress?: boolean
}

const AMOUNT_COLUMN = 110
const CONTACT_COLUMN = 340
/** An FIK payment slip is the bottom third of an A4 sheet. */
const SLIP_HEIGHT = 288
const SLIP_TOP = PAGE_HEIGHT - SLIP_HEIGHT

const MONO = 'Courier'

// The standard fonts speak WinAnsi only, and pdfkit writes any other character as a corrupt hex code,
// so text is folded into WinAnsi first: an accent WinAnsi lacks is dropped, anything else becomes "?".
const WIN_ANSI_HIGH = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ')
const FOLDS: Record<string, string> = {
  ł: 'l',
  Ł: 'L',
  đ: 'd',
  Đ: 'D',
  ħ: 'h',
  Ħ: 'H',
  ı: 'i',
  ŀ: 'l',
  Ŀ: 'L',
  ŧ: 't',
  Ŧ: 'T',
  '\u2010': '-',
  '\u2011': '-',
  '\u2212': '-',
}

function isWinAnsi(ch: string): boolean {
  const code = ch.codePointAt(0) ?? 0
  return (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_HIGH.has(ch)
}

/** The text as the standard PDF fonts can show it; Danish letters pass unchanged. */
export function toWinAnsi(text: string): string {
  let out = ''
  for (const ch of text.normalize('NFC')) {
    if (ch === '\u00ad') continue
    if (isWinAnsi(ch)) out += ch
    else if (/\s/u.test(ch)) out += ' '
    else if (/\p{Cc}|\p{Cf}/u.test(ch)) continue
    else if (FOLDS[ch] !== undefined) out += FOLDS[ch]
    else {
      const base = ch.normalize('NFD').replace(/\p{M}/gu, '')
      out += base !== '' && base !== ch && [...base].every(isWinAnsi) ? base : '?'
    }
  }
  return out
}

type Pdf = PDFKit.PDFDocument

/** Page layout state: where the next block goes and how far down it may reach on this page. */
class Layout {
  y = TOP
  limit: number
  private current: [string, number, string] = [REGULAR, 10, BLACK]

  constructor(
    readonly pdf: Pdf,
    readonly doc: BillDocument,
    firstPageLimit: number,
  ) {
    this.limit = firstPageLimit
  }

  font(name: string, size: number, color = BLACK): this {
    this.current = [name, size, color]
    this.pdf.font(name).fontSize(size).fillColor(color)
    return this
  }

  /** One line at (x, y), cut to `width` with an ellipsis. */
  line(text: string, x: number, y: number, width = RIGHT - x): void {
    this.pdf.text(fit(this.pdf, toWinAnsi(text), width), x, y, { lineBreak: false })
  }

  /** One line ending at `right`. */
  lineRight(text: string, right: number, y: number): void {
    const safe = toWinAnsi(text)
    this.pdf.text(safe, right - this.pdf.widthOfString(safe), y, { lineBreak: false })
  }

  height(text: string, width: number): number {
    return this.pdf.heightOfString(toWinAnsi(text), { width })
  }

  /** A wrapped paragraph at the cursor; moves to a new page first if it does not fit. */
  paragraph(text: string, gap = 6, x = LEFT, width = RIGHT - x): void {
    this.ensure(this.height(text, width))
    const safe = toWinAnsi(text)
    const height = this.pdf.heightOfString(safe, { width })
    this.pdf.text(safe, x, this.y, { width })
    this.y += height + gap
  }

  ensure(height: number): void {
    if (this.y + height <= this.limit) return
    const font = this.current
    this.pdf.addPage()
    this.limit = BOTTOM_LIMIT
    this.font(REGULAR, 8, GREY)
    this.line(
      `${this.doc.municipalityName} \u2013 ${LABELS.claimNumber.toLowerCase()} ${this.doc.claimNumber}`,
      LEFT,
      TOP,
    )
    this.font(...font)
    this.y = TOP + 25
  }

  rule(y: number, weight = 0.5): void {
    this.pdf.moveTo(LEFT, y).lineTo(RIGHT, y).lineWidth(weight).strokeColor(BLACK).stroke()
  }
}

function fit(pdf: Pdf, text: string, width: number): string {
  if (pdf.widthOfString(text) <= width) return text
  let cut = text
  while (cut.length > 0 && pdf.widthOfString(`${cut}\u2026`) > width) cut = cut.slice(0, -1)
  return `${cut.trimEnd()}\u2026`
}

function drawHeader(layout: Layout): void {
  const { doc } = layout
  layout.font(BOLD, 14).line(doc.municipalityName, LEFT, TOP, 300)
  layout.font(REGULAR, 10).line(doc.issuer.name, LEFT, TOP + 20, 300)
  layout.line(`${LABELS.phone} ${doc.issuer.phone}`, LEFT, TOP + 33, 300)

  layout.font(REGULAR, 10)
  layout.lineRight(`${LABELS.date}: ${formatDanishDate(doc.date)}`, RIGHT, TOP + 20)
  layout.lineRight(`${LABELS.claimNumber}: ${doc.claimNumber}`, RIGHT, TOP + 33)

  // Placed for the address window of a C5 envelope.
  let y = 130
  layout.font(REGULAR, 11).line(doc.debtor.name, LEFT, y, 250)
  for (const addressLine of doc.debtor.address ?? []) {
    y += 14
    layout.line(addressLine, LEFT, y, 250)
  }

  const contactsEnd = drawContacts(layout, CONTACT_COLUMN, 110)
  layout.y = Math.max(220, y + 40, contactsEnd + 24)
}

/** Whom to contact about what, in the right-hand column beside the address; returns where it ends. */
function drawContacts(layout: Layout, x: number, top: number): number {
  const width = RIGHT - x
  layout.font(BOLD, 9.5).line(LABELS.contactHeading, x, top, width)
  let y = top + 15
  for (const contact of contactLines(layout.doc)) {
    layout.font(BOLD, 8.5).line(contact.label, x, y, width)
    y += 11
    layout.font(REGULAR, 8.5)
    const text = toWinAnsi(contact.text)
    const height = layout.pdf.heightOfString(text, { width })
    layout.pdf.text(text, x, y, { width })
    y += height + 5
  }
  return y
}

function drawBody(layout: Layout): void {
  const { doc } = layout
  const texts = documentTexts(doc)
  layout.ensure(28)
  layout.font(BOLD, 17).line(texts.heading, LEFT, layout.y)
  layout.y += 28

  layout.font(REGULAR, 10.5)
  for (const sentence of texts.body) layout.paragraph(sentence)
  layout.y += 6

  drawClaimTable(layout)

  layout.ensure(60)
  layout.font(BOLD, 12).line(LABELS.howToPay, LEFT, layout.y)
  layout.y += 18
  layout.font(REGULAR, 10)
  for (const way of paymentInstructions(doc)) layout.paragraph(`\u2022 ${way}`, 4)
}

function drawClaimTable(layout: Layout): void {
  const { doc } = layout
  const textWidth = WIDTH - AMOUNT_COLUMN - 10

  layout.font(REGULAR, 9, GREY)
  layout.ensure(20)
  layout.line(`${LABELS.legalKind}: ${doc.legalKindText}`, LEFT, layout.y)
  layout.y += 18

  layout.ensure(20)
  layout.font(BOLD, 10)
  layout.line(LABELS.textHeader, LEFT, layout.y, textWidth)
  layout.lineRight(LABELS.amountHeader, RIGHT, layout.y)
  layout.y += 14
  layout.rule(layout.y)
  layout.y += 5

  layout.font(REGULAR, 10)
  for (const row of doc.lines) {
    const height = layout.height(row.text, textWidth)
    layout.ensure(height + 4)
    layout.pdf.text(toWinAnsi(row.text), LEFT, layout.y, { width: textWidth })
    layout.lineRight(formatKroner(row.amount), RIGHT, layout.y)
    layout.y += height + 4
  }

  layout.ensure(44)
  layout.rule(layout.y, 1)
  layout.y += 6
  layout.font(BOLD, 11)
  layout.line(LABELS.total, LEFT, layout.y, textWidth)
  layout.lineRight(formatKroner(doc.total), RIGHT, layout.y)
  layout.y += 16
  layout.line(`${LABELS.deadline}: ${formatDanishDate(doc.deadline)}`, LEFT, layout.y)
  layout.y += 28
}

/** The FIK 71 payment slip ("indbetalingskort") across the bottom third of the first page. */
function drawPaymentSlip(layout: Layout): void {
  const { doc, pdf } = layout
  pdf.save()
  pdf
    .moveTo(0, SLIP_TOP)
    .lineTo(PAGE_WIDTH, SLIP_TOP)
    .dash(4, { space: 3 })
    .lineWidth(0.5)
    .strokeColor(GREY)
    .stroke()
  pdf.restore()

  const top = SLIP_TOP + 16
  const middle = LEFT + 260
  layout.font(BOLD, 12).line('Indbetalingskort', LEFT, top, 200)
  layout.font(BOLD, 16).lineRight('+71', RIGHT, top - 2)

  layout.font(REGULAR, 7.5, GREY).line('Indbetalt af', LEFT, top + 26, 240)
  layout.font(REGULAR, 9.5)
  let y = top + 37
  for (const text of [doc.debtor.name, ...(doc.debtor.address ?? [])].slice(0, 5)) {
    layout.line(text, LEFT, y, 240)
    y += 12
  }
  layout.font(REGULAR, 7.5, GREY).line('Betalingsmodtager', middle, top + 26)
  layout.font(REGULAR, 9.5)
  layout.line(doc.municipalityName, middle, top + 37)
  layout.line(doc.issuer.name, middle, top + 49)

  const fieldsTop = top + 112
  const fields: [string, string][] = [
    ['Betalings-id', doc.paymentId],
    ['Kreditornr.', doc.creditorNumber],
    [LABELS.deadline, formatDanishDate(doc.deadline)],
    ['Beløb', formatKroner(doc.total)],
  ]
  const fieldWidth = WIDTH / fields.length
  fields.forEach(([label, value], index) => {
    const x = LEFT + index * fieldWidth
    layout.pdf
      .rect(x, fieldsTop, fieldWidth - 6, 34)
      .lineWidth(0.5)
      .strokeColor(BLACK)
      .stroke()
    layout.font(REGULAR, 7.5, GREY).line(label, x + 5, fieldsTop + 5, fieldWidth - 16)
    layout.font(BOLD, 10).line(value, x + 5, fieldsTop + 17, fieldWidth - 16)
  })

  // The code line the bank reads: amount on the left, "+71<payment id+creditor<" on the right.
  const codeY = PAGE_HEIGHT - 48
  layout.pdf
    .rect(LEFT - 6, codeY - 10, WIDTH + 12, 32)
    .lineWidth(0.5)
    .strokeColor(BLACK)
    .stroke()
  layout.font(MONO, 12).line(formatKroner(doc.total), LEFT, codeY, 170)
  layout.lineRight(doc.paymentLine, RIGHT, codeY)
}

/** The letter as an A4 PDF; the same document gives the same bytes. */
export async function renderBillPdf(doc: BillDocument, options: RenderPdfOptions = {}): Promise<Buffer> {
  assertValidBillDocument(doc)
  const texts = documentTexts(doc)
  const pdf = new PDFDocument({
    size: 'A4',
    margins: { top: TOP, bottom: 20, left: LEFT, right: PAGE_WIDTH - RIGHT },
    compress: options.compress ?? true,
    lang: 'da-DK',
    displayTitle: true,
    info: {
      Title: `${texts.title} \u2013 ${LABELS.claimNumber.toLowerCase()} ${doc.claimNumber}`,
      Author: doc.municipalityName,
      Creator: 'laan',
      Producer: 'laan',
      CreationDate: instantOfLocal(doc.date),
    },
  })
  const chunks: Buffer[] = []
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on('data', (chunk: Buffer) => chunks.push(chunk))
    pdf.on('end', () => resolve(Buffer.concat(chunks)))
    pdf.on('error', reject)
  })

  const withSlip = doc.channel === 'letter'
  const layout = new Layout(pdf, doc, withSlip ? SLIP_TOP - 16 : BOTTOM_LIMIT)
  drawHeader(layout)
  if (withSlip) drawPaymentSlip(layout)
  drawBody(layout)
  pdf.end()
  return done
}
