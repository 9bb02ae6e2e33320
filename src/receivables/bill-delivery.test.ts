import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { inflateSync } from 'node:zlib'
import { addDays, instantOfLocal } from '../shared/time.ts'
import { openTestServices, type TestContext } from '../test-support/test-services.ts'
import { ADDRESS_PLACEHOLDER, deliverPendingBills, legalKindText, messageUuid } from './bill-delivery.ts'

const m = 'kobenhavn'
const cleanup: (() => Promise<void>)[] = []
after(async () => {
  for (const done of cleanup) await done()
})

async function outbox(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'laan-outbox-'))
  cleanup.push(() => rm(dir, { recursive: true, force: true }))
  return dir
}

const PATRONS = [
  { cardNumber: 'dp', name: 'Søren Ærø Åberg', cpr: '0103901234', digitalPost: true },
  { cardNumber: 'brev', name: 'Karen Blixen', cpr: '0204851234', digitalPost: false },
  { cardNumber: 'nocpr', name: 'Ib Uden Cpr', birthDate: '1980-05-05', digitalPost: true },
] as const

interface Seeded {
  t: TestContext
  /** The day the bills are sent (the nightly after the late returns). */
  billDay: string
  claimOf: Record<(typeof PATRONS)[number]['cardNumber'], { id: number; paymentId: string }>
}

/** Three patrons return a book five days late; the next night's run sends their bills. */
async function seeded(): Promise<Seeded> {
  const t = await openTestServices(m, '2026-03-02T10:00:00+01:00')
  cleanup.push(() => t.close())
  for (const patron of PATRONS) {
    await t.patron(patron)
    await t.item({ barcode: `b-${patron.cardNumber}`, materialType: 'book', title: 'Den afrikanske farm' })
    await t.tx((trx) =>
      t.services.circulation.checkout(trx, {
        municipality: m,
        patron: patron.cardNumber,
        item: `b-${patron.cardNumber}`,
      }),
    )
  }
  const loan = await t.handle.db.selectFrom('loans').select('dueDate').executeTakeFirstOrThrow()
  const returnDay = addDays(loan.dueDate, 5)
  const at = t.at(instantOfLocal(returnDay, '12:00').toISOString())
  for (const patron of PATRONS) {
    await t.tx((trx) =>
      t.services.circulation.checkin(trx, { municipality: m, item: `b-${patron.cardNumber}`, at }),
    )
  }
  const billDay = addDays(returnDay, 1)
  await nightly(t, billDay)
  const claims = await t.handle.db
    .selectFrom('claims')
    .innerJoin('debtors', 'debtors.id', 'claims.debtorId')
    .innerJoin('patrons', 'patrons.id', 'debtors.patronId')
    .select(['claims.id', 'claims.paymentId', 'patrons.cardNumber'])
    .execute()
  const claimOf = Object.fromEntries(claims.map((c) => [c.cardNumber, { id: c.id, paymentId: c.paymentId }]))
  assert.equal(claims.length, 3)
  return { t, billDay, claimOf: claimOf as Seeded['claimOf'] }
}

async function nightly(t: TestContext, date: string) {
  t.clock.set(instantOfLocal(date, '02:00'))
  return t.services.jobs.nightly(m, date)
}

async function billRows(t: TestContext) {
  return t.handle.db.selectFrom('bills').selectAll().orderBy('id').execute()
}

/** The text runs of a pdfkit PDF: its deflated streams inflated, then every TJ array's hex strings decoded. */
function pdfTexts(pdf: Buffer): string[] {
  const source = pdf.toString('latin1')
  let content = ''
  for (const start of source.matchAll(/(?<!end)stream\r?\n/g)) {
    const from = (start.index ?? 0) + start[0].length
    const to = source.indexOf('endstream', from)
    try {
      content += inflateSync(pdf.subarray(from, to)).toString('latin1')
    } catch {
      // Not a deflated stream (fonts' metrics, images): no text in it.
    }
  }
  const runs: string[] = []
  for (const match of content.matchAll(/\[((?:<[0-9a-fA-F]*>|[-\d.\s])*)\]\s*TJ/g)) {
    const hex = [...(match[1] ?? '').matchAll(/<([0-9a-fA-F]*)>/g)].map((part) => part[1] ?? '').join('')
    // WinAnsi; the Danish letters are Latin-1.
    runs.push(Buffer.from(hex, 'hex').toString('latin1'))
  }
  return runs
}

