import { readdirSync, readFileSync } from 'node:fs'

// CPU accounting from /proc: tells whether the service, PostgreSQL, the load generator or something else
// on the machine (other work running at the same time) took the cores.
const TICKS_PER_SECOND = 100

export interface CpuShare {
  /** Percent of one core, summed over cores (2 cores: up to 200 %). */
  machinePercent: number
  serverPercent: number
  postgresPercent: number
  loadClientPercent: number
  /** Anything else running on the machine meanwhile. */
  otherPercent: number
}

export interface CpuSample {
  at: number
  machineBusy: number
  server: number
  client: number
  postgres: number
}

function readTicks(pid: number | string): { comm: string; ticks: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return { comm, ticks: Number(fields[11]) + Number(fields[12]) }
  } catch {
    return null
  }
}

function machineBusyTicks(): number {
  try {
    const cpu =
      readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? []
    const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0)
    return total - (cpu[3] ?? 0) - (cpu[4] ?? 0)
  } catch {
    return 0
  }
}

function postgresTicks(): number {
  let sum = 0
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue
      const stat = readTicks(entry)
      if (stat?.comm === 'postgres') sum += stat.ticks
    }
  } catch {
    // no /proc
  }
  return sum
}

/**
 * PostgreSQL's CPU over a window, process by process: a backend that exits during the window (an idle pool
 * connection closed) would otherwise take its ticks out of a plain sum. Ticks of a process seen first during
 * the window count whole (it started then); of one seen at the start, from there.
 */
export class PostgresCpu {
  readonly #first = new Map<string, number>()
  readonly #last = new Map<string, number>()
  #samples = 0

  sample(): void {
    try {
      for (const entry of readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue
        const stat = readTicks(entry)
        if (stat?.comm !== 'postgres') continue
        if (!this.#first.has(entry)) this.#first.set(entry, this.#samples === 0 ? stat.ticks : 0)
        this.#last.set(entry, stat.ticks)
      }
    } catch {
      // no /proc
    }
    this.#samples++
  }

  /** Ticks used between the first and the last sample. */
  ticks(): number {
    let sum = 0
    for (const [pid, last] of this.#last) sum += last - (this.#first.get(pid) ?? 0)
    return sum
  }
}

/** A child process of `ppid` (the node process under GNU time), if one is running. */
export function childOf(ppid: number): number | undefined {
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
        if (Number(fields[1]) === ppid) return Number(entry)
      } catch {
        // gone meanwhile
      }
    }
  } catch {
    // no /proc
  }
  return undefined
}

export function sampleCpu(serverPid?: number, clientPid?: number): CpuSample {
  return {
    at: performance.now(),
    machineBusy: machineBusyTicks(),
    server: serverPid === undefined ? 0 : (readTicks(serverPid)?.ticks ?? 0),
    client: clientPid === undefined ? 0 : (readTicks(clientPid)?.ticks ?? 0),
    postgres: postgresTicks(),
  }
}

export function cpuShare(from: CpuSample | undefined, to: CpuSample | undefined): CpuShare | null {
  if (!from || !to) return null
  const seconds = (to.at - from.at) / 1000
  if (seconds <= 0) return null
  const pct = (ticks: number) => Math.round((ticks / TICKS_PER_SECOND / seconds) * 100)
  const machine = pct(to.machineBusy - from.machineBusy)
  const server = pct(to.server - from.server)
  const postgres = pct(to.postgres - from.postgres)
  const client = pct(to.client - from.client)
  return {
    machinePercent: machine,
    serverPercent: server,
    postgresPercent: postgres,
    loadClientPercent: client,
    otherPercent: Math.max(0, machine - server - postgres - client),
  }
}

/**
 * Waits (up to `maxSeconds`) until the machine is nearly idle before a measurement, since other work on
 * the same cores distorts every figure. Returns the busy percentage seen last (of 100 % per core).
 */
export async function waitForQuiet(label: string, maxSeconds: number, busyPercent = 25): Promise<number> {
  const deadline = Date.now() + maxSeconds * 1000
  let announced = false
  for (;;) {
    const from = sampleCpu()
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const share = cpuShare(from, sampleCpu())
    const busy = share?.machinePercent ?? 0
    if (busy <= busyPercent) return busy
    if (Date.now() >= deadline) {
      console.log(`[${label}] the machine is still busy (${busy} % CPU used by other work); measuring anyway`)
      return busy
    }
    if (!announced) {
      console.log(`[${label}] other work is using ${busy} % CPU; waiting up to ${maxSeconds} s for quiet`)
      announced = true
    }
  }
}
