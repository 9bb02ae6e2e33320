// The main journeys in a real browser (Debian's Chromium through playwright-core): a patron logs in,
// renews, is refused with a clear reason and reads why a fee was charged; a 16-year-old registers with
// MitID (a local OpenID provider) and waits for consent, which the guardian gives. Every page is checked
// with axe-core for WCAG 2.1 AA, and the key pages are saved as screenshots (phone and desktop).

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { type Browser, chromium, type Page } from 'playwright-core'
import { buildApp } from '../http/app.ts'
import {
  assertAccessibleOnPhoneAndDesktop,
  CHROMIUM,
  DESKTOP,
  freePort,
  screenshot,
  skipWithoutBrowser,
} from '../test-support/browser.ts'
import { type OidcTestProvider, startOidcTestProvider } from '../test-support/oidc-test-provider.ts'
import { openTestServices, type TestContext } from '../test-support/test-services.ts'

describe('journeys in the browser', { skip: skipWithoutBrowser }, () => {
  let t: TestContext
  let app: FastifyInstance
  let broker: OidcTestProvider
  let browser: Browser
  let base = ''

  before(async () => {
    t = await openTestServices('kobenhavn')
    // Gentofte blocks at 200 kr (001): a book returned 39 days late costs 230 kr.
    t.at('2026-02-01T10:00:00+01:00')
    await t.patron({
      municipality: 'gentofte',
      cardNumber: 'gitte',
      cpr: '0505801234',
      pin: '1234',
      name: 'Gitte Gentofte',
    })
    await t.item({ municipality: 'gentofte', barcode: 'g1', materialType: 'book', title: 'Hærværk' })
    await t.tx((trx) =>
      t.services.circulation.checkout(trx, { municipality: 'gentofte', patron: 'gitte', item: 'g1' }),
    )
    t.at('2026-03-02T10:00:00+01:00')
    await t.patron({ cardNumber: 'anna', birthDate: '1990-03-01', pin: '1234', name: 'Anna Andersen' })
    await t.patron({ cardNumber: 'bo', birthDate: '1985-06-01', pin: '4321', name: 'Bo Berg' })
    await t.patron({ cardNumber: 'mor', cpr: '0101804321', pin: '5678', name: 'Mette Mor' })
    await t.item({ barcode: 'b1', materialType: 'book', title: 'Kongens Fald', author: 'Johannes V. Jensen' })
    await t.item({ barcode: 'b2', materialType: 'book', title: 'Festen' })
    await t.item({ barcode: 'b3', materialType: 'book', title: 'Havet' })
    const lend = (patron: string, item: string) =>
      t.tx((trx) => t.services.circulation.checkout(trx, { municipality: 'kobenhavn', patron, item }))
    await lend('anna', 'b3')
    t.at('2026-04-09T10:00:00+02:00')
    // Returned 10 days late: a fee with its explanation.
    await t.tx((trx) => t.services.circulation.checkin(trx, { municipality: 'kobenhavn', item: 'b3' }))
    await t.tx((trx) => t.services.circulation.checkin(trx, { municipality: 'gentofte', item: 'g1' }))
    await lend('anna', 'b1')
    await lend('anna', 'b2')
    await t.tx((trx) =>
      t.services.circulation.reserve(trx, { municipality: 'kobenhavn', patron: 'bo', item: 'b2' }),
    )
    t.at('2026-04-20T10:00:00+02:00')

    const port = await freePort()
    base = `http://127.0.0.1:${port}`
    broker = await startOidcTestProvider(`${base}/mitid/callback`, {
      teen: { cpr: '1505104234', birthdate: '2010-05-15', name: 'Theo Teen' },
      adult: { cpr: '0202851234', birthdate: '1985-02-02', name: 'Ada Voksen' },
      kid: { cpr: '0101164234', birthdate: '2016-01-01', name: 'Karl Barn' },
      gitte: { cpr: '0505801234', birthdate: '1980-05-05', name: 'Gitte Gentofte' },
    })
    app = await buildApp(t.services, {
      mitid: {
        issuer: broker.issuer,
        clientId: broker.clientId,
        clientSecret: broker.clientSecret,
        redirectUri: `${base}/mitid/callback`,
      },
    })
    await app.listen({ port, host: '127.0.0.1' })
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
  })

  after(async () => {
    await browser?.close()
    await app?.close()
    await broker?.close()
    await t?.close()
  })

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: DESKTOP, locale: 'da-DK' })
    return context.newPage()
  }

  async function logInWithPin(page: Page, card: string, pin: string) {
    await page.goto(`${base}/kobenhavn/min-side`)
    await page.getByLabel('Lånerkort- eller CPR-nummer').fill(card)
    await page.getByLabel(/^Pinkode/).fill(pin)
    await page.getByRole('button', { name: 'Log ind', exact: true }).click()
  }

  async function mitIdLogin(page: Page, who: string) {
    await page.locator('input[name=login]').fill(who)
    await page.locator('input[name=password]').fill('x')
    await page.locator('button[type=submit]').click()
    await page.getByRole('button', { name: 'Continue' }).click()
  }

  it('a patron logs in, renews, is refused with the reason, and reads why a fee was charged', async () => {
    const page = await newPage()
    await page.goto(`${base}/kobenhavn/log-ind`)
    await assertAccessibleOnPhoneAndDesktop(page, 'login')
    await screenshot(page, 'login')
    await logInWithPin(page, 'anna', '1234')
    await page.getByRole('heading', { name: 'Min side: Anna Andersen' }).waitFor()
    await assertAccessibleOnPhoneAndDesktop(page, 'min side')
    await screenshot(page, 'min-side')

    await page.getByRole('button', { name: 'Forny Kongens Fald' }).click()
    await page.getByRole('status').getByText('Kongens Fald er fornyet til 18. maj 2026.').waitFor()

    await page.getByRole('button', { name: 'Forny Festen' }).click()
    const refusal = page.getByRole('alert')
    await refusal.waitFor()
    assert.match(
      await refusal.innerText(),
      /Festen kunne ikke fornys: Materialet er reserveret af en anden låner/,
    )
    await assertAccessibleOnPhoneAndDesktop(page, 'min side with a refusal')

    const fees = page.locator('section[aria-labelledby=gebyrer]')
    assert.match(await fees.innerText(), /Havet/)
    assert.match(await fees.innerText(), /120 kr/)
    assert.match(await fees.innerText(), /dage/)

    await page.getByRole('link', { name: 'English' }).click()
    await page.getByRole('heading', { name: 'Your loans (2)' }).waitFor()
    assert.match(
      await page.locator('main').innerText(),
      /\b\d{1,2} (January|February|March|April|May|June|July|August|September|October|November|December) \d{4}\b/,
      'due dates in English words, as the Danish page has them in Danish',
    )
    await page.getByRole('link', { name: 'Dansk' }).click()
    await page.getByRole('link', { name: 'Dine oplysninger' }).click()
    await assertAccessibleOnPhoneAndDesktop(page, 'profile')
    await page.goto(`${base}/kobenhavn/min-side/reserver?q=Havet`)
    await page.getByRole('button', { name: 'Reservér Havet' }).waitFor()
    await assertAccessibleOnPhoneAndDesktop(page, 'search for a title to reserve')
    await page.context().close()
  })

  it('a blocked patron logs in with MitID, pays the fee in the payment overview and the block lifts at once', async () => {
    const page = await newPage()
    await page.goto(`${base}/`)
    await assertAccessibleOnPhoneAndDesktop(page, 'the libraries')
    await page.getByRole('link', { name: 'Gentofte Bibliotekerne' }).click()
    await page.getByRole('link', { name: 'Log ind med MitID' }).click()
    await mitIdLogin(page, 'gitte')
    await page.getByRole('heading', { name: 'Min side: Gitte Gentofte' }).waitFor()
    await page.getByText('Du er spærret for lån').waitFor()
    await page.getByRole('link', { name: 'Betal i Mit Betalingsoverblik' }).click()
    await assertAccessibleOnPhoneAndDesktop(page, 'payment overview')
    await screenshot(page, 'betaling')
    // Every page of the overview: each claim's payment, instalment, deadline and appeal forms, the refunds.
    const overview = page.url()
    const links = await page
      .locator('main a[href*="/betaling/"]')
      .evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href))
    for (const href of [...new Set(links)]) {
      await page.goto(href)
      await assertAccessibleOnPhoneAndDesktop(page, href)
    }
    await page.goto(overview)
    await page.getByRole('link', { name: 'Betal alt (230 kr)' }).click()
    await assertAccessibleOnPhoneAndDesktop(page, 'pay all')
    await page.getByRole('button', { name: 'Betal 230 kr' }).click()
    await page.getByText(/Betalingen er modtaget/).waitFor()
    await page.getByRole('link', { name: 'Min side', exact: true }).click()
    await page.getByRole('heading', { name: 'Min side: Gitte Gentofte' }).waitFor()
    assert.equal(await page.getByText('Du er spærret for lån').count(), 0)
    await page.context().close()
  })

  it('a 16-year-old registers with MitID and waits; the guardian consents', async () => {
    const teen = await newPage()
    await teen.goto(`${base}/kobenhavn/tilmeld`)
    await assertAccessibleOnPhoneAndDesktop(teen, 'register')
    await teen.getByRole('link', { name: 'Bliv låner med MitID' }).click()
    await mitIdLogin(teen, 'teen')
    await teen.getByText('Hej Theo Teen').waitFor()
    await assertAccessibleOnPhoneAndDesktop(teen, 'register form, consent needed')
    await screenshot(teen, 'register-teen')
    await teen.getByLabel(/^Vælg pinkode/).fill('2468')
    await teen.getByLabel('Gentag pinkoden').fill('2468')
    await teen.getByLabel(/^Din forælders lånerkort- eller CPR-nummer/).fill('010180-4321')
    await teen.getByRole('button', { name: 'Bed om samtykke' }).click()
    await teen.getByRole('heading', { name: 'Vi venter på samtykke' }).waitFor()
    await teen.context().close()

    const mother = await newPage()
    await logInWithPin(mother, 'mor', '5678')
    await mother.getByRole('heading', { name: 'Venter på dit samtykke' }).waitFor()
    assert.match(
      await mother.locator('section[aria-labelledby=samtykke]').innerText(),
      /Theo Teen \(født 15\. maj 2010\)/,
    )
    await assertAccessibleOnPhoneAndDesktop(mother, 'consent')
    await mother.getByRole('button', { name: 'Giv samtykke' }).click()
    await mother.getByText('Theo Teen er nu låner med dig som økonomisk ansvarlig.').waitFor()
    await mother.getByRole('heading', { name: /Theo Teen: 0 lån/ }).waitFor()
    await mother.context().close()

    const child = await t.services.db
      .selectFrom('patrons')
      .select(['guardianId', 'birthDate'])
      .where('cprHash', '=', t.services.cprVault.hash('1505104234'))
      .executeTakeFirstOrThrow()
    assert.equal(child.birthDate, '2010-05-15')
    assert.notEqual(child.guardianId, null)

    const again = await newPage()
    await logInWithPin(again, '1505104234', '2468')
    await again.getByRole('heading', { name: 'Min side: Theo Teen' }).waitFor()
    await again.context().close()
  })

  it('an adult becomes a patron at once with MitID; a child under 15 is asked to come in', async () => {
    const adult = await newPage()
    await adult.goto(`${base}/kobenhavn/log-ind`)
    await adult.getByRole('link', { name: 'Log ind med MitID' }).click()
    await mitIdLogin(adult, 'adult')
    await adult.getByLabel(/^Vælg pinkode/).fill('1357')
    await adult.getByLabel('Gentag pinkoden').fill('1357')
    await adult.getByLabel(/^E-mail/).fill('ada@example.dk')
    await adult.getByRole('button', { name: 'Bliv låner' }).click()
    await adult.getByRole('heading', { name: 'Min side: Ada Voksen' }).waitFor()
    await adult.getByText('Velkommen! Du er nu låner.').waitFor()
    await adult.context().close()

    const kid = await newPage()
    await kid.goto(`${base}/kobenhavn/tilmeld`)
    await kid.getByRole('link', { name: 'Bliv låner med MitID' }).click()
    await mitIdLogin(kid, 'kid')
    await kid.getByText('Er du under 15 år, skal du komme på biblioteket sammen med en forælder').waitFor()
    await kid.context().close()
  })
})
