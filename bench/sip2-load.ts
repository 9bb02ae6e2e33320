// SIP2 load: the service (`node bin/laan.js start` with LAAN_SIP2_PORT) on the bench database, one SIP2
// account per self-service machine, and a load generator in a process of its own (this file run as a
// script) holding one TCP connection per machine, each logged in (93) and doing, on patrons and items of its
// own, 63 patron information, 11 checkout, 09 checkin, over and over. Two measurements: a steady total rate
// (open loop: every message has its scheduled time, latency counts from it) and the most the service
// answers (closed loop: each connection sends its next message as soon as the answer is in). Answers are
// counted by their first two characters, so a 96 (a message not served yet) shows.
//
//   npm run bench -- --only sip2                       (from run-bench.ts: runSip2Bench)
//   node --import tsx bench/sip2-load.ts CONFIG.json   (the load generator; JSON on stdout)

import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { openDatabase } from '../src/db/database.ts'
import { addSip2Account } from '../src/sip2/sip2-accounts.ts'
import type { Sip2Request } from '../src/sip2/sip2-messages.ts'
import { Sip2Dialogue, Sip2TcpClient } from '../src/sip2/sip2-test-client.ts'
import { freePort, pickPairs, startService, stop } from './bench-support.ts'
import { type CpuSample, type CpuShare, cpuShare, sampleCpu, waitForQuiet } from './cpu.ts'
import { MUNICIPALITY } from './generate.ts'
import { type LatencySummary, summarizeLatency } from './latency.ts'
import type { BenchOptions } from './options.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const log = (message: string) => console.log(`[sip2] ${message}`)

/** The bench's machine accounts: `bench-sip2-001` … (removed and made again on each run). */
const ACCOUNT_PREFIX = 'bench-sip2-'
const ACCOUNT_PASSWORD = 'bench-sip2-password'
/** ISIL of København's libraries, the AO an FBS machine sends. */
const INSTITUTION = 'DK-710100'
/** Patron/item pairs per connection, used in turn. */
const PAIRS_PER_CONNECTION = 20
/** An answer later than this counts as an error (and the connection is opened again). */
const ANSWER_TIMEOUT_MS = 5000

export type Sip2MessageKind = '63' | '11' | '09'
const KINDS: readonly Sip2MessageKind[] = ['63', '11', '09']
/** The answer each message should get. */
const EXPECTED: Record<Sip2MessageKind, string> = { '63': '64', '11': '12', '09': '10' }

export interface Sip2LoadConfig {
  host: string
  port: number
  /** One per connection. */
  logins: string[]
  password: string
  /** Per connection, its own [patron card, item barcode] pairs. */
  pairs: Array<Array<[string, string]>>
  warmupSeconds: number
  pauseSeconds: number
  /** Open loop: messages per second over all connections, and for how long. */
  rate: number
  openSeconds: number
  closedSeconds: number
}

export type { LatencySummary }

export interface Sip2KindResult {
  /** Answers by their first two characters. */
  answers: Record<string, number>
  /** Answers of the expected kind with ok = 0 (12 and 10: `120…`, `100…`). */
  refused: number
  latencyMs: LatencySummary
  /** Open loop only: from the moment the message was written (without the wait for its turn). */
  serviceMs?: LatencySummary
}

export interface Sip2PhaseResult {
  mode: 'open' | 'closed'
  connections: number
  seconds: number
  /** Messages answered within the window. */
  messages: number
  messagesPerSecond: number
  /** Answered with something else than 96. */
  servedPerSecond: number
  /** Answers in each whole second, and the best of them. */
  perSecond: number[]
  bestSecond: number
  /** The longest latency of the messages answered in each whole second (where the slow ones cluster). */
  perSecondMaxMs: number[]
  answers: Record<string, number>
  byKind: Record<Sip2MessageKind, Sip2KindResult>
  overallMs: LatencySummary
  overallServiceMs?: LatencySummary
  /** Open loop: the rate asked for, messages scheduled, and how late the generator sent them. */
  targetRate?: number
  scheduled?: number
  sendLagMs?: LatencySummary
  /** Timeouts and broken connections. */
  errors: number
  errorSamples: string[]
  /** Screen messages (AF) of refused checkouts and checkins, a few. */
  refusalSamples: string[]
}

