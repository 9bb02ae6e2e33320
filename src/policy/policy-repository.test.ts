import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { sql } from 'kysely'
import { SYSTEM_ACTOR } from '../audit/audit-log.ts'
import { migrateToLatest } from '../db/migrate.ts'
import { openTestDatabase } from '../test-support/test-database.ts'
import { readPolicyFiles } from './policy-files.ts'
import { loadPolicies, syncPolicies } from './policy-repository.ts'

const handles: Awaited<ReturnType<typeof openTestDatabase>>[] = []
after(async () => {
  for (const handle of handles) await handle.close()
})

describe('stored policy versions', () => {
  it('keep their values; sections added to the format since are taken from the file of the same version', async () => {
    const handle = await openTestDatabase()
    handles.push(handle)
    const { db } = handle
    await migrateToLatest(db as never)
    await syncPolicies(db, readPolicyFiles(), SYSTEM_ACTOR, new Date())
    // As stored by an installation from before notices existed, with a value since changed in the file.
    await sql`
      update policy_versions
      set document = (document - 'notices' - 'reservations' - 'door')
        || jsonb_build_object('loans', jsonb_set(document->'loans', '{defaultDays,value}', '99'))
      where municipality = 'kobenhavn' and version = 1
    `.execute(db)
    await assert.rejects(loadPolicies(db), /notices/)
    await syncPolicies(db, readPolicyFiles(), SYSTEM_ACTOR, new Date())
    const kk = (await loadPolicies(db)).find((p) => p.municipality === 'kobenhavn' && p.version === 1)
    assert.ok(kk)
    assert.equal(kk.loans.defaultDays.value, 99)
    assert.equal(kk.notices.reminder.value?.daysBeforeDue, 3)
    assert.equal(kk.reservations.pickupDays.value, 7)
    assert.equal(kk.door.minimumAge.value, 15)
    assert.equal(kk.door.logRetentionDays.value, 30)
  })
})
