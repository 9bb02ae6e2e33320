// Checks a bench database's receivables with the service's own reconciliation (the ledger against the
// claims, the debtors' credit and the unmatched payments; lines against allocations and library charges).
//   node --import tsx bench/check-receivables.ts <database url> [business date]
// The generator runs it itself at small scales (up to --scale 0.1); at scale 1 it takes ~16 s.
import { openDatabase } from '../src/db/database.ts'
import { reconcile } from '../src/receivables/reconciliation.ts'
import { systemClock } from '../src/shared/clock.ts'
import { localDateOf } from '../src/shared/time.ts'
import { MUNICIPALITY } from './generate.ts'

export async function checkReceivables(
  url: string,
  date: string,
): Promise<{ ok: boolean; seconds: number; lines: string[] }> {
  const started = performance.now()
  const handle = await openDatabase({ url })
  try {
    const result = await reconcile(handle.db, MUNICIPALITY, date)
    const lines = [
      `ledger ${result.balanced ? 'balances' : 'DOES NOT BALANCE'}: ${result.accounts.length} accounts, ` +
        `day ${date}: debits ${result.totalDebits} / credits ${result.totalCredits} øre`,
      ...result.checks.map(
        (c) => `${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ledger ${c.ledger}, actual ${c.actual}`,
      ),
    ]
    if (result.checks.length === 0) lines.push('FAIL no state checks (the ledger has later business dates)')
    return {
      ok: result.ok && result.checks.length > 0,
      seconds: (performance.now() - started) / 1000,
      lines,
    }
  } finally {
    await handle.close()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [url, date] = process.argv.slice(2)
  if (!url) {
    console.error('usage: node --import tsx bench/check-receivables.ts <database url> [YYYY-MM-DD]')
    process.exit(2)
  }
  const { ok, seconds, lines } = await checkReceivables(url, date ?? localDateOf(systemClock.now()))
  for (const line of lines) console.log(line)
  console.log(`${ok ? 'reconciliation ok' : 'reconciliation FAILED'} (${seconds.toFixed(1)} s)`)
  process.exitCode = ok ? 0 : 1
}
