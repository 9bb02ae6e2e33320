import type { Kysely } from 'kysely'
import { executeScript } from '../sql-script.ts'

// Min side lists a guardian's children and the registrations waiting for their consent: both by guardian.
export async function up(db: Kysely<unknown>): Promise<void> {
  await executeScript(
    db,
    `
    create index patrons_guardian on patrons (guardian_id) where guardian_id is not null;
    create index pending_registrations_guardian on pending_registrations (guardian_id) where status = 'pending';
    `,
  )
}
