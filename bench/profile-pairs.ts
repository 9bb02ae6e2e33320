// Diagnosis: runs checkout+checkin pairs in process, one at a time, through the circulation service (the
// calls the HTTP routes make, without HTTP) and sums the time per SQL statement shape.
//   node --import tsx bench/profile-pairs.ts <database url> [pairs, default 500]
import { CamelCasePlugin, Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { runCheckin, runCheckout } from '../src/circulation/circulation-edge.ts'
import type { Database } from '../src/db/schema.ts'
import { createServices } from '../src/services.ts'
import { systemClock } from '../src/shared/clock.ts'
import { MUNICIPALITY } from './generate.ts'

const [url, countArg] = process.argv.slice(2)
if (!url) {
  console.error('usage: node --import tsx bench/profile-pairs.ts <database url> [pairs]')
  process.exit(2)
}
const count = Number(countArg ?? 500)
pg.types.setTypeParser(1082, (value: string) => value)
const stats = new Map<string, { count: number; ms: number }>()
const db = new Kysely<Database>({
  dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }),
  plugins: [new CamelCasePlugin()],
  log: (event) => {
    const shape = event.query.sql
      .replace(/\$\d+(, \$\d+)*/g, '$n')
      .replace(/\s+/g, ' ')
      .slice(0, 150)
    const entry = stats.get(shape) ?? { count: 0, ms: 0 }
    entry.count++
    entry.ms += event.queryDurationMillis
    stats.set(shape, entry)
  },
})
const services = await createServices({ db, clock: systemClock })
const patrons = await db
  .selectFrom('patrons')
  .select('cardNumber')
  .where('municipality', '=', MUNICIPALITY)
  .where('cardLostAt', 'is', null)
  .where(({ not, exists, selectFrom }) =>
    not(exists(selectFrom('charges').select('id').whereRef('charges.patronId', '=', 'patrons.id'))),
  )
  .where(({ not, exists, selectFrom }) =>
    not(exists(selectFrom('blocks').select('id').whereRef('blocks.patronId', '=', 'patrons.id'))),
  )
  .orderBy('id', 'desc')
  .limit(count)
  .execute()
const items = await db
  .selectFrom('items')
  .select('barcode')
  .where('municipality', '=', MUNICIPALITY)
  .where('status', '=', 'available')
  .where('referenceOnly', '=', false)
  .orderBy('id', 'desc')
  .limit(count)
  .execute()
stats.clear()
const started = performance.now()
const n = Math.min(patrons.length, items.length)
for (let i = 0; i < n; i++) {
  const patron = patrons[i]?.cardNumber ?? ''
  const item = items[i]?.barcode ?? ''
  // As the HTTP routes run them.
  await runCheckout(db, services.circulation, { municipality: MUNICIPALITY, patron, item })
  await runCheckin(db, services.circulation, { municipality: MUNICIPALITY, item })
}
const total = performance.now() - started
await db.destroy()
console.log(
  `${n} pairs in ${(total / 1000).toFixed(2)} s: ${(total / n).toFixed(2)} ms per pair, one at a time`,
)
let inSql = 0
for (const [shape, { count: c, ms }] of [...stats.entries()].sort((a, b) => b[1].ms - a[1].ms)) {
  inSql += ms
  console.log(`${(ms / n).toFixed(3).padStart(7)} ms/pair ${String(c).padStart(6)}×  ${shape}`)
}
console.log(`${(inSql / n).toFixed(2)} ms/pair in SQL (round trips included)`)
