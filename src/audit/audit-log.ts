// The audit log: who did what to whom, when and why. Every entry is written by `recordAudit` in the
// transaction that makes the fact, so the fact and its entry are committed together or not at all. The table
// is append-only in the database (migration 0015); nothing here updates or deletes.

import type { Kysely } from 'kysely'
import type { AuditActorKind, Database } from '../db/schema.ts'
import { maskCprNumbers } from '../shared/log-redaction.ts'

type Trx = Kysely<Database>

/**
 * Who acted. The edge (desk route, API route, SIP2 session, CLI, job) says who; the domain functions only
 * pass it on. A staff member is named by the account's login at the time of the entry.
 */
export type AuditActor =
  | { kind: 'staff'; staffId: number }
  | { kind: 'api'; name: string }
  | { kind: 'machine'; name: string }
  | { kind: 'system' }
  | { kind: 'operator'; name: string }
  | { kind: 'patron'; patronId: number }

/** The nightly run and the fee rule applied when a balance changes. */
export const SYSTEM_ACTOR: AuditActor = { kind: 'system' }

/** A call to the API, by the name of its key (`LAAN_API_KEY` is named "LAAN_API_KEY"). */
export function apiActor(caller: { name: string } | null): AuditActor {
  return { kind: 'api', name: caller?.name ?? 'api-key' }
}

export const AUDIT_ACTIONS = [
  'patron-looked-up',
  'charge-annulled',
  'charge-written-down',
  'patron-excluded',
  'exclusion-withdrawn',
  'exclusion-in-force',
  'block-lifted',
  'patron-blocked',
  'fee-block',
  'fee-exclusion',
  'fee-block-lifted',
  'appeal-decided',
  'policy-installed',
  'policy-updated',
  'payment-recorded',
  'payment-matched',
  'patron-data-downloaded',
] as const

export type AuditAction = (typeof AUDIT_ACTIONS)[number]

export interface AuditEntry {
  municipality: string
  at: Date
  actor: AuditActor
  action: AuditAction
  patronId?: number | null | undefined
  chargeId?: number | null | undefined
  claimId?: number | null | undefined
  blockId?: number | null | undefined
  /** The reason staff gave, as they gave it. */
  reason?: string | null | undefined
  /** What else identifies the fact: amounts, versions, outcomes. Ids and numbers, not personal data. */
  details?: Record<string, unknown> | undefined
}

async function actorColumns(
  trx: Trx,
  actor: AuditActor,
): Promise<{ actorKind: AuditActorKind; actorId: number | null; actorName: string }> {
  switch (actor.kind) {
    case 'staff': {
      const staff = await trx
        .selectFrom('staffAccounts')
        .select('login')
        .where('id', '=', actor.staffId)
        .executeTakeFirst()
      if (!staff) throw new Error(`audit: no staff account ${actor.staffId}`)
      return { actorKind: 'staff', actorId: actor.staffId, actorName: staff.login }
    }
    case 'patron':
      return { actorKind: 'patron', actorId: actor.patronId, actorName: 'patron' }
    case 'system':
      return { actorKind: 'system', actorId: null, actorName: 'system' }
    default:
      return { actorKind: actor.kind, actorId: null, actorName: actor.name }
  }
}

/** Writes one entry, or several at once, in the caller's transaction. */
export async function recordAudit(trx: Trx, entries: AuditEntry | readonly AuditEntry[]): Promise<void> {
  const list = Array.isArray(entries) ? (entries as readonly AuditEntry[]) : [entries as AuditEntry]
  if (list.length === 0) return
  const actors = new Map<string, Awaited<ReturnType<typeof actorColumns>>>()
  const rows = []
  for (const entry of list) {
    const key = JSON.stringify(entry.actor)
    let actor = actors.get(key)
    if (!actor) {
      actor = await actorColumns(trx, entry.actor)
      actors.set(key, actor)
    }
    // 4: CPR numbers never in clear at rest, not even typed into a reason.
    const reason =
      entry.reason === undefined || entry.reason === null ? undefined : maskCprNumbers(entry.reason.trim())
    rows.push({
      municipality: entry.municipality,
      at: entry.at,
      ...actor,
      action: entry.action,
      patronId: entry.patronId ?? null,
      chargeId: entry.chargeId ?? null,
      claimId: entry.claimId ?? null,
      blockId: entry.blockId ?? null,
      reason: reason === undefined || reason === '' ? null : reason,
      details: JSON.stringify(entry.details ?? {}),
    })
  }
  for (let i = 0; i < rows.length; i += 1000) {
    await trx
      .insertInto('auditLog')
      .values(rows.slice(i, i + 1000))
      .execute()
  }
}

export interface AuditFilter {
  patronId?: number | undefined
  action?: AuditAction | undefined
}

/** A page of a municipality's entries, newest first; one more row than `limit` tells whether more follow. */
export async function auditEntries(
  db: Trx,
  municipality: string,
  filter: AuditFilter,
  page: { limit: number; offset: number },
) {
  let query = db.selectFrom('auditLog').selectAll().where('municipality', '=', municipality)
  if (filter.patronId !== undefined) query = query.where('patronId', '=', filter.patronId)
  if (filter.action !== undefined) query = query.where('action', '=', filter.action)
  const rows = await query
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(page.limit + 1)
    .offset(page.offset)
    .execute()
  return { rows: rows.slice(0, page.limit), more: rows.length > page.limit }
}

/** Every entry about one patron, oldest first (the patron's own data export). */
export async function auditEntriesAbout(db: Trx, patronId: number) {
  return db
    .selectFrom('auditLog')
    .select(['at', 'actorKind', 'actorName', 'action', 'chargeId', 'claimId', 'blockId', 'reason', 'details'])
    .where('patronId', '=', patronId)
    .orderBy('at')
    .orderBy('id')
    .execute()
}
