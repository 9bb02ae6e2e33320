// The load generator: a process of its own, so it does not share an event loop with the service.
// Reads a config file (argv[2]), runs the phases, prints one JSON document on stdout; progress on stderr.
import { readFileSync } from 'node:fs'
import http from 'node:http'
import { type LatencySummary, summarizeLatency } from './latency.ts'

export interface LoadConfig {
  baseUrl: string
  apiKey: string
  municipality: string
  /** [patron card number, item barcode]; closed-loop pairs first, then open-loop pairs. */
  pairs: Array<[string, string]>
  closedPairs: number
  clients: number
  warmupSeconds: number
  closedSeconds: number
  pauseSeconds: number
  rate: number
  openSeconds: number
  /** The checkin of pair k is scheduled this long after its checkout. */
  checkinDelayMs: number
  phases: Array<'closed' | 'open'>
}

export type { LatencySummary }

export interface ClosedResult {
  clients: number
  seconds: number
  pairs: number
  pairsPerSecond: number
  /** The best whole second of the run. */
  bestSecondPairs: number
  perSecond: number[]
  errors: number
  errorSamples: string[]
  checkoutMs: LatencySummary
  checkinMs: LatencySummary
}

export interface OpenResult {
  targetRate: number
  seconds: number
  scheduledPairs: number
  completedPairs: number
  achievedPairsPerSecond: number
  errors: number
  errorSamples: string[]
  /** From the scheduled send time (includes any queueing): the figures that count. */
  checkoutMs: LatencySummary
  checkinMs: LatencySummary
  /** From the moment the request was actually written, for comparison. */
  checkoutServiceMs: LatencySummary
  checkinServiceMs: LatencySummary
  /** How late the generator sent requests against their schedule (its own timer lag). */
  sendLagMs: LatencySummary
}

interface Reply {
  status: number
  body: string
}

const config = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as LoadConfig
const base = new URL(config.baseUrl)
if (base.hostname !== '127.0.0.1') throw new Error('the load generator only targets 127.0.0.1')
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 })
const now = () => performance.now()
const progress = (line: string) => process.stderr.write(`${line}\n`)

function post(path: string, payload: object): Promise<Reply> {
  const body = JSON.stringify(payload)
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        method: 'POST',
        path,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'x-api-key': config.apiKey,
        },
      },
      (response) => {
        let text = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => {
          text += chunk
        })
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }))
        response.on('error', reject)
      },
    )
    request.setTimeout(30_000, () => request.destroy(new Error('timeout after 30 s')))
    request.on('error', reject)
    request.end(body)
  })
}

const checkoutPath = `/api/${config.municipality}/checkouts`
const checkinPath = `/api/${config.municipality}/checkins`
const ok = (reply: Reply) => reply.status >= 200 && reply.status < 300

async function call(path: string, payload: object): Promise<Reply> {
  try {
    return await post(path, payload)
  } catch (error) {
    return { status: 0, body: error instanceof Error ? error.message : String(error) }
  }
}

class Errors {
  count = 0
  samples: string[] = []
  add(what: string, reply: Reply) {
    this.count++
    if (this.samples.length < 5) this.samples.push(`${what}: ${reply.status} ${reply.body.slice(0, 300)}`)
  }
}

/** 32 clients (by default), each doing checkout then checkin, as fast as the service answers. */
async function closedLoop(seconds: number, label: string, cursor: { next: number }): Promise<ClosedResult> {
  const pool = config.pairs.slice(0, config.closedPairs)
  const errors = new Errors()
  const checkoutMs: number[] = []
  const checkinMs: number[] = []
  const perSecond: number[] = []
  let pairs = 0
  const start = now()
  const end = start + seconds * 1000
  let furthest = cursor.next
  const worker = async (client: number) => {
    // Each client walks its own residue class of the pool (its length is a multiple of the clients), so a
    // pair is only ever reused by the client that finished it.
    let k = cursor.next + client
    while (now() < end) {
      const [patron, item] = pool[k % pool.length] as [string, string]
      k += config.clients
      furthest = Math.max(furthest, k)
      const t0 = now()
      const out = await call(checkoutPath, { patron, item })
      const t1 = now()
      if (!ok(out)) {
        errors.add(`checkout ${patron} ${item}`, out)
        continue
      }
      const back = await call(checkinPath, { item })
      const t2 = now()
      if (!ok(back)) {
        errors.add(`checkin ${item}`, back)
        continue
      }
      checkoutMs.push(t1 - t0)
      checkinMs.push(t2 - t1)
      pairs++
      const second = Math.floor((t2 - start) / 1000)
      perSecond[second] = (perSecond[second] ?? 0) + 1
    }
  }
  const ticker = setInterval(() => progress(`${label}: ${pairs} pairs, ${errors.count} errors`), 1000)
  await Promise.all(Array.from({ length: config.clients }, (_, i) => worker(i)))
  clearInterval(ticker)
  cursor.next = furthest
  const elapsed = (now() - start) / 1000
  const full = Array.from({ length: Math.floor(seconds) }, (_, i) => perSecond[i] ?? 0)
  return {
    clients: config.clients,
    seconds: Math.round(elapsed * 100) / 100,
    pairs,
    pairsPerSecond: Math.round(pairs / elapsed),
    bestSecondPairs: Math.max(0, ...full),
    perSecond: full,
    errors: errors.count,
    errorSamples: errors.samples,
    checkoutMs: summarizeLatency(checkoutMs),
    checkinMs: summarizeLatency(checkinMs),
  }
}

