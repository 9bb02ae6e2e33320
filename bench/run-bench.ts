// `npm run bench`: builds (or reuses) a København-sized database on the PostgreSQL server, then measures the
// nightly run and the HTTP checkout/checkin path. See bench/README.md.
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { copyDatabase, createSuggestedIndexes, dropDatabase, ensureBenchData } from './generate.ts'
import { type HttpFigures, runHttpBench } from './http.ts'
import { runNightlyBench } from './nightly.ts'
import { databaseUrl, parseOptions } from './options.ts'
import { printReport } from './report.ts'

const options = parseOptions(process.argv.slice(2))
const started = performance.now()
const runDatabase = `${options.database}_run`

const { info, reused } = await ensureBenchData(
  options.serverUrl,
  options.database,
  options.scale,
  options.regenerate,
)
// The nightly run and the HTTP test change data: they work on a fresh copy, so reruns start alike.
const copySeconds = await copyDatabase(options.serverUrl, options.database, runDatabase)
console.log(`[bench] working copy ${runDatabase} made in ${copySeconds.toFixed(1)} s`)
const runUrl = databaseUrl(options.serverUrl, runDatabase)
if (options.suggestedIndexes) {
  console.log('[bench] --suggested-indexes: adding the indexes the bench suggests to the working copy')
  await createSuggestedIndexes(options.serverUrl, runDatabase)
}

const nightly =
  options.only === 'http' ? null : await runNightlyBench(runUrl, info.businessDate, options.quietWaitSeconds)
let http: HttpFigures | null = null
if (options.only !== 'nightly') {
  http = await runHttpBench(runUrl, options)
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
  options,
  data: { ...info, reused },
  nightly,
  http,
}
mkdirSync(dirname(options.results), { recursive: true })
writeFileSync(options.results, `${JSON.stringify(results, null, 2)}\n`)
printReport(results)
console.log(`\n[bench] results written to ${options.results}`)
if (nightly && nightly.exitCode !== 0) process.exitCode = 1
if (http?.status === 'failed') process.exitCode = 1

async function machineInfo() {
  const os = await import('node:os')
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  }
}
