import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, it } from 'node:test'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { DEMO_STAFF_LOGIN, DEMO_STAFF_PASSWORD, seedDemoData } from '../demo/demo-data.ts'
import { addStaffAccount } from '../desk/staff-accounts.ts'
import { buildApp } from '../http/app.ts'
import { openTestServices, type TestContext } from '../test-support/test-services.ts'
import { Browser } from './test-browser.ts'

let t: TestContext
let app: FastifyInstance
let annaId: number

before(async () => {
  t = await openTestServices('kobenhavn')
  t.at('2026-03-02T10:00:00+01:00')
  const db = t.services.db
  await addStaffAccount(db, {
    municipality: 'kobenhavn',
    login: 'disk',
    name: 'Dorte Disk',
    password: 'skranke-hemmelig',
    roles: ['desk'],
  })
  await addStaffAccount(db, {
    municipality: 'kobenhavn',
    login: 'finans',
    name: 'Finn Finans',
    password: 'finans-hemmelig',
    roles: ['finance'],
  })
  await addStaffAccount(db, {
    municipality: 'kobenhavn',
    login: 'chef',
    name: 'Charlotte Chef',
    password: 'chef-hemmelig',
    roles: ['administrator'],
  })
  await addStaffAccount(db, {
    municipality: 'gentofte',
    login: 'disk',
    name: 'Gentofte Disk',
    password: 'gentofte-hemmelig',
    roles: ['desk'],
  })
  annaId = await t.patron({ cpr: '0103901234', name: 'Anna Ærø', pin: '1234', email: 'anna@example.dk' })
  await t.patron({ cardNumber: 'bo', birthDate: '1985-06-01', name: 'Bo <b>' })
  await t.patron({ cardNumber: 'teen', birthDate: '2010-05-01', name: 'Teen' })
  await t.item({ barcode: 'b1', materialType: 'book', title: 'Kongens Fald' })
  await t.item({ barcode: 'b2', materialType: 'book', title: 'Festen' })
  await t.item({ barcode: 'b3', materialType: 'book', title: 'Hærværk' })
  app = await buildApp(t.services)
})

after(async () => {
  await app?.close()
  await t?.close()
})

async function logIn(browser: Browser, login: string, password: string) {
  const form = await browser.get('/kobenhavn/skranke/log-ind')
  return browser.post('/kobenhavn/skranke/log-ind', { login, password }, form)
}

/** Logs in and looks a patron up; the patron's page. */
async function lookUp(browser: Browser, identifier: string, reason = 'Låneren står ved skranken') {
  const home = await browser.get('/kobenhavn/skranke')
  assert.equal(home.statusCode, 200, home.body)
  const found = await browser.post('/kobenhavn/skranke/find', { identifier, reason }, home)
  const url = String(found.headers.location)
  return Object.assign(await browser.follow(found), { url })
}

const db = () => t.services.db

async function lookups() {
  return db()
    .selectFrom('staffLookups')
    .innerJoin('staffAccounts', 'staffAccounts.id', 'staffLookups.staffId')
    .select(['staffAccounts.login', 'staffLookups.patronId', 'staffLookups.reason'])
    .orderBy('staffLookups.id')
    .execute()
}

function flashOf(page: LightMyRequestResponse): string {
  return /class="flash [^"]*" role="[^"]*">([^<]*)</.exec(page.body)?.[1] ?? ''
}

