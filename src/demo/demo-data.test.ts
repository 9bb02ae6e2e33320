import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { MATERIAL_TYPES } from '../catalogue/material-types.ts'
import type { DatabaseHandle } from '../db/database.ts'
import { verifyPin } from '../patrons/patron-service.ts'
import { createServices, type Services } from '../services.ts'
import { SimulatedClock } from '../shared/clock.ts'
import { openTestDatabase } from '../test-support/test-database.ts'
import { DEMO_ITEMS_PER_TYPE, DEMO_PATRONS, DEMO_PIN, demoItems, seedDemoData } from './demo-data.ts'

let handle: DatabaseHandle
let services: Services

async function count(
  table: 'patrons' | 'items' | 'loans' | 'charges' | 'reservations',
  municipality: string,
) {
  const row = await handle.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('municipality', '=', municipality)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

before(async () => {
  handle = await openTestDatabase()
  services = await createServices({
    db: handle.db,
    clock: new SimulatedClock(new Date('2026-03-02T10:00:00+01:00')),
  })
})
after(() => handle.close())

describe('demo data', () => {
  it('gives every municipality patrons, every material type and loans in several states', async () => {
    const results = await seedDemoData(services)
    assert.deepEqual(
      results.map((r) => [r.municipality, r.seeded]),
      [
        ['gentofte', true],
        ['kobenhavn', true],
        ['naestved', true],
      ],
    )
    for (const m of ['gentofte', 'kobenhavn', 'naestved']) {
      assert.equal(await count('patrons', m), DEMO_PATRONS.length)
      assert.equal(await count('items', m), DEMO_ITEMS_PER_TYPE * MATERIAL_TYPES.length)
      const types = await handle.db
        .selectFrom('items')
        .select('materialType')
        .distinct()
        .where('municipality', '=', m)
        .execute()
      assert.equal(types.length, MATERIAL_TYPES.length)
      const statuses = await handle.db
        .selectFrom('loans')
        .select('status')
        .where('municipality', '=', m)
        .orderBy('id')
        .execute()
      assert.deepEqual(
        statuses.map((s) => s.status),
        ['active', 'active', 'returned', 'active'],
      )
      assert.equal(await count('charges', m), 1, 'the late return has its fee')
      assert.equal(await count('reservations', m), 1)
    }
  })

  it('has children with guardians, an exempt adult, an overdue loan and a shared PIN', async () => {
    const patrons = await handle.db
      .selectFrom('patrons')
      .selectAll()
      .where('municipality', '=', 'kobenhavn')
      .execute()
    const children = patrons.filter((p) => p.birthDate > '2008-03-02')
    assert.ok(children.length >= 3)
    assert.ok(children.every((c) => c.guardianId !== null))
    assert.equal(patrons.filter((p) => !p.digitalPost).length, 1)
    const mads = patrons.find((p) => p.cardNumber === '1000000002')
    assert.ok(mads && (await verifyPin(mads, DEMO_PIN)))
    const overdue = await handle.db
      .selectFrom('loans')
      .select('dueDate')
      .where('patronId', '=', mads.id)
      .where('status', '=', 'active')
      .executeTakeFirstOrThrow()
    assert.ok(overdue.dueDate < '2026-03-02')
  })

  it('is idempotent: a second call adds nothing', async () => {
    const before = await Promise.all(
      (['patrons', 'items', 'loans', 'charges', 'reservations'] as const).map((t) => count(t, 'kobenhavn')),
    )
    const results = await seedDemoData(services)
    assert.ok(results.every((r) => !r.seeded))
    const afterwards = await Promise.all(
      (['patrons', 'items', 'loans', 'charges', 'reservations'] as const).map((t) => count(t, 'kobenhavn')),
    )
    assert.deepEqual(afterwards, before)
  })

  it('is deterministic', () => {
    assert.deepEqual(demoItems('kobenhavn', 1), demoItems('kobenhavn', 1))
    assert.equal(demoItems('kobenhavn', 1)[0]?.barcode, '5100000001')
    assert.equal(demoItems('kobenhavn', 1)[0]?.title, 'Kongens Fald')
  })
})
