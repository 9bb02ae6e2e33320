import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { addItem } from '../catalogue/catalogue-service.ts'
import { runCheckin, runCheckout } from '../circulation/circulation-edge.ts'
import { RefusalError } from '../circulation/refusal.ts'
import type { DatabaseHandle } from '../db/database.ts'
import { openMemoryDatabase } from '../db/pglite-template.ts'
import { registerPatron } from '../patrons/patron-service.ts'
import { importBankFile } from '../receivables/bank-import.ts'
import { ReceivablesRefusal } from '../receivables/receivables-refusal.ts'
import { createServices, type Services } from '../services.ts'
import { SimulatedClock } from '../shared/clock.ts'
import { addDays, instantOfLocal, type LocalDate, localDateOf } from '../shared/time.ts'
import { collectScenarioOutput, type ScenarioOutput } from './scenario-output.ts'
import type { Scenario, ScenarioEvent } from './scenario-schema.ts'

export interface ScenarioOptions {
  /** Called after each simulated day's nightly run (progress for long scenarios). */
  onDay?: (date: LocalDate) => void
  /** A database to run on instead of a fresh in-memory PGlite (tests use the server in CI). */
  database?: DatabaseHandle
  /** Where relative paths in events (a bank file) are read from: the scenario file's folder. */
  baseDir?: string
}

const NIGHTLY_TIME = '02:00'

/**
 * Replays a scenario in simulated time through the real services and the nightly job: the nightly run of
 * each local date from the first event's date through `until` runs at 02:00, interleaved with the events.
 */
export async function runScenario(
  scenario: Scenario,
  options: ScenarioOptions = {},
): Promise<ScenarioOutput> {
  const handle = options.database ?? (await openMemoryDatabase())
  try {
    const firstAt = scenario.events[0] ? new Date(scenario.events[0].at) : instantOfLocal(scenario.until)
    const clock = new SimulatedClock(firstAt)
    const services = await createServices({ db: handle.db, clock })
    const m = scenario.municipality
    await setUp(services, scenario)

    let nextNight: LocalDate = localDateOf(firstAt)
    const lastNight: LocalDate = scenario.until
    const runNightsThrough = async (instant: Date) => {
      while (nextNight <= lastNight && instantOfLocal(nextNight, NIGHTLY_TIME) <= instant) {
        clock.set(instantOfLocal(nextNight, NIGHTLY_TIME))
        await services.jobs.nightly(m, nextNight)
        options.onDay?.(nextNight)
        nextNight = addDays(nextNight, 1)
      }
    }

    const rejections: { event: number; reason: string }[] = []
    // Each loan's patron as the scenario's own checkout named it: the database drops the link 4 weeks
    // after the return (jobs/retention-job.ts), the replayed history still says who borrowed.
    const loanPatrons = new Map<number, string>()
    for (const [index, event] of scenario.events.entries()) {
      const at = new Date(event.at)
      await runNightsThrough(at)
      clock.set(at)
      try {
        await applyEvent(services, m, event, at, options.baseDir ?? process.cwd(), loanPatrons)
        // The notices an event causes (a reservation now on the hold shelf) go out at once.
        await services.jobs.notices(m)
      } catch (error) {
        if (error instanceof RefusalError || error instanceof ReceivablesRefusal) {
          rejections.push({ event: index, reason: error.code })
        } else throw error
      }
    }
    const endOfRun = new Date(instantOfLocal(addDays(scenario.until, 1)).getTime() - 1)
    await runNightsThrough(endOfRun)
    clock.set(endOfRun)
    const creditor = services.receivablesCatalog.inForce(m, scenario.until).creditorNumber.value
    return await collectScenarioOutput(
      handle.db,
      services.cprVault,
      scenario,
      rejections,
      creditor,
      loanPatrons,
    )
  } finally {
    if (!options.database) await handle.close()
  }
}

async function setUp(services: Services, scenario: Scenario): Promise<void> {
  const m = scenario.municipality
  await services.db.transaction().execute(async (trx) => {
    for (const p of guardiansFirst(scenario.patrons)) {
      await registerPatron(trx, services.cprVault, {
        municipality: m,
        at: services.clock.now(),
        cardNumber: p.id,
        name: p.name ?? p.id,
        birthDate: p.birthDate,
        cpr: p.cpr,
        email: p.email,
        phone: p.phone,
        remindersOptIn: p.remindersOptIn,
        digitalPost: p.digitalPost,
        noticeChannels: p.noticeChannels,
        language: p.language,
        guardian: p.guardian,
        trustGuardian: true,
      })
    }
    for (const item of scenario.items) {
      await addItem(trx, {
        municipality: m,
        barcode: item.id,
        title: item.title,
        author: item.author,
        materialType: item.materialType,
        units: item.units,
        price: item.price,
        referenceOnly: item.referenceOnly,
        ill: item.ill,
      })
    }
  })
}