export interface Sip2LoadResult {
  loginSeconds: number
  warmup: Sip2PhaseResult | null
  open: Sip2PhaseResult | null
  closed: Sip2PhaseResult | null
}

export interface Sip2Figures {
  status: 'ok' | 'failed'
  message: string
  serverCommand: string
  connections: number
  /** The three answers of a first 63, 11, 09 on one connection. */
  probe: string[]
  /** 93 of every connection at once, seconds until all were in. */
  loginSeconds: number | null
  busyBeforePercent: number | null
  open: (Sip2PhaseResult & { cpu: CpuShare | null }) | null
  closed: (Sip2PhaseResult & { cpu: CpuShare | null }) | null
}

// ---------------------------------------------------------------------------------------------------
// Messages

function request(kind: Sip2MessageKind, patron: string, item: string): Sip2Request {
  switch (kind) {
    case '63':
      return {
        type: 'patron-information',
        language: '009',
        transactionDate: null,
        summary: { chargedItems: true },
        institutionId: INSTITUTION,
        patronIdentifier: patron,
        terminalPassword: '',
        startItem: 1,
        endItem: 10,
      }
    case '11':
      return {
        type: 'checkout',
        scRenewalPolicy: false,
        noBlock: false,
        transactionDate: null,
        nbDueDate: null,
        institutionId: INSTITUTION,
        patronIdentifier: patron,
        itemIdentifier: item,
        terminalPassword: '',
      }
    case '09':
      return {
        type: 'checkin',
        noBlock: false,
        transactionDate: null,
        returnDate: null,
        currentLocation: '',
        institutionId: INSTITUTION,
        itemIdentifier: item,
        terminalPassword: '',
      }
  }
}

function login(user: string, password: string): Sip2Request {
  return { type: 'login', uidAlgorithm: '0', pwdAlgorithm: '0', loginUserId: user, loginPassword: password }
}

// ---------------------------------------------------------------------------------------------------
// The orchestrator (in the bench process)

/** Per connection, its own distinct patrons in good standing and available lendable items. */
async function pairsPerConnection(url: string, connections: number): Promise<Array<Array<[string, string]>>> {
  const pairs = await pickPairs(url, connections * PAIRS_PER_CONNECTION)
  // Dealt out in turn, so every connection gets its share even when the data is small.
  return Array.from({ length: connections }, (_, c) => pairs.filter((_, i) => i % connections === c))
}

async function makeAccounts(url: string, connections: number): Promise<string[]> {
  const handle = await openDatabase({ url })
  try {
    await handle.db.deleteFrom('sip2Accounts').where('login', 'like', `${ACCOUNT_PREFIX}%`).execute()
    const logins = Array.from(
      { length: connections },
      (_, i) => `${ACCOUNT_PREFIX}${String(i + 1).padStart(3, '0')}`,
    )
    for (let i = 0; i < logins.length; i += 8) {
      await Promise.all(
        logins.slice(i, i + 8).map((login) =>
          addSip2Account(handle.db, {
            login,
            password: ACCOUNT_PASSWORD,
            municipality: MUNICIPALITY,
            location: `Selvbetjening ${login.slice(ACCOUNT_PREFIX.length)}`,
          }),
        ),
      )
    }
    return logins
  } finally {
    await handle.close()
  }
}

async function waitForSip2(port: number, server: ChildProcess, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`the service exited with ${server.exitCode}`)
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (open) return
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`the SIP2 server did not listen on ${port} within ${seconds} s`)
}

/** One connection: 93, then 63, 11, 09 on one pair. */
async function probe(port: number, user: string, pair: [string, string]): Promise<string[]> {
  const dialogue = new Sip2Dialogue(await Sip2TcpClient.connect(port))
  try {
    const answers = [await dialogue.raw(login(user, ACCOUNT_PASSWORD))]
    for (const kind of KINDS) answers.push(await dialogue.raw(request(kind, pair[0], pair[1])))
    return answers
  } finally {
    dialogue.close()
  }
}

