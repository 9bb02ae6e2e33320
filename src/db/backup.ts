// Backups of the whole database to one file, and back. On a server: PostgreSQL's own pg_dump (custom
// format) and pg_restore. On PGlite: PGlite's dump of its data folder (a tarball), restored by starting a
// fresh data folder from it; the old folder is moved aside, never deleted.

import { spawnSync } from 'node:child_process'
import {
  closeSync,
  cpSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'

export interface BackupTarget {
  /** A PostgreSQL server; when absent, PGlite in `dataDir`. */
  databaseUrl?: string | undefined
  dataDir: string
  /** The outbox (bills and letters written): kept with the data folder when it lies inside it. */
  outboxDir?: string | undefined
}

export interface BackupOptions {
  /** Overwrite an existing backup file / restore over a database that holds data. */
  force?: boolean
  /** Progress, one line at a time. */
  log?: (line: string) => void
  /** The moment used to name a folder moved aside (tests pass their own). */
  now?: Date
}

/** A backup or restore refused or failed: the message is one line for the operator. */
export class BackupError extends Error {}

export interface BackupResult {
  kind: 'pglite' | 'postgres'
  file: string
  bytes: number
}

export interface RestoreResult {
  kind: 'pglite' | 'postgres'
  /** Where the data folder that was there before now lies (PGlite). */
  movedAside: string | null
}

const PG_DUMP_MAGIC = 'PGDMP'

/** Whether the file begins with these bytes (read without reading a backup of gigabytes whole). */
function startsWith(path: string, magic: string): boolean {
  const fd = openSync(path, 'r')
  try {
    const head = Buffer.alloc(magic.length)
    const read = readSync(fd, head, 0, magic.length, 0)
    return head.subarray(0, read).toString('latin1') === magic
  } finally {
    closeSync(fd)
  }
}

export async function backupDatabase(
  target: BackupTarget,
  file: string,
  options: BackupOptions = {},
): Promise<BackupResult> {
  const log = options.log ?? (() => {})
  const path = resolve(file)
  if (existsSync(path) && !options.force) {
    throw new BackupError(`${file} exists; use --force to overwrite it`)
  }
  if (!existsSync(dirname(path))) throw new BackupError(`no folder ${dirname(file)} for the backup`)
  // Written beside the target and renamed into place, so a failed backup never leaves half a file there.
  const tmp = `${path}.${process.pid}.partial`
  try {
    if (target.databaseUrl) {
      requireTool('pg_dump')
      log(`pg_dump of ${describeUrl(target.databaseUrl)} …`)
      run('pg_dump', ['--format=custom', `--file=${tmp}`, `--dbname=${target.databaseUrl}`])
    } else {
      const dataDir = resolve(target.dataDir)
      if (!existsSync(join(dataDir, 'PG_VERSION'))) throw new BackupError(`no database in ${target.dataDir}`)
      log(`dump of the PGlite data folder ${target.dataDir} …`)
      const pglite = await openPglite(dataDir)
      try {
        const dump = await pglite.dumpDataDir('gzip')
        writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()))
      } finally {
        await pglite.close()
      }
    }
    renameSync(tmp, path)
  } finally {
    rmSync(tmp, { force: true })
  }
  const bytes = statSync(path).size
  log(`backup written: ${file} (${formatBytes(bytes)})`)
  return { kind: target.databaseUrl ? 'postgres' : 'pglite', file: path, bytes }
}

