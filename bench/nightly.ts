import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { waitForQuiet } from './cpu.ts'
import { MUNICIPALITY } from './generate.ts'

export interface NightlyFigures {
  command: string
  businessDate: string
  /** From spawning `laan run nightly` to its exit, including start-up. */
  wallSeconds: number
  /** The job alone, as the CLI reports it ("finished in … s"). */
  jobSeconds: number | null
  /** Peak resident set size of the process. */
  peakRssMb: number
  rssSource: string
  exitCode: number
  /** CPU used by other work on the machine just before the run (percent of one core). */
  busyBeforePercent: number
  result: Record<string, unknown> | null
}

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const TIME = '/usr/bin/time'

/**
 * Runs the real nightly job (`node bin/laan.js run nightly …`) as a child process against `url` and
 * measures its wall time and peak memory: with GNU time when installed, else through a wrapper that
 * prints process.resourceUsage().maxRSS when the CLI exits.
 */
export async function runNightlyBench(
  url: string,
  businessDate: string,
  quietWaitSeconds: number,
): Promise<NightlyFigures> {
  const args = ['run', 'nightly', '--municipality', MUNICIPALITY, '--date', businessDate]
  const useTime = existsSync(TIME)
  const [file, argv] = useTime
    ? [TIME, ['-v', process.execPath, 'bin/laan.js', ...args]]
    : [process.execPath, ['--import', 'tsx', 'bench/nightly-child.ts', ...args]]
  const command = `DATABASE_URL=${url} ${useTime ? 'node bin/laan.js' : 'node --import tsx bench/nightly-child.ts'} ${args.join(' ')}`
  const busyBeforePercent = await waitForQuiet('nightly', quietWaitSeconds)
  console.log(`[nightly] ${command}`)
  const started = performance.now()
  const child = spawn(file, argv, {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: url, LAAN_SCHEDULER: '0', LAAN_DEMO_DATA: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
  })
  let jobSeconds: number | null = null
  let peakKb: number | null = null
  const stderrTail: string[] = []
  let lastProgress = 0
  createInterface({ input: child.stderr }).on('line', (line) => {
    const finished = /^finished in ([\d.]+) s/.exec(line)
    if (finished) jobSeconds = Number(finished[1])
    const rss =
      /Maximum resident set size \(kbytes\): (\d+)/.exec(line) ?? /^bench-max-rss-kb: (\d+)/.exec(line)
    if (rss) peakKb = Number(rss[1])
    if (/^\s+\S.*:/.test(line) && useTime) return // the rest of GNU time's report
    stderrTail.push(line)
    if (stderrTail.length > 30) stderrTail.shift()
    // Progress lines come per batch; show about one a second.
    const now = performance.now()
    if (!/: batch \d+/.test(line) || now - lastProgress > 1000 || finished) {
      lastProgress = now
      console.log(`[nightly]   ${line}`)
    }
  })
  const exitCode = await new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)))
  const wallSeconds = (performance.now() - started) / 1000
  let result: Record<string, unknown> | null = null
  try {
    result = JSON.parse(stdout) as Record<string, unknown>
  } catch {
    result = null
  }
  if (exitCode !== 0) {
    console.error(`[nightly] exited with ${exitCode}; last output:\n${stderrTail.join('\n')}`)
  }
  return {
    command,
    businessDate,
    wallSeconds: Math.round(wallSeconds * 100) / 100,
    jobSeconds,
    peakRssMb: peakKb === null ? Number.NaN : Math.round(peakKb / 102.4) / 10,
    rssSource: useTime ? 'GNU time -v (maximum resident set size)' : 'process.resourceUsage().maxRSS',
    exitCode,
    busyBeforePercent,
    result,
  }
}
