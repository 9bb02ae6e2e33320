// Diagnosis helper of the profile-*.ts scripts: a Kysely database on the server that sums the time spent per
// SQL statement shape (parameters and IN lists folded), and prints the sums.
import { CamelCasePlugin, Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import type { Database } from '../src/db/schema.ts'

export interface StatementProfile {
  db: Kysely<Database>
  /** Forgets what was counted so far (e.g. the set-up's statements). */
  reset(): void
  /** Prints one line per shape, slowest first (those of at least `minMs`), and answers the totals. */
  print(minMs?: number): { inSqlMs: number; statements: number }
}

export function profiledDatabase(url: string, poolSize = 4): StatementProfile {
  pg.types.setTypeParser(1082, (value: string) => value)
  const stats = new Map<string, { count: number; ms: number }>()
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: poolSize }) }),
    plugins: [new CamelCasePlugin()],
    log: (event) => {
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
  return {
    db,
    reset: () => stats.clear(),
    print(minMs = 0) {
      let inSqlMs = 0
      let statements = 0
      for (const [shape, { count, ms }] of [...stats.entries()].sort((a, b) => b[1].ms - a[1].ms)) {
        inSqlMs += ms
        statements += count
        if (ms >= minMs)
          console.log(`${(ms / 1000).toFixed(2).padStart(7)} s ${String(count).padStart(8)}×  ${shape}`)
      }
      return { inSqlMs, statements }
    },
  }
}
