// For the tests of Mit Betalingsoverblik: services whose municipality has other issuers besides the library
// (Køge's table of issuers, seed 004, lent to the library municipality under test, since Køge has no library
// in laan to log in to), the web app, and logging in as a patron.

import type { FastifyInstance } from 'fastify'
import type { Kysely } from 'kysely'
import { addItem } from '../catalogue/catalogue-service.ts'
import type { Database } from '../db/schema.ts'
import { buildApp } from '../http/app.ts'
import { registerPatron } from '../patrons/patron-service.ts'
import { readReceivablesPolicyFiles } from '../receivables/receivables-policy.ts'
import { createServices } from '../services.ts'
import { SimulatedClock } from '../shared/clock.ts'
import { openTestDatabase } from '../test-support/test-database.ts'
import type { TestContext } from '../test-support/test-services.ts'
import type { Browser } from './test-browser.ts'

/** The receivables policies, with Køge's issuers other than its library added to `municipality`'s. */
function withKogeIssuers(municipality: string) {
  const policies = readReceivablesPolicyFiles()
  const koge = policies.find((p) => p.municipality === 'koge')
  const others = koge?.issuers.value.filter((issuer) => !issuer.library) ?? []
  return policies.map((p) =>
    p.municipality === municipality
      ? { ...p, issuers: { ...p.issuers, value: [...p.issuers.value, ...others] } }
      : p,
  )
}

/** Test services on a fresh database and a simulated clock, and the app with the web pages. */
export async function openMboTest(
  municipality: string,
  start = '2026-03-02T10:00:00+01:00',
): Promise<{ t: TestContext; app: FastifyInstance }> {
  const handle = await openTestDatabase()
  const clock = new SimulatedClock(new Date(start))
  const services = await createServices({
    db: handle.db,
    clock,
    receivablesPolicies: withKogeIssuers(municipality),
  })
  const tx = <T>(fn: (trx: Kysely<Database>) => Promise<T>) => handle.db.transaction().execute(fn)
  const t: TestContext = {
    handle,
    clock,
    services,
    tx,
    at: (instant) => {
      clock.set(new Date(instant))
      return clock.now()
    },
    patron: async (input) =>
      (await tx((trx) => registerPatron(trx, services.cprVault, { municipality, at: clock.now(), ...input })))
        .id,
    item: async (input) => (await tx((trx) => addItem(trx, { municipality, ...input }))).id,
    close: () => handle.close(),
  }
  return { t, app: await buildApp(services) }
}

/** Logs in on the municipality's login page, as min-side.test.ts does. */
export async function logIn(browser: Browser, municipality: string, card: string, pin: string) {
  const form = await browser.get(`/${municipality}/log-ind`)
  const response = await browser.post(`/${municipality}/log-ind`, { identifier: card, pin }, form)
  if (response.statusCode !== 303) throw new Error(`login of ${card} failed: ${response.statusCode}`)
  return response
}

/** The claim ids of a patron's debtor, oldest first. */
export async function claimIdsOf(t: TestContext, card: string): Promise<number[]> {
  const rows = await t.services.db
    .selectFrom('claims')
    .innerJoin('debtors', 'debtors.id', 'claims.debtorId')
    .innerJoin('patrons', 'patrons.id', 'debtors.patronId')
    .select('claims.id')
    .where('patrons.cardNumber', '=', card)
    .orderBy('claims.id')
    .execute()
  return rows.map((r) => r.id)
}
