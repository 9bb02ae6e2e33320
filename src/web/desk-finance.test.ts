import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { parseKroner } from '../desk/cash-box.ts'
import { addStaffAccount } from '../desk/staff-accounts.ts'
import { buildApp } from '../http/app.ts'
import { reconcile } from '../receivables/reconciliation.ts'
import { instantOfLocal } from '../shared/time.ts'
import { openTestServices, type TestContext } from '../test-support/test-services.ts'
import { policySections } from './desk-info-routes.ts'
import { Browser } from './test-browser.ts'

let t: TestContext
let app: FastifyInstance
const M = 'kobenhavn'

before(async () => {
  t = await openTestServices(M)
  const db = t.services.db
  for (const [login, roles] of [
    ['disk', ['desk']],
    ['finans', ['finance']],
  ] as const) {
    await addStaffAccount(db, {
      municipality: M,
      login,
      name: login,
      password: `${login}-hemmelig`,
      roles: [...roles],
    })
  }
  await t.patron({ cardNumber: 'anna', birthDate: '1990-03-01', name: 'Anna' })
  await t.patron({ cardNumber: 'bo', birthDate: '1985-06-01', name: 'Bo' })
  await t.patron({ cardNumber: 'cia', birthDate: '1970-01-01', name: 'Cia' })
  for (const barcode of ['b1', 'b2', 'b3', 'b4'])
    await t.item({ barcode, materialType: 'book', title: `Bog ${barcode}` })
  const { circulation, fees } = t.services
  const checkout = (patron: string, item: string, at: string) =>
    t.tx((trx) => circulation.checkout(trx, { municipality: M, patron, item, at: new Date(at) }))
  const checkin = (item: string, at: string) =>
    t.tx((trx) => circulation.checkin(trx, { municipality: M, item, at: new Date(at) }))
  await checkout('anna', 'b1', '2026-01-02T10:00:00+01:00')
  await checkout('bo', 'b2', '2026-01-02T10:00:00+01:00')
  await checkout('cia', 'b3', '2026-01-02T10:00:00+01:00')
  await checkout('cia', 'b4', '2026-01-30T10:00:00+01:00')
  // Due 30 January, back 10 February: 11 days late, 120 kr each.
  t.at('2026-02-10T12:00:00+01:00')
  await checkin('b1', '2026-02-10T12:00:00+01:00')
  await checkin('b2', '2026-02-10T12:00:00+01:00')
  await checkin('b3', '2026-02-10T12:00:00+01:00')
  await t.tx((trx) => fees.pay(trx, { municipality: M, patron: 'bo', amount: 2_000 }))
  // b4, due 27 February, is never returned: lost on 30 March (31 days after), with its charges.
  t.at('2026-03-30T02:00:00+02:00')
  await t.services.jobs.nightly(M, '2026-03-30')
  t.at('2026-03-30T10:00:00+02:00')
  app = await buildApp(t.services)
})

after(async () => {
  await app?.close()
  await t?.close()
})

const db = () => t.services.db

async function logIn(browser: Browser, login: string) {
  const form = await browser.get(`/${M}/skranke/log-ind`)
  const response = await browser.post(`/${M}/skranke/log-ind`, { login, password: `${login}-hemmelig` }, form)
  assert.equal(response.statusCode, 303, response.body)
}

async function lookUp(browser: Browser, identifier: string) {
  const home = await browser.get(`/${M}/skranke`)
  const found = await browser.post(`/${M}/skranke/find`, { identifier, reason: 'Henvendelse om gebyr' }, home)
  const url = String(found.headers.location)
  return Object.assign(await browser.follow(found), { url })
}

function flashOf(page: LightMyRequestResponse): string {
  return /class="flash [^"]*" role="[^"]*">([^<]*)</.exec(page.body)?.[1] ?? ''
}

async function chargeOf(card: string) {
  return db()
    .selectFrom('charges')
    .innerJoin('patrons', 'patrons.id', 'charges.patronId')
    .selectAll('charges')
    .where('patrons.cardNumber', '=', card)
    .where('charges.kind', '=', 'overdue-fee')
    .orderBy('charges.id')
    .executeTakeFirstOrThrow()
}