/** One event, as its transport would run it (check-out and check-in first without locks, the rest in a transaction). */
async function applyEvent(
  services: Services,
  municipality: string,
  event: ScenarioEvent,
  at: Date,
  baseDir: string,
  loanPatrons: Map<number, string>,
): Promise<void> {
  const { circulation, db, receivables, claimActions } = services
  const claimOf = (e: { claim?: number | undefined; paymentId?: string | undefined }) =>
    e.paymentId ?? String(e.claim)
  switch (event.type) {
    case 'checkout': {
      const { loan } = await runCheckout(db, circulation, {
        municipality,
        patron: event.patron,
        item: event.item,
        at,
      })
      loanPatrons.set(loan.id, event.patron)
      return
    }
    case 'checkin':
      await runCheckin(db, circulation, { municipality, item: event.item, at, receiptShown: event.receipt })
      return
    case 'bank-file':
      await importBankFile(services, municipality, readFileSync(resolve(baseDir, event.path), 'utf8'), at)
      return
  }
  await db.transaction().execute(async (trx) => {
    switch (event.type) {
      case 'renew':
        await circulation.renew(trx, { municipality, item: event.item, patron: event.patron, at })
        return
      case 'reserve':
        await circulation.reserve(trx, { municipality, patron: event.patron, item: event.item, at })
        return
      case 'cancel-reservation':
        await circulation.cancelReservation(trx, { municipality, patron: event.patron, item: event.item, at })
        return
      case 'pay':
        await services.fees.pay(trx, {
          municipality,
          patron: event.patron,
          amount: event.amount,
          channel: event.channel,
          at,
        })
        return
      case 'pay-claim':
        await receivables.payClaim(trx, {
          municipality,
          reference: claimOf(event),
          amount: event.amount,
          channel: event.channel,
          at,
        })
        return
      case 'apply-instalments':
        await claimActions.applyForInstalments(trx, {
          municipality,
          claim: claimOf(event),
          months: event.months,
          at,
        })
        return
      case 'extend-deadline':
        await claimActions.extendDeadline(trx, { municipality, claim: claimOf(event), days: event.days, at })
        return
      case 'appeal':
        await claimActions.fileAppeal(trx, { municipality, claim: claimOf(event), text: event.text, at })
        return
      case 'appeal-decision':
        await claimActions.decideAppeal(trx, {
          municipality,
          claim: claimOf(event),
          outcome: event.outcome,
          amount: event.amount,
          decision: event.decision,
          at,
          actor: { kind: 'operator', name: 'scenario' },
        })
        return
      case 'betalingsservice':
        await claimActions.registerBetalingsservice(trx, { municipality, claim: claimOf(event), at })
        return
      case 'payout': {
        const patron = await trx
          .selectFrom('patrons')
          .select('id')
          .where('municipality', '=', municipality)
          .where('cardNumber', '=', event.patron)
          .executeTakeFirstOrThrow()
        const debtor = await receivables.debtorForPatron(trx, patron.id, localDateOf(at))
        await claimActions.offsetPayout(trx, {
          municipality,
          debtor,
          amount: event.amount,
          source: event.source,
          at,
        })
        return
      }
      case 'pause-billing':
        await receivables.pauseBilling(trx, {
          municipality,
          issuer: event.issuer,
          legalKind: event.legalKind,
          reason: event.reason ?? 'Opkrævningen er sat i bero',
          at,
        })
        return
      case 'resume-billing':
        await receivables.resumeBilling(trx, {
          municipality,
          issuer: event.issuer,
          legalKind: event.legalKind,
          at,
        })
        return
      case 'report-card-lost':
        await circulation.reportCardLost(trx, { municipality, patron: event.patron, at })
        return
    }
  })
}

/** Each guardian before the patrons it answers for, however long the chain (the schema refuses circles). */
function guardiansFirst<P extends { id: string; guardian?: string | undefined }>(patrons: readonly P[]): P[] {
  const byId = new Map(patrons.map((p) => [p.id, p]))
  const ordered: P[] = []
  const placed = new Set<string>()
  const place = (p: P) => {
    if (placed.has(p.id)) return
    placed.add(p.id)
    const guardian = p.guardian === undefined ? undefined : byId.get(p.guardian)
    if (guardian) place(guardian)
    ordered.push(p)
  }
  for (const p of patrons) place(p)
  return ordered
}