const failed = (message: string, serverCommand = ''): Sip2Figures => ({
  status: 'failed',
  message,
  serverCommand,
  connections: 0,
  probe: [],
  loginSeconds: null,
  busyBeforePercent: null,
  open: null,
  closed: null,
})

/**
 * Starts the service with its SIP2 server on the bench database, makes the machine accounts, and drives it
 * from a load generator process: open loop at a fixed rate, then closed loop.
 */
export async function runSip2Bench(url: string, options: BenchOptions): Promise<Sip2Figures> {
  const connections = options.sip2Connections
  log(`choosing ${connections * PAIRS_PER_CONNECTION} patrons in good standing and available items`)
  const pairs = await pairsPerConnection(url, connections)
  const short = pairs.findIndex((own) => own.length === 0)
  if (short >= 0) return failed(`too few patrons/items for ${connections} connections`)

  const [httpPort, sip2Port] = [await freePort(), await freePort()]
  const {
    server,
    command: serverCommand,
    output: serverOutput,
  } = startService(
    {
      DATABASE_URL: url,
      PORT: String(httpPort),
      HOST: '127.0.0.1',
      LAAN_SIP2_PORT: String(sip2Port),
      LAAN_SCHEDULER: '0',
      LAAN_DEMO_DATA: '0',
      LOG_LEVEL: options.serverLogLevel,
    },
    log,
  )
  const tmp = mkdtempSync(join(tmpdir(), 'laan-bench-sip2-'))
  try {
    try {
      // The service migrates on start; the accounts are made once the schema is current.
      await waitForSip2(sip2Port, server, 60)
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      return failed(`${message}; service output:\n${serverOutput.join('\n')}`, serverCommand)
    }
    log(`SIP2 server up on 127.0.0.1:${sip2Port}`)
    const accountsStarted = performance.now()
    const logins = await makeAccounts(url, connections)
    log(
      `${logins.length} machine accounts made in ${((performance.now() - accountsStarted) / 1000).toFixed(1)} s`,
    )

    const firstPairs = pairs[0] ?? []
    const probePair = firstPairs[0]
    const probeLogin = logins[0]
    if (!probePair || !probeLogin) return failed('no pair for the probe', serverCommand)
    const probeAnswers = await probe(sip2Port, probeLogin, probePair)
    log(`probe: ${probeAnswers.map((a) => a.slice(0, 60)).join(' | ')}`)
    if (!probeAnswers[0]?.startsWith('941')) {
      return { ...failed(`login refused: ${probeAnswers[0]}`, serverCommand), probe: probeAnswers }
    }

    const config: Sip2LoadConfig = {
      host: '127.0.0.1',
      port: sip2Port,
      logins,
      password: ACCOUNT_PASSWORD,
      pairs,
      warmupSeconds: 3,
      pauseSeconds: 2,
      rate: options.sip2Rate,
      openSeconds: options.sip2Seconds,
      closedSeconds: options.sip2Seconds,
    }
    const busyBeforePercent = await waitForQuiet('sip2', options.quietWaitSeconds)
    const configFile = join(tmp, 'sip2-load.json')
    writeFileSync(configFile, JSON.stringify(config))
    const client = spawn(process.execPath, ['--import', 'tsx', 'bench/sip2-load.ts', configFile], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const samples = new Map<string, CpuSample>()
    let stdout = ''
    client.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
    })
    createInterface({ input: client.stderr }).on('line', (line) => {
      const phase = /^phase (\w+) (start|end)$/.exec(line)
      if (phase) samples.set(`${phase[1]}-${phase[2]}`, sampleCpu(server.pid, client.pid))
      log(line)
    })
    const code = await new Promise<number>((resolve) => client.on('close', (c) => resolve(c ?? -1)))
    if (code !== 0) return failed(`load generator exited with ${code}`, serverCommand)
    const result = JSON.parse(stdout) as Sip2LoadResult
    const errors = (result.open?.errors ?? 0) + (result.closed?.errors ?? 0)
    const with96 = (result.open?.answers['96'] ?? 0) + (result.closed?.answers['96'] ?? 0)
    return {
      status: errors > 0 ? 'failed' : 'ok',
      message:
        errors > 0
          ? `${errors} messages unanswered or connections lost; see errorSamples`
          : with96 > 0
            ? `${with96} messages answered 96 (not served yet)`
            : 'ok',
      serverCommand,
      connections,
      probe: probeAnswers,
      loginSeconds: result.loginSeconds,
      busyBeforePercent,
      open: result.open
        ? { ...result.open, cpu: cpuShare(samples.get('open-start'), samples.get('open-end')) }
        : null,
      closed: result.closed
        ? { ...result.closed, cpu: cpuShare(samples.get('closed-start'), samples.get('closed-end')) }
        : null,
    }
  } finally {
    await stop(server)
    rmSync(tmp, { recursive: true, force: true })
  }
}