function hasText(pdf: Buffer, text: string): boolean {
  return pdfTexts(pdf).some((run) => run.includes(text))
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}

describe('deliverPendingBills', () => {
  it('writes the PDF and MeMo message for Digital Post, only a PDF for a letter, and delivers once', async () => {
    const { t, billDay, claimOf } = await seeded()
    const bills = await billRows(t)
    assert.deepEqual(
      bills.map((b) => [b.kind, b.channel, b.deliveryStatus]),
      [
        ['bill', 'digital-post', 'pending'],
        ['bill', 'letter', 'pending'],
        ['bill', 'digital-post', 'pending'],
      ],
    )
    const dir = await outbox()
    const progress: number[] = []
    const result = await deliverPendingBills(
      t.handle.db,
      t.services.receivablesCatalog,
      t.services.cprVault,
      m,
      dir,
      {
        batchSize: 2,
        onProgress: (done) => progress.push(done),
      },
    )
    assert.deepEqual(result, { delivered: 3, letters: 2, digitalPost: 1, failed: 0, skipped: 0 })
    assert.deepEqual(progress, [2, 3])

    const folder = `${m}/${billDay}`
    const pdfOf = (card: keyof Seeded['claimOf']) => `${folder}/regning-${claimOf[card].id}.pdf`
    const delivered = await billRows(t)
    assert.deepEqual(
      delivered.map((b) => [b.deliveryStatus, b.documents]),
      [
        ['delivered', [pdfOf('dp'), `${pdfOf('dp')}.xml`]],
        ['delivered', [pdfOf('brev')]],
        [
          'delivered',
          [pdfOf('nocpr'), 'note: sent as a letter: the debtor has no CPR number for Digital Post'],
        ],
      ],
    )
    assert.equal(delivered[2]?.channel, 'digital-post', 'the row keeps the channel the billing run chose')

    const files = (await readdir(join(dir, folder))).sort()
    assert.deepEqual(
      files,
      [pdfOf('brev'), pdfOf('dp'), `${pdfOf('dp')}.xml`, pdfOf('nocpr')]
        .map((p) => p.slice(folder.length + 1))
        .sort(),
      'only the finished files, no temporary ones',
    )
    for (const card of ['dp', 'brev', 'nocpr'] as const) {
      const pdf = await readFile(join(dir, pdfOf(card)))
      assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-')
      assert.ok(hasText(pdf, claimOf[card].paymentId), `${card}: the payment ID`)
    }
    const letter = await readFile(join(dir, pdfOf('brev')))
    assert.ok(hasText(letter, `+71<${claimOf.brev.paymentId}+85100001<`), 'the payment slip of a letter')
    assert.ok(hasText(letter, 'Karen Blixen') && hasText(letter, ADDRESS_PLACEHOLDER))
    assert.ok(hasText(letter, 'Offentligretligt krav (gebyr for for sen aflevering)'))
    assert.ok(hasText(await readFile(join(dir, pdfOf('nocpr'))), ADDRESS_PLACEHOLDER))
    assert.ok(!hasText(await readFile(join(dir, pdfOf('dp'))), ADDRESS_PLACEHOLDER))

    const memo = await readFile(join(dir, `${pdfOf('dp')}.xml`), 'utf8')
    assert.ok(memo.includes(`<memo:messageUUID>${messageUuid(m, bills[0]?.id ?? 0)}</memo:messageUUID>`))
    assert.ok(memo.includes('<memo:recipientID>0103901234</memo:recipientID>'))
    assert.ok(memo.includes(`<memo:filename>regning-${claimOf.dp.id}.pdf</memo:filename>`))
    const content = /<memo:content>([^<]+)<\/memo:content>/.exec(memo)?.[1] ?? ''
    assert.ok(content.startsWith('JVBERi'), 'base64 of a PDF starts with %PDF')
    const carried = Buffer.from(content, 'base64')
    assert.deepEqual(carried, await readFile(join(dir, pdfOf('dp'))))
    assert.ok(hasText(carried, claimOf.dp.paymentId), 'the message carries the payment ID in its PDF')

    const again = await deliverPendingBills(
      t.handle.db,
      t.services.receivablesCatalog,
      t.services.cprVault,
      m,
      dir,
    )
    assert.deepEqual(again, { delivered: 0, letters: 0, digitalPost: 0, failed: 0, skipped: 0 })
  })

  it('writes the same bytes when a crash before marking makes it deliver a batch again', async () => {
    const { t } = await seeded()
    const first = await outbox()
    const second = await outbox()
    await deliverPendingBills(t.handle.db, t.services.receivablesCatalog, t.services.cprVault, m, first)
    const written = (await billRows(t)).flatMap((b) => b.documents)
    await t.handle.db.updateTable('bills').set({ deliveryStatus: 'pending', documents: '[]' }).execute()
    await deliverPendingBills(t.handle.db, t.services.receivablesCatalog, t.services.cprVault, m, second)
    for (const path of written) {
      if (path.startsWith('note: ')) continue
      assert.deepEqual(await readFile(join(second, path)), await readFile(join(first, path)), path)
    }
  })

  it('without an outbox (simulations) only marks the bills delivered', async () => {
    const { t } = await seeded()
    const result = await deliverPendingBills(
      t.handle.db,
      t.services.receivablesCatalog,
      t.services.cprVault,
      m,
      null,
    )
    assert.deepEqual(result, { delivered: 3, letters: 2, digitalPost: 1, failed: 0, skipped: 0 })
    assert.deepEqual(
      (await billRows(t)).map((b) => [b.deliveryStatus, b.documents]),
      [
        ['delivered', []],
        ['delivered', []],
        ['delivered', []],
      ],
    )
    assert.equal(
      (await deliverPendingBills(t.handle.db, t.services.receivablesCatalog, t.services.cprVault, m, null))
        .delivered,
      0,
    )
  })

  it('marks a bill whose document is invalid as failed and still delivers the others', async () => {
    const { t, billDay, claimOf } = await seeded()
    await t.handle.db
      .updateTable('bills')
      .set({ deadline: addDays(billDay, -1) })
      .where('claimId', '=', claimOf.brev.id)
      .execute()
    const dir = await outbox()
    const result = await deliverPendingBills(
      t.handle.db,
      t.services.receivablesCatalog,
      t.services.cprVault,
      m,
      dir,
    )
    assert.deepEqual(result, { delivered: 2, letters: 1, digitalPost: 1, failed: 1, skipped: 0 })
    const failed = (await billRows(t)).find((b) => b.claimId === claimOf.brev.id)
    assert.equal(failed?.deliveryStatus, 'failed')
    assert.match(failed?.documents[0] ?? '', /^error: BillDocumentError: claim \d+: deadline .* is before/)
    assert.equal(await exists(join(dir, m, billDay, `regning-${claimOf.brev.id}.pdf`)), false)
  })

  it('skips a bill whose claim was paid before delivery', async () => {
    const { t, claimOf } = await seeded()
    const claim = await t.handle.db
      .selectFrom('claims')
      .select(['amount', 'paid'])
      .where('id', '=', claimOf.dp.id)
      .executeTakeFirstOrThrow()
    await t.tx((trx) =>
      t.services.receivables.payClaim(trx, {
        municipality: m,
        reference: claimOf.dp.paymentId,
        amount: claim.amount - claim.paid,
        channel: 'mbo-card',
      }),
    )
    const dir = await outbox()
    const result = await deliverPendingBills(
      t.handle.db,
      t.services.receivablesCatalog,
      t.services.cprVault,
      m,
      dir,
    )
    assert.deepEqual(result, { delivered: 2, letters: 2, digitalPost: 0, failed: 0, skipped: 1 })
    const skipped = (await billRows(t)).find((b) => b.claimId === claimOf.dp.id)
    assert.equal(skipped?.deliveryStatus, 'skipped')
    assert.match(skipped?.documents[0] ?? '', /^note: not sent: the claim is paid/)
  })

  it('shows a part payment as a line of its own and delivers dunning letters with their number', async () => {
    const { t, billDay, claimOf } = await seeded()
    await t.tx((trx) =>
      t.services.receivables.payClaim(trx, {
        municipality: m,
        reference: claimOf.brev.paymentId,
        amount: 1000,
        channel: 'mbo-card',
      }),
    )
    const dir = await outbox()
    assert.equal(
      (await deliverPendingBills(t.handle.db, t.services.receivablesCatalog, t.services.cprVault, m, dir))
        .delivered,
      3,
    )
    const bill = await t.handle.db
      .selectFrom('bills')
      .select(['deadline', 'documents'])
      .where('claimId', '=', claimOf.brev.id)
      .executeTakeFirstOrThrow()
    const partlyPaid = await readFile(join(dir, bill.documents[0] ?? ''))
    assert.ok(hasText(partlyPaid, 'Allerede betalt') && hasText(partlyPaid, '-10,00 kr.'))
    // KK's first dunning letter: 7 days after the deadline.
    const dunningDay = addDays(bill.deadline, 8)
    for (let day = addDays(billDay, 1); day <= dunningDay; day = addDays(day, 1)) await nightly(t, day)
    const letters = await t.handle.db
      .selectFrom('bills')
      .selectAll()
      .where('kind', '=', 'dunning-letter')
      .orderBy('id')
      .execute()
    assert.equal(letters.length, 3)
    const result = await deliverPendingBills(
      t.handle.db,
      t.services.receivablesCatalog,
      t.services.cprVault,
      m,
      dir,
    )
    assert.deepEqual(result, { delivered: 3, letters: 2, digitalPost: 1, failed: 0, skipped: 0 })
    for (const letter of await billRows(t)) {
      if (letter.kind !== 'dunning-letter') continue
      const pdf = `${m}/${letter.sentOn}/rykker-1-${letter.claimId}.pdf`
      assert.equal(letter.documents[0], pdf)
      assert.ok((await stat(join(dir, pdf))).size > 0)
      const texts = await readFile(join(dir, pdf))
      assert.ok(hasText(texts, 'Rykker nr. 1') && hasText(texts, 'Rykkergebyr, rykker nr. 1'))
    }
  })

  it('of a backlog sends only the latest letter about each claim', async () => {
    const { t, billDay } = await seeded()
    const deadline = (await billRows(t))[0]?.deadline ?? billDay
    for (let day = addDays(billDay, 1); day <= addDays(deadline, 8); day = addDays(day, 1))
      await nightly(t, day)
    const result = await deliverPendingBills(
      t.handle.db,
      t.services.receivablesCatalog,
      t.services.cprVault,
      m,
      await outbox(),
    )
    assert.deepEqual(result, { delivered: 3, letters: 2, digitalPost: 1, failed: 0, skipped: 3 })
    assert.deepEqual(
      (await billRows(t)).map((b) => [b.kind, b.deliveryStatus]),
      [
        ['bill', 'skipped'],
        ['bill', 'skipped'],
        ['bill', 'skipped'],
        ['dunning-letter', 'delivered'],
        ['dunning-letter', 'delivered'],
        ['dunning-letter', 'delivered'],
      ],
    )
  })
})

describe('legalKindText', () => {
  it('names the legal kind and what the claim is for', () => {
    assert.equal(
      legalKindText('public', 'Gebyr for for sen aflevering'),
      'Offentligretligt krav (gebyr for for sen aflevering)',
    )
    assert.equal(legalKindText('civil', ''), 'Civilretligt krav')
  })
})

describe('messageUuid', () => {
  it('is a version 4-shaped UUID, the same for the same bill', () => {
    const uuid = messageUuid(m, 42)
    assert.match(uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    assert.equal(messageUuid(m, 42), uuid)
    assert.notEqual(messageUuid(m, 43), uuid)
    assert.notEqual(messageUuid('gentofte', 42), uuid)
  })
})
