import { readFileSync } from 'node:fs'
import { userInfo } from 'node:os'
import { dirname, resolve } from 'node:path'
import { Command, InvalidArgumentError } from 'commander'
import type { AuditActor } from './audit/audit-log.ts'
import { loadConfig } from './config.ts'
import { BackupError, backupDatabase, restoreDatabase } from './db/backup.ts'
import { openDatabase } from './db/database.ts'
import { migrateToLatest } from './db/migrate.ts'
import { cprOf } from './patrons/cpr-vault.ts'
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

/** The person at the command line, for the audit log: the operating system's user name. */
function operatorActor(): AuditActor {
  let name = 'operator'
  try {
    name = userInfo().username || name
  } catch {
    // no user name (a container without a passwd entry)
  }
  return { kind: 'operator', name }
}

async function withServices<T>(
  fn: (services: Awaited<ReturnType<typeof createServices>>) => Promise<T>,
): Promise<T> {
  const config = loadConfig()
  const handle = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir })
  let services: Awaited<ReturnType<typeof createServices>> | undefined
  try {
    services = await createServices({ db: handle.db, clock: systemClock, config, actor: operatorActor() })
    return await fn(services)
  } finally {
    services?.close()
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
      await createServices({ db: handle.db, clock: systemClock, config, actor: operatorActor() })
      console.log(applied.length === 0 ? 'schema up to date' : `applied: ${applied.join(', ')}`)
    } finally {
      await handle.close()
    }
  })

program
  .command('backup')
  .argument('<file>', 'the backup file to write')
  .option('--force', 'overwrite the file if it exists')
  .description(
    'back the whole database up to one file: pg_dump (custom format) with DATABASE_URL, else a dump of the PGlite data folder (LAAN_DATA_DIR)',
  )
  .action(async (file: string, options: { force?: boolean }) => {
    const config = loadConfig()
    await backupDatabase(config, file, { force: options.force ?? false, log: (line) => console.error(line) })
  })

