// The ceiling the HTTP figures are read against: the same check-out and check-in as two transactions of raw
// SQL, run by pgbench on the same copy, the same way (32 clients as fast as they go, then 300 pairs a second).
// The machine's speed varies from day to day; laan's figures next to this one say what is laan's own cost.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MUNICIPALITY, withClient } from './generate.ts'
import { type LatencySummary, summarizeLatency } from './latency.ts'
import type { BenchOptions } from './options.ts'

const log = (message: string) => console.log(`[sql] ${message}`)
const PAIRS_PER_CLIENT = 3000

export interface SqlCeilingFigures {
  status: 'ok' | 'skipped' | 'failed'
  message: string
  command: string
  closed: { clients: number; seconds: number; pairsPerSecond: number } | null
  open: { targetRate: number; seconds: number; pairs: number; pairMs: LatencySummary } | null
}

// One pgbench transaction is one pair: the check-out, then the check-in, each its own transaction, with the
// reads and writes laan's locking path makes. Each client works on its own items, so no two clients collide.
const PAIR_SCRIPT = `\\set k :client_id * ${PAIRS_PER_CLIENT} + random(1, ${PAIRS_PER_CLIENT})
select item_id, patron_id from bench_sql_pairs where k = :k \\gset
begin;
select status from items where id = :item_id for update;
insert into loans (municipality, item_id, patron_id, checked_out_at, due_date)
  values ('${MUNICIPALITY}', :item_id, :patron_id, now(), current_date + 28) returning id as loan_id \\gset
update items set status = 'on-loan' where id = :item_id;
commit;
begin;
select id from loans where item_id = :item_id and status = 'active' for update;
update loans set status = 'returned', returned_at = now() where id = :loan_id;
update items set status = 'available' where id = :item_id;
commit;
`

function findPgbench(): string | null {
  const onPath = spawnSync('pgbench', ['--version'], { encoding: 'utf8' })
  if (onPath.status === 0) return 'pgbench'
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return null
  for (const version of readdirSync(root).sort().reverse()) {
    const candidate = join(root, version, 'bin', 'pgbench')
    if (existsSync(candidate)) return candidate
  }
  return null
}

export async function runSqlCeiling(url: string, options: BenchOptions): Promise<SqlCeilingFigures> {
  const pgbench = findPgbench()
  const base = { command: '', closed: null, open: null }
  if (!pgbench) return { ...base, status: 'skipped', message: 'pgbench not found' }
  const clients = options.clients
  await withClient(url, async (client) => {
    await client.query('drop table if exists bench_sql_pairs')
    // Available items and patrons in good standing, neither used by the HTTP test's pairs still on loan.
    await client.query(
      `create table bench_sql_pairs as
         select row_number() over () as k, i.id as item_id, p.id as patron_id
         from (select id, row_number() over (order by id desc) as r from items
               where status = 'available' and not reference_only limit $1) i
         join (select id, row_number() over (order by id desc) as r from patrons
               where card_lost_at is null limit $1) p using (r)`,
      [(clients + 1) * PAIRS_PER_CLIENT],
    )
    await client.query('create index on bench_sql_pairs (k)')
    await client.query('analyze bench_sql_pairs')
  })
  const dir = mkdtempSync(join(tmpdir(), 'laan-bench-sql-'))
  try {
    const script = join(dir, 'pair.sql')
    writeFileSync(script, PAIR_SCRIPT)
    const common = ['-n', '-f', script, '-c', String(clients), '-j', '2']
    const closedArgs = [...common, '-T', String(options.closedSeconds), url]
    const command = `${pgbench} ${closedArgs.join(' ')}`
    log(command)
    const closedOut = execFileSync(pgbench, closedArgs, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const tps = Number(/tps = ([\d.]+)/.exec(closedOut)?.[1] ?? Number.NaN)
    log(`closed loop: ${tps.toFixed(0)} pairs/s`)
    const openArgs = [
      ...common,
      '-T',
      String(options.openSeconds),
      '-R',
      String(options.rate),
      '-l',
      `--log-prefix=${join(dir, 'log')}`,
      url,
    ]
    execFileSync(pgbench, openArgs, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    // Per-transaction log lines: client, transaction, latency in µs (from the scheduled start with -R), ….
    const latencies = readdirSync(dir)
      .filter((name) => name.startsWith('log'))
      .flatMap((name) => readFileSync(join(dir, name), 'utf8').trim().split('\n'))
      .map((line) => Number(line.split(' ')[2]) / 1000)
      .filter((ms) => Number.isFinite(ms))
    const pairMs = summarizeLatency(latencies)
    log(`open loop at ${options.rate} pairs/s: pair p99 ${pairMs.p99} ms (p50 ${pairMs.p50})`)
    return {
      status: Number.isFinite(tps) ? 'ok' : 'failed',
      message: Number.isFinite(tps) ? 'ok' : `no tps in pgbench's output: ${closedOut.slice(-300)}`,
      command,
      closed: { clients, seconds: options.closedSeconds, pairsPerSecond: Math.round(tps) },
      open: { targetRate: options.rate, seconds: options.openSeconds, pairs: latencies.length, pairMs },
    }
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error)
    return { ...base, status: 'failed', message: detail.slice(0, 500) }
  } finally {
    rmSync(dir, { recursive: true, force: true })
    await withClient(url, (client) => client.query('drop table if exists bench_sql_pairs'))
  }
}
