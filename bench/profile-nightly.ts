// Diagnosis: runs the nightly job in process on a database and sums the time spent per SQL statement shape.
//   node --import tsx bench/profile-nightly.ts <database url> <business date>
// Use it on a fresh copy (the bench's working copy laan_bench_run after `npm run bench -- --only http`,
// or make one: createdb -T laan_bench laan_bench_profile).
import { CamelCasePlugin, Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import type { Database } from '../src/db/schema.ts'
import { createServices } from '../src/services.ts'
import { systemClock } from '../src/shared/clock.ts'
import { MUNICIPALITY } from './generate.ts'

const [url, date] = process.argv.slice(2)
if (!url || !date) {
  console.error('usage: node --import tsx bench/profile-nightly.ts <database url> <YYYY-MM-DD>')
  process.exit(2)
}
pg.types.setTypeParser(1082, (value: string) => value)
const stats = new Map<string, { count: number; ms: number }>()
const db = new Kysely<Database>({
  dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 4 }) }),
  plugins: [new CamelCasePlugin()],
  log: (event) => {
    // One shape per statement: parameters and IN lists folded.
    const shape = event.query.sql
      .replace(/\$\d+(, \$\d+)*/g, '$n')
      .replace(/\s+/g, ' ')
      .slice(0, 160)
    const entry = stats.get(shape) ?? { count: 0, ms: 0 }
    entry.count++
    entry.ms += event.queryDurationMillis
    stats.set(shape, entry)
  },
})
const services = await createServices({ db, clock: systemClock })
stats.clear()
const started = performance.now()
const result = await services.jobs.nightly(MUNICIPALITY, date, {
  onProgress: (p) => console.error(`${p.step}: batch ${p.batch}, ${p.processed} done`),
})
const total = performance.now() - started
await db.destroy()
console.log(JSON.stringify(result))
console.log(`total ${(total / 1000).toFixed(1)} s; time in SQL by statement:`)
const rows = [...stats.entries()].sort((a, b) => b[1].ms - a[1].ms)
let inSql = 0
for (const [shape, { count, ms }] of rows) {
  inSql += ms
  console.log(`${(ms / 1000).toFixed(2).padStart(7)} s ${String(count).padStart(7)}×  ${shape}`)
}
console.log(`${(inSql / 1000).toFixed(1)} s in SQL, ${((total - inSql) / 1000).toFixed(1)} s elsewhere`)
