import type { Kysely } from 'kysely'
import { executeScript } from '../sql-script.ts'

// Self-service: the Danish material designations and classification the FBS kiosks show (GMB, SMB, DK5),
// the patron's home address (BD), the offline transactions machines replay (each recorded once with the
// answer given, so a second replay has no second effect), and the door's entry log.
export async function up(db: Kysely<unknown>): Promise<void> {
  await executeScript(
    db,
    `
    alter table items add column gmb text;
    alter table items add column smb text;
    alter table items add column dk5 text;

    alter table patrons add column street text;
    alter table patrons add column postal_code text;
    alter table patrons add column city text;
    alter table patrons add column country text;

    create table sip2_offline_transactions (
      login text not null,
      command text not null,
      item text not null,
      patron text not null,
      transaction_at timestamptz not null,
      response text not null,
      recorded_at timestamptz not null default now(),
      primary key (login, command, item, patron, transaction_at)
    );

    alter table sip2_accounts add column last_login_at timestamptz;

    create table door_entries (
      id bigserial primary key,
      municipality text not null,
      location text not null,
      card text not null,
      at timestamptz not null,
      opened boolean not null,
      reason text not null
    );
    create index door_entries_at on door_entries (municipality, at);
    `,
  )
}
