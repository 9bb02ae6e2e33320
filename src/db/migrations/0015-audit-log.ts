import type { Kysely } from 'kysely'
import { executeScript } from '../sql-script.ts'

// The audit log: who did what to whom, when and why (staff look-ups of a patron, charge corrections, blocks
// and exclusions, appeal decisions, policy changes, payments recorded by staff). Append-only in the database
// itself: a row can be added, never changed, deleted or truncated away, whoever holds the connection.
// No foreign key to patrons: a patron is deleted after 2 years without loans (002), the record of what was
// done stays.
export async function up(db: Kysely<unknown>): Promise<void> {
  await executeScript(
    db,
    `
    create table audit_log (
      id serial primary key,
      municipality text not null,
      at timestamptz not null,
      actor_kind text not null check (actor_kind in ('staff', 'api', 'machine', 'system', 'operator', 'patron')),
      actor_id integer,
      actor_name text not null check (actor_name <> ''),
      action text not null check (action <> ''),
      patron_id integer,
      charge_id integer,
      claim_id integer,
      block_id integer,
      reason text,
      details jsonb not null default '{}'
    );
    create index audit_log_recent on audit_log (municipality, at desc, id desc);
    create index audit_log_patron on audit_log (patron_id, at desc) where patron_id is not null;
    create index audit_log_action on audit_log (municipality, action, at desc);

    create function audit_log_append_only() returns trigger language plpgsql as $$ begin raise exception 'audit_log is append-only: % refused', tg_op using errcode = 'insufficient_privilege'; end $$;
    create trigger audit_log_no_change before update or delete on audit_log
      for each row execute function audit_log_append_only();
    create trigger audit_log_no_truncate before truncate on audit_log
      for each statement execute function audit_log_append_only();
    `,
  )
}
