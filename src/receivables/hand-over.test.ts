import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { addItem } from '../catalogue/catalogue-service.ts'
import { runCheckin, runCheckout } from '../circulation/circulation-edge.ts'
import type { DatabaseHandle } from '../db/database.ts'
import { registerPatron } from '../patrons/patron-service.ts'
import { createServices, type Services } from '../services.ts'
import { SimulatedClock } from '../shared/clock.ts'
import { addDays, instantOfLocal } from '../shared/time.ts'
import { openTestDatabase } from '../test-support/test-database.ts'
import { type ReceivablesPolicy, readReceivablesPolicyFiles } from './receivables-policy.ts'

// 002's older rule, which 000 superseded: fees of 50 kr or more are billed 40 days after they are registered.
// The policy can still say so; this is København with that rule.
const M = 'kobenhavn'
let handle: DatabaseHandle
let clock: SimulatedClock
let services: Services

before(async () => {
  const older = readReceivablesPolicyFiles().map(
    (p): ReceivablesPolicy =>
      p.municipality === M
        ? {
            ...p,
            handOver: {
              ...p.handOver,
              delayDays: { value: 40, source: { seed: '002', quote: 'opkræves 40 dage efter registrering' } },
              minimumAmount: {
                value: 5000,
                source: { seed: '002', quote: 'gebyrer på 50 kr. eller derover' },
              },
            },
          }
        : p,
  )
  handle = await openTestDatabase()
  clock = new SimulatedClock(new Date('2026-03-02T10:00:00+01:00'))
  services = await createServices({ db: handle.db, clock, receivablesPolicies: older })
  await handle.db.transaction().execute(async (trx) => {
    for (const card of ['small', 'large']) {
      await registerPatron(trx, services.cprVault, {
        municipality: M,
        at: clock.now(),
        cardNumber: card,
        name: card,
        birthDate: '1970-01-01',
      })
      await addItem(trx, {
        municipality: M,
        barcode: `${card}-1`,
        title: `Bog ${card}`,
        materialType: 'book',
      })
    }
  })
  for (const card of ['small', 'large']) {
    await runCheckout(handle.db, services.circulation, { municipality: M, patron: card, item: `${card}-1` })
  }
  clock.set(new Date('2026-04-01T12:00:00+02:00')) // due 30 March: 2 days late, 20 kr
  await runCheckin(handle.db, services.circulation, { municipality: M, item: 'small-1' })
  clock.set(new Date('2026-04-10T12:00:00+02:00')) // 11 days late: 120 kr
  await runCheckin(handle.db, services.circulation, { municipality: M, item: 'large-1' })
})
after(() => handle.close())

async function claimsOf(card: string) {
  return handle.db
    .selectFrom('claims')
    .innerJoin('debtors', 'debtors.id', 'claims.debtorId')
    .innerJoin('patrons', 'patrons.id', 'debtors.patronId')
    .select(['claims.claimDate', 'claims.amount', 'claims.deadline'])
    .where('patrons.cardNumber', '=', card)
    .execute()
}

async function nightsThrough(from: string, to: string) {
  for (let date = from; date <= to; date = addDays(date, 1)) {
    clock.set(instantOfLocal(date, '02:00'))
    await services.jobs.nightly(M, date)
  }
}

describe('a policy with a hand-over delay and a minimum (002, older KK rules)', () => {
  it('hands a charge over 40 days after it was registered, and only once the patron owes 50 kr', async () => {
    assert.deepEqual(await claimsOf('large'), [])
    await nightsThrough('2026-04-02', '2026-05-19')
    assert.deepEqual(await claimsOf('large'), [], 'not before 40 days')
    await nightsThrough('2026-05-20', '2026-05-20')
    assert.deepEqual(await claimsOf('large'), [
      { claimDate: '2026-05-20', amount: 12000, deadline: '2026-06-04' },
    ])
    // 20 kr is under the minimum: it stays with the library, unbilled.
    assert.deepEqual(await claimsOf('small'), [])
  })
})