async function lineOf(chargeId: number) {
  return db()
    .selectFrom('claimLines')
    .innerJoin('claims', 'claims.id', 'claimLines.claimId')
    .select([
      'claimLines.amount',
      'claimLines.paid',
      'claimLines.status',
      'claims.status as claimStatus',
      'claims.paymentId',
    ])
    .where('claimLines.chargeId', '=', chargeId)
    .executeTakeFirstOrThrow()
}

async function claimOf(paymentId: string) {
  return db().selectFrom('claims').selectAll().where('paymentId', '=', paymentId).executeTakeFirstOrThrow()
}

async function assertLedgerBalances() {
  const result = await t.tx((trx) => reconcile(trx, M, '2026-03-30'))
  assert.ok(result.ok, JSON.stringify(result, null, 2))
}

describe('the desk: finance', () => {
  it('reads amounts in kroner as staff type them', () => {
    assert.equal(parseKroner('25'), 2_500)
    assert.equal(parseKroner('25,50'), 2_550)
    assert.equal(parseKroner('25.5'), 2_550)
    assert.equal(parseKroner('1.234,50 kr'), 123_450)
    assert.equal(parseKroner('1.234'), 123_400)
    assert.equal(parseKroner('0,05'), 5)
    for (const bad of ['', 'abc', '-5', '1,234', '12,345', '1e3']) assert.equal(parseKroner(bad), null, bad)
  })

  it('does not let the desk role annul, and shows it no finance forms', async () => {
    const desk = new Browser(app)
    await logIn(desk, 'disk')
    const page = await lookUp(desk, 'anna')
    assert.match(page.body, /120 kr/)
    assert.doesNotMatch(page.body, /Annullér gebyret/)
    const charge = await chargeOf('anna')
    const refused = await desk.post(`${page.url}/gebyrer/${charge.id}/annuller`, { reason: 'Fejl' }, page)
    assert.equal(refused.statusCode, 403)
    assert.equal((await chargeOf('anna')).status, 'open')
    assert.equal(await db().selectFrom('chargeCorrections').select('id').executeTakeFirst(), undefined)
  })

  it('annuls a charge with a reason: the charge, its claim and the ledger move together', async () => {
    const finance = new Browser(app)
    await logIn(finance, 'finans')
    const page = await lookUp(finance, 'anna')
    const charge = await chargeOf('anna')
    assert.equal((await lineOf(charge.id)).status, 'open')
    const claimBefore = await claimOf((await lineOf(charge.id)).paymentId)
    const noReason = await finance.follow(
      await finance.post(`${page.url}/gebyrer/${charge.id}/annuller`, { reason: '' }, page),
    )
    assert.match(flashOf(noReason), /Udfyld begrundelse/)
    assert.equal((await chargeOf('anna')).status, 'open')
    const done = await finance.follow(
      await finance.post(
        `${page.url}/gebyrer/${charge.id}/annuller`,
        { reason: 'Materialet var afleveret i bogkassen' },
        page,
      ),
    )
    assert.match(flashOf(done), /^Gebyr for overskridelse for «Bog b1» \(120 kr\) er annulleret\.$/)
    assert.ok(
      !done.body.includes(`/gebyrer/${charge.id}/annuller`),
      'the annulled charge is no longer listed',
    )
    assert.equal((await chargeOf('anna')).status, 'cancelled')
    // The line is cancelled; the claim keeps the dunning fee the bill's deadline brought.
    const line = await lineOf(charge.id)
    assert.deepEqual([line.amount, line.paid, line.status], [12_000, 0, 'cancelled'])
    assert.equal((await claimOf(line.paymentId)).amount, claimBefore.amount - 12_000)
    const correction = await db().selectFrom('chargeCorrections').selectAll().executeTakeFirstOrThrow()
    assert.equal(correction.kind, 'annulled')
    assert.equal(correction.amount, 12_000)
    assert.equal(correction.reason, 'Materialet var afleveret i bogkassen')
    // Annulling again is refused: the charge is no longer open.
    const again = await finance.follow(
      await finance.post(`${page.url}/gebyrer/${charge.id}/annuller`, { reason: 'igen' }, page),
    )
    assert.match(flashOf(again), /Gebyret er ikke længere ubetalt/)
    await assertLedgerBalances()
  })

  it('writes a partly paid charge down, within what is unpaid', async () => {
    const finance = new Browser(app)
    await logIn(finance, 'finans')
    const page = await lookUp(finance, 'bo')
    const charge = await chargeOf('bo')
    assert.deepEqual([charge.amount, charge.paid], [12_000, 2_000])
    const url = `${page.url}/gebyrer/${charge.id}/nedskriv`
    const tooMuch = await finance.follow(await finance.post(url, { amount: '101', reason: 'Kulance' }, page))
    assert.match(flashOf(tooMuch), /Beløbet skal være større end 0 og højst 100 kr\./)
    const garbled = await finance.follow(await finance.post(url, { amount: 'tyve', reason: 'Kulance' }, page))
    assert.match(flashOf(garbled), /Skriv beløbet i kroner/)
    const done = await finance.follow(await finance.post(url, { amount: '50,50', reason: 'Kulance' }, page))
    assert.match(
      flashOf(done),
      /^Gebyr for overskridelse for «Bog b2» \(69,50 kr\) er nedskrevet med 50,50 kr\.$/,
    )
    const after = await chargeOf('bo')
    assert.deepEqual([after.amount, after.paid, after.status], [6_950, 2_000, 'open'])
    const line = await lineOf(charge.id)
    assert.deepEqual([line.amount, line.paid, line.status, line.claimStatus], [6_950, 2_000, 'open', 'open'])
    const posted = await db()
      .selectFrom('ledgerEntries')
      .select(['debit', 'credit', 'amount', 'memo'])
      .where('debit', '=', 'write-down')
      .execute()
    assert.deepEqual(posted, [{ debit: 'write-down', credit: 'receivable', amount: 5_050, memo: 'Kulance' }])
    await assertLedgerBalances()
  })

  it('lists appeals against the library’s bills and decides them', async () => {
    const bo = await lineOf((await chargeOf('bo')).id)
    const cia = await lineOf((await chargeOf('cia')).id)
    await t.tx((trx) =>
      t.services.claimActions.fileAppeal(trx, {
        municipality: M,
        claim: bo.paymentId,
        text: 'Jeg afleverede i tide',
      }),
    )
    await t.tx((trx) =>
      t.services.claimActions.fileAppeal(trx, { municipality: M, claim: cia.paymentId, text: 'For dyrt' }),
    )
    const desk = new Browser(app)
    await logIn(desk, 'disk')
    assert.equal((await desk.get(`/${M}/skranke/klager`)).statusCode, 403)
    const finance = new Browser(app)
    await logIn(finance, 'finans')
    const list = await finance.get(`/${M}/skranke/klager`)
    assert.match(list.body, /Jeg afleverede i tide/)
    assert.match(list.body, /For dyrt/)
    assert.match(list.body, /<legend>Udfald<\/legend>/)
    const appeals = await db().selectFrom('appeals').select(['id', 'claimId']).orderBy('id').execute()
    const [boAppeal, ciaAppeal] = appeals
    const noReason = await finance.follow(
      await finance.post(
        `/${M}/skranke/klager/${boAppeal?.id}/afgoer`,
        { outcome: 'upheld', reason: '' },
        list,
      ),
    )
    assert.match(flashOf(noReason), /Udfyld begrundelse for afgørelsen/)
    const upheld = await finance.follow(
      await finance.post(
        `/${M}/skranke/klager/${boAppeal?.id}/afgoer`,
        { outcome: 'upheld', reason: 'Afleveret i bogkassen før fristen' },
        list,
      ),
    )
    assert.match(
      flashOf(upheld),
      new RegExp(`Klagen over regning ${bo.paymentId} er afgjort: Taget til følge`),
    )
    const rejected = await finance.follow(
      await finance.post(
        `/${M}/skranke/klager/${ciaAppeal?.id}/afgoer`,
        { outcome: 'rejected', reason: 'Taksten gælder' },
        list,
      ),
    )
    assert.match(flashOf(rejected), /Afvist/)
    assert.match(rejected.body, /Der er ingen klager, der venter på en afgørelse/)
    const decided = await db().selectFrom('appeals').select(['status', 'decision']).orderBy('id').execute()
    assert.deepEqual(decided, [
      { status: 'upheld', decision: 'Afleveret i bogkassen før fristen' },
      { status: 'rejected', decision: 'Taksten gælder' },
    ])
    // Upheld: the claim is cancelled, the 20 kr paid go back, and the library's charge follows.
    const boCharge = await chargeOf('bo')
    assert.equal(boCharge.status, 'refunded')
    assert.equal((await lineOf(boCharge.id)).claimStatus, 'cancelled')
    assert.equal((await chargeOf('cia')).status, 'open')
    const events = await db()
      .selectFrom('claimEvents')
      .select('kind')
      .where('kind', '=', 'appeal-decided-at-desk')
      .execute()
    assert.equal(events.length, 2)
    await assertLedgerBalances()
  })

  it('reports a day: fees charged, lost items, blocked patrons, payments, with a chart and its table', async () => {
    const browser = new Browser(app)
    await logIn(browser, 'disk')
    const day = await browser.get(`/${M}/skranke/rapport?dato=2026-02-10`)
    assert.equal(day.statusCode, 200)
    assert.match(day.body, /<svg role="img" aria-labelledby="chart-title chart-desc"/)
    assert.match(day.body, /<title id="chart-title">Beløb i kr\.<\/title>/)
    assert.match(day.body, /<rect class="chart-bar"/)
    const row = (label: string) =>
      new RegExp(`<th scope="row">${label}</th><td class="num">([^<]*)</td><td class="num">([^<]*)</td>`)
        .exec(day.body)
        ?.slice(1)
    // Three fees of 120 kr on 10 February, as they stand now: Anna's annulled keeps its amount; Bo's, written
    // down to 69,50 kr and then cancelled by the upheld appeal, is what he had paid (20 kr, refunded).
    assert.deepEqual(row('Gebyrer og erstatninger pålagt'), ['3', '260 kr'])
    assert.deepEqual(row('Indbetalinger modtaget'), ['1', '20 kr'])
    assert.deepEqual(row('Materialer regnet som bortkomne'), ['0', ''])
    const lostDay = await browser.get(`/${M}/skranke/rapport?dato=2026-03-30`)
    const lostRow = /<th scope="row">Materialer regnet som bortkomne<\/th><td class="num">(\d+)</.exec(
      lostDay.body,
    )
    assert.equal(lostRow?.[1], '1')
    assert.match(lostDay.body, /– Erstatning<\/th><td class="num">1<\/td><td class="num">255 kr/)
    assert.match(lostDay.body, /– Klargøring<\/th><td class="num">1<\/td><td class="num">90 kr/)
    const bad = await browser.get(`/${M}/skranke/rapport?dato=2026-02-30`)
    assert.equal(bad.statusCode, 400)
    assert.match(bad.body, /Datoen skal skrives ÅÅÅÅ-MM-DD/)
  })

  it('counts the patrons blocked on the day and at its end', async () => {
    const cia = await db()
      .selectFrom('patrons')
      .select('id')
      .where('cardNumber', '=', 'cia')
      .executeTakeFirstOrThrow()
    await db()
      .insertInto('blocks')
      .values({
        municipality: M,
        patronId: cia.id,
        reason: 'staff',
        fromAt: instantOfLocal('2026-03-30', '09:00'),
      })
      .execute()
    const browser = new Browser(app)
    await logIn(browser, 'disk')
    const day = await browser.get(`/${M}/skranke/rapport?dato=2026-03-30`)
    assert.match(day.body, /<th scope="row">Lånere spærret<\/th><td class="num">1</)
    assert.match(day.body, /– Spærret af personalet<\/th><td class="num">1</)
    assert.match(day.body, /<th scope="row">Spærrede lånere ved dagens slutning<\/th><td class="num">1</)
    const before = await browser.get(`/${M}/skranke/rapport?dato=2026-03-29`)
    assert.match(before.body, /<th scope="row">Spærrede lånere ved dagens slutning<\/th><td class="num">0</)
  })

  it('records cash box sales in øre and lists the day with its total', async () => {
    const browser = new Browser(app)
    await logIn(browser, 'disk')
    const form = await browser.get(`/${M}/skranke/kasse`)
    assert.match(form.body, /Ingen salg denne dag/)
    const bad = await browser.post(
      `/${M}/skranke/kasse`,
      { category: 'bag', description: 'Mulepose', amount: '25,5,0', paymentMethod: 'cash' },
      form,
    )
    assert.equal(bad.statusCode, 400)
    assert.match(bad.body, /href="#amount">Skriv beløbet i kroner/)
    const first = await browser.follow(
      await browser.post(
        `/${M}/skranke/kasse`,
        { category: 'bag', description: 'Mulepose', amount: '25,50', paymentMethod: 'mobilepay' },
        form,
      ),
    )
    assert.match(flashOf(first), /Salget er registreret: Mulepose, 25,50 kr\./)
    const second = await browser.follow(
      await browser.post(
        `/${M}/skranke/kasse`,
        { category: 'event', description: 'Forfatteraften', amount: '1.234', paymentMethod: 'cash' },
        first,
      ),
    )
    assert.match(
      second.body,
      /<th scope="row" colspan="5">Dagens total<\/th><td class="num"><strong>1\.259,50 kr/,
    )
    assert.match(second.body, /<th scope="row" colspan="5">MobilePay<\/th><td class="num">25,50 kr/)
    const rows = await db()
      .selectFrom('cashSales')
      .select(['category', 'amount', 'paymentMethod', 'businessDate'])
      .orderBy('id')
      .execute()
    assert.deepEqual(rows, [
      { category: 'bag', amount: 2_550, paymentMethod: 'mobilepay', businessDate: '2026-03-30' },
      { category: 'event', amount: 123_400, paymentMethod: 'cash', businessDate: '2026-03-30' },
    ])
    const yesterday = await browser.get(`/${M}/skranke/kasse?dato=2026-03-29`)
    assert.match(yesterday.body, /Ingen salg denne dag/)
    assert.doesNotMatch(yesterday.body, /Registrér salg<\/button>/)
    const report = await browser.get(`/${M}/skranke/rapport?dato=2026-03-30`)
    assert.match(
      report.body,
      /<th scope="row">Kassesalg<\/th><td class="num">2<\/td><td class="num">1\.259,50 kr/,
    )
  })

  it('shows the municipality’s rules with their sources, in English too', async () => {
    const browser = new Browser(app)
    await logIn(browser, 'finans')
    const page = await browser.get(`/${M}/skranke/regler`)
    assert.equal(page.statusCode, 200)
    assert.match(page.body, /Københavns Biblioteker — Københavns Bibliotekers låneregler/)
    assert.match(page.body, /<th scope="row">lånetid<\/th><td data-label="Værdi">28 dage<\/td>/)
    assert.match(
      page.body,
      /<cite title="Københavns Biblioteker: regler for brug af bibliotekerne">002<\/cite> «Lånetiden er normalt 28 dage\.»/,
    )
    assert.match(page.body, /<em>antaget:<\/em>/)
    const english = await browser.get(`/${M}/skranke/regler?lang=en`)
    assert.match(english.body, /<h1>The municipality&#39;s rules<\/h1>/)
    assert.match(english.body, /<em>assumed:<\/em>/)
  })

  it('reads the printed policy back into sections', () => {
    const { title, sections } = policySections(
      'A — B\nversion 1, gælder fra 2020-01-01\n\nLån\n  lånetid: 28 dage\n      kilde [002] «x: y»\n  b: c\n      kilde [antaget] z',
    )
    assert.deepEqual(title, ['A — B', 'version 1, gælder fra 2020-01-01'])
    assert.deepEqual(sections, [
      {
        heading: 'Lån',
        rules: [
          { label: 'lånetid', value: '28 dage', source: { seed: '002', text: '«x: y»' } },
          { label: 'b', value: 'c', source: { seed: null, text: 'z' } },
        ],
      },
    ])
  })
})
