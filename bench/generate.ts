import pg from 'pg'
import { openDatabase } from '../src/db/database.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { sealPlaintextCpr } from '../src/patrons/cpr-at-rest.ts'
import { createCprVault } from '../src/patrons/cpr-vault.ts'
import { PolicyCatalog } from '../src/policy/policy-catalog.ts'
import { readPolicyFiles } from '../src/policy/policy-files.ts'
import { isBankDay } from '../src/receivables/bank-days.ts'
import { createServices } from '../src/services.ts'
import { systemClock } from '../src/shared/clock.ts'
import { addDays, localDateOf } from '../src/shared/time.ts'
import { checkReceivables } from './check-receivables.ts'
import { databaseUrl } from './options.ts'
import {
  BULK_SESSION,
  loadReceivables,
  RECEIVABLES_TABLES,
  type ReceivablesInfo,
} from './receivables-data.ts'

export const MUNICIPALITY = 'kobenhavn'

/** What a complete bench database holds; stored as the database's comment, written last. */
export interface BenchDataInfo {
  kind: 'laan-bench'
  version: number
  scale: number
  /** The business date the data is built around: the nightly run's date. */
  businessDate: string
  patrons: number
  items: number
  activeLoans: number
  overdueLoans: number
  pastLostThreshold: number
  returnedLoans: number
  charges: number
  pendingWarnings: number
  reservations: number
  /** København's receivables (Mit Betalingsoverblik): claims, and what the night's run is due to do. */
  receivables: ReceivablesInfo
  generatedAt: string
  generationSeconds: number
}

/** Bump when the generator changes what it builds, so old bench databases are rebuilt. */
const DATA_VERSION = 3

export interface Sizes {
  patrons: number
  items: number
  activeLoans: number
  returnedLoans: number
  reservations: number
  creditPayments: number
}

export function sizesFor(scale: number): Sizes {
  const items = Math.max(200, Math.round(2_000_000 * scale))
  return {
    patrons: Math.max(60, Math.round(600_000 * scale)),
    items,
    // One open loan per even-numbered item, so at most half the items.
    activeLoans: Math.min(Math.floor(items / 2), Math.max(100, Math.round(1_000_000 * scale))),
    returnedLoans: Math.max(30, Math.round(300_000 * scale)),
    reservations: Math.max(2, Math.round(20_000 * scale)),
    creditPayments: Math.max(1, Math.round(1_000 * scale)),
  }
}

const log = (message: string) => console.log(`[generate] ${message}`)

