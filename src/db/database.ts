import { createHash } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { PGlite, types as pgliteTypes } from '@electric-sql/pglite'
import { CamelCasePlugin, Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient } from 'kysely'
import { PGliteDialect } from 'kysely-pglite-dialect'
import pg from 'pg'
import type { Database } from './schema.ts'

export type Db = Kysely<Database>

const DATE_OID = 1082
const INT8_OID = 20
const NUMERIC_OID = 1700

const asString = (value: string) => value
const asNumber = (value: string) => Number(value)

export interface DatabaseHandle {
  db: Db
  kind: 'pglite' | 'postgres'
  close(): Promise<void>
}

export interface OpenOptions {
  url?: string | undefined
  dataDir?: string | null
  /** For an in-memory PGlite: a dumped data folder to start from (see pglite-template.ts). */
  template?: Blob | undefined
}

/** A PostgreSQL server when `url` is given; otherwise PGlite in `dataDir` (or in memory when dataDir is null). */
export async function openDatabase(options: OpenOptions): Promise<DatabaseHandle> {
  if (options.url) {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: 20,
      // A new connection costs a server process and the plans of every prepared statement; under a steady
      // load with bursts, closing the idle ones after pg's 10 s and opening them again at the next burst
      // put those costs into the requests' tail (bench/README.md).
      min: 4,
      idleTimeoutMillis: 5 * 60_000,
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
          if (oid === DATE_OID) return asString
          if (oid === INT8_OID || oid === NUMERIC_OID) return asNumber
          return pg.types.getTypeParser(oid, format)
        }) as typeof pg.types.getTypeParser,
      },
    })
    // An idle connection the server ends (a restart, an administrator) must not take the process down:
    // the pool drops it and opens a new one when needed.
    pool.on('error', (error) => console.error(`laan: idle database connection lost: ${error.message}`))
    const db = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: preparingPool(pool) }),
      plugins: [new CamelCasePlugin()],
    })
    return { db, kind: 'postgres', close: () => db.destroy() }
  }
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true })
  const pglite = await PGlite.create({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.template ? { loadDataDir: options.template } : {}),
    parsers: {
      [pgliteTypes.DATE]: asString,
      [pgliteTypes.INT8]: asNumber,
      [pgliteTypes.NUMERIC]: asNumber,
    },
  })
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite), plugins: [new CamelCasePlugin()] })
  return {
    db,
    kind: 'pglite',
    close: async () => {
      await db.destroy()
      if (!pglite.closed) await pglite.close()
    },
  }
}

const MAX_PREPARED_PARAMETERS = 32

/**
 * Runs parameterised statements as named prepared statements, so the server parses and plans each
 * statement shape once per connection instead of on every call (the check-out and check-in paths run
 * the same few statements thousands of times). Statements with long parameter lists (batch inserts,
 * `in (…)` lists of varying length) stay unnamed, so each connection keeps a bounded set.
 */
function preparingPool(pool: pg.Pool): PostgresPool {
  const names = new Map<string, string>()
  const nameFor = (text: string): string => {
    let name = names.get(text)
    if (name === undefined) {
      name = `laan_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`
      names.set(text, name)
    }
    return name
  }
  // One wrapper per pg client, kept as long as the client: Kysely keeps its connection object per wrapper,
  // and a new wrapper per query made it build a new one for every statement.
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>()
  const wrap = (client: pg.PoolClient): PostgresPoolClient => ({
    query: ((text: unknown, values?: unknown[]) => {
      if (typeof text !== 'string') return client.query(text as never)
      if (values && values.length > 0 && values.length <= MAX_PREPARED_PARAMETERS) {
        return client.query({ name: nameFor(text), text, values })
      }
      return client.query(text, values)
    }) as unknown as PostgresPoolClient['query'],
    release: () => client.release(),
  })
  return {
    connect: async () => {
      const client = await pool.connect()
      let wrapper = wrappers.get(client)
      if (wrapper === undefined) {
        wrapper = wrap(client)
        wrappers.set(client, wrapper)
      }
      return wrapper
    },
    end: () => pool.end(),
  }
}
