import { type Kysely, sql } from 'kysely'
import { executeScript } from '../sql-script.ts'

/** Drops the plaintext column of the tables that hold no plaintext CPR number (also run after converting). */
export const DROP_EMPTY_PLAINTEXT_CPR = `
do $$
declare
  t text;
  has_plaintext boolean;
begin
  foreach t in array array['patrons', 'debtors', 'verified_identities', 'pending_registrations'] loop
    if exists (select 1 from information_schema.columns
               where table_schema = current_schema() and table_name = t and column_name = 'cpr') then
      execute format('select exists (select 1 from %I where cpr is not null)', t) into has_plaintext;
      if not has_plaintext then
        execute format('alter table %I drop column cpr', t);
        if t in ('verified_identities', 'pending_registrations') then
          execute format('alter table %I alter column cpr_hash set not null, alter column cpr_encrypted set not null', t);
        end if;
      end if;
    end if;
  end loop;
end $$`

// CPR numbers at rest (issue 7.4): a keyed hash to find them by and the number encrypted, never in clear.
// The key lives in the environment, not here, so rows written by an earlier version are converted when the
// services start (sealPlaintextCpr in src/patrons/cpr-at-rest.ts), which then drops the plaintext column.
// A table with no plaintext CPR number loses the column here already.
export async function up(db: Kysely<unknown>): Promise<void> {
  await executeScript(
    db,
    `
    drop index if exists patrons_cpr;
    drop index if exists debtors_cpr;
    drop index if exists pending_registrations_open;

    alter table patrons add column cpr_hash text, add column cpr_encrypted text;
    alter table debtors add column cpr_hash text, add column cpr_encrypted text;
    alter table verified_identities add column cpr_hash text, add column cpr_encrypted text,
      alter column cpr drop not null;
    alter table pending_registrations add column cpr_hash text, add column cpr_encrypted text,
      alter column cpr drop not null;

    create index patrons_cpr_hash on patrons (municipality, cpr_hash) where cpr_hash is not null;
    create unique index debtors_cpr_hash on debtors (municipality, cpr_hash) where cpr_hash is not null;
    create unique index pending_registrations_open on pending_registrations (municipality, cpr_hash)
      where status = 'pending';

    `,
  )
  await sql.raw(DROP_EMPTY_PLAINTEXT_CPR).execute(db)
}
