import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { runCheckin, runCheckout } from '../circulation/circulation-edge.ts'
import { isBlocked } from '../patrons/patron-repository.ts'
import type { TestContext } from '../test-support/test-services.ts'
import { claimIdsOf, logIn, openMboTest } from './mbo-test-support.ts'
import { Browser } from './test-browser.ts'

// Gentofte: "Hvis du skylder gebyrer på 200 kroner eller derover, får du automatisk et låneforbud. …
// Låneforbuddet ophæves, når du har betalt gebyrerne." (001), paid "med kort og Mobilepay" in the
// municipality's payment overview.
let t: TestContext
let app: FastifyInstance
const M = 'gentofte'
let gitte: number
let hansId: number

before(async () => {
  ;({ t, app } = await openMboTest(M))
  gitte = await t.patron({ cardNumber: 'gitte', birthDate: '1980-05-05', pin: '1234', name: 'Gitte' })
  hansId = await t.patron({ cardNumber: 'hans', birthDate: '1975-01-01', pin: '4321', name: 'Hans' })
  await t.item({ barcode: 'g1', materialType: 'book', title: 'Kongens Fald' })
  await t.item({ barcode: 'g2', materialType: 'book', title: 'Hærværk' })
  await t.item({ barcode: 'g3', materialType: 'book', title: 'Pelle Erobreren' })
  await t.item({ barcode: 'g4', materialType: 'book', title: 'Fiskerne' })
  const { db, circulation } = t.services
  await runCheckout(db, circulation, { municipality: M, patron: 'gitte', item: 'g1' })
  await runCheckout(db, circulation, { municipality: M, patron: 'hans', item: 'g3' })
  t.at('2026-03-10T10:00:00+01:00')
  await runCheckout(db, circulation, { municipality: M, patron: 'gitte', item: 'g2' })
  await runCheckout(db, circulation, { municipality: M, patron: 'hans', item: 'g4' })
  // Due 30 March and 7 April; back on 1 May: 32 and 24 days late, 230 kr and 60 kr.
  t.at('2026-05-01T10:00:00+02:00')
  for (const item of ['g1', 'g2', 'g3', 'g4']) await runCheckin(db, circulation, { municipality: M, item })
})

after(async () => {
  await app?.close()
  await t?.close()
})

