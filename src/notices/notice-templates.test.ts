import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { parse } from 'yaml'
import { paymentIdFromSequence } from '../receivables/fik.ts'
import { formatKroner } from '../shared/money.ts'
import { formatDanishDate, formatEnglishDate } from '../shared/time.ts'
import { NOTICE_KINDS, type NoticeKind, type NoticeLanguage } from './notice-message.ts'
import {
  formatEnglishKroner,
  type LibraryContact,
  type NoticeInput,
  type NoticeItem,
  NoticeTemplateError,
  renderNotice,
} from './notice-templates.ts'

const MUNICIPALITIES = ['kobenhavn', 'gentofte', 'naestved', 'koge'] as const

interface ContactValue {
  who: string
  phone?: string
  web?: string
}

/** The library's name and contact lines as the policy files give them (Køge has no library policy file). */
function libraryOf(municipality: string): { library: LibraryContact; payment: ContactValue } {
  const read = (path: string): Record<string, unknown> =>
    parse(readFileSync(new URL(`../../policies/${path}`, import.meta.url), 'utf8')) as Record<string, unknown>
  const receivables = read(`receivables/${municipality}.yaml`) as {
    contacts: { reason: { value: ContactValue }; payment: { value: ContactValue } }
    issuers: { value: { name: string; library?: boolean }[] }
  }
  const libraryFile = new URL(`../../policies/${municipality}.yaml`, import.meta.url)
  const name = existsSync(libraryFile)
    ? String(read(`${municipality}.yaml`).name)
    : receivables.issuers.value.find((issuer) => issuer.library === true)?.name
  assert.ok(name !== undefined && name !== '', `no library name for ${municipality}`)
  const reason = receivables.contacts.reason.value
  return {
    library: {
      libraryName: name,
      ...(reason.phone === undefined ? {} : { phone: reason.phone }),
      ...(reason.web === undefined ? {} : { web: reason.web }),
      ...(municipality === 'gentofte' ? { paymentPortal: 'Min betalingsoversigt' } : {}),
    },
    payment: receivables.contacts.payment.value,
  }
}

const items: NoticeItem[] = [
  { title: 'Kongens Fald', author: 'Johannes V. Jensen', dueDate: '2026-12-03' },
  { title: 'Ærø – øer i Østersøen', author: 'Åse Ødegård', dueDate: '2026-12-03' },
]
const reserved: NoticeItem[] = [
  { title: 'Den store bagedyst: kager', pickupBy: '2026-12-10', library: 'Østerbro Bibliotek' },
  {
    title: 'Lille Virgil',
    author: 'Ole Lund Kirkegaard',
    pickupBy: '2026-12-11',
    library: 'Østerbro Bibliotek',
  },
]
const paymentId = paymentIdFromSequence(6_709_753)

function inputFor(kind: NoticeKind, language: NoticeLanguage, municipality: string): NoticeInput {
  const { library, payment } = libraryOf(municipality)
  const base = { language, library, patronName: 'Søren Ærø Åberg' }
  const claim = {
    paymentId,
    deadline: '2026-12-17',
    paymentContact: payment,
    items: [{ title: 'Kongens Fald' }],
  }
  switch (kind) {
    case 'reminder':
      return { ...base, kind, items }
    case 'recall':
      return { ...base, kind, items: [items[0] as NoticeItem, { title: 'Matilda', dueDate: '2026-11-20' }] }
    case 'reservation-ready':
      return { ...base, kind, items: reserved, postage: 1500 }
    case 'exclusion-warning':
      return { ...base, kind, exclusionDate: '2026-12-10', balance: 23_050, threshold: 20_000 }
    case 'bill':
      return { ...base, kind, amount: 34_500, ...claim }
    case 'dunning-letter':
      return { ...base, kind, amount: 59_500, fee: 25_000, letterNumber: 2, ...claim }
    case 'collection-notice':
      return { ...base, kind, amount: 84_500, ...claim }
    case 'refund':
      return { ...base, kind, amount: 24_000, payoutDate: '2026-12-08', items: [{ title: 'Kongens Fald' }] }
  }
}

