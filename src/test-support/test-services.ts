import type { Kysely } from 'kysely'
import { type AddItemInput, addItem } from '../catalogue/catalogue-service.ts'
import type { DatabaseHandle } from '../db/database.ts'
import type { Database } from '../db/schema.ts'
import { type RegisterPatronInput, registerPatron } from '../patrons/patron-service.ts'
import { createServices, type Services } from '../services.ts'
import { SimulatedClock } from '../shared/clock.ts'
import { openTestDatabase } from './test-database.ts'

export interface TestContext {
  handle: DatabaseHandle & { url?: string }
  clock: SimulatedClock
  services: Services
  tx<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T>
  at(instant: string): Date
  patron(input: Omit<RegisterPatronInput, 'municipality' | 'at'> & { municipality?: string }): Promise<number>
  item(input: Omit<AddItemInput, 'municipality'> & { municipality?: string }): Promise<number>
  close(): Promise<void>
}

/** Services on a fresh test database with a simulated clock; `at` moves the clock. */
export async function openTestServices(
  municipality = 'kobenhavn',
  start = '2026-03-02T10:00:00+01:00',
): Promise<TestContext> {
  const handle = await openTestDatabase()
  const clock = new SimulatedClock(new Date(start))
  const services = await createServices({ db: handle.db, clock })
  const tx = <T>(fn: (trx: Kysely<Database>) => Promise<T>) => handle.db.transaction().execute(fn)
  return {
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
}
