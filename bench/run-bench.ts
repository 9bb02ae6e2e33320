// `npm run bench`: builds (or reuses) a København-sized database on the PostgreSQL server, then measures the
// nightly run (library steps, billing and dunning, bill delivery), the HTTP checkout/checkin path, the
// import of a bank file and the SIP2 server under 100 self-service machines. See bench/README.md.
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { copyDatabase, createSuggestedIndexes, dropDatabase, ensureBenchData } from './generate.ts'
import { type HttpFigures, runHttpBench } from './http.ts'
import { type ImportFigures, runImportBench } from './import.ts'
import { type ImportFloorFigures, runImportFloor } from './import-floor.ts'
import { type NightlyFigures, runNightlyBench } from './nightly.ts'
import { databaseUrl, parseOptions, transportOf } from './options.ts'
import { printReport } from './report.ts'
import { printSip2Report, runSip2Bench, type Sip2Figures } from './sip2-load.ts'
import { runSqlCeiling, type SqlCeilingFigures } from './sql-ceiling.ts'
import { printWebReport, runWebBench, type WebFigures } from './web.ts'

const options = parseOptions(process.argv.slice(2))
const started = performance.now()
const runDatabase = `${options.database}_run`

const { info, reused } = await ensureBenchData(
  options.serverUrl,
  options.database,
  options.scale,
  options.regenerate,
)
// The nightly run, the HTTP test and the import change data: each part works on a fresh copy, so reruns start
// alike (the HTTP test follows the nightly run on its copy, as the service follows the night).
const runUrl = databaseUrl(options.serverUrl, runDatabase)
async function freshCopy(): Promise<void> {
  const copySeconds = await copyDatabase(options.serverUrl, options.database, runDatabase)
  console.log(`[bench] working copy ${runDatabase} made in ${copySeconds.toFixed(1)} s`)
  if (options.suggestedIndexes) {
    console.log('[bench] --suggested-indexes: adding the indexes the bench suggests to the working copy')
    await createSuggestedIndexes(options.serverUrl, runDatabase)
  }
}
// Reconciling after a run takes ~20 s at full scale: only at small scales (bench/check-receivables.ts otherwise).
const reconcileAfter = options.scale <= 0.1

let nightly: NightlyFigures | null = null
let http: HttpFigures | null = null
let sqlCeiling: SqlCeilingFigures | null = null
let bankImport: ImportFigures | null = null
let importFloor: ImportFloorFigures | null = null
let sip2: Sip2Figures | null = null
let web: WebFigures | null = null
if (options.only === null || options.only === 'nightly' || options.only === 'http') {
  await freshCopy()
  if (options.only !== 'http') {
    nightly = await runNightlyBench(
      runUrl,
      info.businessDate,
      info.receivables?.dueTonight ?? null,
      options.quietWaitSeconds,
      reconcileAfter,
    )
  }
  if (options.only !== 'nightly') {
    http = await runHttpBench(runUrl, options)
    sqlCeiling = await runSqlCeiling(runUrl, options)
  }
}
if (options.only === null || options.only === 'import') {
  await freshCopy()
  bankImport = await runImportBench(runUrl, options.payments, options.quietWaitSeconds, reconcileAfter)
  // The same payments' rows in raw SQL, on a copy of its own (the import has paid those claims).
  await freshCopy()
  importFloor = await runImportFloor(runUrl, options.payments)
}
if (options.only === null || options.only === 'sip2') {
  await freshCopy()
  sip2 = await runSip2Bench(runUrl, options)
}

if (options.only === null || options.only === 'web') {
  await freshCopy()
  web = await runWebBench(runUrl)
}

if (options.drop) {
  await dropDatabase(options.serverUrl, runDatabase)
  await dropDatabase(options.serverUrl, options.database)
  console.log(`[bench] dropped ${options.database} and ${runDatabase}`)
}

const results = {
  command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
  finishedAt: new Date().toISOString(),
  totalSeconds: Math.round((performance.now() - started) / 100) / 10,
  machine: await machineInfo(),
  database: transportOf(options.serverUrl),
  options,
  data: { ...info, reused },
  nightly,
  http,
  sqlCeiling,
  import: bankImport,
  importFloor,
  sip2,
  web,
}
mkdirSync(dirname(options.results), { recursive: true })
writeFileSync(options.results, `${JSON.stringify(results, null, 2)}\n`)
printReport(results)
if (sip2) printSip2Report(sip2)
if (web) printWebReport(web)
console.log(`\n[bench] results written to ${options.results}`)
if (nightly && nightly.exitCode !== 0) process.exitCode = 1
if (bankImport && bankImport.exitCode !== 0) process.exitCode = 1
if (http?.status === 'failed') process.exitCode = 1
if (sip2?.status === 'failed') process.exitCode = 1

async function machineInfo() {
  const os = await import('node:os')
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  }
}