// ---------------------------------------------------------------------------------------------------
// The load generator (its own process)

const now = () => performance.now()
const progress = (line: string) => process.stderr.write(`${line}\n`)
const sleepUntil = (t: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, t - now())))

/** What a phase gathers. */
class Tally {
  answers: Record<string, number> = {}
  kinds = new Map<
    Sip2MessageKind,
    { answers: Record<string, number>; refused: number; ms: number[]; service: number[] }
  >(KINDS.map((kind) => [kind, { answers: {}, refused: 0, ms: [], service: [] }]))
  all: number[] = []
  allService: number[] = []
  sendLag: number[] = []
  perSecond: number[] = []
  perSecondMax: number[] = []
  messages = 0
  served = 0
  errors = 0
  errorSamples: string[] = []
  refusalSamples: string[] = []
  constructor(readonly start: number) {}

  answer(kind: Sip2MessageKind, line: string, ms: number, serviceMs: number | null, at: number): void {
    const command = line.slice(0, 2)
    const own = this.kinds.get(kind)
    if (!own) return
    this.answers[command] = (this.answers[command] ?? 0) + 1
    own.answers[command] = (own.answers[command] ?? 0) + 1
    if (command === EXPECTED[kind] && kind !== '63' && line[2] === '0') {
      own.refused++
      const screen = /\|AF([^|]*)/.exec(line)?.[1] ?? ''
      if (this.refusalSamples.length < 5) this.refusalSamples.push(`${kind} → ${line.slice(0, 3)} ${screen}`)
    }
    own.ms.push(ms)
    this.all.push(ms)
    if (serviceMs !== null) {
      own.service.push(serviceMs)
      this.allService.push(serviceMs)
    }
    this.messages++
    if (command !== '96') this.served++
    const second = Math.floor((at - this.start) / 1000)
    this.perSecond[second] = (this.perSecond[second] ?? 0) + 1
    this.perSecondMax[second] = Math.max(this.perSecondMax[second] ?? 0, Math.round(ms))
  }

  error(what: string): void {
    this.errors++
    if (this.errorSamples.length < 5) this.errorSamples.push(what)
  }

  result(mode: 'open' | 'closed', connections: number, seconds: number, open: boolean): Sip2PhaseResult {
    const byKind = Object.fromEntries(
      KINDS.map((kind) => {
        const own = this.kinds.get(kind) ?? { answers: {}, refused: 0, ms: [], service: [] }
        return [
          kind,
          {
            answers: own.answers,
            refused: own.refused,
            latencyMs: summarizeLatency(own.ms),
            ...(open ? { serviceMs: summarizeLatency(own.service) } : {}),
          },
        ]
      }),
    ) as Record<Sip2MessageKind, Sip2KindResult>
    const whole = Array.from({ length: Math.floor(seconds) }, (_, i) => this.perSecond[i] ?? 0)
    return {
      mode,
      connections,
      seconds: Math.round(seconds * 100) / 100,
      messages: this.messages,
      messagesPerSecond: Math.round(this.messages / seconds),
      servedPerSecond: Math.round(this.served / seconds),
      perSecond: whole,
      bestSecond: Math.max(0, ...whole),
      perSecondMaxMs: whole.map((_, i) => this.perSecondMax[i] ?? 0),
      answers: this.answers,
      byKind,
      overallMs: summarizeLatency(this.all),
      ...(open
        ? { overallServiceMs: summarizeLatency(this.allService), sendLagMs: summarizeLatency(this.sendLag) }
        : {}),
      errors: this.errors,
      errorSamples: this.errorSamples,
      refusalSamples: this.refusalSamples,
    }
  }
}

