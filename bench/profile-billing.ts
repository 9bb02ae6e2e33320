// Diagnosis: runs the receivables' billing and dunning (runBilling, the second part of the nightly run) in
// process on a database, and reports the time per billing step and per SQL statement shape.
//   node --import tsx bench/profile-billing.ts <database url> <business date>
// Use it on a fresh copy: createdb -T laan_bench laan_bench_profile. The library's steps are not run first
// (bench/profile-nightly.ts runs the whole night); they add only claims dated today, which billing leaves.
import { createLibraryLedger } from '../src/fees/library-ledger.ts'
import { runBilling } from '../src/receivables/billing-job.ts'
import { createServices } from '../src/services.ts'
import { systemClock } from '../src/shared/clock.ts'
import { MUNICIPALITY } from './generate.ts'
import { profiledDatabase } from './statement-profile.ts'

const [url, date] = process.argv.slice(2)
if (!url || !date) {
  console.error('usage: node --import tsx bench/profile-billing.ts <database url> <YYYY-MM-DD>')
  process.exit(2)
}
const profile = profiledDatabase(url)
const db = profile.db
const services = await createServices({ db, clock: systemClock })
profile.reset()
const wall = new Map<string, number>()
let last = performance.now()
const started = last
const result = await runBilling(
  {
    db,
    clock: systemClock,
    receivables: services.receivables,
    library: createLibraryLedger(services.policies),
  },
  MUNICIPALITY,
  date,
  {
    // A batch reports when it is done: its time (and its statements') count for its step. A step without
    // batches counts in the next one.
    onProgress: (p) => {
      const now = performance.now()
      wall.set(p.step, (wall.get(p.step) ?? 0) + now - last)
      last = now
      console.error(`${p.step}: batch ${p.batch}, ${p.processed} done`)
    },
  },
)
const total = performance.now() - started
await db.destroy()
console.log(JSON.stringify(result))
console.log(`total ${(total / 1000).toFixed(1)} s; wall time by step (from its batches' reports):`)
for (const [name, ms] of wall) console.log(`${(ms / 1000).toFixed(2).padStart(7)} s  ${name}`)
console.log('time in SQL by statement:')
const { inSqlMs: inSql, statements } = profile.print(50)
console.log(
  `${(inSql / 1000).toFixed(1)} s in SQL (${statements} statements), ${((total - inSql) / 1000).toFixed(1)} s elsewhere`,
)
