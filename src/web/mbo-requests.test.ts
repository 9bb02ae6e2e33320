import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { runCheckin, runCheckout } from '../circulation/circulation-edge.ts'
import type { TestContext } from '../test-support/test-services.ts'
import { logIn, openMboTest } from './mbo-test-support.ts'
import { Browser } from './test-browser.ts'

// Københavns Kommune with Køge's other issuers (004) lent to it: a daycare bill big enough for instalments,
// a library fee, and a parking fine.
let t: TestContext
let app: FastifyInstance
const M = 'kobenhavn'
let fee: number
let daycare: number
let parking: number

async function post(issuer: string, title: string, amount: number) {
  const claim = await t.tx((trx) =>
    t.services.receivables.postClaim(trx, {
      municipality: M,
      issuer,
      debtor: { cpr: '0505801234', name: 'Anna' },
      legalKind: 'public',
      title,
      lines: [{ text: title, amount }],
    }),
  )
  return claim.id
}

async function claim(id: number) {
  return t.services.db.selectFrom('claims').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
}

before(async () => {
  ;({ t, app } = await openMboTest(M))
  await t.patron({
    cardNumber: 'anna',
    birthDate: '1980-05-05',
    cpr: '0505801234',
    pin: '1234',
    name: 'Anna',
  })
  await t.patron({ cardNumber: 'bo', birthDate: '1985-06-01', pin: '4321', name: 'Bo' })
  await t.item({ barcode: 'b1', materialType: 'book', title: 'Kongens Fald' })
  const { db, circulation } = t.services
  await runCheckout(db, circulation, { municipality: M, patron: 'anna', item: 'b1' })
  t.at('2026-04-10T12:00:00+02:00')
  await runCheckin(db, circulation, { municipality: M, item: 'b1' })
  fee = (await db.selectFrom('claims').select('id').executeTakeFirstOrThrow()).id
  daycare = await post('daginstitution', 'Daginstitution, april', 120000)
  parking = await post('parkering', 'Parkeringsafgift', 51000)
})

after(async () => {
  await app?.close()
  await t?.close()
})

async function anna() {
  const browser = new Browser(app)
  await logIn(browser, M, 'anna', '1234')
  return browser
}

