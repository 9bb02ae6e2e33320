import assert from 'node:assert/strict'
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { inflateSync } from 'node:zlib'
import { SimulatedClock } from '../shared/clock.ts'
import { createLetterChannel } from './letter-channel.ts'
import type { OutgoingMessage } from './notice-message.ts'
import { renderNoticePdf } from './notice-pdf.ts'
import { renderNotice } from './notice-templates.ts'

// Bytes 0x80–0x9F of WinAnsi; the rest is Latin-1.
const WIN_ANSI_80_9F = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ'

/** The text runs of a pdfkit PDF: every TJ array's hex strings, joined and decoded (streams inflated). */
function pdfTexts(pdf: Buffer): string[] {
  const source = pdf.toString('latin1')
  const contents = [source]
  for (const match of source.matchAll(/\/FlateDecode[\s\S]*?>>\s*stream\r?\n/g)) {
    const start = (match.index ?? 0) + match[0].length
    const end = source.indexOf('endstream', start)
    try {
      contents.push(inflateSync(pdf.subarray(start, end)).toString('latin1'))
    } catch {
      // Not a content stream (a font, say): no text in it.
    }
  }
  const runs: string[] = []
  for (const content of contents) {
    for (const match of content.matchAll(/\[((?:<[0-9a-fA-F]*>|[-\d.\s])*)\]\s*TJ/g)) {
      const hex = [...(match[1] ?? '').matchAll(/<([0-9a-fA-F]*)>/g)].map((part) => part[1] ?? '').join('')
      runs.push(
        Array.from(Buffer.from(hex, 'hex'), (byte) =>
          byte >= 0x80 && byte <= 0x9f ? (WIN_ANSI_80_9F[byte - 0x80] ?? '') : String.fromCharCode(byte),
        ).join(''),
      )
    }
  }
  return runs
}

const hasText = (pdf: Buffer, text: string) => pdfTexts(pdf).some((run) => run.includes(text))
const pageCount = (pdf: Buffer) => pdf.toString('latin1').match(/\/Type \/Page\n/g)?.length ?? 0

const library = { libraryName: 'Københavns Biblioteker', phone: '33 66 30 00', web: 'bibliotek.kk.dk' }
const notice = renderNotice({
  kind: 'exclusion-warning',
  language: 'da',
  library,
  patronName: 'Søren Ærø Åberg',
  exclusionDate: '2026-12-10',
  balance: 23_050,
  threshold: 20_000,
})
const message: OutgoingMessage = {
  noticeId: 1234,
  kind: 'exclusion-warning',
  language: 'da',
  recipient: { name: 'Søren Ærø Åberg', address: ['Østerbrogade 12, 3. th.', '2100 København Ø'] },
  subject: notice.subject,
  text: notice.text,
  html: notice.html,
  date: '2026-12-03',
}

let outbox = ''
before(async () => {
  outbox = await mkdtemp(join(tmpdir(), 'laan-letters-'))
})
after(async () => {
  await rm(outbox, { recursive: true, force: true })
})

const sender = { name: 'Københavns Biblioteker', lines: ['Biblioteket Online', 'Tlf. 33 66 30 00'] }

