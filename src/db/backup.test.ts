import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import pg from 'pg'
import { addItem } from '../catalogue/catalogue-service.ts'
import { runCheckin, runCheckout } from '../circulation/circulation-edge.ts'
import { registerPatron } from '../patrons/patron-service.ts'
import { createServices } from '../services.ts'
import { SimulatedClock } from '../shared/clock.ts'
import { instantOfLocal } from '../shared/time.ts'
import { openTestDatabase } from '../test-support/test-database.ts'
import { BackupError, backupDatabase, restoreDatabase } from './backup.ts'
import { type Db, openDatabase } from './database.ts'

const m = 'kobenhavn'
const serverUrl = process.env.DATABASE_URL
const temp = mkdtempSync(join(tmpdir(), 'laan-backup-'))
after(() => rmSync(temp, { recursive: true, force: true }))

/** Patrons, loans (one returned late: an overdue fee, billed as a claim), through the real services. */
async function buildData(db: Db): Promise<void> {
  const clock = new SimulatedClock(new Date('2026-03-02T10:00:00+01:00'))
  const services = await createServices({ db, clock })
  try {
    await db.transaction().execute(async (trx) => {
      for (const card of ['B1', 'B2', 'B3']) {
        await registerPatron(trx, services.cprVault, {
          municipality: m,
          at: clock.now(),
          cardNumber: card,
          birthDate: '1980-01-01',
          name: `Låner ${card}`,
        })
      }
      for (const barcode of ['x1', 'x2', 'x3', 'x4']) {
        await addItem(trx, { municipality: m, barcode, title: `Bog ${barcode}`, materialType: 'book' })
      }
    })
    const checkout = (patron: string, item: string) =>
      runCheckout(db, services.circulation, { municipality: m, patron, item })
    await checkout('B1', 'x1')
    await checkout('B1', 'x2')
    await checkout('B2', 'x3')
    await checkout('B3', 'x4')
    clock.set(new Date('2026-04-10T12:00:00+02:00')) // due 30 March: 11 days late
    await runCheckin(db, services.circulation, { municipality: m, item: 'x1' })
    await runCheckin(db, services.circulation, { municipality: m, item: 'x3' })
    clock.set(instantOfLocal('2026-04-11', '02:00'))
    await services.jobs.nightly(m, '2026-04-11')
  } finally {
    services.close()
  }
}

const TABLES = [
  'patrons',
  'items',
  'loans',
  'charges',
  'debtors',
  'claims',
  'claimLines',
  'ledgerEntries',
] as const

async function rowSets(db: Db) {
  const sets: Record<string, unknown[]> = {}
  for (const table of TABLES) sets[table] = await db.selectFrom(table).selectAll().orderBy('id').execute()
  return sets
}

function assertFound(before: Record<string, unknown[]>, after: Record<string, unknown[]>) {
  assert.ok((before.loans?.length ?? 0) === 4, 'four loans')
  assert.ok((before.charges?.length ?? 0) >= 2, 'the overdue fees')
  assert.ok((before.claims?.length ?? 0) >= 1, 'a claim in the receivables')
  assert.deepEqual(after, before)
}

describe('laan backup and restore', { skip: serverUrl !== undefined }, () => {
  it('on PGlite: dumps the data folder, restores it into a fresh one and finds every row again', async () => {
    const dataDir = join(temp, 'data')
    const first = await openDatabase({ dataDir })
    await buildData(first.db)
    const before = await rowSets(first.db)
    await first.close()

    const file = join(temp, 'laan.tar.gz')
    const lines: string[] = []
    const made = await backupDatabase({ dataDir }, file, { log: (l) => lines.push(l) })
    assert.equal(made.kind, 'pglite')
    assert.ok(made.bytes > 0)
    assert.match(lines.at(-1) ?? '', /backup written/)
    await assert.rejects(backupDatabase({ dataDir }, file), BackupError)

    const restoredDir = join(temp, 'restored')
    const restored = await restoreDatabase({ dataDir: restoredDir }, file)
    assert.equal(restored.movedAside, null)
    const second = await openDatabase({ dataDir: restoredDir })
    assertFound(before, await rowSets(second.db))
    await second.close()

    // Over a folder with data only with --force, and the old folder is moved aside, not deleted.
    await assert.rejects(restoreDatabase({ dataDir: restoredDir }, file), /not empty; use --force/)
    const outbox = join(restoredDir, 'outbox')
    rmSync(outbox, { recursive: true, force: true })
    const forced = await restoreDatabase({ dataDir: restoredDir, outboxDir: outbox }, file, { force: true })
    assert.ok(forced.movedAside && existsSync(join(forced.movedAside, 'PG_VERSION')))
    const third = await openDatabase({ dataDir: restoredDir })
    assertFound(before, await rowSets(third.db))
    await third.close()

    // A file that is not a backup leaves the folder as it was.
    const junk = join(temp, 'junk.tar.gz')
    writeFileSync(junk, 'not a backup')
    const entries = readdirSync(restoredDir).sort()
    await assert.rejects(restoreDatabase({ dataDir: restoredDir }, junk, { force: true }), BackupError)
    assert.deepEqual(readdirSync(restoredDir).sort(), entries)
    await assert.rejects(
      restoreDatabase({ dataDir: join(temp, 'none') }, join(temp, 'missing')),
      /no backup file/,
    )
  })
})

describe('laan backup and restore on a server', { skip: serverUrl === undefined }, () => {
  it('dumps with pg_dump, restores into a fresh database with pg_restore and finds every row again', async () => {
    const source = await openTestDatabase()
    const admin = new pg.Client({ connectionString: serverUrl })
    await admin.connect()
    const name = `laan_restore_${process.pid}`
    try {
      await buildData(source.db)
      const before = await rowSets(source.db)
      const file = join(temp, 'laan.dump')
      const made = await backupDatabase({ databaseUrl: source.url, dataDir: temp }, file)
      assert.equal(made.kind, 'postgres')
      await assert.rejects(backupDatabase({ databaseUrl: source.url, dataDir: temp }, file), /exists/)

      await admin.query(`drop database if exists ${name}`)
      await admin.query(`create database ${name}`)
      const url = new URL(serverUrl as string)
      url.pathname = `/${name}`
      await restoreDatabase({ databaseUrl: url.toString(), dataDir: temp }, file)
      const restored = await openDatabase({ url: url.toString() })
      try {
        assertFound(before, await rowSets(restored.db))
      } finally {
        await restored.close()
      }
      // A database that holds tables is replaced only with --force.
      await assert.rejects(
        restoreDatabase({ databaseUrl: url.toString(), dataDir: temp }, file),
        /holds \d+ tables; use --force/,
      )
      await restoreDatabase({ databaseUrl: url.toString(), dataDir: temp }, file, { force: true })
    } finally {
      await source.close()
      await admin.query(`drop database if exists ${name} with (force)`)
      await admin.end()
    }
  })
})
