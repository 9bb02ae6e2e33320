import type { Kysely } from 'kysely'
import { MATERIAL_TYPES, type MaterialType } from '../catalogue/material-types.ts'
import type { Database, NewItem } from '../db/schema.ts'
import type { CprVault } from '../patrons/cpr-vault.ts'
import { hashPin, registerPatron } from '../patrons/patron-service.ts'
import type { Services } from '../services.ts'
import { kroner } from '../shared/money.ts'
import { hashSecret } from '../shared/password-hash.ts'
import { addDays, instantOfLocal, localDateOf } from '../shared/time.ts'
import { DEMO_TITLES, seededRandom } from './demo-catalogue.ts'

type Trx = Kysely<Database>

/** Every demo patron's PIN. */
export const DEMO_PIN = '1234'
export const DEMO_ITEMS_PER_TYPE = 24
/** The demo self-service machine of each municipality: login `automat-<municipality>`, this password. */
export const DEMO_SIP2_PASSWORD = 'demo'
/** The demo staff account of each municipality at the desk (/{municipality}/skranke), with every role. */
export const DEMO_STAFF_LOGIN = 'skranke'
export const DEMO_STAFF_PASSWORD = DEMO_SIP2_PASSWORD

const PREFIXES: Record<string, number> = { kobenhavn: 1, gentofte: 2, naestved: 3 }

interface DemoPatron {
  name: string
  birthDate: string
  email?: string
  phone?: string
  remindersOptIn?: boolean
  digitalPost?: boolean
  /** 1-based number of the guardian in this list. */
  guardian?: number
}

/** Numbered from 1: card number …0001 is Anna Jensen in every municipality. */
export const DEMO_PATRONS: readonly DemoPatron[] = [
  {
    name: 'Anna Jensen',
    birthDate: '1985-04-12',
    email: 'anna.jensen@example.dk',
    phone: '+4520000001',
    remindersOptIn: true,
  },
  { name: 'Mads Nielsen', birthDate: '1972-09-30', email: 'mads.nielsen@example.dk' },
  { name: 'Sofie Hansen', birthDate: '1993-01-17', phone: '+4520000003' },
  { name: 'Karen Larsen', birthDate: '1941-06-05', digitalPost: false },
  {
    name: 'Frederik Pedersen',
    birthDate: '1968-11-02',
    email: 'frederik.pedersen@example.dk',
    remindersOptIn: true,
  },
  {
    name: 'Mette Rasmussen',
    birthDate: '1979-03-23',
    email: 'mette.rasmussen@example.dk',
    phone: '+4520000006',
  },
  { name: 'Lars Jørgensen', birthDate: '1956-07-14', phone: '+4520000007' },
  { name: 'Freja Christensen', birthDate: '2001-10-10', email: 'freja.christensen@example.dk' },
  { name: 'Ida Jensen', birthDate: '2015-08-09', guardian: 1 },
  { name: 'Oscar Jensen', birthDate: '2012-02-28', guardian: 1 },
  { name: 'Emma Nielsen', birthDate: '2010-05-19', guardian: 2 },
  { name: 'William Rasmussen', birthDate: '2009-12-01', guardian: 6, email: 'william.r@example.dk' },
]

function prefixOf(municipality: string, all: readonly string[]): number {
  return PREFIXES[municipality] ?? 4 + all.indexOf(municipality)
}

/** Card number n (1-based) of a municipality's demo patrons, e.g. 1000000001 in København. */
export function demoCardNumber(prefix: number, n: number): string {
  return `${prefix}${String(n).padStart(9, '0')}`
}

/** Barcode n (1-based) of a municipality's demo items, e.g. 5100000001 in København. */
export function demoBarcode(prefix: number, n: number): string {
  return `5${prefix}${String(n).padStart(8, '0')}`
}

function demoItem(
  municipality: string,
  barcode: string,
  type: MaterialType,
  copy: number,
  random: () => number,
): NewItem {
  const titles = DEMO_TITLES[type]
  const [title, author] = titles[copy % titles.length] ?? ['Uden titel', null]
  const ill = type === 'book' && copy >= DEMO_ITEMS_PER_TYPE - 2
  return {
    municipality,
    barcode,
    title: ill ? `${title} (fjernlån)` : title,
    author,
    materialType: type,
    units: type === 'audiobook' ? 4 + Math.floor(random() * 9) : 1,
    price: type === 'book' && random() < 0.4 ? kroner(199 + Math.floor(random() * 200)) : null,
    // The newest issue of a magazine stays in the library.
    referenceOnly: type === 'magazine' && copy < titles.length,
    illLendingLibrary: ill ? 'Aarhus Kommunes Biblioteker' : null,
    illLoanDays: ill ? 30 : null,
    illMaxRenewals: ill ? 1 : null,
    illPrice: ill ? kroner(350) : null,
    // DK5 for the FBS kiosks: the demo titles of books, comics and audiobooks are fiction.
    dk5: ['book', 'quick-loan', 'comic', 'audiobook'].includes(type) ? 'sk' : null,
  }
}

