import { existsSync } from 'node:fs'
import { parseArgs } from 'node:util'

const PARTS = ['nightly', 'http', 'import', 'sip2', 'web'] as const
export type Part = (typeof PARTS)[number]

export interface BenchOptions {
  /** 1 = København: 600,000 patrons, 2,000,000 items, 1,000,000 open loans. */
  scale: number
  only: Part | null
  regenerate: boolean
  drop: boolean
  /** PostgreSQL server without a database name, e.g. postgres://postgres@127.0.0.1:5432 */
  serverUrl: string
  database: string
  /** Concurrent clients of the closed-loop throughput test. */
  clients: number
  closedSeconds: number
  /** Open-loop test: pairs per second and duration. */
  rate: number
  openSeconds: number
  /** LOG_LEVEL of the service under test. */
  serverLogLevel: string
  /** PORT of the service under test; 0 picks a free one. */
  port: number
  results: string
  /** Indexes the bench suggests for the core, created on the working copy only (see SUGGESTED_INDEXES). */
  suggestedIndexes: boolean
  /** Before each measurement, wait up to this long for other work on the machine to stop. */
  quietWaitSeconds: number
  /** Payments in the camt.054 file of the import test; by default 100,000 × scale. */
  payments: number
  /** SIP2 test: connections (one machine account each), the open loop's messages per second over all of
   * them, and the length of each of its two measurements. */
  sip2Connections: number
  sip2Rate: number
  sip2Seconds: number
}

const HELP = `npm run bench -- [options]

  --scale <f>          data size relative to København (default 1: 600,000 patrons,
                       2,000,000 items, 1,000,000 open loans, about 500,000 open claims);
                       e.g. 0.01 for a quick run
  --only <part>        nightly | http | import | sip2 | web (default all five; the nightly run includes
                       billing and dunning)
  --payments <n>       payments in the camt.054 file of the import test (default 100,000 × scale)
  --regenerate         rebuild the bench database even if a complete one exists
  --drop               drop the bench databases at the end
  --server-url <url>   PostgreSQL server (default: its Unix socket in /var/run/postgresql when there,
                       postgres://postgres@localhost/?host=/var/run/postgresql, else
                       postgres://postgres@127.0.0.1:5432)
  --database <name>    bench database name (default laan_bench; a working copy <name>_run is made per run)
  --clients <n>        concurrent clients in the throughput test (default 32)
  --closed-seconds <s> duration of the throughput test (default 15)
  --rate <n>           pairs per second of the open-loop test (default 300)
  --open-seconds <s>   duration of the open-loop test (default 20)
  --sip2-connections <n>  SIP2 test: TCP connections, one machine account each (default 100)
  --sip2-rate <n>      SIP2 test: messages per second over all connections in the open loop (default 500)
  --sip2-seconds <s>   SIP2 test: duration of the open loop and of the closed loop (default 30)
  --log-level <lvl>    LOG_LEVEL of the service under test (default warn)
  --port <n>           port of the service under test (default: a free one)
  --results <file>     JSON results file (default bench/results/latest.json)
  --quiet-wait <s>     before each measurement wait up to this long for the machine to be idle (default 120)
  --suggested-indexes  create the indexes the bench suggests for the core (see bench/README.md) on the
                       working copy before measuring: shows what they would change; the schema itself
                       is not touched

Every option may also be given as an environment variable BENCH_<NAME>, e.g. BENCH_SCALE=0.01.`

