import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { openTestServices, type TestContext } from '../test-support/test-services.ts'
import { createDoorService, type DoorService } from './door-service.ts'

const m = 'kobenhavn'
let t: TestContext
let door: DoorService

before(async () => {
  t = await openTestServices(m, '2026-03-02T18:00:00+01:00')
  door = createDoorService({ policies: t.services.policies, clock: t.clock, cprVault: t.services.cprVault })
  // Born 1 March 1980, with a library card and the CPR of a health card.
  await t.patron({ cardNumber: 'K1001', cpr: '010380-1234' })
  // Registered with CPR only: the card number is the CPR number.
  await t.patron({ cpr: '0203851234' })
  // Turns 15 on 3 March 2026.
  await t.patron({ cardNumber: 'B2001', birthDate: '2011-03-03', guardian: 'K1001' })
  await t.patron({ cardNumber: 'L3001', birthDate: '1990-06-01' })
  await t.handle.db
    .updateTable('patrons')
    .set({ cardLostAt: new Date('2026-02-20T12:00:00+01:00') })
    .where('cardNumber', '=', 'L3001')
    .execute()
  // Another municipality's patron with the same card number.
  await t.tx((trx) =>
    trx
      .insertInto('patrons')
      .values({ municipality: 'gentofte', cardNumber: 'G1', birthDate: '2015-01-01', name: 'G' })
      .execute(),
  )
})

after(async () => {
  await t.close()
})

const scan = (card: string, at?: string, municipality = m) =>
  t.tx((trx) =>
    door.scan(trx, {
      municipality,
      card,
      location: 'Hovedbiblioteket',
      at: at === undefined ? undefined : new Date(at),
    }),
  )

describe('a card scanned at the door', () => {
  it('opens for a library card and for the health card (CPR) of the same patron', async () => {
    const byCard = await scan('K1001')
    assert.deepEqual([byCard.open, byCard.reason], [true, 'ok'])
    assert.equal(byCard.entry.card, 'K1001')
    assert.equal(byCard.entry.at.toISOString(), '2026-03-02T17:00:00.000Z')
    for (const cpr of ['0103801234', '010380-1234', ' 0103801234\r\n']) {
      const byCpr = await scan(cpr)
      assert.deepEqual([byCpr.open, byCpr.reason, byCpr.entry.card], [true, 'ok', 'K1001'], cpr)
    }
  })

  it('logs the library card number, never the CPR, when a patron registered by CPR scans the health card', async () => {
    const result = await scan('020385-1234')
    assert.equal(result.open, true)
    assert.match(result.entry.card, /^9\d{11}$/)
  })

  it('stays shut for an unknown card and logs it masked', async () => {
    const result = await scan('1111119999')
    assert.deepEqual([result.open, result.reason, result.entry.card], [false, 'unknown-card', '111111****'])
    assert.match(result.messageDa, /kendes ikke/)
  })

  it('stays shut for a card reported lost', async () => {
    const result = await scan('L3001')
    assert.deepEqual([result.open, result.reason, result.entry.card], [false, 'card-lost', 'L3001'])
  })

  it('opens for a patron on the 15th birthday, local date, and not the evening before', async () => {
    const evening = await scan('B2001', '2026-03-02T23:59:00+01:00')
    assert.deepEqual([evening.open, evening.reason], [false, 'too-young'])
    // 00:30 in Copenhagen is still 2 March in UTC: the local date counts.
    const midnight = await scan('B2001', '2026-03-02T23:30:00Z')
    assert.deepEqual([midnight.open, midnight.reason], [true, 'ok'])
  })

  it("only knows the municipality's own patrons", async () => {
    assert.equal((await scan('G1')).reason, 'unknown-card')
    assert.equal((await scan('K1001', undefined, 'gentofte')).reason, 'unknown-card')
  })

  it('logs every scan and never a CPR number in clear', async () => {
    const rows = await t.handle.db.selectFrom('doorEntries').selectAll().orderBy('id').execute()
    assert.equal(rows.length, 11)
    for (const row of rows) {
      assert.doesNotMatch(row.card, /^\d{6}-?\d{4}$/)
      assert.equal(row.location, 'Hovedbiblioteket')
    }
    const entries = await door.entries(t.handle.db, { municipality: m, from: '2026-03-02', to: '2026-03-02' })
    // 2 March local time, oldest first: the scan after midnight belongs to 3 March, Gentofte's to Gentofte.
    assert.deepEqual(
      entries.map((e) => [/^9\d{11}$/.test(e.card) ? 'library card' : e.card, e.reason]),
      [
        ['K1001', 'ok'],
        ['K1001', 'ok'],
        ['K1001', 'ok'],
        ['K1001', 'ok'],
        ['library card', 'ok'],
        ['111111****', 'unknown-card'],
        ['L3001', 'card-lost'],
        ['G****', 'unknown-card'],
        ['B2001', 'too-young'],
      ],
    )
  })
})
