import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { runCheckin, runCheckout } from '../circulation/circulation-edge.ts'
import type { TestContext } from '../test-support/test-services.ts'
import { claimIdsOf, logIn, openMboTest } from './mbo-test-support.ts'
import { Browser } from './test-browser.ts'

let t: TestContext
let app: FastifyInstance
const M = 'kobenhavn'

before(async () => {
  ;({ t, app } = await openMboTest(M))
  await t.patron({
    cardNumber: 'anna',
    birthDate: '1980-05-05',
    cpr: '0505801234',
    pin: '1234',
    name: 'Anna',
  })
  await t.patron({ cardNumber: 'ida', birthDate: '2015-01-01', pin: '1111', name: 'Ida', guardian: 'anna' })
  await t.patron({ cardNumber: 'bo', birthDate: '1985-06-01', pin: '4321', name: 'Bo', language: 'en' })
  await t.item({ barcode: 'b1', materialType: 'book', title: 'Kongens Fald' })
  await t.item({ barcode: 'b2', materialType: 'book', title: 'Rasmus Klump <3' })
  await t.item({ barcode: 'b3', materialType: 'book', title: 'Hærværk' })
  const { db, circulation } = t.services
  await runCheckout(db, circulation, { municipality: M, patron: 'anna', item: 'b1' })
  await runCheckout(db, circulation, { municipality: M, patron: 'ida', item: 'b2' })
  await runCheckout(db, circulation, { municipality: M, patron: 'bo', item: 'b3' })
  t.at('2026-04-10T12:00:00+02:00')
  for (const item of ['b1', 'b2', 'b3']) await runCheckin(db, circulation, { municipality: M, item })
  await t.tx((trx) =>
    t.services.receivables.postClaim(trx, {
      municipality: M,
      issuer: 'parkering',
      debtor: { cpr: '0505801234', name: 'Anna' },
      legalKind: 'public',
      title: 'Parkeringsafgift',
      lines: [{ text: 'Parkering uden gyldig billet, Rådhuspladsen 2. april', amount: 51000 }],
    }),
  )
})

after(async () => {
  await app?.close()
  await t?.close()
})