describe('createLetterChannel', () => {
  it('writes the letter as a PDF under a name made from the notice, with the address and the text', async () => {
    const letters = createLetterChannel({ outboxDir: outbox, municipality: 'kobenhavn', sender })
    const outcome = await letters.send(message)
    const path = 'kobenhavn/notices/letters/notice-1234-exclusion-warning.pdf'
    assert.deepEqual(outcome, { status: 'sent', providerId: path })
    const pdf = await readFile(join(outbox, path))
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-')
    for (const text of [
      'Københavns Biblioteker',
      'Biblioteket Online',
      'Dato: 3. december 2026',
      'Søren Ærø Åberg',
      'Østerbrogade 12, 3. th.',
      '2100 København Ø',
      notice.subject,
      '10. december 2026',
      'Venlig hilsen',
    ]) {
      assert.ok(hasText(pdf, text), `the letter lacks "${text}": ${JSON.stringify(pdfTexts(pdf))}`)
    }
  })

  it('overwrites the same file on a rerun, with the same bytes, and leaves no temporary file', async () => {
    const letters = createLetterChannel({ outboxDir: outbox, municipality: 'kobenhavn', sender })
    const path = join(outbox, 'kobenhavn/notices/letters/notice-1234-exclusion-warning.pdf')
    await letters.send(message)
    const first = await readFile(path)
    await letters.send(message)
    assert.deepEqual(await readFile(path), first)
    assert.deepEqual(await readdir(join(outbox, 'kobenhavn/notices/letters')), [
      'notice-1234-exclusion-warning.pdf',
    ])
  })

  it('prints the CPR register placeholder when laan has no address, and takes the date from the clock', async () => {
    const clock = new SimulatedClock(new Date('2026-12-04T07:00:00Z'))
    const letters = createLetterChannel({ outboxDir: outbox, municipality: 'gentofte', sender, clock })
    const { date: _date, ...undated } = message
    const outcome = await letters.send({ ...undated, noticeId: 5, recipient: { name: 'Åse Ødegård' } })
    assert.equal(outcome.status, 'sent')
    const pdf = await readFile(join(outbox, 'gentofte/notices/letters/notice-5-exclusion-warning.pdf'))
    assert.ok(hasText(pdf, 'Adresse fra CPR-registret'))
    assert.ok(hasText(pdf, 'Dato: 4. december 2026'))
  })

  it('refuses what it cannot print, and retries when the outbox cannot be written', async () => {
    const letters = createLetterChannel({ outboxDir: outbox, municipality: 'kobenhavn', sender })
    const attachment = { filename: 'a.pdf', contentType: 'application/pdf', content: Buffer.from('x') }
    for (const bad of [
      { ...message, attachments: [attachment] },
      { ...message, noticeId: 0 },
      { ...message, date: '2026-13-01' },
      { ...message, recipient: { name: ' ' } },
    ]) {
      const outcome = await letters.send(bad)
      assert.equal(outcome.status, 'failed')
      assert.ok(outcome.status === 'failed' && outcome.permanent && !outcome.bounce, JSON.stringify(outcome))
    }
    // A file where the folder should be: the write fails, and trying again later may work.
    const blocked = await mkdtemp(join(tmpdir(), 'laan-blocked-'))
    try {
      await writeFile(join(blocked, 'kobenhavn'), 'not a folder')
      await chmod(join(blocked, 'kobenhavn'), 0o444)
      const outcome = await createLetterChannel({
        outboxDir: blocked,
        municipality: 'kobenhavn',
        sender,
      }).send(message)
      assert.equal(outcome.status, 'failed')
      assert.ok(outcome.status === 'failed' && !outcome.permanent && !outcome.bounce, JSON.stringify(outcome))
    } finally {
      await rm(blocked, { recursive: true, force: true })
    }
  })
})

describe('renderNoticePdf', () => {
  it('lists items as bullets, folds what the standard fonts cannot show, and runs onto more pages', async () => {
    const items = Array.from({ length: 80 }, (_, i) => ({
      title: `Bog nummer ${i + 1} – Łódź`,
      dueDate: '2026-12-03',
    }))
    const long = renderNotice({ kind: 'recall', language: 'en', library, patronName: 'Anna', items })
    const pdf = await renderNoticePdf(
      {
        sender,
        recipient: { name: 'Anna' },
        date: '2026-12-03',
        language: 'en',
        subject: long.subject,
        text: long.text,
      },
      { compress: false },
    )
    assert.ok(pageCount(pdf) >= 2, `pages: ${pageCount(pdf)}`)
    assert.ok(hasText(pdf, 'Bog nummer 80'))
    assert.ok(hasText(pdf, 'Bog nummer 1 – Lódz'))
    assert.ok(hasText(pdf, 'Date: 3 December 2026'))
    assert.ok(!hasText(pdf, 'Østerbrogade'))
  })
})