const DRAIN_SECONDS = 30

const sleepUntil = (t: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, t - now())))

/** Pairs at a fixed rate whatever the replies; latency counts from the scheduled send time. */
async function openLoop(): Promise<OpenResult> {
  const pool = config.pairs.slice(config.closedPairs)
  const period = 1000 / config.rate
  const total = Math.round(config.rate * config.openSeconds)
  const errors = new Errors()
  const checkoutMs: number[] = []
  const checkinMs: number[] = []
  const checkoutServiceMs: number[] = []
  const checkinServiceMs: number[] = []
  const sendLagMs: number[] = []
  let completed = 0
  const inFlight: Promise<void>[] = []
  const start = now() + 50

  const pair = async (k: number, scheduled: number) => {
    const [patron, item] = pool[k % pool.length] as [string, string]
    const sent = now()
    sendLagMs.push(sent - scheduled)
    const out = await call(checkoutPath, { patron, item })
    const outDone = now()
    if (!ok(out)) {
      errors.add(`checkout ${patron} ${item}`, out)
      return
    }
    checkoutMs.push(outDone - scheduled)
    checkoutServiceMs.push(outDone - sent)
    const checkinAt = scheduled + config.checkinDelayMs
    if (now() < checkinAt) await sleepUntil(checkinAt)
    const backSent = now()
    const back = await call(checkinPath, { item })
    const backDone = now()
    if (!ok(back)) {
      errors.add(`checkin ${item}`, back)
      return
    }
    checkinMs.push(backDone - checkinAt)
    checkinServiceMs.push(backDone - backSent)
    completed++
  }

  const ticker = setInterval(
    () => progress(`open loop: ${completed}/${total} pairs, ${errors.count} errors`),
    2000,
  )
  let k = 0
  while (k < total) {
    // Send everything that is due (catching up after a late timer), then sleep until the next is due.
    const t = now()
    while (k < total && start + k * period <= t) {
      inFlight.push(pair(k, start + k * period))
      k++
    }
    if (k < total) await sleepUntil(start + k * period)
  }
  // Bounded: whatever has not come back DRAIN_SECONDS after the last scheduled send counts as failed.
  const drained = await Promise.race([
    Promise.all(inFlight).then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), DRAIN_SECONDS * 1000).unref()),
  ])
  clearInterval(ticker)
  if (!drained) {
    const missing = total - completed - errors.count
    errors.count += missing
    errors.samples.push(`${missing} pairs still unanswered ${DRAIN_SECONDS} s after the last was sent`)
  }
  const elapsed = (now() - start) / 1000
  return {
    targetRate: config.rate,
    seconds: Math.round(elapsed * 100) / 100,
    scheduledPairs: total,
    completedPairs: completed,
    achievedPairsPerSecond: Math.round(completed / elapsed),
    errors: errors.count,
    errorSamples: errors.samples,
    checkoutMs: summarizeLatency(checkoutMs),
    checkinMs: summarizeLatency(checkinMs),
    checkoutServiceMs: summarizeLatency(checkoutServiceMs),
    checkinServiceMs: summarizeLatency(checkinServiceMs),
    sendLagMs: summarizeLatency(sendLagMs),
  }
}

const result: { warmup?: ClosedResult; closed?: ClosedResult; open?: OpenResult } = {}
const cursor = { next: 0 }
if (config.phases.includes('closed')) {
  progress('phase warmup start')
  result.warmup = await closedLoop(config.warmupSeconds, 'warm-up', cursor)
  progress('phase warmup end')
  progress('phase closed start')
  result.closed = await closedLoop(config.closedSeconds, 'closed loop', cursor)
  progress('phase closed end')
}
if (config.phases.includes('open')) {
  await new Promise((resolve) => setTimeout(resolve, config.pauseSeconds * 1000))
  progress('phase open start')
  result.open = await openLoop()
  progress('phase open end')
}
agent.destroy()
process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0))