describe('Mit Betalingsoverblik: instalments, a later deadline, appeals and refunds', () => {
  it('explains why a 120 kr fee cannot be paid in instalments, and whom to call', async () => {
    const browser = await anna()
    const page = await browser.get(`/${M}/betaling/krav/${fee}/afdrag`)
    assert.equal(page.statusCode, 200)
    assert.match(page.body, /Der er for lidt tilbage på regningen til en afdragsordning\./)
    assert.match(
      page.body,
      /Har du svært ved at betale, så kontakt Finans &amp; Betaling på tlf\. 70 80 70 10\./,
    )
    assert.doesNotMatch(page.body, /name="months"/)
    const refused = await browser.post(`/${M}/betaling/krav/${fee}/afdrag`, { months: '2' }, page)
    assert.equal(refused.statusCode, 409)
    assert.match(refused.body, /role="alert"/)
    assert.equal((await claim(fee)).onPlan, false)
  })

  it('sets up an instalment plan on the daycare bill, after checking the number of instalments', async () => {
    const browser = await anna()
    const page = await browser.get(`/${M}/betaling/krav/${daycare}/afdrag`)
    assert.match(page.body, /<h1>Søg om afdragsordning<\/h1>/)
    assert.match(page.body, /2 til 6 månedlige rater, når der er mindst 300 kr tilbage/)
    assert.match(page.body, /<label for="months">Antal rater<\/label>/)
    assert.match(page.body, /<option value="3">3 rater à 400 kr<\/option>/)
    assert.match(page.body, /<option value="6">6 rater à 200 kr<\/option>/)
    assert.match(page.body, /Første rate skal betales senest 25\. april 2026\./)
    const bad = await browser.post(`/${M}/betaling/krav/${daycare}/afdrag`, { months: '7' }, page)
    assert.equal(bad.statusCode, 400)
    assert.match(bad.body, /role="alert"><p>Der er en fejl:<\/p><ul><li>Vælg mellem 2 og 6 rater\.<\/li>/)
    const done = await browser.post(`/${M}/betaling/krav/${daycare}/afdrag`, { months: '3' }, page)
    assert.equal(done.headers.location, `/${M}/betaling`)
    const overview = await browser.follow(done)
    assert.match(
      overview.body,
      /Din afdragsordning er oprettet: 3 rater\. Første rate på 400 kr skal betales senest 25\. april 2026\./,
    )
    assert.match(overview.body, /<li>Betales i rater<\/li>/)
    assert.match(overview.body, /Næste rate: 400 kr senest 25\. april 2026/)
    assert.match(
      overview.body,
      /Rate 3: 400 kr, betalingsfrist 25\. juni 2026, Betalings-ID <code>\d{15}<\/code>/,
    )
    assert.equal((await claim(daycare)).onPlan, true)
    // On a plan: no second plan, no later deadline.
    const again = await browser.get(`/${M}/betaling/krav/${daycare}/afdrag`)
    assert.match(again.body, /Regningen betales allerede i rater/)
  })

  it('pays the next instalment, or all that is left', async () => {
    const browser = await anna()
    const page = await browser.get(`/${M}/betaling/krav/${daycare}/betal`)
    assert.match(page.body, /<legend>Hvor meget vil du betale\?<\/legend>/)
    assert.match(page.body, /value="next" checked> Næste rate: 400 kr \(frist 25\. april 2026\)/)
    assert.match(page.body, /value="all"> Hele restbeløbet: 1\.200 kr/)
    const paid = await browser.follow(
      await browser.post(
        `/${M}/betaling/krav/${daycare}/betal`,
        { method: 'card', expected: '120000', part: 'next' },
        page,
      ),
    )
    assert.match(paid.body, /Betalingen er modtaget: 400 kr\./)
    assert.match(paid.body, /Næste rate: 400 kr senest 25\. maj 2026/)
    assert.equal((await claim(daycare)).paid, 40000)
  })

  it('gives a later deadline once, before it passes', async () => {
    const browser = await anna()
    const page = await browser.get(`/${M}/betaling/krav/${parking}/frist`)
    assert.match(
      page.body,
      /Betalingsfristen er 25\. april 2026\. Du kan én gang få en senere frist, op til 30 dage senere/,
    )
    assert.match(page.body, /<option value="14">9\. maj 2026 \(14 dage senere\)<\/option>/)
    assert.match(page.body, /<option value="30">25\. maj 2026 \(30 dage senere\)<\/option>/)
    const bad = await browser.post(`/${M}/betaling/krav/${parking}/frist`, { days: '45' }, page)
    assert.equal(bad.statusCode, 400)
    assert.match(bad.body, /Vælg en af de mulige nye frister\./)
    const done = await browser.follow(
      await browser.post(`/${M}/betaling/krav/${parking}/frist`, { days: '14' }, page),
    )
    assert.match(done.body, /role="status">Din nye betalingsfrist er 9\. maj 2026\./)
    assert.equal((await claim(parking)).deadline, '2026-05-09')
    const again = await browser.get(`/${M}/betaling/krav/${parking}/frist`)
    assert.match(again.body, /Betalingsfristen er allerede forlænget én gang\./)
    const twice = await browser.post(`/${M}/betaling/krav/${parking}/frist`, { days: '7' }, again)
    assert.equal(twice.statusCode, 409)
    assert.equal((await claim(parking)).deadline, '2026-05-09')
  })

  it('files an appeal with a reason; the deadline stands (000)', async () => {
    const browser = await anna()
    const page = await browser.get(`/${M}/betaling/krav/${fee}/klage`)
    assert.match(page.body, /<h1>Klag over regningen<\/h1>/)
    assert.match(page.body, /Din klage sendes til Københavns Biblioteker/)
    assert.match(page.body, /Betalingsfristen gælder stadig, selv om du klager \(25\. april 2026\)/)
    assert.match(page.body, /<label for="text">Hvad klager du over\?/)
    assert.match(
      page.body,
      /<textarea id="text" name="text" rows="6" maxlength="2000" required aria-describedby="text-hint">/,
    )
    const empty = await browser.post(`/${M}/betaling/krav/${fee}/klage`, { text: '   ' }, page)
    assert.equal(empty.statusCode, 400)
    assert.match(
      empty.body,
      /role="alert"><p>Der er en fejl:<\/p><ul><li>Skriv, hvad din klage drejer sig om\./,
    )
    const long = await browser.post(`/${M}/betaling/krav/${fee}/klage`, { text: 'x'.repeat(2001) }, page)
    assert.equal(long.statusCode, 400)
    assert.match(long.body, /Klagen må højst være 2000 tegn\./)
    const done = await browser.follow(
      await browser.post(
        `/${M}/betaling/krav/${fee}/klage`,
        { text: 'Jeg afleverede bogen <i>til tiden</i> i bogkassen.' },
        page,
      ),
    )
    assert.match(done.body, /Din klage er modtaget og sendt til Københavns Biblioteker\./)
    assert.match(done.body, /<li>Klage under behandling – fristen gælder stadig<\/li>/)
    const appeal = await t.services.db.selectFrom('appeals').selectAll().executeTakeFirstOrThrow()
    assert.equal(appeal.claimId, fee)
    assert.equal(appeal.text, 'Jeg afleverede bogen <i>til tiden</i> i bogkassen.')
    assert.equal((await claim(fee)).deadline, '2026-04-25')
    const again = await browser.get(`/${M}/betaling/krav/${fee}/klage`)
    assert.match(again.body, /Du har allerede en klage over denne regning, som er under behandling\./)
  })

  it('lists refunds to NemKonto with their status', async () => {
    const browser = await anna()
    const none = await browser.get(`/${M}/betaling/tilbagebetalinger`)
    assert.match(none.body, /<h1>Tilbagebetalinger til din NemKonto<\/h1>/)
    assert.match(none.body, /Du har ingen tilbagebetalinger\./)
    assert.match(none.body, /aria-current="page">Tilbagebetalinger/)
    // Paid twice in the netbank: the parking fine, then all that is open, and 100 kr more.
    const open = (await t.services.db
      .selectFrom('claims')
      .select((eb) => eb.fn.sum<string>(eb.ref('amount')).as('amount'))
      .executeTakeFirstOrThrow()) as { amount: string }
    const paid = await t.services.db
      .selectFrom('claims')
      .select((eb) => eb.fn.sum<string>(eb.ref('paid')).as('paid'))
      .executeTakeFirstOrThrow()
    const owed = Number(open.amount) - Number(paid.paid)
    await t.tx((trx) =>
      t.services.receivables.payClaim(trx, {
        municipality: M,
        reference: String(parking),
        amount: owed + 10000,
        channel: 'bank',
      }),
    )
    const pending = await browser.get(`/${M}/betaling/tilbagebetalinger`)
    assert.match(pending.body, /Overskydende indbetaling/)
    assert.match(pending.body, /<td data-label="Beløb" class="num">100 kr<\/td>/)
    assert.match(pending.body, /Udbetales til din NemKonto senest 15\. april 2026/)
    assert.match(pending.body, /Til gode lige nu: 100 kr/)
    const overview = await browser.get(`/${M}/betaling`)
    assert.match(overview.body, /Kommunen skylder dig 100 kr\./)
    t.at('2026-04-15T02:00:00+02:00')
    await t.services.jobs.nightly(M, '2026-04-15')
    const paidOut = await (await anna()).get(`/${M}/betaling/tilbagebetalinger`)
    assert.match(paidOut.body, /Udbetalt til din NemKonto 15\. april 2026/)
  })

  it('shows a form page in English', async () => {
    const browser = await anna()
    const page = await browser.get(`/${M}/betaling/krav/${fee}/frist?lang=en`)
    assert.match(page.body, /<html lang="en">/)
    assert.match(page.body, /<h1>Ask for a later payment deadline<\/h1>/)
    assert.match(page.body, /The bill is already paid or cancelled\./)
  })

  it('refuses each request form without its CSRF token', async () => {
    const browser = await anna()
    for (const path of ['afdrag', 'frist', 'klage']) {
      const page = await browser.get(`/${M}/betaling/krav/${parking}/${path}`)
      const forged = await browser.post(
        `/${M}/betaling/krav/${parking}/${path}`,
        { months: '2', days: '7', text: 'x' },
        { ...page, body: '' } as never,
      )
      assert.equal(forged.statusCode, 403, path)
    }
    const bo = new Browser(app)
    await logIn(bo, M, 'bo', '4321')
    assert.equal((await bo.get(`/${M}/betaling/krav/${parking}/frist`)).statusCode, 404)
  })
})
