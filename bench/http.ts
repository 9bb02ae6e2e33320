import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { freePort, pickPairs, startService, stop } from './bench-support.ts'
import { type CpuSample, type CpuShare, cpuShare, sampleCpu, waitForQuiet } from './cpu.ts'
import { MUNICIPALITY, withClient } from './generate.ts'
import type { ClosedResult, LoadConfig, OpenResult } from './load-client.ts'
import type { BenchOptions } from './options.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const API_KEY = 'laan-dev-key'
const log = (message: string) => console.log(`[http] ${message}`)

export interface HttpFigures {
  status: 'ok' | 'skipped' | 'failed'
  message: string
  serverCommand: string
  /** CPU used by other work on the machine just before the load started (percent of one core). */
  busyBeforePercent: number | null
  closed: (ClosedResult & { cpu: CpuShare | null }) | null
  open: (OpenResult & { cpu: CpuShare | null }) | null
}

async function post(baseUrl: string, path: string, body: object): Promise<{ status: number; text: string }> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
    body: JSON.stringify(body),
  })
  return { status: response.status, text: await response.text() }
}

async function waitForHealth(baseUrl: string, server: ChildProcess, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`the service exited with ${server.exitCode}`)
    try {
      const response = await fetch(`${baseUrl}/health`)
      if (response.ok) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`the service did not answer /health within ${seconds} s`)
}

/**
 * Starts the real service (`node bin/laan.js start`) on the bench database and drives it from a separate
 * load generator process: closed loop with N clients for throughput, then open loop at a fixed rate.
 */
