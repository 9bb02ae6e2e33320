// A patron's login with card or CPR number and PIN. After 5 wrong PINs in a row the PIN is locked for
// 15 minutes (assumed; the desk can help sooner); an unknown card gets the same answer as a wrong PIN.

import type { Db } from '../db/database.ts'
import type { PatronRow } from '../db/schema.ts'
import type { CprVault } from '../patrons/cpr-vault.ts'
import { findPatronByCardOrCpr } from '../patrons/patron-repository.ts'
import { verifyPin } from '../patrons/patron-service.ts'

export const PIN_ATTEMPTS = 5
export const PIN_LOCK_MINUTES = 15

export type PinLogin =
  | { ok: true; patron: PatronRow }
  | { ok: false; reason: 'wrong' }
  | { ok: false; reason: 'locked'; until: Date }

export async function loginWithPin(
  db: Db,
  vault: CprVault,
  municipality: string,
  identifier: string,
  pin: string,
  now: Date,
): Promise<PinLogin> {
  const patron = await findPatronByCardOrCpr(db, vault, municipality, identifier.trim())
  if (!patron) return { ok: false, reason: 'wrong' }
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
    return { ok: true, patron }
  }
  // Counted in the database, so parallel guesses cannot slip past the limit.
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
