import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { sql } from 'kysely'
import { type DatabaseHandle, openDatabase } from '../db/database.ts'
import { migrateTo } from '../db/migrate.ts'
import { createServices } from '../services.ts'
import { SimulatedClock } from '../shared/clock.ts'
import { openTestDatabase } from '../test-support/test-database.ts'
import { cprsInClear, everyTextValue } from '../test-support/text-columns.ts'
import { createCprVault } from './cpr-vault.ts'
import { findPatronByCardOrCpr } from './patron-repository.ts'

const ANNA = '0103801234'
const BO = '0202851234'
const GITTE = '0505701234'
/** Registered by CPR alone in an older version: the CPR number was the card number too. */
const CARL = '0707751234'

/** An empty database (not the template, which has every migration): PGlite in memory or a new server database. */
async function emptyDatabase(): Promise<DatabaseHandle> {
  return process.env.DATABASE_URL ? openTestDatabase() : openDatabase({ dataDir: null })
}

const handles: DatabaseHandle[] = []
after(async () => {
  for (const handle of handles) await handle.close()
})

describe('CPR numbers of an earlier version', () => {
  it('are encrypted and hashed at start, the plaintext columns dropped, and the patron found by CPR', async () => {
    const handle = await emptyDatabase()
    handles.push(handle)
    // The schema as the version before 0013 left it, with CPR numbers in clear.
    await migrateTo(handle.db as never, '0011-guardian-indexes')
    await sql`insert into municipalities (code, name) values ('kobenhavn', 'København') on conflict do nothing`.execute(
      handle.db,
    )
    await sql`
      insert into patrons (municipality, card_number, cpr, birth_date, name)
      values ('kobenhavn', 'K1', ${ANNA}, '1980-03-01', 'Anna'), ('kobenhavn', 'K2', null, '1990-01-01', 'Ib'),
        ('kobenhavn', ${CARL}, ${CARL}, '1975-07-07', 'Carl')
    `.execute(handle.db)
    const { rows } = await sql<{ id: number }>`select id from patrons where card_number = 'K1'`.execute(
      handle.db,
    )
    const annaId = rows[0]?.id as number
    await sql`
      insert into debtors (municipality, patron_id, cpr, name) values ('kobenhavn', ${annaId}, ${ANNA}, 'Anna'),
        ('kobenhavn', null, ${GITTE}, 'Gitte')
    `.execute(handle.db)
    await sql`
      insert into verified_identities (token_hash, municipality, cpr, birth_date, name, expires_at)
      values ('t1', 'kobenhavn', ${BO}, '1985-02-02', 'Bo', now() + interval '5 minutes')
    `.execute(handle.db)
    await sql`
      insert into pending_registrations (municipality, cpr, birth_date, name, pin_hash, guardian_id, created_at)
      values ('kobenhavn', ${BO}, '1985-02-02', 'Bo', 'x', ${annaId}, now())
    `.execute(handle.db)

    const vault = createCprVault()
    const services = await createServices({
      db: handle.db,
      clock: new SimulatedClock(new Date('2026-03-02T10:00:00+01:00')),
      cprVault: vault,
    })
    const found = await findPatronByCardOrCpr(services.db, vault, 'kobenhavn', '010380-1234')
    assert.equal(found?.cardNumber, 'K1')
    assert.equal(vault.decrypt(found?.cprEncrypted ?? ''), ANNA)
    assert.equal((await findPatronByCardOrCpr(services.db, vault, 'kobenhavn', 'K2'))?.cprHash, null)

    const debtors = await services.db.selectFrom('debtors').selectAll().orderBy('id').execute()
    assert.deepEqual(
      debtors.map((d) => [d.name, d.cprHash, d.cprEncrypted && vault.decrypt(d.cprEncrypted)]),
      [
        ['Anna', vault.hash(ANNA), ANNA],
        ['Gitte', vault.hash(GITTE), GITTE],
      ],
    )
    const identity = await services.db.selectFrom('verifiedIdentities').selectAll().executeTakeFirstOrThrow()
    assert.equal(vault.decrypt(identity.cprEncrypted), BO)
    const pending = await services.db.selectFrom('pendingRegistrations').selectAll().executeTakeFirstOrThrow()
    assert.equal(pending.cprHash, vault.hash(BO))

    const { rows: plaintextColumns } = await sql`
      select table_name from information_schema.columns
      where table_schema = current_schema() and column_name = 'cpr'
    `.execute(handle.db)
    assert.deepEqual(plaintextColumns, [])
    const values = await everyTextValue(handle.db)
    assert.ok(values.length > 0)
    assert.deepEqual(cprsInClear(values, [ANNA, BO, GITTE, CARL]), [])

    // A second start finds nothing left to do.
    await createServices({ db: handle.db, clock: new SimulatedClock(new Date()), cprVault: vault })
    assert.equal((await findPatronByCardOrCpr(services.db, vault, 'kobenhavn', ANNA))?.cardNumber, 'K1')
    const carl = await findPatronByCardOrCpr(services.db, vault, 'kobenhavn', CARL)
    assert.equal(carl?.name, 'Carl')
    assert.match(carl?.cardNumber ?? '', /^9\d{11}$/, 'a card number of its own instead of the CPR number')
  })

  it('a fresh database has no plaintext CPR column at all', async () => {
    const handle = await emptyDatabase()
    handles.push(handle)
    await createServices({ db: handle.db, clock: new SimulatedClock(new Date()) })
    const { rows } = await sql`
      select table_name from information_schema.columns
      where table_schema = current_schema() and column_name = 'cpr'
    `.execute(handle.db)
    assert.deepEqual(rows, [])
    const notNull = await sql<{ table: string; nullable: string }>`
      select table_name as "table", is_nullable as nullable from information_schema.columns
      where table_schema = current_schema() and column_name = 'cpr_hash' order by table_name
    `.execute(handle.db)
    assert.deepEqual(
      notNull.rows.map((r) => `${r.table} ${r.nullable}`),
      ['debtors YES', 'patrons YES', 'pending_registrations NO', 'verified_identities NO'],
    )
  })
})
