// Exclusion by staff (002: "Lånere, der i gentagne tilfælde ikke afleverer lånte materialer … kan udelukkes
// fra at låne … Udelukkelse af lånere skal ske med 7 dages skriftligt varsel"): the exclusion is recorded
// with its reason and starts as a block on the day the notice has run; until then staff may withdraw it.
// A block of any kind may be lifted by staff with a reason.

import type { Kysely } from 'kysely'
import { recordAudit, SYSTEM_ACTOR } from '../audit/audit-log.ts'
import type { Database } from '../db/schema.ts'
import { ValidationError } from '../shared/errors.ts'
import { addDays, instantOfLocal, type LocalDate, localDateOf } from '../shared/time.ts'

type Trx = Kysely<Database>

/** Days of written notice before an exclusion takes effect (002). */
export const EXCLUSION_NOTICE_DAYS = 7

function requireReason(reason: string): string {
  const text = reason.trim()
  if (text === '') throw new ValidationError('reason', 'a reason is required')
  return text
}

export async function openExclusionOf(trx: Trx, patronId: number) {
  return trx
    .selectFrom('staffExclusions')
    .selectAll()
    .where('patronId', '=', patronId)
    .where('status', 'in', ['pending', 'in-force'])
    .executeTakeFirst()
}

/**
 * Records an exclusion with notice: it takes effect `EXCLUSION_NOTICE_DAYS` days from today. Undefined when
 * the patron already has one pending or in force.
 */
export async function excludePatron(
  trx: Trx,
  input: { municipality: string; patronId: number; staffId: number; reason: string; at: Date },
) {
  const reason = requireReason(input.reason)
  await trx.selectFrom('patrons').select('id').where('id', '=', input.patronId).forUpdate().execute()
  if (await openExclusionOf(trx, input.patronId)) return undefined
  const exclusion = await trx
    .insertInto('staffExclusions')
    .values({
      municipality: input.municipality,
      patronId: input.patronId,
      staffId: input.staffId,
      reason,
      warnedAt: input.at,
      effectiveOn: addDays(localDateOf(input.at), EXCLUSION_NOTICE_DAYS),
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  await recordAudit(trx, {
    municipality: input.municipality,
    at: input.at,
    actor: { kind: 'staff', staffId: input.staffId },
    action: 'patron-excluded',
    patronId: input.patronId,
    reason,
    details: { exclusion: exclusion.id, effectiveOn: exclusion.effectiveOn },
  })
  return exclusion
}

/** A pending exclusion is withdrawn before it takes effect. False when there is none pending. */
export async function withdrawExclusion(
  trx: Trx,
  input: { exclusionId: number; patronId: number; staffId: number; reason: string; at: Date },
): Promise<boolean> {
  const reason = requireReason(input.reason)
  const withdrawn = await trx
    .updateTable('staffExclusions')
    .set({ status: 'withdrawn', endedAt: input.at, endedBy: input.staffId, endReason: reason })
    .where('id', '=', input.exclusionId)
    .where('patronId', '=', input.patronId)
    .where('status', '=', 'pending')
    .returning('municipality')
    .executeTakeFirst()
  if (!withdrawn) return false
  await recordAudit(trx, {
    municipality: withdrawn.municipality,
    at: input.at,
    actor: { kind: 'staff', staffId: input.staffId },
    action: 'exclusion-withdrawn',
    patronId: input.patronId,
    reason,
    details: { exclusion: input.exclusionId },
  })
  return true
}

/**
 * Exclusions whose notice has run by `today` become blocks (reason `staff`) from the start of their day. Safe
 * to call at any time and more than once: the desk calls it on every staff request; the nightly run should
 * call it too, so that a machine refuses the patron on the day even when no one has used the desk.
 */
export async function activateDueExclusions(
  db: Kysely<Database>,
  municipality: string,
  today: LocalDate,
): Promise<number> {
  const due = await db
    .selectFrom('staffExclusions')
    .select('id')
    .where('municipality', '=', municipality)
    .where('status', '=', 'pending')
    .where('effectiveOn', '<=', today)
    .execute()
  let activated = 0
  for (const { id } of due) {
    await db.transaction().execute(async (trx) => {
      const exclusion = await trx
        .selectFrom('staffExclusions')
        .selectAll()
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .forUpdate()
        .executeTakeFirst()
      if (!exclusion) return
      // One open block per patron and reason: a staff block already in force (a machine kept the card) serves.
      const existing = await trx
        .selectFrom('blocks')
        .select('id')
        .where('patronId', '=', exclusion.patronId)
        .where('reason', '=', 'staff')
        .where('untilAt', 'is', null)
        .executeTakeFirst()
      const block =
        existing ??
        (await trx
          .insertInto('blocks')
          .values({
            municipality,
            patronId: exclusion.patronId,
            reason: 'staff',
            fromAt: instantOfLocal(exclusion.effectiveOn),
          })
          .returning('id')
          .executeTakeFirstOrThrow())
      await trx
        .updateTable('staffExclusions')
        .set({ status: 'in-force', blockId: block.id })
        .where('id', '=', id)
        .execute()
      // The staff member's decision is audited when made; the day it takes effect is the system's doing.
      await recordAudit(trx, {
        municipality,
        at: instantOfLocal(exclusion.effectiveOn),
        actor: SYSTEM_ACTOR,
        action: 'exclusion-in-force',
        patronId: exclusion.patronId,
        blockId: block.id,
        details: { exclusion: exclusion.id, activatedOn: today },
      })
      activated++
    })
  }
  return activated
}

/**
 * Lifts one of the patron's open blocks with a reason. A fee block may come back by the fee rule when the
 * balance next changes; an exclusion by staff tied to the block ends. False when the block is not open.
 */
export async function liftBlock(
  trx: Trx,
  input: {
    municipality: string
    blockId: number
    patronId: number
    staffId: number
    reason: string
    at: Date
  },
): Promise<boolean> {
  const reason = requireReason(input.reason)
  const lifted = await trx
    .updateTable('blocks')
    .set({ untilAt: input.at })
    .where('id', '=', input.blockId)
    .where('patronId', '=', input.patronId)
    .where('untilAt', 'is', null)
    .returning('id')
    .executeTakeFirst()
  if (!lifted) return false
  await recordAudit(trx, {
    municipality: input.municipality,
    at: input.at,
    actor: { kind: 'staff', staffId: input.staffId },
    action: 'block-lifted',
    patronId: input.patronId,
    blockId: input.blockId,
    reason,
  })
  await trx
    .insertInto('blockLifts')
    .values({
      municipality: input.municipality,
      blockId: input.blockId,
      patronId: input.patronId,
      staffId: input.staffId,
      reason,
      at: input.at,
    })
    .execute()
  await trx
    .updateTable('staffExclusions')
    .set({ status: 'lifted', endedAt: input.at, endedBy: input.staffId, endReason: reason })
    .where('blockId', '=', input.blockId)
    .where('status', '=', 'in-force')
    .execute()
  return true
}
