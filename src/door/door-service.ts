import type { Db } from '../db/database.ts'
import type { CprVault } from '../patrons/cpr-vault.ts'
import { findPatronByCardOrCpr } from '../patrons/patron-repository.ts'
import type { PolicyCatalog } from '../policy/policy-catalog.ts'
import type { Policy } from '../policy/policy-schema.ts'
import type { Clock } from '../shared/clock.ts'
import { ValidationError } from '../shared/errors.ts'
import { addDays, instantOfLocal, type LocalDate, localDateOf } from '../shared/time.ts'
import {
  type DoorDecision,
  type DoorReason,
  decideDoorEntry,
  doorLogKeptFrom,
  loggedCard,
} from './door-rules.ts'

export interface DoorScanInput {
  municipality: string
  /** As the reader sends it: a library card number or the CPR number of a health card. */
  card: string
  /** Which library's door. */
  location: string
  /** When the card was scanned; the clock's now when absent. */
  at?: Date | undefined
}

export interface DoorEntry {
  id: number
  location: string
  /** The patron's card number, or the scanned card masked (never a CPR number in clear). */
  card: string
  at: Date
  opened: boolean
  reason: DoorReason
}

export interface DoorEntryQuery {
  municipality: string
  /** Local dates, both included. */
  from: LocalDate
  to: LocalDate
  location?: string | undefined
  limit?: number | undefined
}

export function createDoorService(deps: { policies: PolicyCatalog; clock: Clock; cprVault: CprVault }) {
  const { policies, clock } = deps

  /** A card scanned at the door: the decision, logged. */
  async function scan(trx: Db, input: DoorScanInput): Promise<DoorDecision & { entry: DoorEntry }> {
    const card = input.card.trim()
    if (card === '') throw new ValidationError('card', 'a card or CPR number is required')
    const location = input.location.trim()
    if (location === '') throw new ValidationError('location', 'the door’s library is required')
    const at = input.at ?? clock.now()
    const date = localDateOf(at)
    const policy = policies.inForce(input.municipality, date)
    const patron = (await findPatronByCardOrCpr(trx, deps.cprVault, input.municipality, card)) ?? null
    const decision = decideDoorEntry({ patron, date, policy })
    const row = await trx
      .insertInto('doorEntries')
      .values({
        municipality: input.municipality,
        location,
        card: loggedCard(
          card,
          patron && {
            cardNumber: patron.cardNumber,
            cardIsCpr:
              patron.cprHash !== null && deps.cprVault.lookupHash(patron.cardNumber) === patron.cprHash,
          },
        ),
        at,
        opened: decision.open,
        reason: decision.reason,
      })
      .returning(['id', 'location', 'card', 'at', 'opened', 'reason'])
      .executeTakeFirstOrThrow()
    return { ...decision, entry: entryOf(row) }
  }

  /** The log of a period, oldest first. */
  async function entries(trx: Db, query: DoorEntryQuery): Promise<DoorEntry[]> {
    if (query.to < query.from) throw new ValidationError('to', 'must not be before from')
    let select = trx
      .selectFrom('doorEntries')
      .select(['id', 'location', 'card', 'at', 'opened', 'reason'])
      .where('municipality', '=', query.municipality)
      .where('at', '>=', instantOfLocal(query.from))
      .where('at', '<', instantOfLocal(addDays(query.to, 1)))
    if (query.location !== undefined) select = select.where('location', '=', query.location)
    const rows = await select
      .orderBy('at')
      .orderBy('id')
      .limit(query.limit ?? 1000)
      .execute()
    return rows.map(entryOf)
  }

  return { scan, entries }
}

export type DoorService = ReturnType<typeof createDoorService>

function entryOf(row: {
  id: string | number
  location: string
  card: string
  at: Date
  opened: boolean
  reason: string
}): DoorEntry {
  return {
    id: Number(row.id),
    location: row.location,
    card: row.card,
    at: new Date(row.at),
    opened: row.opened,
    reason: row.reason as DoorReason,
  }
}

/**
 * Retention: deletes the entries from before the first date the policy keeps on a business date. The
 * cutoff depends only on the date and the policy, so running it again for the date deletes nothing more.
 */
export async function deleteExpiredDoorEntries(
  db: Db,
  municipality: string,
  policy: Pick<Policy, 'door'>,
  date: LocalDate,
): Promise<number> {
  const result = await db
    .deleteFrom('doorEntries')
    .where('municipality', '=', municipality)
    .where('at', '<', instantOfLocal(doorLogKeptFrom(policy, date)))
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}