async function claim(id: number) {
  return t.services.db
    .selectFrom('claims')
    .select(['status', 'amount', 'paid'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow()
}

describe('Mit Betalingsoverblik: paying by card or MobilePay', () => {
  it('starts with Gitte and Hans blocked for 290 kr in fees each', async () => {
    const [first, second] = await claimIdsOf(t, 'gitte')
    assert.deepEqual(await claim(first as number), { status: 'open', amount: 23000, paid: 0 })
    assert.deepEqual(await claim(second as number), { status: 'open', amount: 6000, paid: 0 })
    assert.equal(await isBlocked(t.services.db, gitte), true)
    assert.equal(await isBlocked(t.services.db, hansId), true)
  })

  it('shows the payment page: the claim, card or MobilePay, and the test provider', async () => {
    const [first] = await claimIdsOf(t, 'gitte')
    const browser = new Browser(app)
    await logIn(browser, M, 'gitte', '1234')
    const page = await browser.get(`/${M}/betaling/krav/${first}/betal`)
    assert.equal(page.statusCode, 200)
    assert.match(page.body, /<h1>Betal regning<\/h1>/)
    assert.match(page.body, /<strong>Kongens Fald<\/strong>: Afleveret 32 dage for sent/)
    assert.match(page.body, /<legend>Betal med<\/legend>/)
    assert.match(page.body, /<input type="radio" name="method" value="card" checked> Betalingskort/)
    assert.match(page.body, /<input type="radio" name="method" value="mobilepay"> MobilePay/)
    assert.match(page.body, /<label for="token">Udfald<\/label>/)
    assert.match(page.body, /<input type="hidden" name="expected" value="23000">/)
    assert.match(page.body, /<button type="submit">Betal 230 kr<\/button>/)
  })

  it('refuses a payment form without its CSRF token (403), and charges nothing', async () => {
    const [first] = await claimIdsOf(t, 'gitte')
    const browser = new Browser(app)
    await logIn(browser, M, 'gitte', '1234')
    const page = await browser.get(`/${M}/betaling/krav/${first}/betal`)
    const forged = await browser.post(
      `/${M}/betaling/krav/${first}/betal`,
      { method: 'card', expected: '23000' },
      { ...page, body: '' } as never,
    )
    assert.equal(forged.statusCode, 403)
    assert.match(forged.body, /Formularen er udløbet/)
    assert.equal((await claim(first as number)).paid, 0)
  })

  it('says so when the card is declined, and the claim stays open', async () => {
    const [first] = await claimIdsOf(t, 'gitte')
    const browser = new Browser(app)
    await logIn(browser, M, 'gitte', '1234')
    const page = await browser.get(`/${M}/betaling/krav/${first}/betal`)
    const declined = await browser.post(
      `/${M}/betaling/krav/${first}/betal`,
      { method: 'card', expected: '23000', token: 'declined' },
      page,
    )
    assert.equal(declined.headers.location, `/${M}/betaling/krav/${first}/betal`)
    const again = await browser.follow(declined)
    assert.match(
      again.body,
      /role="alert">Betalingen blev ikke gennemført: Kortet blev afvist\. Der er ikke trukket penge/,
    )
    assert.equal((await claim(first as number)).paid, 0)
    assert.equal(await isBlocked(t.services.db, gitte), true)
  })

  it('checks the form: a method it does not take, and an amount that changed', async () => {
    const [first] = await claimIdsOf(t, 'gitte')
    const browser = new Browser(app)
    await logIn(browser, M, 'gitte', '1234')
    const page = await browser.get(`/${M}/betaling/krav/${first}/betal`)
    const bad = await browser.post(
      `/${M}/betaling/krav/${first}/betal`,
      { method: 'bank', expected: '23000' },
      page,
    )
    assert.equal(bad.statusCode, 400)
    assert.match(
      bad.body,
      /role="alert"><p>Der er en fejl:<\/p><ul><li>Vælg betalingskort eller MobilePay\.<\/li>/,
    )
    const stale = await browser.post(
      `/${M}/betaling/krav/${first}/betal`,
      { method: 'card', expected: '100' },
      page,
    )
    const shown = await browser.follow(stale)
    assert.match(shown.body, /Beløbet er ændret, siden siden blev vist/)
    assert.equal((await claim(first as number)).paid, 0)
  })

  it('refuses Hans paying, or even seeing, Gitte’s claim', async () => {
    const [first] = await claimIdsOf(t, 'gitte')
    const browser = new Browser(app)
    await logIn(browser, M, 'hans', '4321')
    const own = await browser.get(`/${M}/betaling`)
    assert.equal((await browser.get(`/${M}/betaling/krav/${first}/betal`)).statusCode, 404)
    const post = await browser.post(
      `/${M}/betaling/krav/${first}/betal`,
      { method: 'card', expected: '23000' },
      own,
    )
    assert.equal(post.statusCode, 404)
    assert.match(post.body, /Regningen findes ikke i dit betalingsoverblik/)
    assert.equal((await claim(first as number)).paid, 0)
  })

  it('takes a card payment: "Betalingen er modtaget", the claim is paid and the block lifts at once', async () => {
    const [first, second] = await claimIdsOf(t, 'gitte')
    const browser = new Browser(app)
    await logIn(browser, M, 'gitte', '1234')
    const page = await browser.get(`/${M}/betaling/krav/${first}/betal`)
    const paid = await browser.post(
      `/${M}/betaling/krav/${first}/betal`,
      { method: 'card', expected: '23000' },
      page,
    )
    assert.equal(paid.headers.location, `/${M}/betaling`)
    const overview = await browser.follow(paid)
    assert.match(overview.body, /role="status">Betalingen er modtaget: 230 kr\. Tak\./)
    assert.match(overview.body, /Ubetalte regninger \(1\)/)
    assert.deepEqual(await claim(first as number), { status: 'paid', amount: 23000, paid: 23000 })
    assert.equal((await claim(second as number)).paid, 0)
    const receipt = await t.services.db
      .selectFrom('receipts')
      .select(['channel', 'amount', 'externalRef'])
      .where('claimId', '=', first as number)
      .executeTakeFirstOrThrow()
    assert.equal(receipt.channel, 'mbo-card')
    assert.equal(receipt.amount, 23000)
    assert.match(String(receipt.externalRef), /^test-/)
    // 60 kr left is under Gentofte's 200 kr: the library lifts the block in the same transaction.
    assert.equal(await isBlocked(t.services.db, gitte), false)
    const charge = await t.services.db
      .selectFrom('charges')
      .select(['status', 'paid'])
      .where('patronId', '=', gitte)
      .where('amount', '=', 23000)
      .executeTakeFirstOrThrow()
    assert.deepEqual(charge, { status: 'paid', paid: 23000 })
  })

  it('charges a double click once: the second finds the amount changed', async () => {
    const [, second] = await claimIdsOf(t, 'gitte')
    const browser = new Browser(app)
    await logIn(browser, M, 'gitte', '1234')
    const page = await browser.get(`/${M}/betaling/krav/${second}/betal`)
    const form = { method: 'card', expected: '6000' }
    const answers = await Promise.all([
      browser.post(`/${M}/betaling/krav/${second}/betal`, form, page),
      browser.post(`/${M}/betaling/krav/${second}/betal`, form, page),
    ])
    // One is paid; the other waited for it and finds the amount changed (or, served after it, the claim paid).
    const paid = answers.filter((a) => a.headers.location === `/${M}/betaling`)
    assert.equal(paid.length, 1)
    const other = answers.find((a) => a !== paid[0])
    assert.ok(
      other?.headers.location === `/${M}/betaling/krav/${second}/betal` || other?.statusCode === 409,
      `the second click: ${other?.statusCode}`,
    )
    const receipts = await t.services.db
      .selectFrom('receipts')
      .select('amount')
      .where('claimId', '=', second as number)
      .execute()
    assert.deepEqual(receipts, [{ amount: 6000 }])
    assert.deepEqual(await claim(second as number), { status: 'paid', amount: 6000, paid: 6000 })
  })

  it('pays all of Hans’s claims with MobilePay for one charge, each on its own payment ID', async () => {
    const hans = await claimIdsOf(t, 'hans')
    assert.equal(hans.length, 2)
    const browser = new Browser(app)
    await logIn(browser, M, 'hans', '4321')
    const overview = await browser.get(`/${M}/betaling`)
    assert.match(overview.body, /href="\/gentofte\/betaling\/betal-alt">Betal alt \(290 kr\)/)
    const page = await browser.get(`/${M}/betaling/betal-alt`)
    assert.match(page.body, /<h1>Betal alle regninger<\/h1>/)
    assert.match(page.body, /Du betaler 2 regninger på én gang\./)
    assert.match(page.body, new RegExp(`name="claims" value="${hans.join(',')}"`))
    assert.match(page.body, /<button type="submit">Betal 290 kr<\/button>/)
    const stale = await browser.post(`/${M}/betaling/betal-alt`, { method: 'mobilepay', expected: '1' }, page)
    assert.match((await browser.follow(stale)).body, /Beløbet er ændret/)
    const paid = await browser.follow(
      await browser.post(
        `/${M}/betaling/betal-alt`,
        { method: 'mobilepay', expected: '29000', claims: hans.join(',') },
        page,
      ),
    )
    assert.match(paid.body, /Betalingen er modtaget: 290 kr\. Tak\./)
    assert.match(paid.body, /Du har ingen ubetalte regninger\./)
    assert.match(paid.body, /Betalte og annullerede regninger/)
    assert.doesNotMatch(paid.body, /betal-alt/)
    for (const id of hans) assert.equal((await claim(id)).status, 'paid')
    const receipts = await t.services.db
      .selectFrom('receipts')
      .select(['channel', 'externalRef'])
      .where('claimId', 'in', hans)
      .orderBy('claimId')
      .execute()
    assert.deepEqual(
      receipts.map((r) => r.channel),
      ['mobilepay', 'mobilepay'],
    )
    const [a, b] = receipts.map((r) => String(r.externalRef).split(':'))
    assert.equal(a?.[0], b?.[0], 'one charge at the provider')
    assert.deepEqual([a?.[1], b?.[1]], hans.map(String))
    assert.equal(await isBlocked(t.services.db, hansId), false)
    const nothing = await browser.get(`/${M}/betaling/betal-alt`)
    assert.match(nothing.body, /Der er ingen regninger at betale\./)
  })
})
