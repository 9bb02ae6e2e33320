import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { writeCamt054 } from '../src/receivables/camt054.ts'
import { paymentIdFromSequence } from '../src/receivables/fik.ts'
import { systemClock } from '../src/shared/clock.ts'
import { localDateOf } from '../src/shared/time.ts'
import { checkReceivables } from './check-receivables.ts'
import { parseJson, runCli } from './child.ts'
import { type CpuShare, waitForQuiet } from './cpu.ts'
import { MUNICIPALITY } from './generate.ts'

export interface ImportFigures {
  command: string
  /** The payments in the file, by kind. */
  payments: { total: number; exact: number; partial: number; over: number; unknown: number }
  fileMb: number
  /** Choosing the claims and writing the file with writeCamt054 (not part of the measurement). */
  writeSeconds: number
  /** From spawning `laan receivables import-bank-file` to its exit, including start-up and parsing. */
  wallSeconds: number
  /** The import as the CLI reports it ("finished in … s"): parsing and matching, without start-up. */
  jobSeconds: number | null
  peakRssMb: number
  rssSource: string
  exitCode: number
  busyBeforePercent: number
  /** CPU during the run, of 200 %: laan itself, PostgreSQL, and other work on the machine. */
  cpu: CpuShare | null
  /** The receivables reconciliation after the import (only at scales up to 0.1). */
  reconciled: boolean | null
  result: Record<string, unknown> | null
}

/** A small deterministic generator, so reruns import the same kind of file. */
function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

/** The payments of a file of `count` that carry a payment ID no claim has (1 %, at least one). */
export const unknownPaymentsIn = (count: number) => Math.max(1, Math.round(count * 0.01))

export interface ClaimToPay {
  paymentId: string
  open: number
  name: string
}

/**
 * The open claims a bank file of the database pays, chosen at random but alike on every fresh copy (a fixed
 * seed), so that the import and its raw-SQL floor (import-floor.ts) pay the same claims.
 */
export async function chooseClaimsToPay(client: pg.Client, count: number): Promise<ClaimToPay[]> {
  await client.query(`select setseed(0.17)`)
  const { rows } = await client.query<ClaimToPay>(
    `select c.payment_id as "paymentId", c.amount - c.paid as open, d.name
       from claims c join debtors d on d.id = c.debtor_id
      where c.municipality = $1 and c.status = 'open' and c.amount > c.paid
      order by random() limit $2`,
    [MUNICIPALITY, count],
  )
  return rows
}

/**
 * The bank's camt.054 file for `count` incoming FIK payments on open claims of the database at `url`: 85 %
 * the open amount, 8 % part of it, 6 % more (a surplus for the debtor's other claims or a payout), 1 % with
 * a valid payment ID no claim has. Written with the service's own writeCamt054.
 */
export async function writeBankFile(url: string, count: number, file: string) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  let claims: ClaimToPay[]
  let maxId: number
  try {
    claims = await chooseClaimsToPay(client, count - unknownPaymentsIn(count))
    maxId = Number(
      (await client.query<{ max: number }>(`select max(id)::int as max from claims`)).rows[0]?.max,
    )
  } finally {
    await client.end()
  }
  if (claims.length === 0) throw new Error('no open claims to pay')
  const next = random(42)
  const today = localDateOf(systemClock.now())
  const kinds = { exact: 0, partial: 0, over: 0, unknown: 0 }
  const payments: Parameters<typeof writeCamt054>[0]['payments'] = []
  for (let i = 0; i < count; i++) {
    const reference = `BENCH-${today}-${String(i + 1).padStart(7, '0')}`
    if (i >= count - unknownPaymentsIn(count)) {
      kinds.unknown++
      payments.push({
        reference,
        amount: 5000 + Math.floor(next() * 45000),
        bookingDate: today,
        paymentReference: paymentIdFromSequence(maxId + 1_000_000 + i),
        debtorName: 'Ukendt indbetaler',
      })
      continue
    }
    // More payments than open claims (small scales): claims are paid again, as a second transfer would be.
    const claim = claims[i % claims.length] as ClaimToPay
    const roll = next()
    let amount = claim.open
    if (roll < 0.08 && claim.open >= 200) {
      kinds.partial++
      amount = Math.max(100, Math.min(claim.open - 100, Math.floor(claim.open * (0.2 + 0.6 * next()))))
    } else if (roll < 0.14) {
      kinds.over++
      amount = claim.open + 100 * (1 + Math.floor(next() * 100))
    } else {
      kinds.exact++
    }
    payments.push({
      reference,
      amount,
      bookingDate: today,
      paymentReference: claim.paymentId,
      debtorName: claim.name,
    })
  }
  // The bank lists them in no particular order of kind.
  for (let i = payments.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1))
    ;[payments[i], payments[j]] = [
      payments[j] as (typeof payments)[number],
      payments[i] as (typeof payments)[number],
    ]
  }
  writeFileSync(
    file,
    writeCamt054({
      messageId: `BENCH-${today}-${count}`,
      createdAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      iban: 'DK5000400440116243',
      payments,
    }),
  )
  return { total: count, ...kinds }
}

/**
 * Writes a camt.054 file of `count` payments for the open claims of the (fresh) database at `url` and
 * imports it with the real CLI (`node bin/laan.js receivables import-bank-file`) as a child process.
 */
export async function runImportBench(
  url: string,
  count: number,
  quietWaitSeconds: number,
  reconcileAfter: boolean,
): Promise<ImportFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'laan-bench-camt-'))
  const file = join(dir, `camt054-${count}.xml`)
  try {
    const started = performance.now()
    const payments = await writeBankFile(url, count, file)
    const writeSeconds = Math.round((performance.now() - started) / 100) / 10
    const fileMb = Math.round(statSync(file).size / 104857.6) / 10
    console.log(
      `[import] ${file}: ${payments.total.toLocaleString('en')} payments (${payments.exact} exact, ${payments.partial} partial, ` +
        `${payments.over} over, ${payments.unknown} unknown payment IDs), ${fileMb} MB, written in ${writeSeconds} s`,
    )
    const busyBeforePercent = await waitForQuiet('import', quietWaitSeconds)
    const run = await runCli(
      'import',
      ['receivables', 'import-bank-file', '--municipality', MUNICIPALITY, file],
      { DATABASE_URL: url },
      { showLine: (line) => !/^imported \d+ of/.test(line) },
    )
    let reconciled: boolean | null = null
    if (reconcileAfter && run.exitCode === 0) {
      const check = await checkReceivables(url, localDateOf(systemClock.now()))
      for (const line of check.lines) console.log(`[import] reconciliation after the import: ${line}`)
      reconciled = check.ok
    }
    return {
      command: run.command,
      payments,
      fileMb,
      writeSeconds,
      wallSeconds: run.wallSeconds,
      jobSeconds: run.jobSeconds,
      peakRssMb: run.peakRssMb,
      rssSource: run.rssSource,
      exitCode: run.exitCode,
      busyBeforePercent,
      cpu: run.cpu,
      reconciled,
      result: parseJson(run.stdout),
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