/** One machine: its connection, its pairs, and where it is in its 63 → 11 → 09 round. */
class Machine {
  private dialogue: Sip2Dialogue | null = null
  private pair = 0
  private step = 0
  constructor(
    private readonly config: Sip2LoadConfig,
    private readonly user: string,
    private readonly pairs: ReadonlyArray<[string, string]>,
  ) {}

  async connect(): Promise<void> {
    this.dialogue?.close()
    const dialogue = new Sip2Dialogue(await Sip2TcpClient.connect(this.config.port, this.config.host))
    const answer = await dialogue.raw(login(this.user, this.config.password))
    if (!answer.startsWith('941')) throw new Error(`${this.user}: login answered ${answer}`)
    this.dialogue = dialogue
  }

  /** Rounds (63, 11, 09) begun so far. */
  get rounds(): number {
    return this.pair
  }

  /** Its patron/item pairs. */
  get pairCount(): number {
    return this.pairs.length
  }

  /** Whether the machine is between rounds (its last message was a checkin). */
  get atRoundStart(): boolean {
    return this.step === 0
  }

  /** Sends the next message of the round and returns its kind and answer; an error after a reconnect. */
  async next(): Promise<{ kind: Sip2MessageKind; line: string; sent: number }> {
    const kind = KINDS[this.step] ?? '63'
    const [patron, item] = this.pairs[this.pair % this.pairs.length] ?? ['', '']
    this.step = (this.step + 1) % KINDS.length
    if (this.step === 0) this.pair++
    const sent = now()
    try {
      if (!this.dialogue) throw new Error('not connected')
      const line = await withTimeout(this.dialogue.raw(request(kind, patron, item)), ANSWER_TIMEOUT_MS)
      return { kind, line, sent }
    } catch (error) {
      // The test client keeps a late answer for the next read: start a new connection instead.
      this.dialogue?.close()
      this.dialogue = null
      await this.connect().catch(() => {})
      throw new Error(`${this.user} ${kind}: ${error instanceof Error ? error.message : String(error)}`)
    }
  }

  close(): void {
    this.dialogue?.close()
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
    }),
  ]).finally(() => clearTimeout(timer))
}

/**
 * Each machine sends its next message as soon as the answer is in; rounds started in time are finished.
 * With `everyPair`, each machine also goes on until it has done a round on every pair of its own.
 */
async function closedLoop(
  machines: readonly Machine[],
  seconds: number,
  everyPair = false,
): Promise<Sip2PhaseResult> {
  const start = now()
  const end = start + seconds * 1000
  const tally = new Tally(start)
  await Promise.all(
    machines.map(async (machine) => {
      const first = machine.rounds
      const more = () => everyPair && machine.rounds - first < machine.pairCount
      while (now() < end || more() || !machine.atRoundStart) {
        try {
          const { kind, line, sent } = await machine.next()
          const at = now()
          if (at <= end) tally.answer(kind, line, at - sent, null, at)
        } catch (error) {
          tally.error(error instanceof Error ? error.message : String(error))
          if (now() > end + 30_000) break
        }
      }
    }),
  )
  return tally.result('closed', machines.length, seconds, false)
}

/**
 * Messages at a fixed total rate, whatever the answers: message k is due at start + k / rate and goes to
 * machine k mod n, which sends it when it is due or, if it still waits for an answer, as soon as that is in.
 * Latency counts from the time it was due. Each machine gets a whole number of rounds.
 */
