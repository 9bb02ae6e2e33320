// Diagnosis: imports a camt.054 file in process on a database and sums the time spent per SQL statement shape.
//   node --import tsx bench/profile-import.ts <database url> [payments]
// Writes a file of `payments` (default 2,000) payments for the database's open claims as the bench does
// (bench/import.ts). Use it on a fresh copy: createdb -T laan_bench laan_bench_profile.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { importBankFile } from '../src/receivables/bank-import.ts'
import { createServices } from '../src/services.ts'
import { systemClock } from '../src/shared/clock.ts'
import { MUNICIPALITY } from './generate.ts'
import { writeBankFile } from './import.ts'
import { profiledDatabase } from './statement-profile.ts'

const [url, count] = process.argv.slice(2)
if (!url) {
  console.error('usage: node --import tsx bench/profile-import.ts <database url> [payments]')
  process.exit(2)
}
const dir = mkdtempSync(join(tmpdir(), 'laan-profile-camt-'))
const file = join(dir, 'camt054.xml')
await writeBankFile(url, Number(count ?? 2000), file)
const profile = profiledDatabase(url)
const db = profile.db
const services = await createServices({ db, clock: systemClock })
profile.reset()
// The WAL written during the import (server-wide: other sessions' work counts too).
const walNow = async () => {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const { rows } = await client.query<{ bytes: string; fpi: string }>(
      'select wal_bytes::text as bytes, wal_fpi::text as fpi from pg_stat_wal',
    )
    return { bytes: Number(rows[0]?.bytes ?? 0), fpi: Number(rows[0]?.fpi ?? 0) }
  } finally {
    await client.end()
  }
}
const walBefore = await walNow()
const started = performance.now()
const result = await importBankFile(services, MUNICIPALITY, readFileSync(file, 'utf8'), systemClock.now())
const total = performance.now() - started
const walAfter = await walNow()
await db.destroy()
rmSync(dir, { recursive: true, force: true })
console.log(JSON.stringify(result))
console.log(
  `WAL during the import (whole server): ${Math.round((walAfter.bytes - walBefore.bytes) / 1048576)} MB, ` +
    `${walAfter.fpi - walBefore.fpi} full-page images`,
)
console.log(`total ${(total / 1000).toFixed(1)} s; time in SQL by statement:`)
const { inSqlMs: inSql, statements } = profile.print()
console.log(
  `${(inSql / 1000).toFixed(1)} s in SQL (${statements} statements, ${(statements / result.payments).toFixed(1)} per payment), ` +
    `${((total - inSql) / 1000).toFixed(1)} s elsewhere`,
)
