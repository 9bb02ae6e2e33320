import type { Db } from '../db/database.ts'
import { type Policy, parsePolicy } from './policy-schema.ts'

/** Stores the policy versions that the database does not have yet; stored versions are never rewritten. */
export async function syncPolicies(db: Db, policies: readonly Policy[]): Promise<number> {
  let added = 0
  for (const policy of policies) {
    await db
      .insertInto('municipalities')
      .values({ code: policy.municipality, name: policy.name })
      .onConflict((oc) => oc.column('code').doUpdateSet({ name: policy.name }))
      .execute()
    const result = await db
      .insertInto('policyVersions')
      .values({
        municipality: policy.municipality,
        version: policy.version,
        effectiveFrom: policy.effectiveFrom,
        document: JSON.stringify(policy),
      })
      .onConflict((oc) => oc.columns(['municipality', 'version']).doNothing())
      .executeTakeFirst()
    added += Number(result.numInsertedOrUpdatedRows ?? 0n)
  }
  return added
}

export async function loadPolicies(db: Db): Promise<Policy[]> {
  const rows = await db.selectFrom('policyVersions').select(['municipality', 'version', 'document']).execute()
  return rows.map((row) => parsePolicy(row.document, `${row.municipality} v${row.version}`))
}