export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`
}

export async function readDataInfo(serverUrl: string, database: string): Promise<BenchDataInfo | null> {
  return withClient(databaseUrl(serverUrl, 'postgres'), async (client) => {
    const { rows } = await client.query<{ comment: string | null }>(
      `select shobj_description(oid, 'pg_database') as comment from pg_database where datname = $1`,
      [database],
    )
    const comment = rows[0]?.comment
    if (!comment) return null
    try {
      const info = JSON.parse(comment) as BenchDataInfo
      return info.kind === 'laan-bench' ? info : null
    } catch {
      return null
    }
  })
}

export async function dropDatabase(serverUrl: string, database: string): Promise<void> {
  await withClient(databaseUrl(serverUrl, 'postgres'), (client) =>
    client.query(`drop database if exists ${database} with (force)`),
  )
}

/** A fresh copy of the bench database for one run (the nightly run and the HTTP test change data). */
export async function copyDatabase(serverUrl: string, template: string, copy: string): Promise<number> {
  const started = performance.now()
  await withClient(databaseUrl(serverUrl, 'postgres'), async (client) => {
    await client.query(`drop database if exists ${copy} with (force)`)
    await client.query(`create database ${copy} template ${template} strategy file_copy`)
  })
  return (performance.now() - started) / 1000
}

/**
 * Indexes the migrations lack, found by this bench (see bench/README.md). Only with --suggested-indexes,
 * and only on the working copy.
 */
export const SUGGESTED_INDEXES = [
  // checkin (and the found-item path) look up the item's open loan with status in ('active', 'lost'),
  // which neither partial index can serve: without it every checkin scans the whole loans table.
  'create index if not exists bench_loans_item on loans (item_id)',
]

export async function createSuggestedIndexes(serverUrl: string, database: string): Promise<void> {
  await withClient(databaseUrl(serverUrl, database), async (client) => {
    for (const statement of SUGGESTED_INDEXES) {
      const started = performance.now()
      await client.query(statement)
      log(`${statement} (${((performance.now() - started) / 1000).toFixed(1)} s)`)
    }
    await client.query('analyze loans')
  })
}

/** Reuses a complete bench database of the same scale, or builds one. */
export async function ensureBenchData(
  serverUrl: string,
  database: string,
  scale: number,
  regenerate: boolean,
): Promise<{ info: BenchDataInfo; reused: boolean }> {
  const existing = await readDataInfo(serverUrl, database)
  if (
    existing &&
    !regenerate &&
    existing.scale === scale &&
    existing.version === DATA_VERSION &&
    existing.kind === 'laan-bench'
  ) {
    log(
      `reusing ${database} (scale ${scale}, generated ${existing.generatedAt}, business date ${existing.businessDate}); --regenerate to rebuild`,
    )
    // Migrations added since the data were made run once here, not in every measured run on a copy.
    const handle = await openDatabase({ url: databaseUrl(serverUrl, database) })
    try {
      const applied = await migrateToLatest(handle.db as never)
      if (applied.length > 0) log(`migrated ${database}: ${applied.join(', ')}`)
      const sealed = await sealPlaintextCpr(handle.db, createCprVault())
      if (sealed > 0) log(`encrypted ${sealed} CPR numbers of ${database}`)
    } finally {
      await handle.close()
    }
    return { info: existing, reused: true }
  }
  if (existing) log(`rebuilding ${database}: ${regenerate ? '--regenerate' : 'different scale or version'}`)
  return { info: await generate(serverUrl, database, scale), reused: false }
}

async function generate(serverUrl: string, database: string, scale: number): Promise<BenchDataInfo> {
  const started = performance.now()
  const sizes = sizesFor(scale)
  // The latest bank day up to today: on a weekend or holiday no payouts to NemKonto fall due.
  let businessDate = localDateOf(systemClock.now())
  while (!isBankDay(businessDate)) businessDate = addDays(businessDate, -1)
  log(
    `building ${database} at scale ${scale}: ${sizes.patrons.toLocaleString('en')} patrons, ` +
      `${sizes.items.toLocaleString('en')} items, ${sizes.activeLoans.toLocaleString('en')} open loans; business date ${businessDate}`,
  )
  await dropDatabase(serverUrl, database)
  await withClient(databaseUrl(serverUrl, 'postgres'), (client) =>
    client.query(`create database ${database}`),
  )

  // The schema and the policies exactly as the service makes them.
  const url = databaseUrl(serverUrl, database)
  const handle = await openDatabase({ url })
  try {
    await createServices({ db: handle.db, clock: systemClock })
  } finally {
    await handle.close()
  }
  log('schema migrated and policies installed by createServices')

  const info = await withClient(url, (client) => load(client, url, sizes, businessDate, scale))
  const generationSeconds = (performance.now() - started) / 1000
  // The receivables must reconcile as the service sees them; checked here at small scales (~16 s at
  // scale 1: bench/check-receivables.ts).
  if (scale <= 0.1) {
    const check = await checkReceivables(url, businessDate)
    for (const line of check.lines) log(`reconciliation: ${line}`)
    if (!check.ok)
      throw new Error(`the generated receivables do not reconcile; ${database} is left incomplete`)
    log(`reconciliation ok (${check.seconds.toFixed(1)} s)`)
  }
  const complete: BenchDataInfo = {
    kind: 'laan-bench',
    version: DATA_VERSION,
    scale,
    businessDate,
    ...info,
    generatedAt: new Date().toISOString(),
    generationSeconds: Math.round(generationSeconds * 10) / 10,
  }
  // Written last: a database without this comment is incomplete and gets rebuilt.
  await withClient(databaseUrl(serverUrl, 'postgres'), (client) =>
    client.query(`comment on database ${database} is ${quoteLiteral(JSON.stringify(complete))}`),
  )
  log(`done in ${generationSeconds.toFixed(1)} s`)
  return complete
}

const BULK_TABLES = [
  'patrons',
  'items',
  'loans',
  'charges',
  'reservations',
  'exclusion_warnings',
  'blocks',
  'notices',
  'payments',
  ...RECEIVABLES_TABLES,
]

const FIRST_NAMES = [
  'Anna',
  'Mette',
  'Karen',
  'Sofie',
  'Ida',
  'Emma',
  'Freja',
  'Clara',
  'Laura',
  'Maja',
  'Signe',
  'Line',
  'Hanne',
  'Kirsten',
  'Lone',
  'Peter',
  'Jens',
  'Lars',
  'Henrik',
  'Søren',
  'Niels',
  'Mads',
  'Rasmus',
  'Frederik',
  'William',
  'Oliver',
  'Noah',
  'Emil',
  'Magnus',
  'Mikkel',
  'Ahmad',
  'Fatima',
  'Yasmin',
  'Ali',
  'Nour',
  'Oskar',
  'Villads',
  'Asta',
  'Alma',
  'Karl',
]
const LAST_NAMES = [
  'Nielsen',
  'Jensen',
  'Hansen',
  'Pedersen',
  'Andersen',
  'Christensen',
  'Larsen',
  'Sørensen',
  'Rasmussen',
  'Jørgensen',
  'Petersen',
  'Madsen',
  'Kristensen',
  'Olsen',
  'Thomsen',
  'Christiansen',
  'Poulsen',
  'Johansen',
  'Møller',
  'Mortensen',
  'Knudsen',
  'Jakobsen',
  'Mikkelsen',
  'Frederiksen',
  'Holm',
  'Østergaard',
  'Dahl',
  'Lund',
  'Bach',
  'Kjær',
]
const TITLE_WORDS_A = [
  'Kongens',
  'Det forsømte',
  'Den lille',
  'Havets',
  'Byens',
  'Nattens',
  'Sommerens',
  'Vinterens',
  'Den sidste',
  'Det gamle',
  'Skyggernes',
  'Lysets',
  'Den store',
  'Min fars',
  'Hendes',
  'Fjordens',
  'Hedens',
  'Skovens',
  'Et år med',
  'Historien om',
]
const TITLE_WORDS_B = [
  'fald',
  'forår',
  'havfrue',
  'hemmelighed',
  'hus',
  'rejse',
  'børn',
  'sang',
  'have',
  'drøm',
  'vej',
  'ø',
  'by',
  'fyr',
  'vind',
  'kort',
  'bog',
  'stemme',
  'nat',
  'tid',
  'sø',
  'bro',
  'sommer',
  'gade',
  'mølle',
]
const AUTHORS = [
  'Johannes V. Jensen',
  'Karen Blixen',
  'Tove Ditlevsen',
  'H.C. Andersen',
  'Herman Bang',
  'Jussi Adler-Olsen',
  'Sara Blædel',
  'Helle Helle',
  'Peter Høeg',
  'Dorthe Nors',
  'Jens Christian Grøndahl',
  'Ida Jessen',
  'Kim Leine',
  'Yahya Hassan',
  'Naja Marie Aidt',
  'Carsten Jensen',
  'Josefine Klougart',
  'Morten Pape',
  'Kirsten Thorup',
  'Henrik Pontoppidan',
]

/** Share of the collection per material type, in per mille (sums to 1000). */
const MATERIAL_MIX: ReadonlyArray<readonly [string, number]> = [
  ['book', 580],
  ['quick-loan', 30],
  ['comic', 60],
  ['magazine', 50],
  ['bound-volume', 5],
  ['composite', 10],
  ['language-course-av', 5],
  ['audiobook', 60],
  ['music', 50],
  ['film', 60],
  ['game', 20],
  ['cd-rom', 5],
  ['art-print', 5],
  ['newspaper', 20],
  ['other', 40],
]

function sqlArray(values: readonly string[]): string {
  return `array[${values.map(quoteLiteral).join(',')}]`
}

function materialCase(column: string): string {
  let cumulative = 0
  const whens = MATERIAL_MIX.map(([type, share]) => {
    cumulative += share
    return `when ${column} < ${cumulative / 1000} then '${type}'`
  })
  return `case ${whens.join(' ')} else 'other' end`
}

async function load(
  client: pg.Client,
  url: string,
  sizes: Sizes,
  d: string,
  scale: number,
): Promise<
  Omit<BenchDataInfo, 'kind' | 'version' | 'scale' | 'businessDate' | 'generatedAt' | 'generationSeconds'>
> {
  const step = async (label: string, text: string, params: unknown[] = []) => {
    const t = performance.now()
    const result = await client.query(text, params)
    log(
      `${label}${result.rowCount ? `: ${result.rowCount.toLocaleString('en')} rows` : ''} (${((performance.now() - t) / 1000).toFixed(1)} s)`,
    )
    return result
  }
  const P = sizes.patrons
  const N = sizes.items
  const L = sizes.activeLoans
  const H = sizes.returnedLoans
  const D = `date ${quoteLiteral(d)}`
  const M = quoteLiteral(MUNICIPALITY)
  const titles = Math.max(10, Math.floor(N / 3))

  // Bulk load: no per-row foreign key triggers (the data is consistent by construction), no WAL flush per
  // statement, and secondary indexes built once at the end instead of row by row.
  for (const setting of BULK_SESSION) await client.query(setting)
  // The receivables plan lives in temporary tables: kept in memory rather than spilled in 8 MB of buffers.
  await client.query(`set temp_buffers = '2GB'`)
  await client.query(`select setseed(0.42)`)
  const { rows: indexes } = await client.query<{ name: string; def: string; table: string }>(
    `select i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as def, t.relname as table
       from pg_index i join pg_class t on t.oid = i.indrelid
      where t.relname = any($1) and t.relnamespace = 'public'::regnamespace
        and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid)`,
    [BULK_TABLES],
  )
  for (const index of indexes) await client.query(`drop index ${index.name}`)
  log(`dropped ${indexes.length} secondary indexes for the load`)

  // Patrons: every 4th a child (0–17 years), half of those with a guardian (the adult just before);
  // adults 18–90, half of them with a CPR number. Card numbers are 10 digits. The CPR numbers are made in
  // clear in a column of the earlier schema, then encrypted and hashed as a start of the service would.
  await step('patrons: plaintext CPR column for the load', 'alter table patrons add column cpr text')
  await step(
    'patrons',
    `insert into patrons (id, municipality, card_number, cpr, birth_date, name, pin_hash, email, phone,
                          reminders_opt_in, digital_post, guardian_id, card_lost_at, created_at)
     select g, ${M}, (1000000000 + g)::text,
            case when g % 4 <> 0 and g % 2 = 1 then to_char(bd, 'DDMMYY') || lpad((g % 10000)::text, 4, '0') end,
            bd,
            (${sqlArray(FIRST_NAMES)})[1 + (g::bigint * 7919) % ${FIRST_NAMES.length}] || ' ' ||
              (${sqlArray(LAST_NAMES)})[1 + (g::bigint * 104729) % ${LAST_NAMES.length}],
            null,
            case when r2 < 0.75 then 'laaner' || g || '@example.dk' end,
            case when r3 < 0.6 then '+45' || (20000000 + g)::text end,
            r2 < 0.5,
            r3 > 0.04,
            case when g % 8 = 0 then g - 1 end,
            case when g % 331 = 0 then (${D} - 40)::timestamp at time zone 'Europe/Copenhagen' end,
            -- Registered within the last 2 years: the nightly runs before have deleted those idle longer (002).
            (${D} - (r2 * 730)::int)::timestamp at time zone 'Europe/Copenhagen'
       from (select g, random() as r1, random() as r2, random() as r3,
                    case when g % 4 = 0 then ${D} - (365 + floor(random() * (17 * 365 - 375)))::int
                         else ${D} - (18 * 365 + 10 + floor(random() * 72 * 365))::int end as bd
               from generate_series(1, ${P}) g) s`,
  )

  // A CPR number is one person's: the few made twice (same birthday and id digits) are left out.
  await step(
    'patrons: repeated CPR numbers removed',
    `update patrons set cpr = null
      where id in (select id from (select id, row_number() over (partition by cpr order by id) as n
                                     from patrons where cpr is not null) s where n > 1)`,
  )
  {
    const t = performance.now()
    const handle = await openDatabase({ url })
    try {
      const sealed = await sealPlaintextCpr(handle.db, createCprVault())
      log(
        `patrons: ${sealed.toLocaleString('en')} CPR numbers encrypted (${((performance.now() - t) / 1000).toFixed(1)} s)`,
      )
    } finally {
      await handle.close()
    }
  }

  // Items: the material mix of a public library, about three copies per title, 60 % with their own price,
  // audiobooks of several discs, a few interlibrary loans, and the odd-numbered newspapers and bound
  // volumes reference-only. Even-numbered items 2, 4, … 2L are on loan.
  await step(
    'items',
    `insert into items (id, municipality, barcode, title, author, material_type, units, price, reference_only,
                        ill_lending_library, ill_loan_days, ill_max_renewals, ill_price, status)
     select g, ${M}, (5000000000 + g)::text,
            (${sqlArray(TITLE_WORDS_A)})[1 + t % ${TITLE_WORDS_A.length}] || ' ' ||
              (${sqlArray(TITLE_WORDS_B)})[1 + (t / ${TITLE_WORDS_A.length}) % ${TITLE_WORDS_B.length}] ||
              case when t >= ${TITLE_WORDS_A.length * TITLE_WORDS_B.length}
                   then ' ' || (t / ${TITLE_WORDS_A.length * TITLE_WORDS_B.length} + 1)::text else '' end,
            (${sqlArray(AUTHORS)})[1 + (t * 31) % ${AUTHORS.length}],
            mt,
            case mt when 'audiobook' then 1 + floor(r3 * 12)::int
                    when 'language-course-av' then 1 + floor(r3 * 4)::int else 1 end,
            case when r3 < 0.6 then 4900 + (floor(r3 * 1000000)::int % 45000) end,
            g % 2 = 1 and mt in ('newspaper', 'bound-volume'),
            case when ill then 'Aarhus Kommunes Biblioteker' end,
            case when ill then 28 end,
            case when ill then 1 end,
            case when ill then 45000 end,
            case when g % 2 = 0 and g / 2 <= ${L} then 'on-loan' else 'available' end
       from (select g, mt, r3, t, g % 2 = 0 and r3 > 0.997 as ill
               from (select g, ${materialCase('r1')} as mt, random() as r3, floor(random() * ${titles})::int as t
                       from (select g, random() as r1 from generate_series(1, ${N}) g) a) b) c`,
  )

  // Open loans: loan k lends item 2k to a patron (heavy borrowers at low ids). 5 % overdue (every 20th):
  // 70 % of those 1–30 days, 30 % 31–120 days, i.e. past København's lost threshold of 31 days.
  // The rest fall due within the next 28 days; a fifth of them renewed once or twice.
  await step(
    'open loans',
    `insert into loans (id, municipality, item_id, patron_id, checked_out_at, due_date, renewals, status)
     select k, ${M}, 2 * k, patron,
            ((due - 28 * (1 + renewals))::timestamp + interval '10 hours' + r4 * interval '9 hours')
              at time zone 'Europe/Copenhagen',
            due, renewals, 'active'
       from (select k, patron, r4,
                    case when k % 20 = 0 then 0 else renewals end as renewals,
                    case when k % 20 <> 0 then ${D} + floor(r2 * 28)::int
                         when r2 < 0.7 then ${D} - 1 - floor(r3 * 30)::int
                         else ${D} - 31 - floor(r3 * 90)::int end as due
               from (select k, least(${P}, 1 + floor(${P} * power(random(), 1.3))::int) as patron,
                            random() as r2, random() as r3, random() as r4,
                            case when random() < 0.8 then 0 when random() < 0.75 then 1 else 2 end as renewals
                       from generate_series(1, ${L}) k) a) b`,
  )

  // History: returned loans of the last year on any lendable item, a tenth of them returned late.
  await step(
    'returned loans',
    `insert into loans (id, municipality, item_id, patron_id, checked_out_at, due_date, renewals, returned_at, status)
     select ${L} + h, ${M}, item, patron, out_at, (out_at at time zone 'Europe/Copenhagen')::date + 28, 0,
            out_at + (28 + late) * interval '1 day' - r5 * interval '2 hours', 'returned'
       from (select h, r5,
                    1 + 2 * floor(random() * ${Math.floor(N / 2)})::int as item,
                    1 + floor(random() * ${P})::int as patron,
                    ((${D} - 75 - floor(random() * 290)::int)::timestamp + interval '11 hours')
                      at time zone 'Europe/Copenhagen' as out_at,
                    case when random() < 0.9 then -floor(random() * 20)::int
                         when random() < 0.5 then 1 + floor(random() * 7)::int
                         when random() < 0.7 then 8 + floor(random() * 23)::int
                         else 31 + floor(random() * 15)::int end as late
               from (select h, random() as r5 from generate_series(1, ${H}) h) a) b`,
  )

  // Overdue fees of the late returns, by København's tiers for adults and children; 75 % paid.
  await step(
    'charges',
    `insert into charges (municipality, patron_id, loan_id, item_id, kind, amount, paid, status, charge_date,
                          created_at, policy_version, rule, due_date, days_overdue, explanation, details, settled_at)
     select ${M}, patron_id, id, item_id, 'overdue-fee', amount,
            case when paid then amount else 0 end, case when paid then 'paid' else 'open' end,
            returned_on, returned_at, 1, 'overdue-fee-on-return', due_date, days,
            'Afleveret ' || days || ' dage for sent (frist ' || to_char(due_date, 'DD.MM.YYYY') || '). Takst for ' ||
              case when child then 'børn' else 'voksne' end || ': ' || amount / 100 || ' kr. Kilde: Københavns Bibliotekers låneregler.',
            jsonb_build_object('category', case when child then 'child' else 'adult' end,
                               'tier', case when days <= 7 then 0 when days <= 30 then 1 else 2 end,
                               'tariff', 'overdueFees.' || case when child then 'child' else 'adult' end),
            case when paid then returned_at + interval '3 days' end
       from (select l.id, l.patron_id, l.item_id, l.due_date, l.returned_at, days, random() < 0.75 as paid,
                    (l.returned_at at time zone 'Europe/Copenhagen')::date as returned_on,
                    p.birth_date > l.due_date - interval '18 years' as child,
                    case when p.birth_date > l.due_date - interval '18 years'
                         then case when days <= 7 then 1000 when days <= 30 then 5500 else 12000 end
                         else case when days <= 7 then 2000 when days <= 30 then 12000 else 23000 end end as amount
               from loans l join patrons p on p.id = l.patron_id,
                    lateral (select (l.returned_at at time zone 'Europe/Copenhagen')::date - l.due_date as days) d
              where l.status = 'returned' and days > 0) s`,
  )

  // København's receivables: the claims of these charges and of the late returns and lost items of the
  // last 90 days, as the nightly runs and payments up to yesterday left them (receivables-data.ts).
  const receivables = await loadReceivables(client, {
    url,
    log,
    municipality: MUNICIPALITY,
    businessDate: d,
    patrons: P,
    items: N,
    scale,
  })

  // The fee block rule (København: a written warning once the open overdue and dunning fees reach 200 kr,
  // the exclusion 7 days later): each patron over the threshold was warned on the day the open fees,
  // counted in date order, reached it; executed by the nightly run once the notice period was over, so
  // those warned exactly `noticeDays` ago are excluded by tonight's run.
  const rule = new PolicyCatalog(readPolicyFiles()).inForce(MUNICIPALITY, d).blocks.fees.value
  if (rule.kind !== 'exclusion-after-notice') throw new Error(`the bench expects København's exclusion rule`)
  await step(
    'exclusion warnings',
    `insert into exclusion_warnings (municipality, patron_id, warned_at, warned_on, status)
     select ${M}, patron_id, (on_date::timestamp + interval '2 hours') at time zone 'Europe/Copenhagen', on_date,
            case when on_date + ${rule.noticeDays} <= ${D} - 1 then 'executed' else 'pending' end
       from (select patron_id, min(charge_date) filter (where running >= ${rule.threshold}) as on_date
               from (select patron_id, charge_date,
                            sum(amount - paid) over (partition by patron_id order by charge_date, id) as running
                       from charges
                      where municipality = ${M} and status = 'open'
                        and kind in (${rule.countedKinds.map(quoteLiteral).join(', ')})) s
              group by patron_id) t
      where on_date is not null`,
  )
  const { rows: exclusions } = await client.query<{ n: number }>(
    `select count(*)::int as n from exclusion_warnings where status = 'pending' and warned_on + ${rule.noticeDays} <= ${D}`,
  )
  receivables.dueTonight.exclusions = exclusions[0]?.n ?? 0
  await step(
    'blocks',
    `insert into blocks (municipality, patron_id, reason, from_at)
     select ${M}, patron_id, 'exclusion', warned_at + interval '7 days' from exclusion_warnings where status = 'executed'`,
  )
  await step(
    'notices',
    `insert into notices (municipality, patron_id, kind, channel, send_at, items, dedupe_key, status)
     select ${M}, w.patron_id, 'exclusion-warning', case when p.digital_post then 'digital-post' else 'letter' end,
            w.warned_at, '[]', 'exclusion-warning:' || w.id, 'sent'
       from exclusion_warnings w join patrons p on p.id = w.patron_id`,
  )
  // A few patrons with credit (overpaid) and nothing open.
  await step(
    'payments',
    `insert into payments (municipality, patron_id, amount, received_at, unapplied)
     select ${M}, p.id, 5000, now() - interval '20 days', 5000
       from (select 1 + floor(random() * ${P})::int as id from generate_series(1, ${sizes.creditPayments})) p
      where not exists (select 1 from charges c where c.patron_id = p.id and c.status = 'open')`,
  )
  // Reservations waiting for titles that are on loan.
  await step(
    'reservations',
    `insert into reservations (municipality, title, patron_id, created_at, status)
     select ${M}, i.title, 1 + floor(random() * ${P})::int, now() - random() * interval '60 days', 'waiting'
       from (select 2 * (1 + floor(random() * ${L})::int) as item_id from generate_series(1, ${sizes.reservations})) r
       join items i on i.id = r.item_id`,
  )

  // What the nights before have left (the retention step): each patron's latest return kept on the patron,
  // and returned loans past the 28 days without their patron, so tonight unlinks one day's returns.
  await step(
    'retention of earlier nights: latest returns',
    `update patrons p set last_loan_at = s.last
       from (select patron_id, max(returned_at) as last from loans where status = 'returned' group by patron_id) s
      where p.id = s.patron_id`,
  )
  await step(
    'retention of earlier nights: loan links',
    `update loans set patron_id = null
      where status = 'returned'
        and returned_at < (${D} - 1 - 28)::timestamp at time zone 'Europe/Copenhagen'`,
  )

  for (const table of BULK_TABLES) {
    await client.query(
      `select setval(pg_get_serial_sequence('${table}', 'id'), greatest(1, (select coalesce(max(id), 0) from ${table})))`,
    )
  }
  await client.query(`set session_replication_role = origin`)
  const t = performance.now()
  // Two at a time, the largest tables first, on this connection and a second one.
  const { rows: sizesOf } = await client.query<{ table: string; bytes: string }>(
    `select relname as table, pg_relation_size(oid) as bytes from pg_class where relname = any($1)
        and relnamespace = 'public'::regnamespace`,
    [BULK_TABLES],
  )
  const bytesOf = new Map(sizesOf.map((row) => [row.table, Number(row.bytes)]))
  const queue = [...indexes].sort((a, b) => (bytesOf.get(b.table) ?? 0) - (bytesOf.get(a.table) ?? 0))
  const build = async (on: pg.Client) => {
    for (let index = queue.shift(); index; index = queue.shift()) await on.query(index.def)
  }
  await withClient(url, async (second) => {
    await second.query(`set maintenance_work_mem = '1GB'`)
    await Promise.all([build(client), build(second)])
  })
  log(`rebuilt ${indexes.length} secondary indexes (${((performance.now() - t) / 1000).toFixed(1)} s)`)
  await step('vacuum analyze', 'vacuum (analyze)')

  const { rows } = await client.query<Record<string, number>>(
    `select
       (select count(*) from patrons)::int as patrons,
       (select count(*) from items)::int as items,
       (select count(*) from loans where status = 'active')::int as "activeLoans",
       (select count(*) from loans where status = 'active' and due_date < ${D})::int as "overdueLoans",
       (select count(*) from loans where status = 'active' and due_date <= ${D} - 31)::int as "pastLostThreshold",
       (select count(*) from loans where status = 'returned')::int as "returnedLoans",
       (select count(*) from charges)::int as charges,
       (select count(*) from exclusion_warnings where status = 'pending')::int as "pendingWarnings",
       (select count(*) from reservations)::int as reservations`,
  )
  const counts = rows[0] as Record<string, number>
  log(`counts: ${JSON.stringify(counts)}`)
  return {
    patrons: counts.patrons ?? 0,
    items: counts.items ?? 0,
    activeLoans: counts.activeLoans ?? 0,
    overdueLoans: counts.overdueLoans ?? 0,
    pastLostThreshold: counts.pastLostThreshold ?? 0,
    returnedLoans: counts.returnedLoans ?? 0,
    charges: counts.charges ?? 0,
    pendingWarnings: counts.pendingWarnings ?? 0,
    reservations: counts.reservations ?? 0,
    receivables,
  }
}