/** The demo catalogue of one municipality: DEMO_ITEMS_PER_TYPE items of every material type. */
export function demoItems(municipality: string, prefix: number): NewItem[] {
  const random = seededRandom(prefix * 7919)
  const items: NewItem[] = []
  for (const type of MATERIAL_TYPES) {
    for (let copy = 0; copy < DEMO_ITEMS_PER_TYPE; copy++) {
      items.push(demoItem(municipality, demoBarcode(prefix, items.length + 1), type, copy, random))
    }
  }
  return items
}

async function insertPatrons(
  trx: Trx,
  cprVault: CprVault,
  municipality: string,
  prefix: number,
  pinHash: string,
  at: Date,
) {
  for (const [index, patron] of DEMO_PATRONS.entries()) {
    await registerPatron(trx, cprVault, {
      municipality,
      at,
      cardNumber: demoCardNumber(prefix, index + 1),
      name: patron.name,
      birthDate: patron.birthDate,
      pinHash,
      email: patron.email ?? null,
      phone: patron.phone ?? null,
      remindersOptIn: patron.remindersOptIn ?? false,
      digitalPost: patron.digitalPost ?? true,
      guardian: patron.guardian === undefined ? undefined : demoCardNumber(prefix, patron.guardian),
      address: { street: `Bibliotekvej ${index + 1}`, postalCode: '2000', city: 'Frederiksberg' },
    })
  }
}

async function insertItems(trx: Trx, items: readonly NewItem[]) {
  for (let i = 0; i < items.length; i += 200) {
    await trx
      .insertInto('items')
      .values(items.slice(i, i + 200))
      .execute()
  }
}

/** Opening hours, `days` days before today (Copenhagen time). */
const daysAgo = (now: Date, days: number, time = '10:30') =>
  instantOfLocal(addDays(localDateOf(now), -days), time)

/**
 * A few loans in different states, dated back from now: an active loan, an overdue loan, a late return
 * with its fee, a child's loan, and a reservation held on the shelf.
 */
async function insertLoans(services: Services, trx: Trx, municipality: string, prefix: number) {
  const now = services.clock.now()
  const card = (n: number) => demoCardNumber(prefix, n)
  const item = (n: number) => demoBarcode(prefix, n)
  const { circulation } = services
  const firstComic = MATERIAL_TYPES.indexOf('comic') * DEMO_ITEMS_PER_TYPE + 1
  await circulation.checkout(trx, { municipality, patron: card(1), item: item(1), at: daysAgo(now, 5) })
  await circulation.checkout(trx, { municipality, patron: card(2), item: item(2), at: daysAgo(now, 45) })
  await circulation.checkout(trx, { municipality, patron: card(3), item: item(3), at: daysAgo(now, 40) })
  await circulation.checkin(trx, { municipality, item: item(3), at: daysAgo(now, 5, '15:45') })
  await circulation.checkout(trx, {
    municipality,
    patron: card(9),
    item: item(firstComic),
    at: daysAgo(now, 3),
  })
  await circulation.reserve(trx, { municipality, patron: card(5), item: item(1), at: now })
  return 4
}

export interface DemoSeedResult {
  municipality: string
  seeded: boolean
  patrons: number
  items: number
  loans: number
}

async function hasPatrons(services: Services, municipality: string): Promise<boolean> {
  const row = await services.db
    .selectFrom('patrons')
    .select('id')
    .where('municipality', '=', municipality)
    .limit(1)
    .executeTakeFirst()
  return row !== undefined
}

/**
 * Demo patrons, items and loans for every municipality with a policy that has no patrons yet; one
 * transaction per municipality, so a second call (or a second start) adds nothing.
 */
export async function seedDemoData(services: Services): Promise<DemoSeedResult[]> {
  const municipalities = services.policies.municipalities()
  let pinHash: string | undefined
  let sip2PasswordHash: string | undefined
  const results: DemoSeedResult[] = []
  for (const municipality of municipalities) {
    if (await hasPatrons(services, municipality)) {
      results.push({ municipality, seeded: false, patrons: 0, items: 0, loans: 0 })
      continue
    }
    pinHash ??= await hashPin(DEMO_PIN)
    sip2PasswordHash ??= await hashSecret(DEMO_SIP2_PASSWORD)
    const sip2Hash = sip2PasswordHash
    const prefix = prefixOf(municipality, municipalities)
    const items = demoItems(municipality, prefix)
    const hash = pinHash
    const loans = await services.db.transaction().execute(async (trx) => {
      await insertPatrons(trx, services.cprVault, municipality, prefix, hash, services.clock.now())
      await insertItems(trx, items)
      await trx
        .insertInto('sip2Accounts')
        .values({
          login: `automat-${municipality}`,
          passwordHash: sip2Hash,
          municipality,
          location: 'Hovedbiblioteket',
        })
        .onConflict((oc) => oc.doNothing())
        .execute()
      await trx
        .insertInto('staffAccounts')
        .values({
          municipality,
          login: DEMO_STAFF_LOGIN,
          name: 'Skranken (demo)',
          // The same password as the demo machines: one hash serves both.
          passwordHash: sip2Hash,
          roles: ['desk', 'finance', 'administrator'],
        })
        .onConflict((oc) => oc.doNothing())
        .execute()
      return insertLoans(services, trx, municipality, prefix)
    })
    results.push({ municipality, seeded: true, patrons: DEMO_PATRONS.length, items: items.length, loans })
  }
  return results
}