export async function runHttpBench(url: string, options: BenchOptions): Promise<HttpFigures> {
  // The desk's day begins hours after the 02:00 run: by then autovacuum has gone over what the night changed
  // and the checkpoint has written it out. Done here first, so the night's after-work is not measured as
  // the day's latency.
  const settled = performance.now()
  await withClient(url, async (client) => {
    await client.query('vacuum (analyze)')
    await client.query('checkpoint')
  })
  log(
    `the night's vacuum and checkpoint done before the day's load (${((performance.now() - settled) / 1000).toFixed(1)} s)`,
  )
  const closedPairsWanted =
    options.clients * Math.ceil((2500 * (options.closedSeconds + 3)) / options.clients)
  const openPairsWanted = Math.ceil(options.rate * options.openSeconds)
  log(`choosing ${closedPairsWanted + openPairsWanted + 1} patrons in good standing and available items`)
  const pairs = await pickPairs(url, closedPairsWanted + openPairsWanted + 1)
  const probe = pairs.pop()
  if (!probe || pairs.length < options.clients * 2) {
    return {
      status: 'failed',
      message: `too few patrons/items for the HTTP test (${pairs.length})`,
      serverCommand: '',
      busyBeforePercent: null,
      closed: null,
      open: null,
    }
  }
  // The closed-loop pool is a multiple of the clients; the open loop gets the rest (reused cyclically when
  // the scale is too small to give every pair its own patron and item).
  const share = pairs.length >= closedPairsWanted + openPairsWanted ? closedPairsWanted : pairs.length / 2
  const closedPairs = Math.max(options.clients, Math.floor(share / options.clients) * options.clients)
  if (pairs.length < closedPairsWanted + openPairsWanted) {
    log(`only ${pairs.length} pairs at this scale: pairs are reused after they are returned`)
  }

  const port = options.port || (await freePort())
  const baseUrl = `http://127.0.0.1:${port}`
  const {
    server,
    command: serverCommand,
    output: serverOutput,
  } = startService(
    {
      DATABASE_URL: url,
      PORT: String(port),
      HOST: '127.0.0.1',
      LAAN_SCHEDULER: '0',
      LAAN_SIP2_PORT: '0',
      LAAN_DEMO_DATA: '0',
      LAAN_API_KEY: API_KEY,
      LOG_LEVEL: options.serverLogLevel,
    },
    log,
  )
  const tmp = mkdtempSync(join(tmpdir(), 'laan-bench-'))
  try {
    try {
      await waitForHealth(baseUrl, server, 60)
    } catch (error) {
      return {
        status: 'failed',
        message: `${error instanceof Error ? error.message : error}; service output:\n${serverOutput.join('\n')}`,
        serverCommand,
        busyBeforePercent: null,
        closed: null,
        open: null,
      }
    }
    log(`service up on ${baseUrl}`)

    // Are the routes there yet? The API is built alongside; without them the HTTP part is skipped.
    const [patron, item] = probe
    const checkout = await post(baseUrl, `/api/${MUNICIPALITY}/checkouts`, { patron, item })
    if (checkout.status === 404 && /not-found|Route|No route/.test(checkout.text)) {
      const message = `POST /api/${MUNICIPALITY}/checkouts does not exist yet (404 ${checkout.text.slice(0, 200)}); HTTP part skipped`
      log(message)
      return { status: 'skipped', message, serverCommand, busyBeforePercent: null, closed: null, open: null }
    }
    const checkin = await post(baseUrl, `/api/${MUNICIPALITY}/checkins`, { item })
    if (checkout.status >= 300 || checkin.status >= 300) {
      const message =
        `probe pair failed: checkout ${checkout.status} ${checkout.text.slice(0, 300)}; ` +
        `checkin ${checkin.status} ${checkin.text.slice(0, 300)}`
      log(message)
      const missing = checkin.status === 404 && /not-found|Route|No route/.test(checkin.text)
      return {
        status: missing ? 'skipped' : 'failed',
        message,
        serverCommand,
        busyBeforePercent: null,
        closed: null,
        open: null,
      }
    }
    log(`probe pair ok (checkout ${checkout.status}, checkin ${checkin.status})`)

    const config: LoadConfig = {
      baseUrl,
      apiKey: API_KEY,
      municipality: MUNICIPALITY,
      pairs,
      closedPairs,
      clients: options.clients,
      warmupSeconds: 3,
      closedSeconds: options.closedSeconds,
      pauseSeconds: 2,
      rate: options.rate,
      openSeconds: options.openSeconds,
      checkinDelayMs: 50,
      phases: ['closed', 'open'],
    }
    const busyBeforePercent = await waitForQuiet('http', options.quietWaitSeconds)
    const configFile = join(tmp, 'load.json')
    writeFileSync(configFile, JSON.stringify(config))
    const client = spawn(process.execPath, ['--import', 'tsx', 'bench/load-client.ts', configFile], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const samples = new Map<string, CpuSample>()
    const sample = (): CpuSample => sampleCpu(server.pid, client.pid)
    let stdout = ''
    client.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
    })
    let lastLine = 0
    createInterface({ input: client.stderr }).on('line', (line) => {
      const phase = /^phase (\w+) (start|end)$/.exec(line)
      if (phase) {
        samples.set(`${phase[1]}-${phase[2]}`, sample())
        log(line)
        return
      }
      const t = performance.now()
      if (t - lastLine > 1900 || !/pairs/.test(line)) {
        lastLine = t
        log(line)
      }
    })
    const code = await new Promise<number>((resolve) => client.on('close', (c) => resolve(c ?? -1)))
    if (code !== 0) {
      return {
        status: 'failed',
        message: `load generator exited with ${code}`,
        serverCommand,
        busyBeforePercent,
        closed: null,
        open: null,
      }
    }
    const result = JSON.parse(stdout) as { closed?: ClosedResult; open?: OpenResult }
    const errors = (result.closed?.errors ?? 0) + (result.open?.errors ?? 0)
    return {
      status: errors > 0 ? 'failed' : 'ok',
      message: errors > 0 ? `${errors} requests failed; see errorSamples` : 'ok',
      serverCommand,
      busyBeforePercent,
      closed: result.closed
        ? { ...result.closed, cpu: cpuShare(samples.get('closed-start'), samples.get('closed-end')) }
        : null,
      open: result.open
        ? { ...result.open, cpu: cpuShare(samples.get('open-start'), samples.get('open-end')) }
        : null,
    }
  } finally {
    await stop(server)
    rmSync(tmp, { recursive: true, force: true })
  }
}
