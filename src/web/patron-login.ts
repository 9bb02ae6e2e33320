// A patron's login with card or CPR number and PIN (wrong PINs counted and locked in pin-attempts.ts); an
// unknown card gets the same answer as a wrong PIN.

import type { Db } from '../db/database.ts'
import type { PatronRow } from '../db/schema.ts'
import type { CprVault } from '../patrons/cpr-vault.ts'
import { findPatronByCardOrCpr } from '../patrons/patron-repository.ts'
import { checkPin } from '../patrons/pin-attempts.ts'

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
  const check = await checkPin(db, patron, pin, now)
  return check.ok ? { ok: true, patron } : check
}