function number(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback
  const n = Number(value)
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new Error(`--${name} must be a number from ${min} to ${max}, got ${value}`)
  }
  return n
}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      scale: { type: 'string' },
      only: { type: 'string' },
      regenerate: { type: 'boolean' },
      drop: { type: 'boolean' },
      'server-url': { type: 'string' },
      database: { type: 'string' },
      clients: { type: 'string' },
      'closed-seconds': { type: 'string' },
      rate: { type: 'string' },
      'open-seconds': { type: 'string' },
      'log-level': { type: 'string' },
      port: { type: 'string' },
      results: { type: 'string' },
      'suggested-indexes': { type: 'boolean' },
      'quiet-wait': { type: 'string' },
      payments: { type: 'string' },
      'sip2-connections': { type: 'string' },
      'sip2-rate': { type: 'string' },
      'sip2-seconds': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  })
  if (values.help) {
    console.log(HELP)
    process.exit(0)
  }
  const flag = (v: boolean | undefined, name: string) =>
    v ?? ['1', 'true', 'yes'].includes((env[name] ?? '').toLowerCase())
  const onlyText = values.only ?? env.BENCH_ONLY ?? null
  if (onlyText !== null && !PARTS.includes(onlyText as Part)) {
    throw new Error(`--only must be one of ${PARTS.join(', ')}, got ${onlyText}`)
  }
  const only = onlyText as Part | null
  const database = values.database ?? env.BENCH_DATABASE ?? 'laan_bench'
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`--database must be a plain identifier`)
  const serverUrl = values['server-url'] ?? env.BENCH_SERVER_URL ?? defaultServerUrl()
  const host = new URL(serverUrl).hostname
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') {
    throw new Error(`the bench runs against a local server only, got ${host}`)
  }
  const scale = number('scale', values.scale ?? env.BENCH_SCALE, 1, 0.001, 1)
  return {
    scale,
    only,
    regenerate: flag(values.regenerate, 'BENCH_REGENERATE'),
    drop: flag(values.drop, 'BENCH_DROP'),
    serverUrl,
    database,
    clients: number('clients', values.clients ?? env.BENCH_CLIENTS, 32, 1, 256),
    closedSeconds: number('closed-seconds', values['closed-seconds'] ?? env.BENCH_CLOSED_SECONDS, 15, 1, 120),
    rate: number('rate', values.rate ?? env.BENCH_RATE, 300, 1, 5000),
    openSeconds: number('open-seconds', values['open-seconds'] ?? env.BENCH_OPEN_SECONDS, 20, 1, 120),
    serverLogLevel: values['log-level'] ?? env.BENCH_LOG_LEVEL ?? 'warn',
    port: number('port', values.port ?? env.BENCH_PORT, 0, 0, 65535),
    results: values.results ?? env.BENCH_RESULTS ?? 'bench/results/latest.json',
    quietWaitSeconds: number('quiet-wait', values['quiet-wait'] ?? env.BENCH_QUIET_WAIT, 120, 0, 3600),
    suggestedIndexes: flag(values['suggested-indexes'], 'BENCH_SUGGESTED_INDEXES'),
    payments: number(
      'payments',
      values.payments ?? env.BENCH_PAYMENTS,
      Math.max(100, Math.round(100_000 * scale)),
      1,
      1_000_000,
    ),
    sip2Connections: number(
      'sip2-connections',
      values['sip2-connections'] ?? env.BENCH_SIP2_CONNECTIONS,
      100,
      1,
      1000,
    ),
    sip2Rate: number('sip2-rate', values['sip2-rate'] ?? env.BENCH_SIP2_RATE, 500, 1, 20_000),
    sip2Seconds: number('sip2-seconds', values['sip2-seconds'] ?? env.BENCH_SIP2_SECONDS, 30, 1, 300),
  }
}

// A service on the same host as its PostgreSQL talks to it through the server's Unix socket: over TCP on the
// loopback every query's write costs the sending process a trip through the TCP stack, which on these
// virtual machines took a fifth of the service's CPU in the HTTP test. pgbench (the ceiling) uses the same URL.
const SOCKET_DIR = '/var/run/postgresql'

function defaultServerUrl(): string {
  return existsSync(`${SOCKET_DIR}/.s.PGSQL.5432`)
    ? `postgres://postgres@localhost/?host=${SOCKET_DIR}`
    : 'postgres://postgres@127.0.0.1:5432'
}

/** How the bench reaches the server, for the report. */
export function transportOf(serverUrl: string): string {
  const url = new URL(serverUrl)
  const socket = url.searchParams.get('host')
  return socket?.startsWith('/') ? `Unix socket ${socket}` : `TCP ${url.host}`
}

/** The URL of database `name` on the server of `serverUrl` (whatever database that names). */
export function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return url.toString()
}
