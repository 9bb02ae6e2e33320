// A notice as an A4 letter: the library at the top, the address in the window of a C5 envelope, the
// subject, and the notice's plain text. The page measures and fonts follow src/receivables/bill-pdf.ts, and
// text goes through its toWinAnsi, as the standard PDF fonts need.

import PDFDocument from 'pdfkit'
import { toWinAnsi } from '../receivables/bill-pdf.ts'
import {
  BLACK,
  BOLD,
  BOTTOM_LIMIT,
  GREY,
  LEFT,
  PAGE_WIDTH,
  REGULAR,
  RIGHT,
  TOP,
  WIDTH,
} from '../shared/a4-page.ts'
import {
  formatDanishDate,
  formatEnglishDate,
  instantOfLocal,
  isLocalDate,
  type LocalDate,
} from '../shared/time.ts'
import type { NoticeLanguage } from './notice-message.ts'

export interface NoticeLetter {
  /** The library: its name, and contact lines under it. */
  sender: { name: string; lines?: string[] }
  /** A letter for the post gives the address lines; a Digital Post document leaves them out. */
  recipient: { name: string; address?: string[] }
  date: LocalDate
  language: NoticeLanguage
  subject: string
  /** The notice's plain text: paragraphs split by a blank line, "- " starts a list item. */
  text: string
}

export interface NoticePdfOptions {
  /** Deflate the page streams (default true); tests turn it off to read the text. */
  compress?: boolean
}

/** Where the address goes: the window of a C5 envelope, as on the bills. */
const ADDRESS_TOP = 130
const BULLET_INDENT = 14

type Pdf = PDFKit.PDFDocument

/** A notice whose letter cannot be made: a bug in the caller or its data. */
export class NoticeLetterError extends Error {
  override name = 'NoticeLetterError'
}

/** The letter as an A4 PDF; the same letter gives the same bytes. */
export async function renderNoticePdf(letter: NoticeLetter, options: NoticePdfOptions = {}): Promise<Buffer> {
  if (!isLocalDate(letter.date))
    throw new NoticeLetterError(`date is not a date (YYYY-MM-DD): ${letter.date}`)
  if (letter.sender.name.trim() === '') throw new NoticeLetterError('the sender has no name')
  if (letter.recipient.name.trim() === '') throw new NoticeLetterError('the recipient has no name')
  if (letter.subject.trim() === '') throw new NoticeLetterError('the notice has no subject')

  const pdf = new PDFDocument({
    size: 'A4',
    margins: { top: TOP, bottom: 20, left: LEFT, right: PAGE_WIDTH - RIGHT },
    compress: options.compress ?? true,
    lang: letter.language === 'en' ? 'en-GB' : 'da-DK',
    displayTitle: true,
    info: {
      Title: toWinAnsi(letter.subject),
      Author: toWinAnsi(letter.sender.name),
      Creator: 'laan',
      Producer: 'laan',
      CreationDate: instantOfLocal(letter.date),
    },
  })
  const chunks: Buffer[] = []
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on('data', (chunk: Buffer) => chunks.push(chunk))
    pdf.on('end', () => resolve(Buffer.concat(chunks)))
    pdf.on('error', reject)
  })

  let y = drawHeader(pdf, letter)
  const ensure = (height: number) => {
    if (y + height <= BOTTOM_LIMIT) return
    pdf.addPage()
    font(pdf, REGULAR, 8, GREY)
    line(pdf, `${letter.sender.name} \u2013 ${letter.subject}`, LEFT, TOP, WIDTH)
    y = TOP + 25
  }

  font(pdf, BOLD, 14)
  const subject = toWinAnsi(letter.subject)
  const subjectHeight = pdf.heightOfString(subject, { width: WIDTH })
  ensure(subjectHeight)
  pdf.text(subject, LEFT, y, { width: WIDTH })
  y += subjectHeight + 14

  font(pdf, REGULAR, 10.5)
  for (const paragraph of letter.text.replace(/\r\n?/g, '\n').split(/\n\s*\n/)) {
    const lines = paragraph.split('\n').filter((l) => l.trim() !== '')
    if (lines.length === 0) continue
    for (const raw of lines) {
      const bullet = /^\s*[-\u2022]\s+/.exec(raw)
      const x = bullet === null ? LEFT : LEFT + BULLET_INDENT
      const text = toWinAnsi(bullet === null ? raw.trim() : raw.slice(bullet[0].length).trim())
      const width = RIGHT - x
      const height = pdf.heightOfString(text, { width })
      ensure(height)
      if (bullet !== null) pdf.text('\u2022', LEFT + 2, y, { lineBreak: false })
      pdf.text(text, x, y, { width })
      y += height + (bullet === null ? 1 : 3)
    }
    y += 8
  }

  pdf.end()
  return done
}

function font(pdf: Pdf, name: string, size: number, color = BLACK): void {
  pdf.font(name).fontSize(size).fillColor(color)
}

/** One line at (x, y), cut to `width` with an ellipsis. */
function line(pdf: Pdf, text: string, x: number, y: number, width: number): void {
  let safe = toWinAnsi(text)
  if (pdf.widthOfString(safe) > width) {
    while (safe.length > 0 && pdf.widthOfString(`${safe}\u2026`) > width) safe = safe.slice(0, -1)
    safe = `${safe.trimEnd()}\u2026`
  }
  pdf.text(safe, x, y, { lineBreak: false })
}

/** The sender, the date and the address block; returns where the subject goes. */
function drawHeader(pdf: Pdf, letter: NoticeLetter): number {
  font(pdf, BOLD, 14)
  line(pdf, letter.sender.name, LEFT, TOP, 300)
  font(pdf, REGULAR, 9, GREY)
  let senderY = TOP + 20
  for (const text of (letter.sender.lines ?? []).filter((l) => l.trim() !== '').slice(0, 4)) {
    line(pdf, text, LEFT, senderY, 300)
    senderY += 12
  }

  font(pdf, REGULAR, 10)
  const date =
    letter.language === 'en'
      ? `Date: ${formatEnglishDate(letter.date)}`
      : `Dato: ${formatDanishDate(letter.date)}`
  const safeDate = toWinAnsi(date)
  pdf.text(safeDate, RIGHT - pdf.widthOfString(safeDate), TOP + 20, { lineBreak: false })

  const address = letter.recipient.address
  if (address === undefined) return Math.max(senderY + 30, 130)
  font(pdf, REGULAR, 11)
  let y = ADDRESS_TOP
  line(pdf, letter.recipient.name, LEFT, y, 250)
  for (const text of address.slice(0, 6)) {
    y += 14
    line(pdf, text, LEFT, y, 250)
  }
  return Math.max(230, y + 50)
}
