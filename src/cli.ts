import { readFileSync } from 'node:fs'
import { Command, InvalidArgumentError } from 'commander'
import { loadConfig } from './config.ts'
import { openDatabase } from './db/database.ts'
import { migrateToLatest } from './db/migrate.ts'
import { readPolicyFiles } from './policy/policy-files.ts'
import { formatPolicy } from './policy/policy-format.ts'
import { InvalidPolicyError } from './policy/policy-schema.ts'
import { runScenario } from './scenario/scenario-runner.ts'
import { InvalidScenarioError, parseScenario } from './scenario/scenario-schema.ts'
import { createServices } from './services.ts'
import { systemClock } from './shared/clock.ts'
import { ValidationError } from './shared/errors.ts'
import { isLocalDate, localDateOf } from './shared/time.ts'

function dateOption(value: string): string {
  if (!isLocalDate(value)) throw new InvalidArgumentError('a date YYYY-MM-DD')
  return value
}

async function withServices<T>(
  fn: (services: Awaited<ReturnType<typeof createServices>>) => Promise<T>,
): Promise<T> {
  const config = loadConfig()
  const handle = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir })
  try {
    return await fn(await createServices({ db: handle.db, clock: systemClock, config }))
  } finally {
    await handle.close()
  }
}

const program = new Command()
program.name('laan').description('Loans, fees and bills for Danish public libraries').showHelpAfterError()

program
  .command('start')
  .description('run the HTTP service (and the 02:00 nightly scheduler) with demo data on first start')
  .action(async () => {
    const { startService } = await import('./main.ts')
    await startService()
  })

program
  .command('migrate')
  .description('bring the database schema up to date and install the policy files')
  .action(async () => {
    const config = loadConfig()
    const handle = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir })
    try {
      const applied = await migrateToLatest(handle.db as never)
      await createServices({ db: handle.db, clock: systemClock, config })
      console.log(applied.length === 0 ? 'schema up to date' : `applied: ${applied.join(', ')}`)
    } finally {
      await handle.close()
    }
  })

const policy = program.command('policy').description('municipal rules')
policy
  .command('show')
  .argument('<municipality>', 'kobenhavn, gentofte, naestved')
  .option('--date <date>', 'the version in force on this date (default today)', dateOption)
  .description('print a policy readably, every value with its source')
  .action(async (municipality: string, options: { date?: string }) => {
    const { PolicyCatalog } = await import('./policy/policy-catalog.ts')
    const catalog = new PolicyCatalog(readPolicyFiles())
    if (!catalog.has(municipality)) {
      throw new ValidationError('municipality', `unknown; one of ${catalog.municipalities().join(', ')}`)
    }
    console.log(formatPolicy(catalog.inForce(municipality, options.date ?? localDateOf(systemClock.now()))))
  })
policy
  .command('check')
  .argument('[dir]', 'folder of policy YAML files', undefined)
  .description('validate policy files')
  .action((dir?: string) => {
    const policies = readPolicyFiles(dir)
    console.log(
      `${policies.length} policy versions valid: ${policies.map((p) => `${p.municipality} v${p.version}`).join(', ')}`,
    )
  })

const run = program.command('run').description('run a job now')
run
  .command('nightly')
  .requiredOption('--municipality <code>', 'kobenhavn, gentofte, naestved')
  .option('--date <date>', 'business date (default today)', dateOption)
  .option('--batch-size <n>', 'loans per transaction', (v) => Number.parseInt(v, 10), 2000)
  .description('declare lost loans and apply block rules for one municipality and business date')
  .action(async (options: { municipality: string; date?: string; batchSize: number }) => {
    await withServices(async (services) => {
      if (!services.policies.has(options.municipality)) {
        throw new ValidationError(
          'municipality',
          `unknown; one of ${services.policies.municipalities().join(', ')}`,
        )
      }
      const date = options.date ?? localDateOf(systemClock.now())
      const started = Date.now()
      const result = await services.jobs.nightly(options.municipality, date, {
        batchSize: options.batchSize,
        onProgress: (p) => console.error(`${p.step}: batch ${p.batch}, ${p.processed} done`),
      })
      console.error(`finished in ${((Date.now() - started) / 1000).toFixed(1)} s`)
      console.log(JSON.stringify(result, null, 2))
    })
  })

program
  .command('scenario')
  .argument('<file>', 'scenario in YAML or JSON')
  .description('replay a history in simulated time on a fresh in-memory database; prints the outcome as JSON')
  .action(async (file: string) => {
    const scenario = parseScenario(readFileSync(file, 'utf8'))
    // Progress for long histories, on a terminal only: stdout carries the JSON alone.
    const onDay = process.stderr.isTTY
      ? (date: string) => {
          if (date.endsWith('-01')) process.stderr.write(`laan scenario: ${date}\r`)
        }
      : undefined
    const output = await runScenario(scenario, onDay ? { onDay } : {})
    if (onDay) process.stderr.write('\n')
    process.stdout.write(`${JSON.stringify(output, null, 2)}\n`)
  })

try {
  await program.parseAsync(process.argv)
} catch (error) {
  if (
    error instanceof InvalidScenarioError ||
    error instanceof InvalidPolicyError ||
    error instanceof ValidationError
  ) {
    console.error(`laan: ${error.message}`)
    process.exit(2)
  }
  if (error instanceof Error && 'code' in error && error.code === 'ENOENT') {
    console.error(`laan: ${error.message}`)
    process.exit(2)
  }
  throw error
}
