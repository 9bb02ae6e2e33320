import type { Kysely } from 'kysely'
import type { Database, ReservationRow } from '../db/schema.ts'

type Trx = Kysely<Database>

/** Another patron waits for the title (one whose copy is already on the hold shelf does not). */
export async function hasWaitingReservationByOthers(
  trx: Trx,
  municipality: string,
  title: string,
  patronId: number,
): Promise<boolean> {
  const row = await trx
    .selectFrom('reservations')
    .select('id')
    .where('municipality', '=', municipality)
    .where('title', '=', title)
    .where('status', '=', 'waiting')
    .where('patronId', '<>', patronId)
    .executeTakeFirst()
  return row !== undefined
}

export async function openReservationOf(
  trx: Trx,
  municipality: string,
  title: string,
  patronId: number,
): Promise<ReservationRow | undefined> {
  return trx
    .selectFrom('reservations')
    .selectAll()
    .where('municipality', '=', municipality)
    .where('title', '=', title)
    .where('patronId', '=', patronId)
    .where('status', 'in', ['waiting', 'held'])
    .executeTakeFirst()
}
