// The web part of the bench: Min side for a patron with 200 loans, on the working copy of the København-sized
// database (so every query meets the full tables). The pages are asked for in process (app.inject): the time
// is the server's own, from request to the last byte of the page. Target (issue 6): p95 under 50 ms.

import { openDatabase } from '../src/db/database.ts'
import { buildApp } from '../src/http/app.ts'
import { registerPatron } from '../src/patrons/patron-service.ts'
import { createServices } from '../src/services.ts'
import { systemClock } from '../src/shared/clock.ts'
import { summarizeLatency } from './latency.ts'

export interface WebFigures {
  loans: number
  requests: number
  p50Ms: number
  p95Ms: number
  p99Ms: number
  maxMs: number
  pageBytes: number
}

const MUNICIPALITY = 'kobenhavn'
const LOANS = 200
const REQUESTS = 500

export async function runWebBench(url: string): Promise<WebFigures> {
  const handle = await openDatabase({ url })
  try {
    const services = await createServices({ db: handle.db, clock: systemClock, config: undefined })
    const card = `webbench-${Date.now()}`
    await handle.db.transaction().execute(async (trx) => {
      await registerPatron(trx, services.cprVault, {
        municipality: MUNICIPALITY,
        cardNumber: card,
        birthDate: '1980-01-01',
        pin: '1234',
        name: 'Bench Læser',
        at: new Date(),
      })
      await trx
        .insertInto('items')
        .values(
          Array.from({ length: LOANS }, (_, i) => ({
            municipality: MUNICIPALITY,
            barcode: `${card}-${i}`,
            title: `Bænkens bog nummer ${i}`,
            author: 'Forfatter',
            materialType: 'book',
          })),
        )
        .execute()
    })
    for (let i = 0; i < LOANS; i++) {
      await handle.db.transaction().execute((trx) =>
        services.circulation.checkout(trx, {
          municipality: MUNICIPALITY,
          patron: card,
          item: `${card}-${i}`,
        }),
      )
    }
    const app = await buildApp(services)
    const form = await app.inject({ url: `/${MUNICIPALITY}/log-ind` })
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? ''
    const login = await app.inject({
      method: 'POST',
      url: `/${MUNICIPALITY}/log-ind`,
      headers: {
        cookie: form.cookies.map((c) => `${c.name}=${c.value}`).join('; '),
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams({ _csrf: csrf, identifier: card, pin: '1234' }).toString(),
    })
    const session = login.cookies.find((c) => c.name === 'laan_session')
    if (!session) throw new Error(`the bench patron could not log in (${login.statusCode})`)
    const cookie = `laan_session=${session.value}`
    const times: number[] = []
    let pageBytes = 0
    for (let i = 0; i < REQUESTS + 50; i++) {
      const started = performance.now()
      const page = await app.inject({ url: `/${MUNICIPALITY}/min-side`, headers: { cookie } })
      const ms = performance.now() - started
      if (page.statusCode !== 200) throw new Error(`Min side answered ${page.statusCode}`)
      pageBytes = page.body.length
      if (i >= 50) times.push(ms) // the first 50 warm up
    }
    await app.close()
    const latency = summarizeLatency(times)
    return {
      loans: LOANS,
      requests: REQUESTS,
      p50Ms: latency.p50,
      p95Ms: latency.p95,
      p99Ms: latency.p99,
      maxMs: latency.max,
      pageBytes,
    }
  } finally {
    await handle.close()
  }
}

export function printWebReport(figures: WebFigures): void {
  console.log(
    `\nWeb: Min side with ${figures.loans} loans, ${figures.requests} requests in process: ` +
      `p50 ${figures.p50Ms} ms, p95 ${figures.p95Ms} ms (target < 50), p99 ${figures.p99Ms} ms, max ${figures.maxMs} ms; ` +
      `page ${Math.round(figures.pageBytes / 1024)} KB`,
  )
}
