// The staff desk in a real browser (Debian's Chromium through playwright-core): every page is checked with
// axe-core for WCAG 2.1 AA, on a 360-px phone and on a desktop, and must not scroll sideways on the phone.
// A staff member finds a patron, checks out with the keyboard only and writes a charge down.

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { type Browser, chromium, type Page } from 'playwright-core'
import { addStaffAccount } from '../desk/staff-accounts.ts'
import { buildApp } from '../http/app.ts'
import {
  assertAccessibleOnPhoneAndDesktop,
  CHROMIUM,
  DESKTOP,
  freePort,
  skipWithoutBrowser,
} from '../test-support/browser.ts'
import { openTestServices, type TestContext } from '../test-support/test-services.ts'

const M = 'kobenhavn'

describe('the staff desk in the browser', { skip: skipWithoutBrowser }, () => {
  let t: TestContext
  let app: FastifyInstance
  let browser: Browser
  let base = ''

  before(async () => {
    t = await openTestServices(M)
    await addStaffAccount(t.services.db, {
      municipality: M,
      login: 'chef',
      name: 'Charlotte Chef',
      password: 'chef-hemmelig',
      roles: ['administrator'],
    })
    await addStaffAccount(t.services.db, {
      municipality: M,
      login: 'disk',
      name: 'Dorte Disk',
      password: 'disk-hemmelig',
      roles: ['desk'],
    })
    await t.patron({ cpr: '0103901234', name: 'Anna Andersen', email: 'anna@example.dk', pin: '1234' })
    await t.patron({ cardNumber: 'kid', birthDate: '2015-01-01', name: 'Karl Barn', guardian: '0103901234' })
    for (const barcode of ['b1', 'b2', 'b3', 'b4']) {
      await t.item({
        barcode,
        materialType: 'book',
        title: `En meget lang titel på bog ${barcode} om alting`,
      })
    }
    t.at('2026-01-02T10:00:00+01:00')
    await t.tx((trx) => t.services.circulation.checkout(trx, { municipality: M, patron: 'kid', item: 'b1' }))
    await t.tx((trx) => t.services.circulation.checkout(trx, { municipality: M, patron: 'kid', item: 'b2' }))
    t.at('2026-02-10T10:00:00+01:00')
    await t.tx((trx) => t.services.circulation.checkin(trx, { municipality: M, item: 'b1' }))
    const line = await t.services.db.selectFrom('claims').select('paymentId').executeTakeFirstOrThrow()
    await t.tx((trx) =>
      t.services.claimActions.fileAppeal(trx, {
        municipality: M,
        claim: line.paymentId,
        text: 'Jeg var syg',
      }),
    )
    t.at('2026-03-02T10:00:00+01:00')
    const port = await freePort()
    base = `http://127.0.0.1:${port}`
    app = await buildApp(t.services)
    await app.listen({ port, host: '127.0.0.1' })
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
  })

  after(async () => {
    await browser?.close()
    await app?.close()
    await t?.close()
  })

  async function logIn(login: string, password: string): Promise<Page> {
    const context = await browser.newContext({ viewport: DESKTOP, locale: 'da-DK' })
    const page = await context.newPage()
    await page.goto(`${base}/${M}/skranke/log-ind`)
    await assertAccessibleOnPhoneAndDesktop(page, 'login')
    await page.getByLabel('Brugernavn').fill(login)
    await page.getByLabel('Adgangskode').fill(password)
    await page.getByRole('button', { name: 'Log ind', exact: true }).click()
    await page.getByRole('heading', { name: 'Find en låner' }).waitFor()
    return page
  }

  it('every page of the desk is accessible and fits a phone', async () => {
    const page = await logIn('chef', 'chef-hemmelig')
    await assertAccessibleOnPhoneAndDesktop(page, 'home')
    await page.getByRole('button', { name: 'Find' }).click()
    await page.getByRole('alert').waitFor()
    await assertAccessibleOnPhoneAndDesktop(page, 'look-up with errors')
    await page.getByLabel('Lånerkort- eller CPR-nummer').fill('kid')
    await page.getByLabel(/^Begrundelse/).fill('Forælder spørger')
    await page.getByRole('button', { name: 'Find' }).click()
    await page.getByRole('heading', { name: 'Karl Barn' }).waitFor()
    await assertAccessibleOnPhoneAndDesktop(page, 'patron page')
    for (const path of [
      'opret',
      'opret/voksen',
      'opret/barn',
      'opret/udlaending',
      'opret/institution',
      'udlaan',
      'kasse',
      'rapport?dato=2026-02-10',
      'klager',
      'regler',
      'opslag',
      'rapport?lang=en',
      'regler?lang=da',
    ]) {
      await page.goto(`${base}/${M}/skranke/${path}`)
      await assertAccessibleOnPhoneAndDesktop(page, path)
    }
    await page.goto(`${base}/${M}/skranke/opret/barn`)
    await page.getByRole('button', { name: 'Opret' }).click()
    await page.getByRole('alert').waitFor()
    await assertAccessibleOnPhoneAndDesktop(page, 'child registration with errors')
    await page.goto(`${base}/${M}/skranke/kasse`)
    await page.getByLabel('Beskrivelse').fill('Mulepose')
    await page.getByLabel('Beløb i kr.').fill('25')
    await page.getByRole('button', { name: 'Registrér salg' }).click()
    await page.getByRole('status').waitFor()
    await assertAccessibleOnPhoneAndDesktop(page, 'cash box with a sale')
    await page.context().close()

    const desk = await logIn('disk', 'disk-hemmelig')
    await desk.goto(`${base}/${M}/skranke/klager`)
    assert.equal(await desk.getByRole('heading', { name: 'Ingen adgang' }).count(), 1)
    await assertAccessibleOnPhoneAndDesktop(desk, '403')
    await desk.context().close()
  })

  it('a staff member checks an item out with the keyboard alone', async () => {
    const page = await logIn('disk', 'disk-hemmelig')
    await page.goto(`${base}/${M}/skranke/udlaan`)
    await page.getByLabel('Lånerkort- eller CPR-nummer').focus()
    await page.keyboard.type('010390-1234')
    await page.keyboard.press('Tab')
    await page.keyboard.type('b3')
    await page.keyboard.press('Enter')
    const status = page.getByRole('status')
    await status.waitFor()
    assert.match(await status.innerText(), /er udlånt til Anna Andersen\. Afleveres senest 30\. marts 2026\./)
    await page.getByLabel('Stregkode').last().fill('b2')
    await page.getByRole('button', { name: 'Aflever' }).click()
    await page
      .getByRole('status')
      .getByText(/er afleveret\. Gebyr: 120 kr/)
      .waitFor()
    await assertAccessibleOnPhoneAndDesktop(page, 'circulation with a message')
    await page.context().close()
  })

  it('desk staff register a child and lend an item; finance annuls a charge and the guardian sees it gone', async () => {
    const desk = await logIn('disk', 'disk-hemmelig')
    await desk.goto(`${base}/${M}/skranke/opret/barn`)
    await desk.getByLabel('Navn').fill('Lise Barn')
    await desk.getByLabel(/^CPR-nummer/).fill('1205154321')
    await desk.getByLabel(/^Forælder eller værge/).fill('0103901234')
    await desk.getByLabel('Forælder eller værge har underskrevet indmeldelsesblanketten').check()
    await desk.getByRole('button', { name: 'Opret' }).click()
    await desk
      .getByRole('status')
      .getByText(/Lise Barn er oprettet med lånerkort/)
      .waitFor()
    await desk.goto(`${base}/${M}/skranke/udlaan`)
    await desk.getByLabel('Lånerkort- eller CPR-nummer').fill('1205154321')
    await desk.getByLabel('Stregkode').first().fill('b4')
    await desk.getByRole('button', { name: 'Lån ud' }).click()
    await desk
      .getByRole('status')
      .getByText(/er udlånt til Lise Barn/)
      .waitFor()
    await desk.context().close()

    // The guardian sees both children on Min side, Karl with his two fees (55 kr and 120 kr, returned late).
    const guardian = await browser.newPage({ viewport: DESKTOP, locale: 'da-DK' })
    await guardian.goto(`${base}/${M}/log-ind`)
    await guardian.getByLabel('Lånerkort- eller CPR-nummer').fill('0103901234')
    await guardian.getByLabel(/^Pinkode/).fill('1234')
    await guardian.getByRole('button', { name: 'Log ind', exact: true }).click()
    await guardian.getByRole('heading', { name: 'Lise Barn: 1 lån' }).waitFor()
    await guardian.getByRole('heading', { name: 'Karl Barn: 0 lån · Gebyrer: 175 kr' }).waitFor()

    const finance = await logIn('chef', 'chef-hemmelig')
    await finance.getByLabel('Lånerkort- eller CPR-nummer').fill('kid')
    await finance.getByLabel(/^Begrundelse/).fill('Forælder klager over gebyret')
    await finance.getByRole('button', { name: 'Find' }).click()
    await finance.getByRole('heading', { name: 'Karl Barn' }).waitFor()
    const row = finance.locator('form[action$="/annuller"]').first()
    await row.getByLabel('Begrundelse').fill('Barnet var syg')
    await row.getByRole('button', { name: 'Annullér gebyret' }).click()
    await finance
      .getByRole('status')
      .getByText(/er annulleret/)
      .waitFor()
    await finance.context().close()

    await guardian.reload()
    await guardian.getByRole('heading', { name: 'Karl Barn: 0 lån · Gebyrer: 120 kr' }).waitFor()
    await guardian.context().close()
  })
})