describe('Mit Betalingsoverblik: the overview', () => {
  it('sends a visitor to the login page', async () => {
    const response = await new Browser(app).get(`/${M}/betaling`)
    assert.equal(response.statusCode, 303)
    assert.equal(response.headers.location, `/${M}/log-ind`)
  })

  it('shows every open claim from every issuer, with lines, payment ID, FIK line, deadline, status and contacts', async () => {
    const browser = new Browser(app)
    await logIn(browser, M, 'anna', '1234')
    const page = await browser.get(`/${M}/betaling`)
    assert.equal(page.statusCode, 200)
    const body = page.body
    assert.match(body, /<html lang="da">/)
    assert.match(body, /<h1>Mit Betalingsoverblik<\/h1>/)
    assert.match(body, /Ubetalte regninger \(3\)/)
    // The library's claims: Anna's own and her child's (000: the guardian is billed), each line explained.
    assert.match(body, /Fra Københavns Biblioteker/)
    assert.match(body, /Kongens Fald/)
    assert.match(body, /Vedrører Ida/)
    assert.match(body, /Rasmus Klump &lt;3/, 'text is escaped')
    // Another issuer's claim (Køge's table of issuers, 004).
    assert.match(body, /Fra Parkeringskontoret/)
    assert.match(body, /Parkering uden gyldig billet, Rådhuspladsen 2\. april/)
    assert.match(body, /510 kr/)
    // Payment ID and FIK line; deadline; status in words.
    const [claim] = await claimIdsOf(t, 'anna')
    const row = await t.services.db
      .selectFrom('claims')
      .select(['paymentId', 'deadline'])
      .where('id', '=', claim as number)
      .executeTakeFirstOrThrow()
    assert.match(body, new RegExp(`<code>${row.paymentId}</code>`))
    assert.match(body, new RegExp(`\\+71&lt;${row.paymentId}\\+85100001&lt;`))
    assert.equal(row.deadline, '2026-04-25')
    assert.match(body, /25\. april 2026/)
    assert.match(body, /Ny – regningen er på vej/)
    // Whom to ask about what (000): payment → Finans & Betaling, reason → Biblioteket Online, complaint → its form.
    assert.match(
      body,
      /Om betalingen og rykkergebyrer<\/dt><dd>Finans &amp; Betaling, <a href="tel:70807010">70 80 70 10<\/a>/,
    )
    assert.match(
      body,
      /Om årsagen til regningen<\/dt><dd>Biblioteket Online, <a href="tel:33663000">33 66 30 00<\/a>/,
    )
    assert.match(
      body,
      /Klage over regningen<\/dt><dd>Biblioteket Online \(kontaktformular\), <a href="https:\/\/bibliotek\.kk\.dk\/content\/skriv-til-biblioteket-online">/,
    )
    // The parking claim's reason goes to its issuer.
    assert.match(body, /Om årsagen til regningen<\/dt><dd>Parkeringskontoret, <a href="tel:56672550">/)
    // Actions: one per claim, and everything at once.
    assert.match(body, new RegExp(`href="/${M}/betaling/krav/${claim}/betal"`))
    assert.match(body, new RegExp(`href="/${M}/betaling/krav/${claim}/klage"`))
    assert.match(body, /href="\/kobenhavn\/betaling\/betal-alt">Betal alt \(/)
    // Accessible: column headers with scope, the stacked table with labels, a named navigation.
    assert.match(body, /<table class="stack mbo-claims">/)
    assert.match(body, /<th scope="col">Betalingsfrist<\/th>/)
    assert.match(body, /data-label="Mangler"/)
    assert.match(body, /<nav class="mbo-nav" aria-label="Mit Betalingsoverblik">/)
    assert.match(body, /aria-current="page">Regninger/)
  })

  it('marks a claim overdue in words once its deadline has passed', async () => {
    t.at('2026-04-27T10:00:00+02:00')
    const browser = new Browser(app)
    await logIn(browser, M, 'anna', '1234')
    const page = await browser.get(`/${M}/betaling`)
    assert.match(page.body, /<li class="bad">Betalingsfristen er overskredet<\/li>/)
    // Past the deadline a later one can no longer be asked for: the link is gone, the page says why.
    const [claim] = await claimIdsOf(t, 'anna')
    assert.doesNotMatch(page.body, new RegExp(`krav/${claim}/frist`))
    const form = await browser.get(`/${M}/betaling/krav/${claim}/frist`)
    assert.match(
      form.body,
      /Betalingsfristen er overskredet\. En senere frist skal søges, før fristen udløber\./,
    )
    assert.match(form.body, /kontakt Finans &amp; Betaling på tlf\. 70 80 70 10/)
    t.at('2026-04-10T12:00:00+02:00')
  })

  it('tells a child that the guardian is billed', async () => {
    const browser = new Browser(app)
    await logIn(browser, M, 'ida', '1111')
    const page = await browser.get(`/${M}/betaling`)
    assert.match(page.body, /sendes til den økonomisk ansvarlige for dig/)
    assert.match(page.body, /Du har ingen ubetalte regninger\./)
  })

  it('shows another patron’s claim to no one else: every page and action is 404', async () => {
    const [annas] = await claimIdsOf(t, 'anna')
    const bo = new Browser(app)
    await logIn(bo, M, 'bo', '4321')
    const own = await bo.get(`/${M}/betaling`)
    for (const path of ['betal', 'afdrag', 'frist', 'klage']) {
      const page = await bo.get(`/${M}/betaling/krav/${annas}/${path}`)
      assert.equal(page.statusCode, 404, path)
      assert.doesNotMatch(page.body, /Kongens Fald/)
      const post = await bo.post(
        `/${M}/betaling/krav/${annas}/${path}`,
        { method: 'card', expected: '12000', months: '2', days: '7', text: 'Ikke min' },
        own,
      )
      assert.equal(post.statusCode, 404, path)
    }
    assert.equal((await bo.get(`/${M}/betaling/krav/abc/betal`)).statusCode, 404)
    const claim = await t.services.db
      .selectFrom('claims')
      .select(['status', 'paid', 'onPlan', 'deadlineExtended'])
      .where('id', '=', annas as number)
      .executeTakeFirstOrThrow()
    assert.deepEqual(claim, { status: 'open', paid: 0, onPlan: false, deadlineExtended: false })
    const appeals = await t.services.db.selectFrom('appeals').select('id').execute()
    assert.equal(appeals.length, 0)
  })

  it('speaks English to a patron who chose it, and on ?lang=en', async () => {
    const bo = new Browser(app)
    await logIn(bo, M, 'bo', '4321')
    const page = await bo.get(`/${M}/betaling`)
    assert.match(page.body, /<html lang="en">/)
    assert.match(page.body, /Unpaid bills \(1\)/)
    assert.match(page.body, /25 April 2026/)
    assert.match(page.body, /About the reason for the bill/)
    const anna = new Browser(app)
    await logIn(anna, M, 'anna', '1234')
    const english = await anna.get(`/${M}/betaling?lang=en`)
    assert.match(english.body, /<html lang="en">/)
    assert.match(english.body, /Pay everything \(/)
    assert.match(english.body, /New – the bill is on its way/)
  })

  it('follows a claim through billing, dunning and a billing pause, in words', async () => {
    t.at('2026-04-11T02:00:00+02:00')
    await t.services.jobs.nightly(M, '2026-04-11')
    let browser = new Browser(app)
    await logIn(browser, M, 'anna', '1234')
    assert.match((await browser.get(`/${M}/betaling`)).body, /<li>Regning sendt 11\. april 2026<\/li>/)
    t.at('2026-05-02T02:00:00+02:00')
    await t.services.jobs.nightly(M, '2026-05-02')
    browser = new Browser(app)
    await logIn(browser, M, 'anna', '1234')
    const dunned = await browser.get(`/${M}/betaling`)
    assert.match(dunned.body, /<li class="bad">Rykket \(1\. rykker\)<\/li>/)
    await t.tx((trx) =>
      t.services.receivables.pauseBilling(trx, {
        municipality: M,
        issuer: 'musikskole',
        reason: 'Nyt system',
      }),
    )
    await t.tx((trx) =>
      t.services.receivables.postClaim(trx, {
        municipality: M,
        issuer: 'musikskole',
        debtor: { cpr: '0505801234', name: 'Anna' },
        legalKind: 'civil',
        title: 'Musikskole, forår',
        lines: [{ text: 'Klaverundervisning, forår', amount: 90000 }],
      }),
    )
    const paused = await browser.get(`/${M}/betaling`)
    assert.match(paused.body, /Fra Køge Musikskole/)
    assert.match(paused.body, /<li>Sat i bero – ingen regning eller rykker endnu<\/li>/)
    assert.match(paused.body, /Ingen endnu/)
  })

  it('404s a municipality without a library', async () => {
    const response = await new Browser(app).get('/koge/betaling')
    assert.equal(response.statusCode, 404)
  })
})
