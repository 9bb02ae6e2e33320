// What the bench parts share: a free port, distinct patrons and items to lend, stopping the service.

import { type ChildProcess, spawn } from 'node:child_process'
import { appendFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { SERVICE_NODE_FLAGS } from '../src/service-flags.ts'
import { MUNICIPALITY } from './generate.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** Distinct patrons in good standing and distinct available, lendable items without a reservation queue. */
export async function pickPairs(url: string, count: number): Promise<Array<[string, string]>> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const patrons = await client.query<{ card: string }>(
      `select card_number as card from patrons p
        where municipality = $1 and card_lost_at is null
          and not exists (select 1 from charges c where c.patron_id = p.id)
          and not exists (select 1 from blocks b where b.patron_id = p.id and b.until_at is null)
          and not exists (select 1 from exclusion_warnings w where w.patron_id = p.id and w.status = 'pending')
          and not exists (select 1 from loans l where l.patron_id = p.id and l.status = 'active'
                            and l.due_date < current_date)
        order by random() limit $2`,
      [MUNICIPALITY, count],
    )
    const items = await client.query<{ barcode: string }>(
      `select barcode from items i
        where municipality = $1 and status = 'available' and not reference_only
          and not exists (select 1 from reservations r where r.municipality = i.municipality
                            and r.title = i.title and r.status in ('waiting', 'held'))
        order by random() limit $2`,
      [MUNICIPALITY, count],
    )
    const n = Math.min(patrons.rows.length, items.rows.length)
    return Array.from({ length: n }, (_, i) => [patrons.rows[i]?.card ?? '', items.rows[i]?.barcode ?? ''])
  } finally {
    await client.end()
  }
}

/** Ends the service: SIGTERM, then SIGKILL after 5 s. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}

export interface RunningService {
  server: ChildProcess
  /** The command line, for the results. */
  command: string
  /** The service's last 50 lines of output, for a failure message. */
  output: string[]
}

/**
 * Starts the real service (`node bin/laan.js start`) with these settings; BENCH_SERVER_NODE_ARGS (e.g.
 * "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles it under load.
 */
export function startService(settings: Record<string, string>, log: (line: string) => void): RunningService {
  const shown = Object.entries(settings)
    .filter(([name]) => name !== 'LAAN_API_KEY')
    .map(([name, value]) => `${name}=${value}`)
  // The service's own V8 flags are given here, so that laan start does not start it again as a child process
  // (whose CPU and memory the bench would then not see).
  const nodeArgs = [
    ...SERVICE_NODE_FLAGS,
    ...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean),
  ]
  const command = `${shown.join(' ')} node ${nodeArgs.join(' ')} bin/laan.js start`
  log(command)
  const server = spawn(process.execPath, [...nodeArgs, 'bin/laan.js', 'start'], {
    cwd: ROOT,
    env: { ...process.env, ...settings },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const output: string[] = []
  // BENCH_SERVER_LOG=<file>: everything the service prints, e.g. with BENCH_SERVER_NODE_ARGS=--trace-gc.
  const logFile = process.env.BENCH_SERVER_LOG
  const keep = (line: string) => {
    output.push(line)
    if (output.length > 50) output.shift()
    if (logFile) appendFileSync(logFile, `${line}\n`)
  }
  createInterface({ input: server.stdout }).on('line', keep)
  createInterface({ input: server.stderr }).on('line', keep)
  return { server, command, output }
}
