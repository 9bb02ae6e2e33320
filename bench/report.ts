import type { CpuShare } from './cpu.ts'
import type { BenchDataInfo } from './generate.ts'
import type { HttpFigures } from './http.ts'
import type { ImportFigures } from './import.ts'
import type { ImportFloorFigures } from './import-floor.ts'
import type { NightlyFigures } from './nightly.ts'
import type { SqlCeilingFigures } from './sql-ceiling.ts'

export interface BenchResults {
  command: string
  totalSeconds: number
  machine: { cpus: number; cpuModel: string; memoryGb: number; node: string }
  /** How the bench and the service reach PostgreSQL. */
  database: string
  data: BenchDataInfo & { reused: boolean }
  nightly: NightlyFigures | null
  http: HttpFigures | null
  sqlCeiling: SqlCeilingFigures | null
  import: ImportFigures | null
  importFloor: ImportFloorFigures | null
}

const n = (value: number | null | undefined) => (value ?? Number.NaN).toLocaleString('en')
const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED')

const cpuText = (cpu: CpuShare) =>
  `laan ${cpu.serverPercent} %, PostgreSQL ${cpu.postgresPercent} %, other work ${cpu.otherPercent} %`

export function printReport(results: BenchResults): void {
  const { data, nightly, http } = results
  const bankImport = results.import
  const rows: Array<[string, string, string, string]> = []
  rows.push([
    'data generation',
    data.reused ? `${data.generationSeconds} s (earlier; reused)` : `${data.generationSeconds} s`,
    '',
    '',
  ])
  const receivables = data.receivables
  if (receivables) {
    rows.push([
      'receivables',
      `${n(receivables.openClaims)} open claims (${n(receivables.partPaidClaims)} part paid) of ${n(receivables.claims)}; ` +
        `${n(receivables.debtors)} debtors, ${n(receivables.claimLines)} lines, ${n(receivables.ledgerEntries)} ledger entries`,
      '',
      '',
    ])
  }
  if (nightly) {
    rows.push([
      'nightly run: wall time',
      `${nightly.wallSeconds} s (job ${nightly.jobSeconds ?? '?'} s)`,
      '< 30 s',
      verdict(nightly.exitCode === 0 && nightly.wallSeconds < 30),
    ])
    const r = nightly.result
    const phases = nightly.phases
    if (phases) {
      rows.push([
        '  library steps',
        `${phases.librarySeconds} s: ${n(Number(r?.declaredLost ?? 0))} lost, ${n(Number(r?.chargesCreated ?? 0))} charges, ${n(Number(r?.feeBlockActions ?? 0))} block actions`,
        '< 30 s',
        verdict(phases.librarySeconds < 30),
      ])
      const notices = (r?.notices ?? {}) as Record<string, number>
      rows.push([
        '  notices queued',
        `${phases.noticesSeconds} s: ${n(notices.reminders)} reminders, ${n(notices.recalls)} recalls, ${n(notices.reservationReady)} reservations ready, ${n(notices.expiredHolds)} holds expired`,
        '< 20 s',
        verdict(phases.noticesSeconds < 20),
      ])
      const b = (r?.billing ?? {}) as Record<string, number>
      rows.push([
        `  billing and dunning, ${n(receivables?.openClaims)} open claims`,
        `${phases.billingSeconds} s: ${n(b.bills)} bills, ${n(b.collections)} collections, ${n(b.interestLines)} interest lines, ` +
          `${n(b.dunningLetters)} letters, ${n(b.transferNotices)} notices, ${n(b.transfers)} transfers, ${n(b.payouts)} payouts`,
        '< 20 s',
        verdict(nightly.exitCode === 0 && phases.billingSeconds < 20),
      ])
      if (nightly.billingAsExpected === false) {
        rows.push(['    generated data', 'billing did other work than the data has due', '', 'caution'])
      }
    }
    const d = (nightly.delivery.result?.bills ?? {}) as Record<string, number>
    rows.push([
      'bill delivery after the night (PDF, MeMo; `laan run deliver`)',
      `${nightly.delivery.wallSeconds} s (job ${nightly.delivery.jobSeconds ?? '?'} s): ${n(d.delivered)} documents (${n(d.digitalPost)} Digital Post, ${n(d.letters)} letters), ${n(d.skipped)} skipped; peak RSS ${nightly.delivery.peakRssMb} MB`,
      '',
      verdict(nightly.delivery.exitCode === 0),
    ])
    rows.push([
      'nightly run: peak RSS',
      `${nightly.peakRssMb} MB`,
      '< 500 MB',
      verdict(nightly.peakRssMb < 500),
    ])
    if (nightly.reconciled !== null) {
      rows.push([
        '  reconciliation after',
        nightly.reconciled ? 'ok' : 'FAILED',
        '',
        verdict(nightly.reconciled),
      ])
    }
    if (nightly.cpu) {
      rows.push([
        '  CPU (of 200 %)',
        cpuText(nightly.cpu),
        '',
        nightly.cpu.otherPercent > 25 ? 'caution' : '',
      ])
    }
    if (nightly.busyBeforePercent > 25) {
      rows.push([
        '  machine busy before',
        `${nightly.busyBeforePercent} % CPU used by other work`,
        '',
        'caution',
      ])
    }
  }
  if (bankImport) {
    const r = (bankImport.result ?? {}) as Record<string, number>
    const p = bankImport.payments
    rows.push([
      `camt.054 import, ${n(p.total)} payments`,
      `${bankImport.wallSeconds} s wall (job ${bankImport.jobSeconds ?? '?'} s): ${n(r.applied)} applied, ${n(r.unmatched)} unmatched, ${n(r.duplicates)} duplicates`,
      '< 20 s',
      verdict(bankImport.exitCode === 0 && bankImport.wallSeconds < 20),
    ])
    rows.push([
      '  file',
      `${bankImport.fileMb} MB: ${n(p.exact)} exact, ${n(p.partial)} partial, ${n(p.over)} over, ${n(p.unknown)} unknown payment IDs`,
      '',
      '',
    ])
    rows.push(['  peak RSS', `${bankImport.peakRssMb} MB`, '', ''])
    if (bankImport.reconciled !== null) {
      rows.push([
        '  reconciliation after',
        bankImport.reconciled ? 'ok' : 'FAILED',
        '',
        verdict(bankImport.reconciled),
      ])
    }
    if (bankImport.cpu) {
      rows.push([
        '  CPU (of 200 %)',
        cpuText(bankImport.cpu),
        '',
        bankImport.cpu.otherPercent > 25 ? 'caution' : '',
      ])
    }
    if (bankImport.busyBeforePercent > 25) {
      rows.push([
        '  machine busy before',
        `${bankImport.busyBeforePercent} % CPU used by other work`,
        '',
        'caution',
      ])
    }
  }
  const floor = results.importFloor
  if (floor) {
    const rowsWritten = Object.values(floor.rowsPerPayment).reduce((sum, count) => sum + count, 0)
    rows.push([
      'raw SQL floor of the import',
      `${floor.seconds} s: the same ${n(floor.payments)} claims paid, the rows laan writes (${Math.round(rowsWritten * 10) / 10} per payment) written by one procedure`,
      'reference',
      '',
    ])
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
  const ceiling = results.sqlCeiling
  if (ceiling) {
    rows.push(
      ceiling.closed && ceiling.open
        ? [
            'raw SQL ceiling (pgbench)',
            `${n(ceiling.closed.pairsPerSecond)} pairs/s with ${ceiling.closed.clients} clients; at ${ceiling.open.targetRate} pairs/s ` +
              `p99 ${ceiling.open.pairMs.p99} ms for the whole pair (p50 ${ceiling.open.pairMs.p50})`,
            'reference',
            '',
          ]
        : ['raw SQL ceiling (pgbench)', ceiling.status, '', ceiling.message.slice(0, 60)],
    )
  }
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i]?.length ?? 0)))
  const line = (cells: readonly string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')
  console.log(
    `\nlaan bench — scale ${data.scale}: ${n(data.patrons)} patrons, ${n(data.items)} items, ` +
      `${n(data.activeLoans)} open loans (${n(data.overdueLoans)} overdue, ${n(data.pastLostThreshold)} past the lost threshold); ` +
      `${results.machine.cpus} cores, Node ${results.machine.node}; PostgreSQL over ${results.database}`,
  )
  console.log(line(['figure', 'measured', 'target', '']))
  console.log(line(widths.map((w) => '-'.repeat(w))))
  for (const row of rows) console.log(line(row))
}
