// Wrong PINs are counted per patron in the database, for every channel that checks a PIN (the web login,
// the self-service machines), so guessing cannot move from one channel to another or slip past the limit
// with parallel requests. After 5 wrong PINs in a row the PIN is locked for 15 minutes (assumed; the desk
// can help sooner).

import type { Db } from '../db/database.ts'
import type { PatronRow } from '../db/schema.ts'
import { verifyPin } from './patron-service.ts'

export const PIN_ATTEMPTS = 5
export const PIN_LOCK_MINUTES = 15

export type PinCheck =
  | { ok: true }
  | { ok: false; reason: 'wrong' }
  | { ok: false; reason: 'locked'; until: Date }

/** Checks a patron's PIN and counts a wrong one; a locked PIN is refused without being checked. */
export async function checkPin(db: Db, patron: PatronRow, pin: string, now: Date): Promise<PinCheck> {
  if (patron.pinLockedUntil !== null && patron.pinLockedUntil > now) {
    return { ok: false, reason: 'locked', until: patron.pinLockedUntil }
  }
  if (await verifyPin(patron, pin)) {
    if (patron.pinFailures > 0 || patron.pinLockedUntil !== null) {
      await db
        .updateTable('patrons')
        .set({ pinFailures: 0, pinLockedUntil: null })
        .where('id', '=', patron.id)
        .execute()
    }
    return { ok: true }
  }
  const counted = await db
    .updateTable('patrons')
    .set((eb) => ({ pinFailures: eb('pinFailures', '+', 1) }))
    .where('id', '=', patron.id)
    .returning('pinFailures')
    .executeTakeFirstOrThrow()
  if (counted.pinFailures >= PIN_ATTEMPTS) {
    const until = new Date(now.getTime() + PIN_LOCK_MINUTES * 60_000)
    await db
      .updateTable('patrons')
      .set({ pinFailures: 0, pinLockedUntil: until })
      .where('id', '=', patron.id)
      .execute()
    return { ok: false, reason: 'locked', until }
  }
  return { ok: false, reason: 'wrong' }
}
