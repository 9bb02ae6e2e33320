import { createHash } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PGlite } from '@electric-sql/pglite'
import { CamelCasePlugin, Kysely } from 'kysely'
import { PGliteDialect } from 'kysely-pglite-dialect'
import { SYSTEM_ACTOR } from '../audit/audit-log.ts'
import { POLICY_DIR, readPolicyFiles } from '../policy/policy-files.ts'
import { syncPolicies } from '../policy/policy-repository.ts'
import { RECEIVABLES_POLICY_DIR } from '../receivables/receivables-policy.ts'
import { type DatabaseHandle, openDatabase } from './database.ts'
import { migrateToLatest } from './migrate.ts'
import type { Database } from './schema.ts'

// Creating a PGlite database runs initdb, which takes seconds; loading a dumped data folder takes a
// fraction of that. Fresh in-memory databases (tests, scenarios) therefore start from a template made
// once per schema and policy set and kept in node_modules/.cache.

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const CACHE_DIR = join(ROOT, 'node_modules', '.cache', 'laan')
const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url))

function templateKey(): string {
  const hash = createHash('sha256')
  for (const dir of [MIGRATIONS_DIR, POLICY_DIR, RECEIVABLES_POLICY_DIR]) {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      if (!entry.isFile()) continue
      hash.update(entry.name)
      hash.update(readFileSync(join(dir, entry.name)))
    }
  }
  hash.update(
    JSON.parse(readFileSync(join(ROOT, 'node_modules/@electric-sql/pglite/package.json'), 'utf8')).version,
  )
  return hash.digest('hex').slice(0, 16)
}

let memo: Promise<Blob> | undefined

async function buildTemplate(): Promise<Blob> {
  const file = join(CACHE_DIR, `pglite-template-${templateKey()}.tar`)
  try {
    return new Blob([readFileSync(file)])
  } catch {
    // not cached yet
  }
  const pglite = await PGlite.create({})
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite), plugins: [new CamelCasePlugin()] })
  await migrateToLatest(db as never)
  // Installed when the template is made, by the system, at that moment (the audit entry says so).
  await syncPolicies(db, readPolicyFiles(), SYSTEM_ACTOR, new Date())
  const dump = await pglite.dumpDataDir('none')
  await db.destroy()
  if (!pglite.closed) await pglite.close()
  mkdirSync(CACHE_DIR, { recursive: true })
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()))
  renameSync(tmp, file)
  return dump
}

/** A fresh in-memory PGlite database with the schema and policies installed. */
export async function openMemoryDatabase(): Promise<DatabaseHandle> {
  memo ??= buildTemplate()
  return openDatabase({ dataDir: null, template: await memo })
}