export async function restoreDatabase(
  target: BackupTarget,
  file: string,
  options: BackupOptions = {},
): Promise<RestoreResult> {
  const log = options.log ?? (() => {})
  const path = resolve(file)
  if (!existsSync(path) || !statSync(path).isFile()) throw new BackupError(`no backup file ${file}`)
  const isPgDump = startsWith(path, PG_DUMP_MAGIC)
  if (target.databaseUrl) {
    if (!isPgDump) throw new BackupError(`${file} is not a pg_dump backup (custom format)`)
    requireTool('pg_restore')
    const tables = await countTables(target.databaseUrl)
    if (tables > 0 && !options.force) {
      throw new BackupError(
        `the database ${describeUrl(target.databaseUrl)} holds ${tables} tables; use --force to replace them`,
      )
    }
    log(`pg_restore into ${describeUrl(target.databaseUrl)} …`)
    // One transaction: a restore that fails leaves the database as it was.
    run('pg_restore', [
      '--clean',
      '--if-exists',
      '--no-owner',
      '--single-transaction',
      '--exit-on-error',
      `--dbname=${target.databaseUrl}`,
      path,
    ])
    log(`restored ${file} into ${describeUrl(target.databaseUrl)}`)
    return { kind: 'postgres', movedAside: null }
  }

  if (isPgDump) throw new BackupError(`${file} is a pg_dump backup: restore it with DATABASE_URL set`)
  const dataDir = resolve(target.dataDir)
  const occupied = existsSync(dataDir) && readdirSync(dataDir).length > 0
  if (occupied && !options.force) {
    throw new BackupError(`${target.dataDir} is not empty; use --force to move it aside and restore`)
  }
  const stamp = (options.now ?? new Date()).toISOString().replace(/[:.]/g, '-')
  // The backup is first opened in a folder of its own, so a broken file leaves the data folder untouched.
  const staging = `${dataDir}.restoring-${stamp}`
  log(`reading ${file} into a new data folder …`)
  try {
    mkdirSync(staging, { recursive: true })
    const pglite = await openPglite(staging, new Blob([readFileSync(path)]))
    try {
      await pglite.query('select 1 from patrons limit 1')
    } finally {
      await pglite.close()
    }
  } catch (error) {
    rmSync(staging, { recursive: true, force: true })
    throw new BackupError(`${file} is not a laan PGlite backup (${oneLine(error)})`)
  }
  let movedAside: string | null = null
  if (occupied) {
    movedAside = `${dataDir}.before-restore-${stamp}`
    renameSync(dataDir, movedAside)
    log(`the old data folder is now ${relativeOr(movedAside)}`)
  } else if (existsSync(dataDir)) {
    rmSync(dataDir, { recursive: true })
  }
  renameSync(staging, dataDir)
  // The outbox holds documents already written (not part of the database): it stays with the data folder.
  const outbox = target.outboxDir ? resolve(target.outboxDir) : undefined
  if (movedAside && outbox && !relative(dataDir, outbox).startsWith('..')) {
    const before = join(movedAside, relative(dataDir, outbox))
    if (existsSync(before)) cpSync(before, outbox, { recursive: true })
  }
  log(`restored ${file} into ${target.dataDir}`)
  return { kind: 'pglite', movedAside }
}

async function openPglite(dataDir: string, loadDataDir?: Blob): Promise<PGlite> {
  const exitCode = process.exitCode
  try {
    return await PGlite.create({ dataDir, ...(loadDataDir ? { loadDataDir } : {}) })
  } catch (error) {
    // PGlite's runtime sets the process's exit code when it fails to start; the caller reports instead.
    process.exitCode = exitCode
    throw new BackupError(`cannot open the PGlite database in ${dataDir}: ${oneLine(error)}`)
  }
}

function requireTool(tool: 'pg_dump' | 'pg_restore'): void {
  const probe = spawnSync(tool, ['--version'], { encoding: 'utf8' })
  if (probe.error || probe.status !== 0) {
    throw new BackupError(
      `${tool} is not installed (it comes with the PostgreSQL client tools, e.g. apt-get install postgresql-client)`,
    )
  }
}

function run(tool: string, args: string[]): void {
  const result = spawnSync(tool, args, { encoding: 'utf8' })
  if (result.error) throw new BackupError(`${tool} failed: ${result.error.message}`)
  if (result.status !== 0) {
    const reason = result.stderr
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '')
    throw new BackupError(`${tool} failed: ${reason ?? `exit code ${result.status}`}`)
  }
}

async function countTables(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url })
  try {
    await client.connect()
    const { rows } = await client.query<{ n: number }>(
      `select count(*)::int as n from information_schema.tables where table_schema = 'public'`,
    )
    return rows[0]?.n ?? 0
  } catch (error) {
    throw new BackupError(`cannot reach the database ${describeUrl(url)}: ${oneLine(error)}`)
  } finally {
    await client.end().catch(() => {})
  }
}

/** The server and database of a URL, without user or password. */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.host}${parsed.pathname}`
  } catch {
    return 'the server'
  }
}

function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  return text.split('\n')[0] ?? text
}

function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.ceil(bytes / 1024)} kB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

function relativeOr(path: string): string {
  const rel = relative(process.cwd(), path)
  return rel.startsWith('..') ? path : rel
}