async function openLoop(
  machines: readonly Machine[],
  rate: number,
  seconds: number,
): Promise<Sip2PhaseResult> {
  const n = machines.length
  const perMachine = Math.max(KINDS.length, Math.round((rate * seconds) / n / KINDS.length) * KINDS.length)
  const period = 1000 / rate
  const start = now() + 50
  const tally = new Tally(start)
  const deadline = start + seconds * 1000 + 30_000
  let unsent = 0
  await Promise.all(
    machines.map(async (machine, m) => {
      for (let j = 0; j < perMachine; j++) {
        if (now() >= deadline) {
          unsent += perMachine - j
          break
        }
        const due = start + (j * n + m) * period
        if (now() < due) await sleepUntil(due)
        try {
          const { kind, line, sent } = await machine.next()
          const at = now()
          tally.sendLag.push(sent - due)
          tally.answer(kind, line, at - due, at - sent, at)
        } catch (error) {
          tally.error(error instanceof Error ? error.message : String(error))
        }
      }
    }),
  )
  if (unsent > 0) {
    tally.errors += unsent
    tally.errorSamples.push(`${unsent} messages not sent: still waiting 30 s after the last was due`)
  }
  const result = tally.result('open', n, (now() - start) / 1000, true)
  return { ...result, targetRate: rate, scheduled: perMachine * n }
}

async function runLoadClient(configFile: string): Promise<void> {
  const config = JSON.parse(readFileSync(configFile, 'utf8')) as Sip2LoadConfig
  if (config.host !== '127.0.0.1') throw new Error('the load generator only targets 127.0.0.1')
  const machines = config.logins.map((user, i) => new Machine(config, user, config.pairs[i] ?? []))
  const loginStarted = now()
  await Promise.all(machines.map((machine) => machine.connect()))
  const loginSeconds = Math.round((now() - loginStarted) / 10) / 100
  progress(`${machines.length} connections logged in (93 → 941) in ${loginSeconds} s`)
  const ticker = (label: string, tally: () => string) =>
    setInterval(() => progress(`${label}: ${tally()}`), 5000)

  const result: Sip2LoadResult = { loginSeconds, warmup: null, open: null, closed: null }
  progress('phase warmup start')
  const warmupStarted = now()
  // At least one round on every pair: the first touch of a patron's or an item's pages since the copy's
  // checkpoint is slower (reads, and full-page images in the WAL) and is not what the phases measure.
  result.warmup = await closedLoop(machines, config.warmupSeconds, true)
  progress('phase warmup end')
  progress(
    `warm-up: a round on each of the ${config.pairs.flat().length} pairs in ${((now() - warmupStarted) / 1000).toFixed(1)} s`,
  )
  await sleepUntil(now() + config.pauseSeconds * 1000)

  progress('phase open start')
  const openStarted = now()
  const openTicker = ticker('open loop', () => `${Math.round((now() - openStarted) / 1000)} s`)
  result.open = await openLoop(machines, config.rate, config.openSeconds)
  clearInterval(openTicker)
  progress('phase open end')
  progress(
    `open loop: ${result.open.messages} messages at ${result.open.messagesPerSecond}/s, p99 ${result.open.overallMs.p99} ms, answers ${JSON.stringify(result.open.answers)}, ${result.open.errors} errors`,
  )
  await sleepUntil(now() + config.pauseSeconds * 1000)

  progress('phase closed start')
  const closedStarted = now()
  const closedTicker = ticker('closed loop', () => `${Math.round((now() - closedStarted) / 1000)} s`)
  result.closed = await closedLoop(machines, config.closedSeconds)
  clearInterval(closedTicker)
  progress('phase closed end')
  progress(
    `closed loop: ${result.closed.messages} messages, ${result.closed.messagesPerSecond}/s (best second ${result.closed.bestSecond}), answers ${JSON.stringify(result.closed.answers)}, ${result.closed.errors} errors`,
  )
  for (const machine of machines) machine.close()
  process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0))
}

