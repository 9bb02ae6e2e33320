import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { type CpuSample, type CpuShare, childOf, cpuShare, PostgresCpu, sampleCpu } from './cpu.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const TIME = '/usr/bin/time'

export interface CliRun {
  /** The command as one would type it. */
  command: string
  /** From spawning to exit, including start-up. */
  wallSeconds: number
  /** The CLI's own "finished in … s". */
  jobSeconds: number | null
  /** When the CLI printed "finished in" (Date.now() of this process), or null. */
  finishedAt: number | null
  peakRssMb: number
  rssSource: string
  exitCode: number
  /**
   * CPU over the run (percent of one core; 2 cores: up to 200 %), sampled each second while the laan process
   * lives: `serverPercent` is the laan process, `otherPercent` work of other sessions on the machine.
   */
  cpu: CpuShare | null
  stdout: string
  stderrTail: string[]
}

/**
 * Runs `node bin/laan.js <args>` as a child process against `databaseUrl` and measures its wall time and
 * peak memory: with GNU time when installed, else through a wrapper that prints
 * process.resourceUsage().maxRSS when the CLI exits. Progress lines for which `showLine` is false are shown about
 * once a second.
 */
export async function runCli(
  label: string,
  args: readonly string[],
  env: Record<string, string>,
  options: { showLine?: (line: string) => boolean } = {},
): Promise<CliRun> {
  const useTime = existsSync(TIME)
  const [file, argv] = useTime
    ? [TIME, ['-v', process.execPath, 'bin/laan.js', ...args]]
    : [process.execPath, ['--import', 'tsx', 'bench/nightly-child.ts', ...args]]
  const command = `${Object.entries(env)
    .map(([k, v]) => `${k}=${v}`)
    .join(
      ' ',
    )} ${useTime ? 'node bin/laan.js' : 'node --import tsx bench/nightly-child.ts'} ${args.join(' ')}`
  console.log(`[${label}] ${command}`)
  const started = performance.now()
  const child = spawn(file, argv, {
    cwd: ROOT,
    env: { ...process.env, LAAN_SCHEDULER: '0', LAAN_DEMO_DATA: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  // The laan process is the child itself, or GNU time's child.
  let laanPid = useTime ? undefined : child.pid
  const samples: CpuSample[] = []
  const postgres = new PostgresCpu()
  let postgresAtLast = 0
  const sampler = setInterval(() => {
    if (laanPid === undefined && child.pid !== undefined) laanPid = childOf(child.pid)
    if (laanPid === undefined) return
    const sample = sampleCpu(laanPid)
    postgres.sample()
    // Once the process is gone its ticks read 0: keep the last sample taken while it ran.
    if (sample.server > 0 || samples.length === 0) {
      samples.push(sample)
      postgresAtLast = postgres.ticks()
    }
  }, 1000)
  let stdout = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
  })
  let jobSeconds: number | null = null
  let finishedAt: number | null = null
  let peakKb: number | null = null
  const stderrTail: string[] = []
  let lastShown = 0
  createInterface({ input: child.stderr }).on('line', (line) => {
    const now = Date.now()
    const finished = /^finished in ([\d.]+) s/.exec(line)
    if (finished) {
      jobSeconds = Number(finished[1])
      finishedAt = now
    }
    const rss =
      /Maximum resident set size \(kbytes\): (\d+)/.exec(line) ?? /^bench-max-rss-kb: (\d+)/.exec(line)
    if (rss) peakKb = Number(rss[1])
    if (/^\s+\S.*:/.test(line) && useTime) return // the rest of GNU time's report
    stderrTail.push(line)
    if (stderrTail.length > 30) stderrTail.shift()
    // Progress lines come per batch; show about one a second.
    if (options.showLine?.(line) !== false || now - lastShown > 1000 || finished) {
      lastShown = now
      console.log(`[${label}]   ${line}`)
    }
  })
  const exitCode = await new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)))
  clearInterval(sampler)
  const wallSeconds = (performance.now() - started) / 1000
  if (exitCode !== 0)
    console.error(`[${label}] exited with ${exitCode}; last output:\n${stderrTail.join('\n')}`)
  return {
    command,
    wallSeconds: Math.round(wallSeconds * 100) / 100,
    jobSeconds,
    finishedAt,
    peakRssMb: peakKb === null ? Number.NaN : Math.round(peakKb / 102.4) / 10,
    rssSource: useTime ? 'GNU time -v (maximum resident set size)' : 'process.resourceUsage().maxRSS',
    exitCode,
    cpu: cpuOfRun(samples, postgresAtLast),
    stdout,
    stderrTail,
  }
}

/** The CPU shares of a run, with PostgreSQL's ticks counted process by process (PostgresCpu). */
function cpuOfRun(samples: readonly CpuSample[], postgresTicks: number): CpuShare | null {
  const first = samples[0]
  const last = samples[samples.length - 1]
  // Sampled once a second: too few samples of a short run say little.
  if (!first || !last || last.at - first.at < 5000) return null
  return cpuShare({ ...first, postgres: 0 }, { ...last, postgres: postgresTicks })
}

/** The JSON a CLI command prints on stdout, or null. */
export function parseJson(stdout: string): Record<string, unknown> | null {
  try {
    return JSON.parse(stdout) as Record<string, unknown>
  } catch {
    return null
  }
}
