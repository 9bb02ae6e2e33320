// Diagnosis: runs the nightly job in process on a database and sums the time spent per SQL statement shape.
//   node --import tsx bench/profile-nightly.ts <database url> <business date>
// Use it on a fresh copy (the bench's working copy laan_bench_run after `npm run bench -- --only http`,
// or make one: createdb -T laan_bench laan_bench_profile).
import { createServices } from '../src/services.ts'
import { systemClock } from '../src/shared/clock.ts'
import { MUNICIPALITY } from './generate.ts'
import { profiledDatabase } from './statement-profile.ts'

const [url, date] = process.argv.slice(2)
if (!url || !date) {
  console.error('usage: node --import tsx bench/profile-nightly.ts <database url> <YYYY-MM-DD>')
  process.exit(2)
}
const profile = profiledDatabase(url)
const db = profile.db
const services = await createServices({ db, clock: systemClock })
profile.reset()
const started = performance.now()
const result = await services.jobs.nightly(MUNICIPALITY, date, {
  onProgress: (p) => console.error(`${p.step}: batch ${p.batch}, ${p.processed} done`),
})
const total = performance.now() - started
await db.destroy()
console.log(JSON.stringify(result))
console.log(`total ${(total / 1000).toFixed(1)} s; time in SQL by statement:`)
const { inSqlMs: inSql } = profile.print()
console.log(`${(inSql / 1000).toFixed(1)} s in SQL, ${((total - inSql) / 1000).toFixed(1)} s elsewhere`)