// ---------------------------------------------------------------------------------------------------
// The report (printed after bench/report.ts's table)

const n = (value: number | null | undefined) => (value ?? Number.NaN).toLocaleString('en')
const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED')
const answersText = (answers: Record<string, number>) =>
  Object.entries(answers)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([command, count]) => `${command}: ${n(count)}`)
    .join(', ')
const latencyText = (l: LatencySummary) => `p50 ${l.p50} / p95 ${l.p95} / p99 ${l.p99} ms (max ${l.max})`
const cpuText = (cpu: CpuShare) =>
  `service ${cpu.serverPercent} %, PostgreSQL ${cpu.postgresPercent} %, load client ${cpu.loadClientPercent} %, other work ${cpu.otherPercent} %`

/** The SIP2 figures as rows of the bench's table. */
export function printSip2Report(sip2: Sip2Figures): void {
  const rows: Array<[string, string, string, string]> = []
  if (!sip2.open && !sip2.closed) rows.push(['SIP2', sip2.status, '', sip2.message.slice(0, 80)])
  if (sip2.busyBeforePercent !== null && sip2.busyBeforePercent > 25) {
    rows.push(['  machine busy before', `${sip2.busyBeforePercent} % CPU used by other work`, '', 'caution'])
  }
  if (sip2.loginSeconds !== null) {
    rows.push([`SIP2 logins (93), ${sip2.connections} connections at once`, `${sip2.loginSeconds} s`, '', ''])
  }
  const o = sip2.open
  if (o) {
    rows.push([
      `SIP2 p99 at ${n(o.targetRate)} messages/s, ${o.connections} connections`,
      `${o.overallMs.p99} ms (p50 ${o.overallMs.p50}, p95 ${o.overallMs.p95}, max ${o.overallMs.max})`,
      '< 15 ms',
      verdict(o.overallMs.p99 < 15 && o.errors === 0),
    ])
    for (const kind of KINDS) rows.push([`  ${kind}`, latencyText(o.byKind[kind].latencyMs), '', ''])
    rows.push([
      '  open loop',
      `${n(o.messages)}/${n(o.scheduled)} messages in ${o.seconds} s (${n(o.messagesPerSecond)}/s), ${o.errors} errors, send lag p99 ${o.sendLagMs?.p99 ?? '?'} ms`,
      '',
      '',
    ])
    rows.push(['  answers', answersText(o.answers), '', o.answers['96'] ? '96s' : ''])
    if (o.cpu) rows.push(['  CPU (of 200 %)', cpuText(o.cpu), '', ''])
  }
  const c = sip2.closed
  if (c) {
    rows.push([
      `SIP2 messages/s, ${c.connections} connections (closed loop)`,
      `${n(c.messagesPerSecond)} (best second ${n(c.bestSecond)}; ${n(c.servedPerSecond)}/s not 96)`,
      '>= 2,000',
      verdict(c.messagesPerSecond >= 2000 && c.errors === 0),
    ])
    for (const kind of KINDS) rows.push([`  ${kind}`, latencyText(c.byKind[kind].latencyMs), '', ''])
    rows.push(['  answers', answersText(c.answers), '', c.answers['96'] ? '96s' : ''])
    const refused = KINDS.reduce((sum, kind) => sum + c.byKind[kind].refused, 0)
    if (refused > 0 || c.errors > 0) {
      rows.push(['  refused / errors', `${n(refused)} refused, ${n(c.errors)} errors`, '', 'caution'])
    }
    if (c.cpu) rows.push(['  CPU (of 200 %)', cpuText(c.cpu), '', ''])
  }
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i]?.length ?? 0)))
  const line = (cells: readonly string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')
  console.log('')
  for (const row of rows) console.log(line(row))
}

const entry = process.argv[1]
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  const configFile = process.argv[2]
  if (!configFile) throw new Error('usage: node --import tsx bench/sip2-load.ts CONFIG.json')
  await runLoadClient(configFile)
}
