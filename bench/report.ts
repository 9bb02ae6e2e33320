import type { BenchDataInfo } from './generate.ts'
import type { HttpFigures } from './http.ts'
import type { NightlyFigures } from './nightly.ts'

export interface BenchResults {
  command: string
  totalSeconds: number
  machine: { cpus: number; cpuModel: string; memoryGb: number; node: string }
  data: BenchDataInfo & { reused: boolean }
  nightly: NightlyFigures | null
  http: HttpFigures | null
}

const n = (value: number | null | undefined) => (value ?? Number.NaN).toLocaleString('en')
const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED')

export function printReport(results: BenchResults): void {
  const { data, nightly, http } = results
  const rows: Array<[string, string, string, string]> = []
  rows.push([
    'data generation',
    data.reused ? `${data.generationSeconds} s (earlier; reused)` : `${data.generationSeconds} s`,
    '',
    '',
  ])
  if (nightly) {
    rows.push([
      'nightly run: wall time',
      `${nightly.wallSeconds} s (job ${nightly.jobSeconds ?? '?'} s)`,
      '< 30 s',
      verdict(nightly.exitCode === 0 && nightly.wallSeconds < 30),
    ])
    rows.push([
      'nightly run: peak RSS',
      `${nightly.peakRssMb} MB`,
      '< 500 MB',
      verdict(nightly.peakRssMb < 500),
    ])
    if (nightly.busyBeforePercent > 25) {
      rows.push([
        '  machine busy before',
        `${nightly.busyBeforePercent} % CPU used by other work`,
        '',
        'caution',
      ])
    }
    const r = nightly.result
    if (r) {
      rows.push([
        'nightly run: work',
        `${n(Number(r.declaredLost ?? 0))} lost, ${n(Number(r.chargesCreated ?? 0))} charges, ${n(Number(r.feeBlockActions ?? 0))} block actions`,
        '',
        '',
      ])
    }
  }
  if (http) {
    if (http.status === 'skipped' || !http.closed) {
      rows.push(['HTTP', http.status, '', http.message.slice(0, 60)])
    }
    if (http.busyBeforePercent !== null && http.busyBeforePercent > 25) {
      rows.push([
        '  machine busy before',
        `${http.busyBeforePercent} % CPU used by other work`,
        '',
        'caution',
      ])
    }
    if (http.closed) {
      const c = http.closed
      rows.push([
        `pairs/s, ${c.clients} clients`,
        `${n(c.pairsPerSecond)} (best second ${n(c.bestSecondPairs)})`,
        '>= 1,000',
        verdict(c.pairsPerSecond >= 1000 && c.errors === 0),
      ])
      rows.push([
        '  latency at that load',
        `checkout p50 ${c.checkoutMs.p50} / p99 ${c.checkoutMs.p99} ms; checkin p50 ${c.checkinMs.p50} / p99 ${c.checkinMs.p99} ms`,
        '',
        '',
      ])
      if (c.cpu) {
        rows.push([
          '  CPU (of 200 %)',
          `service ${c.cpu.serverPercent} %, PostgreSQL ${c.cpu.postgresPercent} %, load client ${c.cpu.loadClientPercent} %, other work ${c.cpu.otherPercent} %`,
          '',
          '',
        ])
      }
    }
    if (http.open) {
      const o = http.open
      rows.push([
        `checkout p99 at ${o.targetRate} pairs/s`,
        `${o.checkoutMs.p99} ms (p50 ${o.checkoutMs.p50}, max ${o.checkoutMs.max})`,
        '< 10 ms',
        verdict(o.checkoutMs.p99 < 10 && o.errors === 0),
      ])
      rows.push([
        `checkin p99 at ${o.targetRate} pairs/s`,
        `${o.checkinMs.p99} ms (p50 ${o.checkinMs.p50}, max ${o.checkinMs.max})`,
        '< 10 ms',
        verdict(o.checkinMs.p99 < 10 && o.errors === 0),
      ])
      rows.push([
        '  open loop',
        `${n(o.completedPairs)}/${n(o.scheduledPairs)} pairs in ${o.seconds} s, ${o.errors} errors, send lag p99 ${o.sendLagMs.p99} ms`,
        '',
        '',
      ])
      if (o.cpu) {
        rows.push([
          '  CPU (of 200 %)',
          `service ${o.cpu.serverPercent} %, PostgreSQL ${o.cpu.postgresPercent} %, load client ${o.cpu.loadClientPercent} %, other work ${o.cpu.otherPercent} %`,
          '',
          '',
        ])
      }
    }
  }
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i]?.length ?? 0)))
  const line = (cells: readonly string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')
  console.log(
    `\nlaan bench — scale ${data.scale}: ${n(data.patrons)} patrons, ${n(data.items)} items, ` +
      `${n(data.activeLoans)} open loans (${n(data.overdueLoans)} overdue, ${n(data.pastLostThreshold)} past the lost threshold); ` +
      `${results.machine.cpus} cores, Node ${results.machine.node}`,
  )
  console.log(line(['figure', 'measured', 'target', '']))
  console.log(line(widths.map((w) => '-'.repeat(w))))
  for (const row of rows) console.log(line(row))
}
