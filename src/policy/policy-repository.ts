import { type AuditActor, recordAudit } from '../audit/audit-log.ts'
import type { Db } from '../db/database.ts'
import { type Policy, parsePolicy } from './policy-schema.ts'

/**
 * Stores the policy versions that the database does not have yet. A stored version's values are never
 * rewritten; a section added to the policy format since it was stored (e.g. `notices`) is taken from the
 * file of the same version, so an installation keeps starting after an upgrade. Each version installed or
 * completed is audited as `actor`'s doing (the operator at `laan migrate`, the system at start).
 */
export async function syncPolicies(
  db: Db,
  policies: readonly Policy[],
  actor: AuditActor,
  at: Date,
): Promise<number> {
  let added = 0
  const stored = await db
    .selectFrom('policyVersions')
    .select(['municipality', 'version', 'document'])
    .execute()
  const inTransaction = <T>(fn: (trx: Db) => Promise<T>) =>
    db.isTransaction ? fn(db) : db.transaction().execute(fn)
  for (const policy of policies) {
    const existing = stored.find(
      (row) => row.municipality === policy.municipality && row.version === policy.version,
    )
    if (existing) {
      const document = (
        typeof existing.document === 'string' ? JSON.parse(existing.document) : existing.document
      ) as Record<string, unknown>
      const missing = Object.entries(policy).filter(([section]) => !(section in document))
      if (missing.length > 0) {
        await inTransaction(async (trx) => {
          await trx
            .updateTable('policyVersions')
            .set({ document: JSON.stringify({ ...document, ...Object.fromEntries(missing) }) })
            .where('municipality', '=', policy.municipality)
            .where('version', '=', policy.version)
            .execute()
          await recordAudit(trx, {
            municipality: policy.municipality,
            at,
            actor,
            action: 'policy-updated',
            details: { version: policy.version, sectionsAdded: missing.map(([section]) => section) },
          })
        })
      }
    }
    await inTransaction(async (trx) => {
      await trx
        .insertInto('municipalities')
        .values({ code: policy.municipality, name: policy.name })
        .onConflict((oc) => oc.column('code').doUpdateSet({ name: policy.name }))
        .execute()
      const result = await trx
        .insertInto('policyVersions')
        .values({
          municipality: policy.municipality,
          version: policy.version,
          effectiveFrom: policy.effectiveFrom,
          document: JSON.stringify(policy),
        })
        .onConflict((oc) => oc.columns(['municipality', 'version']).doNothing())
        .executeTakeFirst()
      const inserted = Number(result.numInsertedOrUpdatedRows ?? 0n)
      if (inserted > 0) {
        await recordAudit(trx, {
          municipality: policy.municipality,
          at,
          actor,
          action: 'policy-installed',
          details: { version: policy.version, effectiveFrom: policy.effectiveFrom },
        })
      }
      added += inserted
    })
  }
  return added
}

export async function loadPolicies(db: Db): Promise<Policy[]> {
  const rows = await db.selectFrom('policyVersions').select(['municipality', 'version', 'document']).execute()
  return rows.map((row) => parsePolicy(row.document, `${row.municipality} v${row.version}`))
}