describe('the staff desk: login and roles', () => {
  it('sends a visitor without a staff session to the staff login', async () => {
    const browser = new Browser(app)
    for (const path of [
      '/kobenhavn/skranke',
      '/kobenhavn/skranke/',
      `/kobenhavn/skranke/laanere/${annaId}`,
      '/kobenhavn/skranke/kasse',
    ]) {
      const response = await browser.get(path)
      assert.equal(response.statusCode, 303, path)
      assert.equal(response.headers.location, '/kobenhavn/skranke/log-ind')
    }
    const form = await browser.get('/kobenhavn/skranke/log-ind')
    assert.equal(form.statusCode, 200)
    assert.match(form.body, /<html lang="da">/)
    assert.match(form.body, /<label for="login">Brugernavn<\/label>/)
    assert.match(String(form.headers['content-security-policy']), /default-src 'self'/)
  })

  it('refuses a wrong password and another municipality’s account, and logs in and out', async () => {
    const browser = new Browser(app)
    const wrong = await logIn(browser, 'disk', 'forkert-kode')
    assert.equal(wrong.statusCode, 401)
    assert.match(wrong.body, /role="alert">Brugernavn eller adgangskode er forkert/)
    // Gentofte's "disk" with its password is not a København account.
    assert.equal((await logIn(browser, 'disk', 'gentofte-hemmelig')).statusCode, 401)
    const home = await browser.follow(await logIn(browser, 'disk', 'skranke-hemmelig'))
    assert.match(home.body, /Find en låner/)
    assert.match(home.body, /Dorte Disk/)
    // A patron's Min side is not a staff session, and the staff session does not open Min side.
    assert.equal((await browser.get('/kobenhavn/min-side')).statusCode, 303)
    const out = await browser.post('/kobenhavn/skranke/log-ud', {}, home)
    assert.equal(out.headers.location, '/kobenhavn/skranke/log-ind')
    assert.equal((await browser.get('/kobenhavn/skranke')).statusCode, 303)
  })

  it('answers a role the account does not hold with 403', async () => {
    const finance = new Browser(app)
    await logIn(finance, 'finans', 'finans-hemmelig')
    for (const path of [
      '/kobenhavn/skranke/udlaan',
      '/kobenhavn/skranke/kasse',
      '/kobenhavn/skranke/opret',
    ]) {
      const page = await finance.get(path)
      assert.equal(page.statusCode, 403, path)
      assert.match(page.body, /Den kræver rollen skranke/)
    }
    const desk = new Browser(app)
    await logIn(desk, 'disk', 'skranke-hemmelig')
    assert.equal((await desk.get('/kobenhavn/skranke/klager')).statusCode, 403)
    assert.equal((await desk.get('/kobenhavn/skranke/opslag')).statusCode, 403)
    // The menu offers only what the role may do.
    const home = await desk.get('/kobenhavn/skranke')
    assert.doesNotMatch(home.body, /skranke\/klager/)
    assert.match(home.body, /skranke\/kasse/)
    const admin = new Browser(app)
    await logIn(admin, 'chef', 'chef-hemmelig')
    assert.equal((await admin.get('/kobenhavn/skranke/klager')).statusCode, 200)
    assert.equal((await admin.get('/kobenhavn/skranke/kasse')).statusCode, 200)
  })

  it('gives each municipality of the demo data a staff account with every role', async () => {
    // København has patrons already: only the others are seeded (Gentofte among them).
    await seedDemoData(t.services)
    const browser = new Browser(app)
    const form = await browser.get('/gentofte/skranke/log-ind')
    const home = await browser.follow(
      await browser.post(
        '/gentofte/skranke/log-ind',
        { login: DEMO_STAFF_LOGIN, password: DEMO_STAFF_PASSWORD },
        form,
      ),
    )
    assert.match(home.body, /Gentofte/)
    assert.match(home.body, /skranke\/klager/)
    assert.match(home.body, /skranke\/opslag/)
    assert.equal((await browser.get('/kobenhavn/skranke')).statusCode, 303, 'not a København session')
  })

  it('refuses a form without its CSRF token', async () => {
    const browser = new Browser(app)
    const home = await browser.follow(await logIn(browser, 'disk', 'skranke-hemmelig'))
    const forged = await browser.post('/kobenhavn/skranke/find', { identifier: 'bo', reason: 'nysgerrig' }, {
      ...home,
      body: '',
    } as never)
    assert.equal(forged.statusCode, 403)
    assert.match(forged.body, /Formularen er udløbet/)
    assert.equal((await lookups()).length, 0, 'nothing was looked up')
  })

  it('shows the desk in English on request', async () => {
    const browser = new Browser(app)
    await logIn(browser, 'disk', 'skranke-hemmelig')
    const page = await browser.get('/kobenhavn/skranke?lang=en')
    assert.match(page.body, /<html lang="en">/)
    assert.match(page.body, /<h1>Find a patron<\/h1>/)
    assert.match(page.body, /<label for="reason">Reason/)
    assert.match(page.body, /lang="da">Dansk</)
    // Remembered for the next page, until Danish is asked for.
    assert.match((await browser.get('/kobenhavn/skranke/udlaan')).body, /Check-out and check-in/)
    assert.match((await browser.get('/kobenhavn/skranke?lang=da')).body, /<html lang="da">/)
  })
})