program
  .command('restore')
  .argument('<file>', 'a file written by `laan backup`')
  .option('--force', 'replace a database that holds data (PGlite: the old data folder is moved aside)')
  .description(
    'restore a backup: pg_restore into the database of DATABASE_URL, else a fresh PGlite data folder in LAAN_DATA_DIR; stop the service first',
  )
  .action(async (file: string, options: { force?: boolean }) => {
    const config = loadConfig()
    await restoreDatabase(config, file, { force: options.force ?? false, log: (line) => console.error(line) })
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
  .description(
    "the night's run for one municipality and business date: lost loans and blocks, the day's notices, then bills, dunning and payouts (written to the outbox by `laan run deliver`)",
  )
  .action(async (options: { municipality: string; date?: string; batchSize: number }) => {
    await withServices(async (services) => {
      if (
        !services.policies.has(options.municipality) &&
        !services.receivablesCatalog.has(options.municipality)
      ) {
        throw new ValidationError(
          'municipality',
          `unknown; one of ${services.receivablesCatalog.municipalities().join(', ')}`,
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

run
  .command('deliver')
  .requiredOption('--municipality <code>', 'kobenhavn, gentofte, naestved, koge')
  .description(
    'what the scheduler does every minute: queue the notices of reservations now on the hold shelf, write the pending bills and letters to the outbox (PDF, MeMo), and send the queued notices that are due',
  )
  .action(async (options: { municipality: string }) => {
    await withServices(async (services) => {
      const known = new Set([
        ...services.policies.municipalities(),
        ...services.receivablesCatalog.municipalities(),
      ])
      if (!known.has(options.municipality)) {
        throw new ValidationError('municipality', `unknown; one of ${[...known].sort().join(', ')}`)
      }
      const started = Date.now()
      const queued = await services.jobs.notices(options.municipality)
      const delivered = await services.jobs.deliver(options.municipality, {
        onBills: (done) => console.error(`bills: ${done} handled`),
      })
      console.error(`finished in ${((Date.now() - started) / 1000).toFixed(1)} s`)
      console.log(JSON.stringify({ ...queued, ...delivered }, null, 2))
    })
  })

function requireReceivables(
  services: Awaited<ReturnType<typeof createServices>>,
  municipality: string,
): void {
  if (!services.receivablesCatalog.has(municipality)) {
    throw new ValidationError(
      'municipality',
      `unknown; one of ${services.receivablesCatalog.municipalities().join(', ')}`,
    )
  }
}

program
  .command('sip2-account')
  .description('add a self-service machine account for SIP2 (login 93) and the FBS endpoint')
  .requiredOption('--login <login>', "the machine's login (CN)")
  .requiredOption('--password <password>', 'its password (CO)')
  .requiredOption('--municipality <code>', 'kobenhavn, gentofte, naestved')
  .requiredOption('--location <name>', 'the library location the machine stands in')
  .action(async (options: { login: string; password: string; municipality: string; location: string }) => {
    await withServices(async (services) => {
      if (!services.policies.has(options.municipality)) {
        throw new ValidationError(
          'municipality',
          `unknown; one of ${services.policies.municipalities().join(', ')}`,
        )
      }
      const { addSip2Account } = await import('./sip2/sip2-accounts.ts')
      const account = await addSip2Account(services.db, options)
      console.log(JSON.stringify(account, null, 2))
    })
  })

program
  .command('staff-account')
  .description('add a staff account for the desk pages (/{municipality}/skranke)')
  .requiredOption('--municipality <code>', 'kobenhavn, gentofte, naestved')
  .requiredOption('--login <login>', 'the login')
  .requiredOption('--password <password>', 'at least 8 characters')
  .requiredOption('--name <name>', 'the name shown')
  .requiredOption('--roles <roles>', 'comma-separated: desk, finance, administrator')
  .action(
    async (options: {
      municipality: string
      login: string
      password: string
      name: string
      roles: string
    }) => {
      await withServices(async (services) => {
        if (!services.policies.has(options.municipality)) {
          throw new ValidationError(
            'municipality',
            `unknown; one of ${services.policies.municipalities().join(', ')}`,
          )
        }
        const { addStaffAccount, parseRoles } = await import('./desk/staff-accounts.ts')
        const account = await addStaffAccount(services.db, { ...options, roles: parseRoles(options.roles) })
        console.log(JSON.stringify(account, null, 2))
      })
    },
  )

// API keys: the key is printed once. Rotation: create a new key, switch the caller to it (both work
// meanwhile), then revoke the old one.
const apiKey = program.command('api-key').description('API keys with a role, for one or every municipality')
apiKey
  .command('create')
  .description('make a key and print it (only this once)')
  .requiredOption('--name <name>', 'a name for the caller, e.g. kbh-kasse-2026')
  .requiredOption('--role <role>', 'administrator, desk, finance, issuer, operator or door')
  .option('--municipality <code>', 'only this municipality (default: all)')
  .option('--expires <date>', 'the last day the key works (YYYY-MM-DD)', dateOption)
  .action(async (options: { name: string; role: string; municipality?: string; expires?: string }) => {
    await withServices(async (services) => {
      const { createApiKey, parseApiRole } = await import('./http/api-keys.ts')
      if (options.municipality !== undefined && !services.policies.has(options.municipality)) {
        throw new ValidationError(
          'municipality',
          `unknown; one of ${services.policies.municipalities().join(', ')}`,
        )
      }
      const { key, info } = await createApiKey(
        services.db,
        {
          name: options.name,
          role: parseApiRole(options.role),
          municipality: options.municipality,
          expires: options.expires,
        },
        services.clock.now(),
      )
      console.log(JSON.stringify({ ...info, key }, null, 2))
      console.error("laan: the key is shown only now; keep it in the caller's secret store.")
    })
  })
apiKey
  .command('list')
  .description('the keys (never the keys themselves): role, municipality, expiry, revocation, last use')
  .action(async () => {
    await withServices(async (services) => {
      const { listApiKeys } = await import('./http/api-keys.ts')
      console.log(JSON.stringify(await listApiKeys(services.db), null, 2))
    })
  })
apiKey
  .command('revoke')
  .description('stop a key from working at once')
  .argument('<name>', "the key's name")
  .action(async (name: string) => {
    await withServices(async (services) => {
      const { revokeApiKey } = await import('./http/api-keys.ts')
      if (!(await revokeApiKey(services.db, name, services.clock.now()))) {
        throw new ValidationError('name', `no key ${name} in use`)
      }
      console.log(`revoked: ${name}`)
    })
  })

const sessions = program.command('sessions').description("the web pages' login sessions")
sessions
  .command('revoke')
  .description("log out a patron's or a staff member's sessions, or every session of a municipality")
  .requiredOption('--municipality <code>', 'kobenhavn, gentofte, naestved')
  .option('--patron <card>', "the patron's card or CPR number")
  .option('--staff <login>', "the staff member's login")
  .option('--all', 'every session of the municipality')
  .action(async (options: { municipality: string; patron?: string; staff?: string; all?: boolean }) => {
    const chosen = [options.patron !== undefined, options.staff !== undefined, options.all === true]
    if (chosen.filter(Boolean).length !== 1) {
      throw new ValidationError('sessions', 'give exactly one of --patron, --staff or --all')
    }
    await withServices(async (services) => {
      const { revokeSessions } = await import('./web/web-sessions.ts')
      const { municipality } = options
      let owner: Parameters<typeof revokeSessions>[2] = { all: true }
      if (options.patron !== undefined) {
        const { findPatronByCardOrCpr } = await import('./patrons/patron-repository.ts')
        const patron = await findPatronByCardOrCpr(
          services.db,
          services.cprVault,
          municipality,
          options.patron,
        )
        if (!patron) throw new ValidationError('patron', `no patron ${options.patron} in ${municipality}`)
        owner = { patronId: patron.id }
      } else if (options.staff !== undefined) {
        const staff = await services.db
          .selectFrom('staffAccounts')
          .select('id')
          .where('municipality', '=', municipality)
          .where('login', '=', options.staff)
          .executeTakeFirst()
        if (!staff) throw new ValidationError('staff', `no staff login ${options.staff} in ${municipality}`)
        owner = { staffId: staff.id }
      }
      const ended = await revokeSessions(services.db, municipality, owner)
      console.log(`sessions ended: ${ended}`)
    })
  })

const receivables = program
  .command('receivables')
  .description("the municipality's receivables (Mit Betalingsoverblik)")
receivables
  .command('import-bank-file')
  .argument('<file>', "the bank's camt.054 notification (XML)")
  .requiredOption('--municipality <code>', 'kobenhavn, gentofte, naestved, koge')
  .description('match incoming payments on their payment IDs; unknown ones are kept for manual matching')
  .action(async (file: string, options: { municipality: string }) => {
    await withServices(async (services) => {
      requireReceivables(services, options.municipality)
      const { importBankFile } = await import('./receivables/bank-import.ts')
      const started = Date.now()
      const result = await importBankFile(
        services,
        options.municipality,
        readFileSync(file, 'utf8'),
        systemClock.now(),
        {
          onProgress: (done, total) => console.error(`imported ${done} of ${total} payments`),
        },
      )
      console.error(`finished in ${((Date.now() - started) / 1000).toFixed(1)} s`)
      console.log(JSON.stringify(result, null, 2))
    })
  })
receivables
  .command('import-gaeldsstyrelsen')
  .argument('<file>', 'CSV from Gældsstyrelsen: betalings_id;beloeb_oere;reference')
  .requiredOption('--municipality <code>', 'kobenhavn, gentofte, naestved, koge')
  .description(
    'record the payments Gældsstyrelsen collected on transferred claims; a line seen before is skipped',
  )
  .action(async (file: string, options: { municipality: string }) => {
    await withServices(async (services) => {
      requireReceivables(services, options.municipality)
      const rows = readFileSync(file, 'utf8')
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line !== '' && !line.startsWith('betalings_id'))
        .map((line, index) => {
          const [paymentId, amount, reference] = line.split(';')
          const ore = Number(amount)
          if (!paymentId || !Number.isInteger(ore) || ore <= 0 || !reference) {
            throw new ValidationError(
              `${file} line ${index + 2}`,
              'expected betalings_id;beloeb_oere;reference',
            )
          }
          return { paymentId, amount: ore, reference }
        })
      const result = await services.db
        .transaction()
        .execute((trx) =>
          services.claimActions.recordDebtCollectionPayments(
            trx,
            options.municipality,
            rows,
            systemClock.now(),
          ),
        )
      console.log(JSON.stringify(result, null, 2))
    })
  })
receivables
  .command('payouts')
  .requiredOption('--municipality <code>', 'kobenhavn, gentofte, naestved, koge')
  .requiredOption('--date <date>', 'payout date', dateOption)
  .description('the payout instruction to NemKonto: credit paid out to citizens on a date, as CSV')
  .action(async (options: { municipality: string; date: string }) => {
    await withServices(async (services) => {
      requireReceivables(services, options.municipality)
      const rows = await services.db
        .selectFrom('payouts')
        .innerJoin('debtors', 'debtors.id', 'payouts.debtorId')
        .select(['payouts.id', 'debtors.cprEncrypted', 'debtors.name', 'payouts.amount', 'payouts.reason'])
        .where('payouts.municipality', '=', options.municipality)
        .where('payouts.status', '=', 'paid-out')
        .where('payouts.paidOutOn', '=', options.date)
        .orderBy('payouts.id')
        .execute()
      const quote = (v: string | null) => `"${(v ?? '').replaceAll('"', '""')}"`
      const cpr = (encrypted: string | null) => cprOf(services.cprVault, encrypted) ?? ''
      console.log('udbetaling;cpr;navn;beloeb_oere;tekst')
      for (const r of rows)
        console.log([r.id, cpr(r.cprEncrypted), quote(r.name), r.amount, quote(r.reason)].join(';'))
    })
  })
receivables
  .command('transfers')
  .requiredOption('--municipality <code>', 'kobenhavn, gentofte, naestved, koge')
  .requiredOption('--date <date>', 'transfer date', dateOption)
  .description('the export to Gældsstyrelsen: the claims transferred on a date, as CSV')
  .action(async (options: { municipality: string; date: string }) => {
    await withServices(async (services) => {
      requireReceivables(services, options.municipality)
      const rows = await services.db
        .selectFrom('transfers')
        .innerJoin('claims', 'claims.id', 'transfers.claimId')
        .innerJoin('debtors', 'debtors.id', 'transfers.debtorId')
        .select([
          'claims.paymentId',
          'claims.legalKind',
          'claims.title',
          'debtors.cprEncrypted',
          'debtors.name',
          'transfers.amount',
        ])
        .where('transfers.municipality', '=', options.municipality)
        .where('transfers.transferredOn', '=', options.date)
        .orderBy('transfers.id')
        .execute()
      const quote = (v: string | null) => `"${(v ?? '').replaceAll('"', '""')}"`
      const cpr = (encrypted: string | null) => cprOf(services.cprVault, encrypted) ?? ''
      console.log('betalings_id;kravtype;tekst;cpr;navn;beloeb_oere')
      for (const r of rows) {
        console.log(
          [r.paymentId, r.legalKind, quote(r.title), cpr(r.cprEncrypted), quote(r.name), r.amount].join(';'),
        )
      }
    })
  })

const report = program.command('report').description('reports')
report
  .command('reconciliation')
  .requiredOption('--municipality <code>', 'kobenhavn, gentofte, naestved, koge')
  .option('--date <date>', 'business date (default today)', dateOption)
  .description(
    "the receivables ledger of a day: each account's opening, debits, credits and closing; exits 1 unless it balances",
  )
  .action(async (options: { municipality: string; date?: string }) => {
    await withServices(async (services) => {
      requireReceivables(services, options.municipality)
      const { reconcile } = await import('./receivables/reconciliation.ts')
      const result = await reconcile(
        services.db,
        options.municipality,
        options.date ?? localDateOf(systemClock.now()),
      )
      const kr = (ore: number) => {
        const abs = Math.abs(ore)
        return `${ore < 0 ? '-' : ''}${Math.floor(abs / 100)},${String(abs % 100).padStart(2, '0')}`.padStart(
          14,
        )
      }
      console.log(`Afstemning ${result.municipality} ${result.date}`)
      console.log(
        `${'konto'.padEnd(28)}${'primo'.padStart(14)}${'debet'.padStart(14)}${'kredit'.padStart(14)}${'ultimo'.padStart(14)}`,
      )
      for (const a of result.accounts) {
        console.log(`${a.account.padEnd(28)}${kr(a.opening)}${kr(a.debits)}${kr(a.credits)}${kr(a.closing)}`)
      }
      console.log(`${'i alt'.padEnd(42)}${kr(result.totalDebits)}${kr(result.totalCredits)}`)
      for (const c of result.checks)
        console.log(`${c.ok ? 'ok  ' : 'FEJL'} ${c.name}: ${kr(c.ledger)} / ${kr(c.actual)}`)
      console.log(result.ok ? 'Afstemningen stemmer.' : 'Afstemningen stemmer IKKE.')
      if (!result.ok) process.exitCode = 1
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
    const output = await runScenario(scenario, {
      baseDir: dirname(resolve(file)),
      ...(onDay ? { onDay } : {}),
    })
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
  if (error instanceof BackupError) {
    console.error(`laan: ${error.message}`)
    process.exit(1)
  }
  if (error instanceof Error && 'code' in error && error.code === 'ENOENT') {
    console.error(`laan: ${error.message}`)
    process.exit(2)
  }
  throw error
}