/** The facts each kind must state, in the notice's language. */
function keyFacts(input: NoticeInput): string[] {
  const date = input.language === 'da' ? formatDanishDate : formatEnglishDate
  const money = input.language === 'da' ? formatKroner : formatEnglishKroner
  const titles = 'items' in input ? (input.items ?? []).map((i) => i.title) : []
  switch (input.kind) {
    case 'reminder':
    case 'recall':
      return [...titles, ...input.items.map((i) => date(i.dueDate ?? ''))]
    case 'reservation-ready':
      return [...titles, 'Østerbro Bibliotek', date('2026-12-10'), date('2026-12-11'), money(1500)]
    case 'exclusion-warning':
      return [date(input.exclusionDate), money(input.balance), money(input.threshold)]
    case 'bill':
    case 'collection-notice':
      return [...titles, money(input.amount), paymentId, date(input.deadline)]
    case 'dunning-letter':
      return [...titles, money(input.amount), money(input.fee), paymentId, date(input.deadline)]
    case 'refund':
      return [...titles, money(input.amount), date(input.payoutDate ?? ''), 'NemKonto']
  }
}

const escapeHtml = (value: string) =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

// GSM 03.38's basic set: what an SMS carries at 160 characters a part.
const GSM =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà'

describe('renderNotice', () => {
  for (const municipality of MUNICIPALITIES) {
    for (const language of ['da', 'en'] as const) {
      it(`renders every kind for ${municipality} in ${language === 'da' ? 'Danish' : 'English'}`, () => {
        for (const kind of NOTICE_KINDS) {
          const input = inputFor(kind, language, municipality)
          const notice = renderNotice(input)
          const where = `${municipality}/${language}/${kind}`
          for (const [field, value] of Object.entries(notice)) {
            assert.ok(value.trim() !== '', `${where}: empty ${field}`)
            for (const leak of ['undefined', 'NaN', 'null', '{{', '}}', '${', '[object', 'Infinity']) {
              assert.ok(!value.includes(leak), `${where}: ${field} holds "${leak}":\n${value}`)
            }
          }
          const library = input.library.libraryName
          assert.ok(notice.text.includes(library), `${where}: text lacks the library name`)
          assert.ok(notice.html.includes(escapeHtml(library)), `${where}: html lacks the library name`)
          assert.ok(notice.sms.includes(library), `${where}: sms lacks the library name`)
          assert.ok(notice.text.includes('Søren Ærø Åberg'), `${where}: text lacks the patron's name`)
          for (const fact of keyFacts(input)) {
            assert.ok(notice.text.includes(fact), `${where}: text lacks "${fact}":\n${notice.text}`)
            assert.ok(notice.html.includes(escapeHtml(fact)), `${where}: html lacks "${fact}"`)
          }
          if (input.library.phone !== undefined) assert.ok(notice.text.includes(input.library.phone), where)
          assert.ok(notice.html.startsWith('<!DOCTYPE html>\n'), where)
          assert.ok(notice.html.includes(`<html lang="${language}">`), where)
          assert.ok(!notice.subject.includes('\n'), `${where}: subject on one line`)
          assert.ok(
            notice.sms.length <= 306,
            `${where}: sms of ${notice.sms.length} characters: ${notice.sms}`,
          )
          const notGsm = [...notice.sms].filter((ch) => !GSM.includes(ch))
          assert.deepEqual(notGsm, [], `${where}: sms has characters outside GSM 03.38: ${notice.sms}`)
        }
      })
    }
  }

  it('writes Danish and English dates and amounts as people read them', () => {
    const da = renderNotice(inputFor('reminder', 'da', 'kobenhavn'))
    assert.equal(da.subject, 'Påmindelse: dine lån skal afleveres 3. december 2026')
    assert.match(da.text, /^- Kongens Fald \(Johannes V\. Jensen\) – afleveres senest 3\. december 2026$/m)
    assert.match(da.text, /Min side/)
    const en = renderNotice(inputFor('reminder', 'en', 'kobenhavn'))
    assert.equal(en.subject, 'Reminder: your loans are due on 3 December 2026')
    const bill = renderNotice(inputFor('bill', 'da', 'kobenhavn'))
    assert.match(bill.text, /^Beløb: 345 kr$/m)
    assert.match(bill.text, /Mit Betalingsoverblik/)
    assert.match(
      bill.text,
      /Finans & Betaling på tlf\. 70 80 70 10 eller på www\.kk\.dk\/mitbetalingsoverblik/,
    )
    assert.match(renderNotice(inputFor('bill', 'en', 'koge')).text, /^Amount: DKK 345$/m)
    assert.match(renderNotice(inputFor('bill', 'da', 'gentofte')).text, /Min betalingsoversigt/)
    assert.equal(formatEnglishKroner(123_450), 'DKK 1,234.50')
    assert.equal(formatEnglishDate('2026-03-01'), '1 March 2026')
  })

  it('lists every item, each with its own date', () => {
    const recall = renderNotice(inputFor('recall', 'da', 'naestved'))
    assert.match(
      recall.text,
      /^- Kongens Fald \(Johannes V\. Jensen\) – skulle have været afleveret 3\. december 2026$/m,
    )
    assert.match(recall.text, /^- Matilda – skulle have været afleveret 20\. november 2026$/m)
    assert.equal((recall.html.match(/<li>/g) ?? []).length, 2)
    const ready = renderNotice(inputFor('reservation-ready', 'en', 'kobenhavn'))
    assert.match(
      ready.text,
      /^- Lille Virgil \(Ole Lund Kirkegaard\) – collect at Østerbro Bibliotek – by 11 December 2026$/m,
    )
    assert.match(ready.sms, /ready at Østerbro Bibliotek until 10 December 2026/)
  })

  it('escapes user data in the HTML and keeps it on one line in the text', () => {
    const notice = renderNotice({
      kind: 'reminder',
      language: 'da',
      library: { libraryName: 'Bibliotek <B> & "C"', web: 'bibliotek.example' },
      patronName: '<script>alert(1)</script>',
      items: [{ title: 'Tom & Jerry <i>\n  i "byen"', dueDate: '2026-12-03' }],
    })
    assert.ok(!notice.html.includes('<script>'))
    assert.ok(!notice.html.includes('<i>'))
    assert.ok(notice.html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'))
    assert.ok(notice.html.includes('Tom &amp; Jerry &lt;i&gt; i &quot;byen&quot;'))
    assert.ok(notice.html.includes('Bibliotek &lt;B&gt; &amp; &quot;C&quot;'))
    assert.match(notice.text, /^- Tom & Jerry <i> i "byen" – afleveres senest 3\. december 2026$/m)
    assert.match(notice.text, /Min side på bibliotek\.example/)
  })

  it('cuts a long title in the SMS', () => {
    const long = 'En meget, meget lang titel på en bog, som ingen SMS har plads til i sin helhed'
    const notice = renderNotice({
      kind: 'reservation-ready',
      language: 'da',
      library: { libraryName: 'Næstved Bibliotek og Borgerservice' },
      patronName: 'A',
      items: [{ title: long, pickupBy: '2026-12-10', library: 'Hovedbiblioteket' }],
    })
    assert.ok(notice.text.includes(long))
    assert.ok(!notice.sms.includes(long))
    assert.match(notice.sms, /"En meget, meget lang titel på en bog,\.\.\."/)
  })

  it('refuses input that cannot make a notice', () => {
    const { library } = libraryOf('kobenhavn')
    const base = { language: 'da' as const, library, patronName: 'A' }
    const bad: NoticeInput[] = [
      { ...base, kind: 'reminder', items: [] },
      { ...base, kind: 'reminder', items: [{ title: 'X', dueDate: '2026-02-30' }] },
      { ...base, kind: 'recall', items: [{ title: '  ' }] },
      { ...base, kind: 'bill', amount: 12.5, paymentId, deadline: '2026-12-17' },
      { ...base, kind: 'bill', amount: 1250, paymentId: '123', deadline: '2026-12-17' },
      { ...base, kind: 'refund', amount: 0 },
      { ...base, kind: 'exclusion-warning', exclusionDate: '10-12-2026', balance: 1, threshold: 1 },
      { ...base, library: { libraryName: '' }, kind: 'refund', amount: 100 },
    ]
    for (const input of bad) {
      assert.throws(() => renderNotice(input), NoticeTemplateError, JSON.stringify(input))
    }
  })
})
