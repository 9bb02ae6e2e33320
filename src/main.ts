import { readFileSync } from 'node:fs'
import { Cron } from 'croner'
import type { FastifyBaseLogger } from 'fastify'
import { type Config, loadConfig } from './config.ts'
import { openDatabase } from './db/database.ts'
import { seedDemoData } from './demo/demo-data.ts'
import { buildApp } from './http/app.ts'
import { createServices, type Services } from './services.ts'
import { systemClock } from './shared/clock.ts'
import { localDateOf, TIME_ZONE } from './shared/time.ts'
import { createSip2Server } from './sip2/sip2-server.ts'

/** `npm start`: the API, the demo data on first start and the nightly run at 02:00 Copenhagen time. */
export async function startService(): Promise<void> {
  const config = loadConfig()
  const handle = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir })
  const services = await createServices({ db: handle.db, clock: systemClock, config })
  const https =
    config.tlsKeyFile && config.tlsCertFile
      ? { key: readFileSync(config.tlsKeyFile), cert: readFileSync(config.tlsCertFile) }
      : undefined
  const app = await buildApp(services, { logger: { level: config.logLevel }, https })
  await prepare(services, config, app.log)
  const sip2 =
    config.sip2Port === 0
      ? null
      : createSip2Server(services, {
          onError: (error) => app.log.error({ err: error }, 'SIP2 message failed'),
          // Machine, command, answer and time only: the codec never hands values (PINs, CPR) to the log.
          onMessage: (entry) => app.log.debug({ sip2: entry }, 'SIP2 message'),
        })
  const shutdown = async () => {
    await sip2?.close()
    await app.close()
    await handle.close()
    process.exit(0)
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
  await app.listen({ port: config.port, host: config.host })
  if (sip2) {
    const address = await sip2.listen(config.sip2Port, config.host)
    app.log.info({ sip2: address }, 'SIP2 server listening')
  }
}

/** Once per start: the key warning, demo data, the nightly scheduler. */
async function prepare(services: Services, config: Config, log: FastifyBaseLogger): Promise<void> {
  if (config.apiKeyIsDefault) {
    log.warn('LAAN_API_KEY is not set: staff calls accept the development key "laan-dev-key"')
  }
  if (config.cprKeyIsDefault) {
    log.warn('LAAN_CPR_KEY is not set: CPR numbers are encrypted with the public development key')
  }
  if (config.demoData) {
    const started = Date.now()
    const seeded = (await seedDemoData(services)).filter((r) => r.seeded)
    if (seeded.length > 0) log.info({ seeded, ms: Date.now() - started }, 'demo data installed')
  }
  if (config.scheduler) {
    new Cron('0 2 * * *', { timezone: TIME_ZONE, protect: true }, async () => {
      const date = localDateOf(systemClock.now())
      const municipalities = new Set([
        ...services.policies.municipalities(),
        ...services.receivablesCatalog.municipalities(),
      ])
      for (const municipality of [...municipalities].sort()) {
        try {
          const result = await services.jobs.nightly(municipality, date)
          log.info({ job: 'nightly', ...result }, 'nightly run finished')
        } catch (error) {
          log.error(
            { job: 'nightly', municipality, date, err: error },
            'nightly run failed; run it again to resume',
          )
        }
      }
    })
    // Every minute: reservations now on the hold shelf get their notice; new bills and letters are written to
    // the outbox and due notices sent. `protect` skips a minute while the previous delivery still runs.
    new Cron('* * * * *', { timezone: TIME_ZONE, protect: true }, async () => {
      const municipalities = new Set([
        ...services.policies.municipalities(),
        ...services.receivablesCatalog.municipalities(),
      ])
      for (const municipality of [...municipalities].sort()) {
        try {
          await services.jobs.notices(municipality)
          const { bills, notices } = await services.jobs.deliver(municipality)
          const done =
            (bills?.delivered ?? 0) + (bills?.failed ?? 0) + (notices?.sent ?? 0) + (notices?.failed ?? 0)
          if (done > 0)
            log.info({ job: 'deliver', municipality, bills, notices }, 'bills and notices delivered')
        } catch (error) {
          log.error(
            { job: 'deliver', municipality, err: error },
            'delivery failed; it runs again in a minute',
          )
        }
      }
    })
  }
}