describe('the staff desk: patrons', () => {
  beforeEach(() => {
    t.at('2026-03-02T10:00:00+01:00')
  })

  it('looks a patron up by CPR number with a reason, records it, and shows the patron', async () => {
    const browser = new Browser(app)
    await logIn(browser, 'disk', 'skranke-hemmelig')
    await t.tx((trx) =>
      t.services.circulation.checkout(trx, { municipality: 'kobenhavn', patron: '0103901234', item: 'b1' }),
    )
    const home = await browser.get('/kobenhavn/skranke')
    const noReason = await browser.post(
      '/kobenhavn/skranke/find',
      { identifier: '010390-1234', reason: ' ' },
      home,
    )
    assert.equal(noReason.statusCode, 400)
    assert.match(
      noReason.body,
      /role="alert"><p>Der er en fejl:<\/p><ul><li><a href="#reason">Udfyld begrundelse\./,
    )
    const unknown = await browser.post('/kobenhavn/skranke/find', { identifier: '999', reason: 'test' }, home)
    assert.equal(unknown.statusCode, 404)
    assert.match(unknown.body, /Der er ingen låner med det kort- eller CPR-nummer/)
    const page = await lookUp(browser, '010390-1234', 'Spørger til sine lån')
    assert.equal(page.statusCode, 200)
    assert.match(page.body, /<h1>Anna Ærø<\/h1>/)
    assert.match(page.body, /010390-\*\*\*\*/, 'the CPR number is masked')
    assert.doesNotMatch(page.body, /0103901234/)
    assert.match(page.body, /Kongens Fald/)
    assert.match(page.body, /30\. marts 2026/)
    assert.match(page.body, /<th scope="col">Titel<\/th>/)
    assert.deepEqual(await lookups(), [{ login: 'disk', patronId: annaId, reason: 'Spørger til sine lån' }])
  })

  it('opens a patron’s page only after one’s own recent look-up', async () => {
    const other = new Browser(app)
    await logIn(other, 'finans', 'finans-hemmelig')
    const direct = await other.get(`/kobenhavn/skranke/laanere/${annaId}`)
    assert.equal(direct.statusCode, 303)
    assert.equal(direct.headers.location, '/kobenhavn/skranke')
    const home = await other.get('/kobenhavn/skranke')
    assert.match(flashOf(home), /Slå låneren op igen med en begrundelse/)
    // A look-up is good for an hour.
    const page = await lookUp(other, 'bo', 'Klage over gebyr')
    assert.match(page.body, /Bo &lt;b&gt;/, 'names are escaped')
    t.at('2026-03-02T10:25:00+01:00')
    assert.equal((await other.get(page.url)).statusCode, 200)
    t.at('2026-03-02T11:20:00+01:00')
    assert.equal((await other.get(page.url)).statusCode, 303)
    t.at('2026-03-02T10:00:00+01:00')
  })

  it('checks out and in at the desk, with refusals in Danish', async () => {
    const browser = new Browser(app)
    await logIn(browser, 'disk', 'skranke-hemmelig')
    const page = await lookUp(browser, 'bo')
    const done = await browser.follow(
      await browser.post(
        `/kobenhavn/skranke/laanere/${page.url.split('/').pop()}/udlaan`,
        { barcode: 'b2' },
        page,
      ),
    )
    assert.match(flashOf(done), /Festen er udlånt til Bo &lt;b&gt;\. Afleveres senest 30\. marts 2026\./)
    const loan = await db()
      .selectFrom('loans')
      .innerJoin('items', 'items.id', 'loans.itemId')
      .select(['loans.status', 'loans.dueDate'])
      .where('items.barcode', '=', 'b2')
      .executeTakeFirstOrThrow()
    assert.deepEqual(loan, { status: 'active', dueDate: '2026-03-30' })

    const desk = await browser.get('/kobenhavn/skranke/udlaan')
    const taken = await browser.follow(
      await browser.post('/kobenhavn/skranke/udlaan', { card: 'teen', barcode: 'b2' }, desk),
    )
    assert.match(
      taken.body,
      /role="alert">Udlånet blev afvist: Materialet er udlånt eller reserveret til en anden låner\./,
    )
    const unknown = await browser.follow(
      await browser.post('/kobenhavn/skranke/udlaan', { card: 'nobody', barcode: 'b3' }, desk),
    )
    assert.match(flashOf(unknown), /Udlånet blev afvist: Låneren findes ikke\./)

    // Returned ten days late: the fee, in the message.
    t.at('2026-04-09T12:00:00+02:00')
    await logIn(browser, 'disk', 'skranke-hemmelig')
    const later = await browser.get('/kobenhavn/skranke/udlaan')
    const back = await browser.follow(
      await browser.post('/kobenhavn/skranke/aflevering', { barcode: 'b2' }, later),
    )
    assert.match(flashOf(back), /^Festen er afleveret\. Gebyr: 120 kr \(/)
    const again = await browser.follow(
      await browser.post('/kobenhavn/skranke/aflevering', { barcode: 'b2' }, later),
    )
    assert.match(flashOf(again), /Afleveringen blev afvist: Materialet er ikke registreret som udlånt\./)
    const fee = await db()
      .selectFrom('charges')
      .innerJoin('patrons', 'patrons.id', 'charges.patronId')
      .select(['charges.kind', 'charges.amount', 'patrons.cardNumber'])
      .where('charges.municipality', '=', 'kobenhavn')
      .executeTakeFirstOrThrow()
    assert.deepEqual(fee, { kind: 'overdue-fee', amount: 12_000, cardNumber: 'bo' })
    t.at('2026-03-02T10:00:00+01:00')
  })

  it('registers an adult, a child with consent, a foreigner and an institution', async () => {
    const browser = new Browser(app)
    await logIn(browser, 'disk', 'skranke-hemmelig')
    const adultForm = await browser.get('/kobenhavn/skranke/opret/voksen')
    assert.match(adultForm.body, /<label for="cpr">CPR-nummer/)
    const young = await browser.post(
      '/kobenhavn/skranke/opret/voksen',
      { name: 'Ung', cpr: '0101124234' },
      adultForm,
    )
    assert.equal(young.statusCode, 400)
    assert.match(young.body, /Låneren er under 18 år/)
    const adult = await browser.follow(
      await browser.post(
        '/kobenhavn/skranke/opret/voksen',
        { name: 'Carl Voksen', cpr: '150570-1234', pin: '4321', email: 'carl@example.dk' },
        adultForm,
      ),
    )
    assert.match(flashOf(adult), /Carl Voksen er oprettet med lånerkort 9\d{11}\./)
    const carl = await db()
      .selectFrom('patrons')
      .selectAll()
      .where('name', '=', 'Carl Voksen')
      .executeTakeFirstOrThrow()
    assert.equal(t.services.cprVault.decrypt(carl.cprEncrypted ?? ''), '1505701234')
    assert.equal(carl.birthDate, '1970-05-15')
    assert.equal(carl.patronType, 'person')
    assert.ok(carl.pinHash)
    const dup = await browser.post(
      '/kobenhavn/skranke/opret/voksen',
      { name: 'Carl igen', cpr: '1505701234' },
      adultForm,
    )
    assert.match(dup.body, /Der er allerede en låner med det CPR-nummer/)

    const childForm = await browser.get('/kobenhavn/skranke/opret/barn')
    const noConsent = await browser.post(
      '/kobenhavn/skranke/opret/barn',
      { name: 'Lille Ærø', birthDate: '2018-04-04', cardNumber: 'barn1', guardian: 'teen' },
      childForm,
    )
    assert.equal(noConsent.statusCode, 400)
    assert.match(noConsent.body, /Forælderen eller værgen skal være over 18 år/)
    assert.match(noConsent.body, /underskrift på indmeldelsesblanketten mangler/)
    const child = await browser.follow(
      await browser.post(
        '/kobenhavn/skranke/opret/barn',
        {
          name: 'Lille Ærø',
          birthDate: '2018-04-04',
          cardNumber: 'barn1',
          guardian: '0103901234',
          consent: '1',
        },
        childForm,
      ),
    )
    assert.match(child.body, /Økonomisk ansvarlig<\/dt><dd>Anna Ærø/)
    const registration = await db()
      .selectFrom('deskRegistrations')
      .innerJoin('patrons', 'patrons.id', 'deskRegistrations.patronId')
      .select(['deskRegistrations.kind', 'deskRegistrations.guardianConsent', 'patrons.guardianId'])
      .where('patrons.cardNumber', '=', 'barn1')
      .executeTakeFirstOrThrow()
    assert.deepEqual(registration, { kind: 'child', guardianConsent: true, guardianId: annaId })

    const foreignForm = await browser.get('/kobenhavn/skranke/opret/udlaending')
    assert.match(foreignForm.body, /<option value="residence-card">Opholdskort<\/option>/)
    const noPaper = await browser.post(
      '/kobenhavn/skranke/opret/udlaending',
      { name: 'Jean Dupont', birthDate: '1988-02-03', cardNumber: 'F100' },
      foreignForm,
    )
    assert.match(noPaper.body, /Udfyld type legitimation/)
    await browser.follow(
      await browser.post(
        '/kobenhavn/skranke/opret/udlaending',
        {
          name: 'Jean Dupont',
          birthDate: '1988-02-03',
          cardNumber: 'F100',
          idType: 'passport',
          idNumber: '19FR12345',
        },
        foreignForm,
      ),
    )
    const jean = await db()
      .selectFrom('patrons')
      .select(['cprHash', 'idDocumentType', 'idDocumentNumber', 'patronType'])
      .where('cardNumber', '=', 'F100')
      .executeTakeFirstOrThrow()
    assert.deepEqual(jean, {
      cprHash: null,
      idDocumentType: 'passport',
      idDocumentNumber: '19FR12345',
      patronType: 'person',
    })

    const institutionForm = await browser.get('/kobenhavn/skranke/opret/institution')
    assert.doesNotMatch(institutionForm.body, /name="cpr"/)
    const school = await browser.follow(
      await browser.post(
        '/kobenhavn/skranke/opret/institution',
        { name: 'Søndermarkskolen', cardNumber: 'INST-7', email: 'skole@example.dk' },
        institutionForm,
      ),
    )
    assert.match(school.body, /<dt>Type<\/dt><dd>Institution<\/dd>/)
    assert.doesNotMatch(school.body, /Fødselsdato/)
    const row = await db()
      .selectFrom('patrons')
      .select(['cprHash', 'patronType'])
      .where('cardNumber', '=', 'INST-7')
      .executeTakeFirstOrThrow()
    assert.deepEqual(row, { cprHash: null, patronType: 'institution' })
    // Each registration counts as a look-up by the one who made it.
    const logged = (await lookups()).filter((l) => l.reason === 'Oprettet som låner ved skranken')
    assert.equal(logged.length, 4)
  })

  it('excludes with 7 days’ notice, blocks when the notice has run, and lifts the block with a reason', async () => {
    const browser = new Browser(app)
    await logIn(browser, 'disk', 'skranke-hemmelig')
    const page = await lookUp(browser, 'teen')
    const url = page.url
    const empty = await browser.follow(await browser.post(`${url}/udeluk`, { reason: '' }, page))
    assert.match(flashOf(empty), /Udfyld begrundelse/)
    const excluded = await browser.follow(
      await browser.post(`${url}/udeluk`, { reason: 'Har gentagne gange ikke afleveret' }, page),
    )
    assert.match(flashOf(excluded), /gælder fra 9\. marts 2026/)
    assert.match(excluded.body, /Varslet 2\. marts 2026; udelukket fra 9\. marts 2026\./)
    const notice = await browser.get(/href="([^"]*\/varsel\/\d+)"/.exec(excluded.body)?.[1] ?? '')
    assert.match(notice.body, /udelukker dig fra at låne fra 9\. marts 2026/)
    assert.match(notice.body, /Har gentagne gange ikke afleveret/)
    const teen = await db()
      .selectFrom('patrons')
      .select('id')
      .where('cardNumber', '=', 'teen')
      .executeTakeFirstOrThrow()
    const openBlocks = () =>
      db()
        .selectFrom('blocks')
        .select(['id', 'reason'])
        .where('patronId', '=', teen.id)
        .where('untilAt', 'is', null)
        .execute()
    assert.deepEqual(await openBlocks(), [], 'no block during the notice')

    t.at('2026-03-09T09:00:00+01:00')
    await logIn(browser, 'disk', 'skranke-hemmelig')
    const blockedPage = await lookUp(browser, 'teen', 'Vil låne')
    const blocks = await openBlocks()
    assert.deepEqual(
      blocks.map((b) => b.reason),
      ['staff'],
    )
    assert.match(blockedPage.body, /Spærret af personalet/)
    const refused = await browser.follow(await browser.post(`${url}/udlaan`, { barcode: 'b3' }, blockedPage))
    assert.match(flashOf(refused), /Udlånet blev afvist: Du er blokeret som låner/)
    const lifted = await browser.follow(
      await browser.post(
        `${url}/spaerringer/${blocks[0]?.id}/ophaev`,
        { reason: 'Har afleveret alt' },
        blockedPage,
      ),
    )
    assert.match(flashOf(lifted), /Spærringen er ophævet/)
    assert.deepEqual(await openBlocks(), [])
    const lift = await db().selectFrom('blockLifts').select(['reason', 'patronId']).executeTakeFirstOrThrow()
    assert.deepEqual(lift, { reason: 'Har afleveret alt', patronId: teen.id })
    const exclusion = await db()
      .selectFrom('staffExclusions')
      .select(['status', 'endReason'])
      .executeTakeFirstOrThrow()
    assert.deepEqual(exclusion, { status: 'lifted', endReason: 'Har afleveret alt' })
    t.at('2026-03-02T10:00:00+01:00')
  })

  it('withdraws an exclusion during its notice, and then none takes effect', async () => {
    const browser = new Browser(app)
    await logIn(browser, 'disk', 'skranke-hemmelig')
    const page = await lookUp(browser, 'bo')
    const excluded = await browser.follow(
      await browser.post(`${page.url}/udeluk`, { reason: 'Beskadigede bøger' }, page),
    )
    const action = /action="([^"]*\/tilbagekald)"/.exec(excluded.body)?.[1] ?? ''
    const noReason = await browser.follow(await browser.post(action, { reason: '' }, excluded))
    assert.match(flashOf(noReason), /Udfyld begrundelse/)
    const withdrawn = await browser.follow(
      await browser.post(action, { reason: 'Bøgerne var skadet før lånet' }, excluded),
    )
    assert.match(flashOf(withdrawn), /Udelukkelsen er tilbagekaldt/)
    assert.match(withdrawn.body, /id="exclude-reason"/, 'a new exclusion can be given')
    const bo = await db()
      .selectFrom('patrons')
      .select('id')
      .where('cardNumber', '=', 'bo')
      .executeTakeFirstOrThrow()
    const row = await db()
      .selectFrom('staffExclusions')
      .select(['status', 'endReason'])
      .where('patronId', '=', bo.id)
      .executeTakeFirstOrThrow()
    assert.deepEqual(row, { status: 'withdrawn', endReason: 'Bøgerne var skadet før lånet' })
    t.at('2026-03-20T10:00:00+01:00')
    await logIn(browser, 'disk', 'skranke-hemmelig')
    await lookUp(browser, 'bo')
    const blocks = await db().selectFrom('blocks').select('id').where('patronId', '=', bo.id).execute()
    assert.deepEqual(blocks, [])
  })

  it('shows the look-up log to administrators', async () => {
    const browser = new Browser(app)
    await logIn(browser, 'chef', 'chef-hemmelig')
    const log = await browser.get('/kobenhavn/skranke/opslag')
    assert.equal(log.statusCode, 200)
    assert.match(log.body, /Spørger til sine lån/)
    assert.match(log.body, /Anna Ærø \(9\d{11}\)/)
  })
})

describe('the staff desk: login flood', () => {
  it('slows down a flood of staff logins from one address (last: it uses up the minute)', async () => {
    const browser = new Browser(app)
    const statuses: number[] = []
    for (let i = 0; i < 31; i++) statuses.push((await logIn(browser, 'disk', `gæt-nummer-${i}`)).statusCode)
    assert.ok(statuses.includes(429))
    const last = await logIn(browser, 'disk', 'skranke-hemmelig')
    assert.equal(last.statusCode, 429)
    assert.match(last.body, /For mange forsøg/)
  })
})
